//! The one error type of the Swift and Kotlin APIs: one variant per family,
//! each with the core's stable `code`, a message without secrets, the HTTP
//! status of remote errors and whether retrying may help.

use std::fmt;

/// A credmint failure. Kotlin: `CredmintException.<Family>`; Swift: `CredmintError.<Family>`.
#[derive(Debug, uniffi::Error)]
pub enum CredmintError {
    /// Key material could not be read or is not supported (`invalid_key`, `unsupported_key`).
    Key {
        /// The stable error code.
        code: String,
        /// What went wrong (never quotes key material).
        detail: String,
    },
    /// A token failed verification (`token_expired`, `signature_invalid`, `audience_mismatch`, …).
    Token {
        /// The stable error code.
        code: String,
        /// What went wrong (never quotes the token).
        detail: String,
    },
    /// A caller's argument or configuration was refused (`invalid_argument`,
    /// `credentials_not_found`, `not_supported`).
    InvalidArgument {
        /// The stable error code.
        code: String,
        /// What went wrong.
        detail: String,
    },
    /// Signing failed (`signing_failed`), including a host signer's own failure.
    Signing {
        /// The stable error code.
        code: String,
        /// What went wrong.
        detail: String,
    },
    /// The request never got an answer (`transport_error`); retryable.
    Transport {
        /// The stable error code.
        code: String,
        /// What went wrong.
        detail: String,
    },
    /// A server answered something that is not its protocol (`invalid_response`, `server_error`, …).
    Remote {
        /// The stable error code (`permission_denied`, `credential_rejected`, `rate_limited`, …).
        code: String,
        /// The server's message (secrets are never echoed back by credmint).
        detail: String,
        /// The HTTP status, when a server answered.
        http_status: Option<u16>,
        /// Whether the same call may succeed later.
        retryable: bool,
        /// The server's own error code (`invalid_grant`, `BXNIM0415E`, …).
        remote_code: Option<String>,
        /// Google's `ErrorInfo.reason`, when given.
        reason: Option<String>,
        /// The IAM permission a 403 names, when given.
        permission: Option<String>,
        /// Seconds the server asked to wait (`Retry-After`), when given.
        retry_after_secs: Option<u64>,
    },
}

impl CredmintError {
    /// The core's stable error code, whatever the family.
    pub fn code(&self) -> &str {
        match self {
            CredmintError::Key { code, .. }
            | CredmintError::Token { code, .. }
            | CredmintError::InvalidArgument { code, .. }
            | CredmintError::Signing { code, .. }
            | CredmintError::Transport { code, .. }
            | CredmintError::Remote { code, .. } => code,
        }
    }

    /// An `invalid_argument` error raised by this crate.
    pub(crate) fn invalid_argument(detail: impl Into<String>) -> Self {
        credmint::Error::InvalidArgument {
            reason: detail.into(),
        }
        .into()
    }
}

impl fmt::Display for CredmintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredmintError::Key { code, detail }
            | CredmintError::Token { code, detail }
            | CredmintError::InvalidArgument { code, detail }
            | CredmintError::Signing { code, detail }
            | CredmintError::Transport { code, detail }
            | CredmintError::Remote { code, detail, .. } => write!(f, "{code}: {detail}"),
        }
    }
}

impl std::error::Error for CredmintError {}

impl From<credmint::Error> for CredmintError {
    /// Each error goes to the variant of its core family ([`credmint::ErrorFamily`]).
    fn from(err: credmint::Error) -> Self {
        use credmint::ErrorFamily;
        let code = err.code().to_owned();
        let detail = err.to_string();
        match err.family() {
            ErrorFamily::Key => CredmintError::Key { code, detail },
            ErrorFamily::Token => CredmintError::Token { code, detail },
            ErrorFamily::InvalidArgument => CredmintError::InvalidArgument { code, detail },
            ErrorFamily::Signing => CredmintError::Signing { code, detail },
            ErrorFamily::Transport => CredmintError::Transport { code, detail },
            ErrorFamily::Remote => {
                let http_status = err.http_status();
                let retryable = err.is_retryable();
                let remote = match err {
                    credmint::Error::Remote(remote) => Some(remote),
                    _ => None,
                };
                CredmintError::Remote {
                    code,
                    detail,
                    http_status,
                    retryable,
                    remote_code: remote.as_ref().and_then(|r| r.provider_code.clone()),
                    reason: remote.as_ref().and_then(|r| r.reason.clone()),
                    permission: remote.as_ref().and_then(|r| r.permission.clone()),
                    retry_after_secs: remote.and_then(|r| r.retry_after),
                }
            }
        }
    }
}

/// Results of exported functions.
pub(crate) type Result<T> = std::result::Result<T, CredmintError>;
