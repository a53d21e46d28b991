//! The one error type of credmint, with a stable machine-readable code per variant.
//!
//! Messages carry the context that was used (`exp`, `now`, leeway, sizes) and
//! never a secret: no key material, no token text, no API key. Strings that come
//! from untrusted input (a `kid`, an `alg`) are quoted and truncated.

use std::fmt;

/// Result alias used throughout credmint.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in credmint.
///
/// Match on [`Error::code`] for a stable string (`token_expired`, …) that every
/// binding exposes unchanged; the variants carry the context that was used.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Key material could not be read: bad JSON, PEM, DER or JWK, or an inconsistent RSA key.
    InvalidKey {
        /// What was wrong, without any key bytes.
        reason: String,
    },
    /// A well-formed key that credmint refuses: not RSA, wrong size or exponent, encrypted.
    UnsupportedKey {
        /// Which rule the key broke.
        reason: String,
    },
    /// The token is not a well-formed compact JWS/JWT.
    MalformedToken {
        /// What was wrong, without the token text.
        reason: String,
    },
    /// The token's `alg` is not RS256 (the only algorithm credmint accepts).
    UnsupportedAlgorithm {
        /// The `alg` found, quoted and truncated.
        alg: String,
    },
    /// The RS256 signature does not verify with the selected key.
    SignatureInvalid,
    /// No key in the key set matches the token.
    KeyNotFound {
        /// Why no single key could be chosen.
        reason: String,
    },
    /// `exp` is not after `now - leeway`.
    TokenExpired {
        /// The token's `exp`.
        exp: i64,
        /// The time the caller passed.
        now: i64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// `nbf` is after `now + leeway`.
    TokenNotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time the caller passed.
        now: i64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// `iat` is after `now + leeway`.
    TokenIssuedInFuture {
        /// The token's `iat`.
        iat: i64,
        /// The time the caller passed.
        now: i64,
        /// The leeway in seconds.
        leeway: u64,
    },
    /// A lifetime (`exp - iat`, or `exp - now` when signing) exceeds the allowed maximum.
    LifetimeTooLong {
        /// The lifetime found, in seconds.
        lifetime: i64,
        /// The maximum allowed, in seconds.
        max: u64,
    },
    /// The token's `aud` contains none of the expected audiences.
    AudienceMismatch {
        /// The audiences the caller accepts.
        expected: Vec<String>,
        /// The audiences the token names (quoted, truncated).
        found: Vec<String>,
    },
    /// The token's `iss` is not one of the expected issuers.
    IssuerMismatch {
        /// The issuers the caller accepts.
        expected: Vec<String>,
        /// The issuer the token names, if any (quoted, truncated).
        found: Option<String>,
    },
    /// Claims are not a JSON object, or a claim has the wrong type or value.
    InvalidClaims {
        /// Which claim and what was wrong.
        reason: String,
    },
    /// An argument given by the caller is invalid (empty scope, leeway too large, …).
    InvalidArgument {
        /// Which argument and what was wrong.
        reason: String,
    },
    /// The RSA backend failed to sign (for example no system randomness for blinding).
    SigningFailed {
        /// What failed.
        reason: String,
    },
    /// A server answered with an error; [`RemoteKind`] says what a caller can do about it.
    Remote(RemoteError),
    /// A server's answer could not be understood: not JSON, a missing or mistyped
    /// field, an HTML page, an empty or oversized body, an unknown error body.
    InvalidResponse {
        /// The HTTP status of the response.
        status: u16,
        /// What was wrong, without the body's content.
        reason: String,
    },
    /// The host could not complete the exchange (connection refused, timeout, TLS).
    Transport {
        /// What the host reported.
        reason: String,
    },
    /// Application Default Credentials found nothing, or the file
    /// `GOOGLE_APPLICATION_CREDENTIALS` names does not exist.
    CredentialsNotFound {
        /// What was looked at, naming variables and paths.
        reason: String,
    },
    /// This kind of credential cannot do what was asked (an ID token from a
    /// person's `authorized_user` credentials).
    NotSupported {
        /// What was asked and what can do it instead.
        reason: String,
    },
}

/// The family of an error: what a caller does about it. Every binding's error
/// types follow it — Kotlin's and Swift's `CredmintException.<Family>`, the base
/// class of each Python exception, JavaScript's `error.family` — so that no
/// binding sorts codes itself and a new code lands in the same family everywhere.
///
/// Not `non_exhaustive`: a new family must be handled by every binding before it builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorFamily {
    /// Key material could not be read or is refused (`invalid_key`, `unsupported_key`).
    Key,
    /// A token failed verification: its structure, signature, key or claims.
    Token,
    /// The caller's argument or configuration: fix it (`invalid_argument`,
    /// `credentials_not_found`, `not_supported`).
    InvalidArgument,
    /// Signing failed (`signing_failed`), including a host signer's own failure.
    Signing,
    /// The request never got an answer (`transport_error`); retryable.
    Transport,
    /// A server refused, or answered something that is not its protocol
    /// (`permission_denied`, `invalid_response`, …).
    Remote,
}

