// The overrides every credential type accepts, written as the JSON the core
// reads (CredentialOptions); the core checks them and owns every default.
package dev.credmint

/**
 * What a caller may change about credentials, whatever their type: `null`
 * keeps the core's default, and fields a type has no use for are ignored.
 *
 * ```kotlin
 * Credentials.fromJson(text, CredentialOptions(scopes = listOf("openid"), tokenUri = "http://127.0.0.1:8080/token"))
 * ```
 */
data class CredentialOptions(
    /** Scopes to ask for instead of the type's default. */
    val scopes: List<String>? = null,
    /** The token endpoint (a key's `token_uri`, a user's refresh endpoint, STS, IBM IAM, an OAuth client's). */
    val tokenUri: String? = null,
    /** The IAM Credentials endpoint impersonation calls go to. */
    val iamEndpoint: String? = null,
    /** The metadata server (`http://host:port`). */
    val metadataBase: String? = null,
    /** Lifetime of impersonated access tokens, seconds. */
    val lifetimeSecs: Long? = null,
    /** The impersonation delegation chain, replacing the document's. */
    val delegates: List<String>? = null,
    /** The quota project, replacing the document's. */
    val quotaProjectId: String? = null,
    /** The user a service account acts for (domain-wide delegation). */
    val subject: String? = null,
    /** Seed of the retry jitter (reproducible schedules in tests). */
    val jitterSeed: Long? = null,
) {
    /** The core's JSON form, or null when nothing is overridden. */
    internal fun json(): String? = jsonObject(
        "scopes" to scopes, "token_uri" to tokenUri, "iam_endpoint" to iamEndpoint,
        "metadata_base" to metadataBase, "lifetime_secs" to lifetimeSecs, "delegates" to delegates,
        "quota_project_id" to quotaProjectId, "subject" to subject, "jitter_seed" to jitterSeed,
    ).takeUnless { it == "{}" }
}

/** A JSON object of the members that are not null (strings, lists of strings, numbers, booleans). */
internal fun jsonObject(vararg members: Pair<String, Any?>): String = buildString {
    append('{')
    members.filter { it.second != null }.forEachIndexed { index, (name, value) ->
        if (index > 0) append(',')
        quoted(name)
        append(':')
        when (value) {
            is String -> quoted(value)
            is List<*> -> value.joinTo(this, ",", "[", "]") { item -> StringBuilder().apply { quoted(item as String) } }
            is Number, is Boolean -> append(value.toString())
            else -> throw IllegalArgumentException("not a JSON value: ${value?.javaClass}")
        }
    }
    append('}')
}

private fun StringBuilder.quoted(text: String) {
    append('"')
    for (char in text) {
        when {
            char == '"' -> append("\\\"")
            char == '\\' -> append("\\\\")
            char < ' ' -> append("\\u%04x".format(char.code))
            else -> append(char)
        }
    }
    append('"')
}
