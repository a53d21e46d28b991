//! HTTP as values: the request a host must send and the response it got back.
//!
//! credmint builds every request completely (method, URL, headers, body) and
//! reads every response; a host only moves the bytes. Both types redact
//! themselves in `Debug`, because bodies and `Authorization` headers carry
//! assertions, API keys, client secrets and tokens.

use crate::error::{Error, Result};
use std::fmt;
use zeroize::Zeroizing;

/// Largest response body credmint reads (1 MiB). Larger bodies are refused
/// before any parsing; hosts should stop reading once this many bytes arrived.
pub const MAX_RESPONSE_BODY: usize = 1024 * 1024;

/// How long a host may wait for one request unless the conversation says
/// otherwise (20 s): connecting, sending and reading the whole answer. Token
/// endpoints, IAM and STS answer in well under a second; a request still open
/// after this is abandoned and reported with `feed_transport_error`, which the
/// flow retries like a server error.
pub const DEFAULT_TIMEOUT_MILLIS: u64 = 20_000;

/// The HTTP methods credmint's conversations use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT` (the EC2 metadata server's session token).
    Put,
}

impl Method {
    /// The method as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

/// Header names whose values are credentials and are never printed.
const SECRET_HEADERS: [&str; 3] = ["authorization", "cookie", "x-goog-iam-authorization-token"];

/// Form fields whose values are credentials (assertions, tokens, keys, secrets).
const SECRET_FORM_FIELDS: [&str; 6] = [
    "assertion",
    "subject_token",
    "actor_token",
    "refresh_token",
    "client_secret",
    "apikey",
];

/// A request to send, complete down to the body bytes and the time the host
/// may spend on it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Zeroizing<Vec<u8>>,
    timeout_millis: u64,
}

impl HttpRequest {
    pub(crate) fn new(method: Method, url: String) -> Self {
        HttpRequest {
            method,
            url,
            headers: Vec::new(),
            body: Zeroizing::new(Vec::new()),
            timeout_millis: DEFAULT_TIMEOUT_MILLIS,
        }
    }

    /// The same request with another time limit.
    pub(crate) fn with_timeout_millis(mut self, millis: u64) -> Self {
        self.timeout_millis = millis;
        self
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn form_body(self, form: &crate::url::Form) -> Self {
        let mut request = self.header("Content-Type", "application/x-www-form-urlencoded");
        request.body = Zeroizing::new(form.encode().as_bytes().to_vec());
        request
    }

    pub(crate) fn json_body(self, json: String) -> Self {
        let mut request = self.header("Content-Type", "application/json");
        request.body = Zeroizing::new(json.into_bytes());
        request
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The absolute URL, query string included.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Header names and values, in the order to send them.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body bytes (may hold secrets: send them, do not log them).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// How long the host may wait for this request, in milliseconds: connect,
    /// send and read the whole answer. Past it, abandon the request and call
    /// `feed_transport_error`. Every host applies it (an `AbortSignal` in
    /// JavaScript, the client's timeout elsewhere); no host picks its own.
    pub fn timeout_millis(&self) -> u64 {
        self.timeout_millis
    }

    /// The credentials this request carries, as a server could echo them
    /// back: secret header values (whole, and without their scheme) and
    /// secret form fields (as sent, and decoded). Error messages built from
    /// the answer are scrubbed of them.
    pub(crate) fn secret_values(&self) -> Vec<String> {
        let mut secrets = Vec::new();
        for (name, value) in &self.headers {
            if SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
                secrets.push(value.clone());
                if let Some((scheme, credential)) = value.split_once(' ') {
                    let credential = credential.trim();
                    secrets.push(credential.to_owned());
                    // HTTP Basic carries `id:secret` (each form-encoded, RFC
                    // 6749 §2.3.1): the secret alone is what a server echoes.
                    if scheme.eq_ignore_ascii_case("basic")
                        && let Some(pair) = crate::encoding::b64_std_decode(credential)
                        && let Some((_, secret)) = String::from_utf8_lossy(&pair).split_once(':')
                    {
                        secrets.push(secret.to_owned());
                        secrets.push(crate::url::form_decode(secret));
                    }
                }
            }
        }
        let is_form = self
            .header_value("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            for pair in self.body.split(|b| *b == b'&') {
                let text = String::from_utf8_lossy(pair);
                if let Some((name, value)) = text.split_once('=')
                    && SECRET_FORM_FIELDS.contains(&name)
                {
                    secrets.push(crate::url::form_decode(value));
                    secrets.push(value.to_owned());
                }
            }
        }
        secrets.retain(|s| !s.is_empty());
        secrets
    }

    /// [`HttpRequest::timeout_millis`] as a [`std::time::Duration`].
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_millis)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .field("timeout_millis", &self.timeout_millis)
            .finish()
    }
}

/// A response as the host received it. The body (which carries tokens) is wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Zeroizing<Vec<u8>>,
}

impl HttpResponse {
    /// A response with this status, headers and body.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers,
            body: Zeroizing::new(body),
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Header names and values as received.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of the first header named `name` (case-insensitive).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body, refused when over [`MAX_RESPONSE_BODY`].
    pub(crate) fn checked_body(&self) -> Result<&[u8]> {
        if self.body.len() > MAX_RESPONSE_BODY {
            return Err(Error::invalid_response(
                self.status,
                format!(
                    "body is {} bytes, over the {MAX_RESPONSE_BODY}-byte limit",
                    self.body.len()
                ),
            ));
        }
        Ok(&self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body_len", &self.body.len())
            .finish()
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

struct RedactedHeaders<'a>(&'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(name, value)| {
                let shown = if SECRET_HEADERS
                    .iter()
                    .any(|secret| name.eq_ignore_ascii_case(secret))
                {
                    "[redacted]"
                } else {
                    value.as_str()
                };
                (name.as_str(), shown)
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_credentials() {
        let request = HttpRequest::new(Method::Post, "https://x.example/token".into())
            .header("Authorization", "Bearer ya29.secret")
            .json_body(r#"{"apikey":"hunter2"}"#.into());
        let shown = format!("{request:?}");
        assert!(
            !shown.contains("ya29.secret") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert!(shown.contains("application/json"), "{shown}");
        let response = HttpResponse::new(200, vec![], br#"{"access_token":"ya29.x"}"#.to_vec());
        assert!(!format!("{response:?}").contains("ya29"));
    }

    #[test]
    fn headers_are_case_insensitive() {
        let response = HttpResponse::new(429, vec![("retry-after".into(), "7".into())], vec![]);
        assert_eq!(response.header_value("Retry-After"), Some("7"));
        assert!(!response.is_success());
    }

    #[test]
    fn oversized_bodies_are_refused() {
        let response = HttpResponse::new(200, vec![], vec![b' '; MAX_RESPONSE_BODY + 1]);
        assert_eq!(
            response.checked_body().unwrap_err().code(),
            "invalid_response"
        );
    }
}
