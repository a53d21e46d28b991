//! One error of each stable code, so that every binding can check the error
//! type it raises for each against `tests/vectors/errors.json`.

use crate::{Error, RemoteError, RemoteKind};

/// An error with `code`, of the variant the core raises it as; `None` for a
/// code the core does not have.
pub fn sample_error(code: &str) -> Option<Error> {
    let reason = format!("a sample {code} error");
    let remote = |kind, status, retry_after| {
        Error::Remote(RemoteError {
            kind,
            status,
            provider_code: Some("sample".into()),
            message: reason.clone(),
            reason: None,
            permission: None,
            retry_after,
        })
    };
    Some(match code {
        "invalid_key" => Error::InvalidKey { reason },
        "unsupported_key" => Error::UnsupportedKey { reason },
        "malformed_token" => Error::MalformedToken { reason },
        "unsupported_algorithm" => Error::UnsupportedAlgorithm {
            alg: "\"HS256\"".into(),
        },
        "signature_invalid" => Error::SignatureInvalid,
        "key_not_found" => Error::KeyNotFound { reason },
        "token_expired" => Error::TokenExpired {
            exp: 1,
            now: 100,
            leeway: 60,
        },
        "token_not_yet_valid" => Error::TokenNotYetValid {
            nbf: 200,
            now: 100,
            leeway: 60,
        },
        "token_issued_in_future" => Error::TokenIssuedInFuture {
            iat: 200,
            now: 100,
            leeway: 60,
        },
        "lifetime_too_long" => Error::LifetimeTooLong {
            lifetime: 90_000,
            max: 86_400,
        },
        "audience_mismatch" => Error::AudienceMismatch {
            expected: vec!["https://a.example".into()],
            found: vec!["\"https://b.example\"".into()],
        },
        "issuer_mismatch" => Error::IssuerMismatch {
            expected: vec!["https://a.example".into()],
            found: None,
        },
        "invalid_claims" => Error::InvalidClaims { reason },
        "invalid_argument" => Error::InvalidArgument { reason },
        "credentials_not_found" => Error::CredentialsNotFound { reason },
        "not_supported" => Error::NotSupported { reason },
        "signing_failed" => Error::SigningFailed { reason },
        "transport_error" => Error::Transport { reason },
        "invalid_response" => Error::InvalidResponse {
            status: 200,
            reason,
        },
        "credential_rejected" => remote(RemoteKind::CredentialRejected, 400, None),
        "unauthenticated" => remote(RemoteKind::Unauthenticated, 401, None),
        "permission_denied" => remote(RemoteKind::PermissionDenied, 403, None),
        "not_found" => remote(RemoteKind::NotFound, 404, None),
        "rate_limited" => remote(RemoteKind::RateLimited, 429, Some(7)),
        "server_error" => remote(RemoteKind::ServerError, 503, None),
        "remote_error" => remote(RemoteKind::Rejected, 400, None),
        _ => return None,
    })
}
