//! Error answers from servers, read in each provider's own envelope and
//! classified by what a caller can do about them.
//!
//! - OAuth 2.0 (RFC 6749 §5.2), Google's token endpoint and STS:
//!   `{"error":"invalid_grant","error_description":"…","error_uri":"…"}`
//! - google.rpc.Status, IAM Credentials:
//!   `{"error":{"code":403,"message":"…","status":"PERMISSION_DENIED","details":[…]}}`
//! - IBM Cloud IAM: `{"errorCode":"BXNIM0415E","errorMessage":"…","context":{…}}`
//! - k0rdent: `{"error":{"code":403,"message":"…","details":[…]}}`
//!
//! A body in none of these shapes still gives a typed error classified by the
//! HTTP status (so a 503 HTML page from a proxy is retried), and never quotes
//! the body.

use crate::error::{Error, RemoteError, RemoteKind};
use crate::http::HttpResponse;
use crate::retry::retry_after_secs_at;
use crate::time::UnixTime;
use serde_json::{Map, Value};

/// Which error envelope a service speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// RFC 6749 token endpoints (Google OAuth, STS, OAuth client credentials).
    OAuth,
    /// google.rpc.Status (IAM Credentials).
    Google,
    /// IBM Cloud IAM.
    Ibm,
    /// k0rdent's REST API.
    K0rdent,
    /// The metadata server: plain-text errors, classified by status alone.
    Metadata,
}

const MAX_MESSAGE_CHARS: usize = 512;

/// The typed error for a non-2xx response to a request sent at `sent_at`.
/// `secrets` are the credentials the request carried: a server that echoes
/// the request in its error (some do, and a hostile one will) gets them
/// scrubbed from every text of the error.
pub(crate) fn error_from_response(
    response: &HttpResponse,
    dialect: Dialect,
    sent_at: UnixTime,
    secrets: &[String],
) -> Error {
    let status = response.status();
    if (300..400).contains(&status) {
        // Hosts follow no redirects: a key, token or metadata endpoint that
        // answers with one is not speaking its protocol.
        return Error::invalid_response(
            status,
            "a redirect is not an answer of this protocol (redirects are never followed)",
        );
    }
    let body = match response.checked_body() {
        Ok(body) => body,
        Err(err) => return err,
    };
    let parsed = crate::json::parse_object(body).ok();
    let envelope = parsed.as_ref().and_then(|doc| match dialect {
        Dialect::OAuth => oauth_envelope(doc),
        Dialect::Google | Dialect::K0rdent => status_envelope(doc),
        Dialect::Ibm => ibm_envelope(doc),
        Dialect::Metadata => None,
    });
    let mut remote = envelope.unwrap_or_else(|| Envelope {
        provider_code: None,
        message: format!(
            "HTTP {status} with no recognizable error body ({}, {} bytes)",
            content_type_named(response),
            body.len()
        ),
        reason: None,
        permission: None,
    });
    remote.message = clean(&scrub(&remote.message, secrets));
    for text in [
        &mut remote.provider_code,
        &mut remote.reason,
        &mut remote.permission,
    ]
    .into_iter()
    .flatten()
    {
        *text = clean(&scrub(text, secrets));
    }
    let kind = classify(
        status,
        dialect,
        remote.provider_code.as_deref(),
        &remote.message,
    );
    Error::Remote(RemoteError {
        kind,
        status,
        provider_code: remote.provider_code,
        message: remote.message,
        reason: remote.reason,
        permission: remote.permission,
        retry_after: retry_after_secs_at(response, sent_at),
    })
}

