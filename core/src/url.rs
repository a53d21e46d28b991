//! Endpoints and URL encoding: base URLs, path segments, query strings, form bodies.

use crate::error::{Error, Result};
use zeroize::Zeroizing;

/// A validated base URL that requests are built on.
///
/// It must be `https://`, or `http://` to a loopback host (`localhost`,
/// `127.0.0.0/8`, `[::1]`) so that local emulators work while credentials never
/// travel unencrypted across a network by accident ([`Endpoint::insecure`] opts
/// out explicitly). No user info, query or fragment; a trailing `/` is dropped.
///
/// ```
/// use credmint::Endpoint;
/// assert!(Endpoint::new("https://oauth2.googleapis.com/token").is_ok());
/// assert!(Endpoint::new("http://127.0.0.1:8080").is_ok());
/// assert!(Endpoint::new("http://example.com").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Endpoint(String);

impl Endpoint {
    /// An https URL, or an http URL to a loopback host.
    pub fn new(url: &str) -> Result<Self> {
        Self::parse(url, false)
    }

    /// Like [`Endpoint::new`] but also accepts plain http to any host (test networks only).
    pub fn insecure(url: &str) -> Result<Self> {
        Self::parse(url, true)
    }

    /// `https://{service}.{universe_domain}` for a Google service such as `iamcredentials`.
    pub fn google(service: &str, universe_domain: &str) -> Result<Self> {
        Self::new(&format!("https://{service}.{universe_domain}"))
    }

    fn parse(url: &str, allow_any_http: bool) -> Result<Self> {
        let invalid = |why: &str| Error::invalid_argument(format!("endpoint URL {why}"));
        if url.bytes().any(|b| !b.is_ascii_graphic()) {
            return Err(invalid("must be printable ASCII without spaces"));
        }
        let (secure, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(invalid("must start with https:// or http://"));
        };
        if url.contains(['?', '#']) {
            return Err(invalid("must not have a query or fragment"));
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(invalid("has no host"));
        }
        if authority.contains('@') {
            return Err(invalid("must not carry user info"));
        }
        if !secure && !allow_any_http && !is_loopback(authority) {
            return Err(invalid(
                "must use https (plain http is only allowed to loopback hosts)",
            ));
        }
        Ok(Endpoint(url.trim_end_matches('/').to_owned()))
    }

    /// The URL text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// This endpoint followed by `path` (which starts with `/`, already encoded).
    pub(crate) fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

fn is_loopback(authority: &str) -> bool {
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host == "::1"
        || host.strip_prefix("127.").is_some_and(|rest| {
            let octets: Vec<&str> = rest.split('.').collect();
            octets.len() == 3 && octets.iter().all(|o| o.parse::<u8>().is_ok())
        })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn push_escaped(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0x0f)]));
}

/// Percent-encodes a path segment: everything but RFC 3986 `pchar` is escaped.
/// Decodes one `application/x-www-form-urlencoded` value (`+` is a space);
/// a malformed escape is kept as written.
pub(crate) fn form_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let byte = hex(bytes[i + 1])
                    .zip(hex(bytes[i + 2]))
                    .and_then(|(high, low)| u8::try_from(high * 16 + low).ok());
                match byte {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if is_unreserved(b) || b"!$&'()*+,;=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Percent-encodes a query or form component (unreserved characters kept;
/// space becomes `+` in forms, `%20` in query strings).
fn encode_component(out: &mut String, text: &str, space_as_plus: bool) {
    for &b in text.as_bytes() {
        if is_unreserved(b) {
            out.push(char::from(b));
        } else if b == b' ' && space_as_plus {
            out.push('+');
        } else {
            push_escaped(out, b);
        }
    }
}

/// Form-encodes one component (space as `+`) into a buffer wiped on drop.
pub(crate) fn form_encode(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len() * 3));
    encode_component(&mut out, text, true);
    out
}

/// A query string built from name/value pairs, in order.
#[derive(Default)]
pub(crate) struct Query(Vec<(&'static str, String)>);

impl Query {
    pub(crate) fn push(&mut self, name: &'static str, value: impl Into<String>) {
        self.0.push((name, value.into()));
    }

    /// `url` with `?name=value&…` appended when there are pairs.
    pub(crate) fn append_to(&self, url: String) -> String {
        if self.0.is_empty() {
            return url;
        }
        let mut out = url;
        for (i, (name, value)) in self.0.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            encode_component(&mut out, name, false);
            out.push('=');
            encode_component(&mut out, value, false);
        }
        out
    }
}

/// An `application/x-www-form-urlencoded` body, in field order. Values may be
/// secrets (assertions, API keys), so the encoded text is wiped on drop.
#[derive(Default)]
pub(crate) struct Form(Vec<(&'static str, Zeroizing<String>)>);

impl Form {
    pub(crate) fn push(&mut self, name: &'static str, value: &str) {
        self.0.push((name, Zeroizing::new(value.to_owned())));
    }

    pub(crate) fn encode(&self) -> Zeroizing<String> {
        let capacity = self.0.iter().map(|(n, v)| n.len() + 3 * v.len() + 2).sum();
        let mut out = Zeroizing::new(String::with_capacity(capacity));
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_component(&mut out, name, true);
            out.push('=');
            encode_component(&mut out, value, true);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        for ok in [
            "https://oauth2.googleapis.com/token",
            "https://iamcredentials.googleapis.com/",
            "http://localhost:8080",
            "http://127.0.0.1:9/emulator",
            "http://[::1]:80",
        ] {
            assert!(Endpoint::new(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Endpoint::new("https://a.example/").unwrap().as_str(),
            "https://a.example"
        );
        for bad in [
            "ftp://a",
            "https://",
            "https://user:pw@a.example",
            "https://a.example/x?y=1",
            "https://a.example/#f",
            "https://a example",
            "http://example.com",
            "http://127.0.0.1.evil.com",
            "http://localhost.evil.com",
        ] {
            assert_eq!(
                Endpoint::new(bad).unwrap_err().code(),
                "invalid_argument",
                "{bad}"
            );
        }
        assert!(Endpoint::insecure("http://emulator:8080").is_ok());
    }

    #[test]
    fn form_matches_python_urlencode() {
        let mut form = Form::default();
        form.push("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        form.push("scope", "a b~c*");
        assert_eq!(
            form.encode().as_str(),
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&scope=a+b~c%2A"
        );
    }

    #[test]
    fn query_and_path() {
        let mut query = Query::default();
        query.push("pageToken", "a b/=");
        assert_eq!(
            query.append_to("https://x/y".into()),
            "https://x/y?pageToken=a%20b%2F%3D"
        );
        assert_eq!(Query::default().append_to("u".into()), "u");
        assert_eq!(
            encode_path_segment("sa@p.iam.gserviceaccount.com"),
            "sa@p.iam.gserviceaccount.com"
        );
        assert_eq!(encode_path_segment("a/b?c d"), "a%2Fb%3Fc%20d");
    }
}