impl ErrorFamily {
    /// Every family, in declaration order.
    pub const ALL: [ErrorFamily; 6] = [
        ErrorFamily::Key,
        ErrorFamily::Token,
        ErrorFamily::InvalidArgument,
        ErrorFamily::Signing,
        ErrorFamily::Transport,
        ErrorFamily::Remote,
    ];

    /// The family of the stable code `code` (an [`Error::code`]), for errors a
    /// host raises itself with a core code; `None` for a code the core does not have.
    pub fn of_code(code: &str) -> Option<ErrorFamily> {
        Some(match code {
            "invalid_key" | "unsupported_key" => ErrorFamily::Key,
            "malformed_token"
            | "unsupported_algorithm"
            | "signature_invalid"
            | "key_not_found"
            | "token_expired"
            | "token_not_yet_valid"
            | "token_issued_in_future"
            | "lifetime_too_long"
            | "audience_mismatch"
            | "issuer_mismatch"
            | "invalid_claims" => ErrorFamily::Token,
            "invalid_argument" | "credentials_not_found" | "not_supported" => {
                ErrorFamily::InvalidArgument
            }
            "signing_failed" => ErrorFamily::Signing,
            "transport_error" => ErrorFamily::Transport,
            "credential_rejected"
            | "unauthenticated"
            | "permission_denied"
            | "not_found"
            | "rate_limited"
            | "server_error"
            | "remote_error"
            | "invalid_response" => ErrorFamily::Remote,
            _ => return None,
        })
    }

    /// A short stable name: `key`, `token`, `invalid_argument`, `signing`, `transport`, `remote`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorFamily::Key => "key",
            ErrorFamily::Token => "token",
            ErrorFamily::InvalidArgument => "invalid_argument",
            ErrorFamily::Signing => "signing",
            ErrorFamily::Transport => "transport",
            ErrorFamily::Remote => "remote",
        }
    }
}

/// Whose fault a remote error is, and what helps. Each kind has its own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemoteKind {
    /// The credential itself was refused (`invalid_grant`, `invalid_client`, an
    /// unknown API key): fix the key, secret or clock; retrying will not help.
    CredentialRejected,
    /// HTTP 401: the bearer token is missing, expired or revoked; get a new one.
    Unauthenticated,
    /// HTTP 403: the caller lacks a permission (see `reason`/`message`).
    PermissionDenied,
    /// HTTP 404: the account, resource or endpoint does not exist.
    NotFound,
    /// HTTP 429: slow down; retry after the delay the core computes.
    RateLimited,
    /// HTTP 5xx or 408: the server failed; retry after the delay the core computes.
    ServerError,
    /// Any other refusal (usually HTTP 400 for an invalid request).
    Rejected,
}

impl RemoteKind {
    /// The stable code of this kind.
    pub fn code(self) -> &'static str {
        match self {
            RemoteKind::CredentialRejected => "credential_rejected",
            RemoteKind::Unauthenticated => "unauthenticated",
            RemoteKind::PermissionDenied => "permission_denied",
            RemoteKind::NotFound => "not_found",
            RemoteKind::RateLimited => "rate_limited",
            RemoteKind::ServerError => "server_error",
            RemoteKind::Rejected => "remote_error",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, RemoteKind::RateLimited | RemoteKind::ServerError)
    }
}

/// An error answer from a server, with the provider's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// What a caller can do about it.
    pub kind: RemoteKind,
    /// The HTTP status.
    pub status: u16,
    /// The provider's error code: OAuth `error` (`invalid_grant`), Google `status`
    /// (`PERMISSION_DENIED`), IBM `errorCode` (`BXNIM0415E`).
    pub provider_code: Option<String>,
    /// The provider's message (truncated to 512 characters).
    pub message: String,
    /// Google's `ErrorInfo.reason` (`IAM_PERMISSION_DENIED`) when present.
    pub reason: Option<String>,
    /// The missing permission from Google's `ErrorInfo.metadata.permission`, when present.
    pub permission: Option<String>,
    /// Seconds the server asked to wait (`Retry-After`), when given.
    pub retry_after: Option<u64>,
}

