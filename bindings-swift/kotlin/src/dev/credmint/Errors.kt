// The fields every family of the generated CredmintException has (the core's
// stable code, HTTP status, retryability) as properties of the sealed class.
package dev.credmint

/** The core's stable error code (`invalid_key`, `token_expired`, `permission_denied`, …). */
val CredmintException.code: String
    get() = when (this) {
        is CredmintException.Key -> code
        is CredmintException.Token -> code
        is CredmintException.InvalidArgument -> code
        is CredmintException.Signing -> code
        is CredmintException.Transport -> code
        is CredmintException.Remote -> code
    }

/** The HTTP status of a server's answer, when there was one. */
val CredmintException.status: Int?
    get() = (this as? CredmintException.Remote)?.httpStatus?.toInt()

/** Whether the same call may succeed later. */
val CredmintException.retryable: Boolean
    get() = when (this) {
        is CredmintException.Transport -> true
        is CredmintException.Remote -> retryable
        else -> false
    }

/** The core's family of the error (`key`, `token`, `invalid_argument`, `signing`, `transport`, `remote`): its variant. */
val CredmintException.family: String
    get() = when (this) {
        is CredmintException.Key -> "key"
        is CredmintException.Token -> "token"
        is CredmintException.InvalidArgument -> "invalid_argument"
        is CredmintException.Signing -> "signing"
        is CredmintException.Transport -> "transport"
        is CredmintException.Remote -> "remote"
    }
