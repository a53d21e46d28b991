//! Checks shared by the targets.

use credmint::{Error, HttpRequest};

/// Secrets shorter than this are not looked for (a one-letter "secret" would
/// match every message).
const MIN_SECRET_LEN: usize = 8;

/// Panics if `error`'s message, or its Debug form, contains any of `secrets`.
pub(crate) fn assert_no_secret(error: &Error, secrets: &[String], context: &str) {
    let shown = format!("{error} {error:?}");
    if let Some(secret) = shown_secret(&shown, secrets) {
        if std::env::var_os("FUZZ_TRACE").is_some() {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("secret {secret:?} in {shown}");
            }
        }
        panic!(
            "{context}: a secret of {} bytes appears in the error `{}`",
            secret.len(),
            error.code()
        );
    }
}

/// The first of `secrets` that `shown` contains. Only secrets of at least
/// [`MIN_SECRET_LEN`] bytes with a digit in them are looked for: the fuzzer
/// soon turns a secret into a word a message uses for other reasons
/// (`service_account`, `generateAccessToken`), while real secrets (tokens,
/// keys, API keys, the fixtures' secrets) carry digits.
pub(crate) fn shown_secret<'a>(shown: &str, secrets: &'a [String]) -> Option<&'a String> {
    secrets.iter().find(|secret| {
        secret.len() >= MIN_SECRET_LEN
            && secret.bytes().any(|b| b.is_ascii_digit())
            && shown.contains(secret.as_str())
    })
}

/// The secrets a request carries: its `Authorization` value (and, for HTTP
/// Basic, the decoded secret) and the values of form fields that hold
/// credentials, as sent and decoded.
pub(crate) fn request_secrets(request: &HttpRequest) -> Vec<String> {
    use base64::Engine;
    let mut secrets = Vec::new();
    for (name, value) in request.headers() {
        if name.eq_ignore_ascii_case("authorization") {
            secrets.push(value.clone());
            if let Some((scheme, credential)) = value.split_once(' ') {
                secrets.push(credential.to_owned());
                if scheme.eq_ignore_ascii_case("basic")
                    && let Ok(pair) = base64::engine::general_purpose::STANDARD.decode(credential)
                    && let Some((_, secret)) = String::from_utf8_lossy(&pair).split_once(':')
                {
                    secrets.push(secret.to_owned());
                    secrets.push(percent_decoded(secret));
                }
            }
        }
    }
    let body = String::from_utf8_lossy(request.body());
    for pair in body.split('&') {
        if let Some((name, value)) = pair.split_once('=')
            && SECRET_FIELDS.contains(&name)
        {
            secrets.push(value.to_owned());
            secrets.push(percent_decoded(value));
        }
    }
    secrets
}

/// `application/x-www-form-urlencoded` decoding (a malformed escape kept).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (_, Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                i += 1;
            }
            (other, None) => {
                out.push(other);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Form and JSON members whose values are secrets.
pub(crate) const SECRET_FIELDS: &[&str] = &[
    "assertion",
    "subject_token",
    "refresh_token",
    "client_secret",
    "apikey",
    "private_key",
    "access_token",
    "id_token",
];

/// Panics unless a request names a time limit a host can apply: more than
/// nothing, at most five minutes.
pub(crate) fn assert_bounded_request(request: &HttpRequest) {
    let millis = request.timeout_millis();
    if millis == 0 || millis > 300_000 {
        panic!("a request without a sane time limit: {millis} ms");
    }
}