impl Error {
    /// The stable machine-readable code of this error, identical in every binding.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidKey { .. } => "invalid_key",
            Error::UnsupportedKey { .. } => "unsupported_key",
            Error::MalformedToken { .. } => "malformed_token",
            Error::UnsupportedAlgorithm { .. } => "unsupported_algorithm",
            Error::SignatureInvalid => "signature_invalid",
            Error::KeyNotFound { .. } => "key_not_found",
            Error::TokenExpired { .. } => "token_expired",
            Error::TokenNotYetValid { .. } => "token_not_yet_valid",
            Error::TokenIssuedInFuture { .. } => "token_issued_in_future",
            Error::LifetimeTooLong { .. } => "lifetime_too_long",
            Error::AudienceMismatch { .. } => "audience_mismatch",
            Error::IssuerMismatch { .. } => "issuer_mismatch",
            Error::InvalidClaims { .. } => "invalid_claims",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::SigningFailed { .. } => "signing_failed",
            Error::Remote(remote) => remote.kind.code(),
            Error::InvalidResponse { .. } => "invalid_response",
            Error::Transport { .. } => "transport_error",
            Error::CredentialsNotFound { .. } => "credentials_not_found",
            Error::NotSupported { .. } => "not_supported",
        }
    }

    /// The family this error belongs to (see [`ErrorFamily`]).
    pub fn family(&self) -> ErrorFamily {
        match self {
            Error::InvalidKey { .. } | Error::UnsupportedKey { .. } => ErrorFamily::Key,
            Error::MalformedToken { .. }
            | Error::UnsupportedAlgorithm { .. }
            | Error::SignatureInvalid
            | Error::KeyNotFound { .. }
            | Error::TokenExpired { .. }
            | Error::TokenNotYetValid { .. }
            | Error::TokenIssuedInFuture { .. }
            | Error::LifetimeTooLong { .. }
            | Error::AudienceMismatch { .. }
            | Error::IssuerMismatch { .. }
            | Error::InvalidClaims { .. } => ErrorFamily::Token,
            Error::InvalidArgument { .. }
            | Error::CredentialsNotFound { .. }
            | Error::NotSupported { .. } => ErrorFamily::InvalidArgument,
            Error::SigningFailed { .. } => ErrorFamily::Signing,
            Error::Transport { .. } => ErrorFamily::Transport,
            Error::Remote(_) | Error::InvalidResponse { .. } => ErrorFamily::Remote,
        }
    }

    /// Whether trying the same operation again later may succeed (rate limits,
    /// server errors, transport failures). Flows already retry these themselves.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Remote(remote) => remote.kind.is_retryable(),
            Error::Transport { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status of the response this error came from, if any.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Remote(remote) => Some(remote.status),
            Error::InvalidResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Every code credmint can return, in the order of the README's table.
    pub const CODES: &'static [&'static str] = &[
        "invalid_key",
        "unsupported_key",
        "malformed_token",
        "unsupported_algorithm",
        "signature_invalid",
        "key_not_found",
        "token_expired",
        "token_not_yet_valid",
        "token_issued_in_future",
        "lifetime_too_long",
        "audience_mismatch",
        "issuer_mismatch",
        "invalid_claims",
        "invalid_argument",
        "signing_failed",
        "credential_rejected",
        "unauthenticated",
        "permission_denied",
        "not_found",
        "rate_limited",
        "server_error",
        "remote_error",
        "invalid_response",
        "transport_error",
        "credentials_not_found",
        "not_supported",
    ];

    pub(crate) fn invalid_key(reason: impl Into<String>) -> Self {
        Error::InvalidKey {
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported_key(reason: impl Into<String>) -> Self {
        Error::UnsupportedKey {
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed(reason: impl Into<String>) -> Self {
        Error::MalformedToken {
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_claims(reason: impl Into<String>) -> Self {
        Error::InvalidClaims {
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_argument(reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_response(status: u16, reason: impl Into<String>) -> Self {
        Error::InvalidResponse {
            status,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidKey { reason } => write!(f, "invalid key: {reason}"),
            Error::UnsupportedKey { reason } => write!(f, "unsupported key: {reason}"),
            Error::MalformedToken { reason } => write!(f, "malformed token: {reason}"),
            Error::UnsupportedAlgorithm { alg } => {
                write!(f, "unsupported algorithm {alg}: only RS256 is accepted")
            }
            Error::SignatureInvalid => write!(f, "signature does not verify"),
            Error::KeyNotFound { reason } => write!(f, "no verification key: {reason}"),
            Error::TokenExpired { exp, now, leeway } => {
                write!(
                    f,
                    "token expired: exp {exp} <= now {now} - leeway {leeway}s"
                )
            }
            Error::TokenNotYetValid { nbf, now, leeway } => {
                write!(
                    f,
                    "token not yet valid: nbf {nbf} > now {now} + leeway {leeway}s"
                )
            }
            Error::TokenIssuedInFuture { iat, now, leeway } => {
                write!(
                    f,
                    "token issued in the future: iat {iat} > now {now} + leeway {leeway}s"
                )
            }
            Error::LifetimeTooLong { lifetime, max } => {
                write!(f, "lifetime {lifetime}s exceeds the maximum of {max}s")
            }
            Error::AudienceMismatch { expected, found } => write!(
                f,
                "audience mismatch: expected one of [{}], token has [{}]",
                expected.join(", "),
                found.join(", ")
            ),
            Error::IssuerMismatch { expected, found } => write!(
                f,
                "issuer mismatch: expected one of [{}], token has {}",
                expected.join(", "),
                found.as_deref().unwrap_or("no iss")
            ),
            Error::InvalidClaims { reason } => write!(f, "invalid claims: {reason}"),
            Error::InvalidArgument { reason } => write!(f, "invalid argument: {reason}"),
            Error::SigningFailed { reason } => write!(f, "signing failed: {reason}"),
            Error::Remote(remote) => {
                write!(f, "server refused (HTTP {}", remote.status)?;
                if let Some(code) = &remote.provider_code {
                    write!(f, ", {code}")?;
                }
                if let Some(reason) = &remote.reason {
                    write!(f, ", {reason}")?;
                }
                write!(f, "): {}", remote.message)?;
                if let Some(permission) = &remote.permission {
                    write!(f, " [missing permission {permission}]")?;
                }
                Ok(())
            }
            Error::InvalidResponse { status, reason } => {
                write!(f, "unexpected response (HTTP {status}): {reason}")
            }
            Error::Transport { reason } => write!(f, "transport failed: {reason}"),
            Error::CredentialsNotFound { reason } => write!(f, "no credentials: {reason}"),
            Error::NotSupported { reason } => write!(f, "not supported: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

/// Quotes an untrusted string for an error message, truncated to 64 characters.
pub(crate) fn quoted(untrusted: &str) -> String {
    const MAX_CHARS: usize = 64;
    let mut shown: String = untrusted.chars().take(MAX_CHARS).collect();
    if untrusted.chars().nth(MAX_CHARS).is_some() {
        shown.push('…');
    }
    format!("{shown:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_table_lists_every_variant_once() {
        let samples = [
            Error::invalid_key("x"),
            Error::unsupported_key("x"),
            Error::malformed("x"),
            Error::UnsupportedAlgorithm { alg: "x".into() },
            Error::SignatureInvalid,
            Error::KeyNotFound { reason: "x".into() },
            Error::TokenExpired {
                exp: 1,
                now: 2,
                leeway: 0,
            },
            Error::TokenNotYetValid {
                nbf: 1,
                now: 2,
                leeway: 0,
            },
            Error::TokenIssuedInFuture {
                iat: 1,
                now: 2,
                leeway: 0,
            },
            Error::LifetimeTooLong {
                lifetime: 1,
                max: 0,
            },
            Error::AudienceMismatch {
                expected: vec![],
                found: vec![],
            },
            Error::IssuerMismatch {
                expected: vec![],
                found: None,
            },
            Error::invalid_claims("x"),
            Error::invalid_argument("x"),
            Error::SigningFailed { reason: "x".into() },
        ];
        let remote_kinds = [
            RemoteKind::CredentialRejected,
            RemoteKind::Unauthenticated,
            RemoteKind::PermissionDenied,
            RemoteKind::NotFound,
            RemoteKind::RateLimited,
            RemoteKind::ServerError,
            RemoteKind::Rejected,
        ];
        let remote = remote_kinds.into_iter().map(|kind| {
            Error::Remote(RemoteError {
                kind,
                status: 400,
                provider_code: None,
                message: String::new(),
                reason: None,
                permission: None,
                retry_after: None,
            })
        });
        let samples: Vec<Error> = samples
            .into_iter()
            .chain(remote)
            .chain([
                Error::invalid_response(200, "x"),
                Error::Transport { reason: "x".into() },
                Error::CredentialsNotFound { reason: "x".into() },
                Error::NotSupported { reason: "x".into() },
            ])
            .collect();
        let codes: Vec<&str> = samples.iter().map(Error::code).collect();
        assert_eq!(codes, Error::CODES);
    }

    #[test]
    fn quoted_truncates_and_escapes() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
        let long = "x".repeat(100);
        assert_eq!(quoted(&long).chars().count(), 64 + 3);
    }

    #[test]
    fn display_shows_time_context() {
        let e = Error::TokenExpired {
            exp: 10,
            now: 20,
            leeway: 5,
        };
        assert_eq!(e.to_string(), "token expired: exp 10 <= now 20 - leeway 5s");
    }
}