struct Envelope {
    provider_code: Option<String>,
    message: String,
    reason: Option<String>,
    permission: Option<String>,
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

fn oauth_envelope(doc: &Map<String, Value>) -> Option<Envelope> {
    // STS answers some failures in google.rpc.Status form; accept both.
    if let Some(Value::Object(_)) = doc.get("error") {
        return status_envelope(doc);
    }
    let code = text(doc.get("error"))?;
    let message = text(doc.get("error_description")).unwrap_or_else(|| code.clone());
    Some(Envelope {
        provider_code: Some(code),
        message,
        reason: None,
        permission: None,
    })
}

fn status_envelope(doc: &Map<String, Value>) -> Option<Envelope> {
    let error = doc.get("error")?.as_object()?;
    let message = text(error.get("message")).unwrap_or_default();
    let provider_code = text(error.get("status"));
    let info = error
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .find(|detail| detail.contains_key("reason"));
    Some(Envelope {
        provider_code,
        message,
        reason: info.and_then(|i| text(i.get("reason"))),
        permission: info
            .and_then(|i| i.get("metadata"))
            .and_then(|m| text(m.get("permission"))),
    })
}

fn ibm_envelope(doc: &Map<String, Value>) -> Option<Envelope> {
    let code = text(doc.get("errorCode"))?;
    let message = text(doc.get("errorMessage")).unwrap_or_else(|| code.clone());
    let request_id = doc
        .get("context")
        .and_then(Value::as_object)
        .and_then(|c| text(c.get("requestId")));
    Some(Envelope {
        provider_code: Some(code),
        message: match request_id {
            Some(id) => format!("{message} (requestId {id})"),
            None => message,
        },
        reason: None,
        permission: None,
    })
}

fn classify(status: u16, dialect: Dialect, code: Option<&str>, message: &str) -> RemoteKind {
    let code = code.unwrap_or_default();
    let transient = [
        "internal_failure",
        "server_error",
        "temporarily_unavailable",
    ];
    if transient.iter().any(|t| code == *t || message.contains(t)) {
        return RemoteKind::ServerError;
    }
    match (status, dialect) {
        (429, _) => RemoteKind::RateLimited,
        (408, _) | (500..=599, _) => RemoteKind::ServerError,
        (400 | 401, Dialect::OAuth)
            if matches!(
                code,
                "invalid_grant" | "invalid_client" | "unauthorized_client"
            ) =>
        {
            RemoteKind::CredentialRejected
        }
        (400 | 401, Dialect::Ibm) => RemoteKind::CredentialRejected,
        (401, _) => RemoteKind::Unauthenticated,
        (403, _) => RemoteKind::PermissionDenied,
        (404, _) => RemoteKind::NotFound,
        _ => RemoteKind::Rejected,
    }
}

/// Media types an error message may name; any other is "another content type".
const NAMED_MEDIA_TYPES: [&str; 7] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "application/xml",
    "text/html",
    "text/plain",
    "text/xml",
];

/// The answer's media type for a message: one of [`NAMED_MEDIA_TYPES`], or a
/// phrase. The header itself is never quoted: a server writes it, and a
/// hostile one writes a secret it was sent earlier (found by fuzzing).
fn content_type_named(response: &HttpResponse) -> &'static str {
    let Some(value) = response.header_value("content-type") else {
        return "no content type";
    };
    let media_type = value.split(';').next().unwrap_or_default().trim();
    NAMED_MEDIA_TYPES
        .iter()
        .find(|named| named.eq_ignore_ascii_case(media_type))
        .copied()
        .unwrap_or("another content type")
}

/// Secrets shorter than this are not scrubbed: they would match ordinary words.
const MIN_SCRUBBED_LEN: usize = 8;

/// `text` with every occurrence of each secret replaced by `[redacted]`
/// (before truncation, so no prefix of a secret survives a cut).
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SCRUBBED_LEN) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[redacted]");
        }
    }
    out
}

/// Drops control characters and truncates, so a provider message is safe to print.
fn clean(message: &str) -> String {
    let mut out: String = message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_MESSAGE_CHARS)
        .collect();
    if message.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(status: u16, body: &str, dialect: Dialect) -> RemoteError {
        match error_from_response(
            &HttpResponse::new(status, vec![], body.as_bytes().to_vec()),
            dialect,
            UnixTime::from_secs(0),
            &[],
        ) {
            Error::Remote(remote) => remote,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_server_echoing_the_request_gets_its_secrets_scrubbed() {
        let mut form = crate::url::Form::default();
        form.push("grant_type", "refresh_token");
        form.push("refresh_token", "1//0g-refresh token/value");
        let request = crate::http::HttpRequest::new(
            crate::http::Method::Post,
            "https://oauth2.example/token".to_owned(),
        )
        // client:a-client-secret-42
        .header(
            "Authorization",
            "Basic Y2xpZW50OmEtY2xpZW50LXNlY3JldC00Mg==",
        )
        .form_body(&form);
        let echoed = format!(
            "{} | {}",
            String::from_utf8_lossy(request.body()),
            "1//0g-refresh token/value and Basic Y2xpZW50OmEtY2xpZW50LXNlY3JldC00Mg== and a-client-secret-42"
        );
        let body = format!(
            r#"{{"error":"invalid_grant","error_description":{}}}"#,
            serde_json::Value::String(echoed)
        );
        let error = error_from_response(
            &HttpResponse::new(400, vec![], body.into_bytes()),
            Dialect::OAuth,
            UnixTime::from_secs(0),
            &request.secret_values(),
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("0g-refresh"), "{shown}");
        assert!(
            !shown.contains("Y2xpZW50OmEtY2xpZW50LXNlY3JldC00Mg"),
            "{shown}"
        );
        assert!(!shown.contains("a-client-secret-42"), "{shown}");
        assert!(shown.contains("grant_type=refresh_token"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn oauth_errors() {
        let r = remote(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#,
            Dialect::OAuth,
        );
        assert_eq!(
            (r.kind, r.provider_code.as_deref()),
            (RemoteKind::CredentialRejected, Some("invalid_grant"))
        );
        assert_eq!(r.message, "Invalid JWT Signature.");
        let r = remote(400, r#"{"error":"invalid_scope"}"#, Dialect::OAuth);
        assert_eq!(
            (r.kind, r.message.as_str()),
            (RemoteKind::Rejected, "invalid_scope")
        );
        let r = remote(400, r#"{"error":"internal_failure"}"#, Dialect::OAuth);
        assert_eq!(r.kind, RemoteKind::ServerError);
    }

    #[test]
    fn google_status_errors() {
        let body = r#"{"error":{"code":403,"message":"Permission 'iam.serviceAccounts.signBlob' denied on resource (or it may not exist).","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED","domain":"iam.googleapis.com","metadata":{"permission":"iam.serviceAccounts.signBlob"}}]}}"#;
        let r = remote(403, body, Dialect::Google);
        assert_eq!(r.kind, RemoteKind::PermissionDenied);
        assert_eq!(r.provider_code.as_deref(), Some("PERMISSION_DENIED"));
        assert_eq!(r.reason.as_deref(), Some("IAM_PERMISSION_DENIED"));
        assert_eq!(
            r.permission.as_deref(),
            Some("iam.serviceAccounts.signBlob")
        );
    }

    #[test]
    fn unknown_bodies_are_classified_by_status() {
        let r = remote(503, "<html>Service Unavailable</html>", Dialect::Google);
        assert_eq!(r.kind, RemoteKind::ServerError);
        assert!(!r.message.contains("html>"), "{}", r.message);
        assert_eq!(remote(418, "", Dialect::Ibm).kind, RemoteKind::Rejected);
        assert_eq!(
            remote(401, "{}", Dialect::K0rdent).kind,
            RemoteKind::Unauthenticated
        );
    }

    #[test]
    fn messages_are_cleaned() {
        let long = format!(
            r#"{{"error":"x","error_description":"a\nb{}"}}"#,
            "c".repeat(600)
        );
        let r = remote(400, &long, Dialect::OAuth);
        assert!(r.message.starts_with("a b"));
        assert_eq!(r.message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
