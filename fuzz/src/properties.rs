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

/// The secrets a request carries: its `Authorization` value and the values of
/// form fields that hold credentials.
pub(crate) fn request_secrets(request: &HttpRequest) -> Vec<String> {
    let mut secrets = Vec::new();
    for (name, value) in request.headers() {
        if name.eq_ignore_ascii_case("authorization") {
            secrets.push(value.clone());
            if let Some((_, credential)) = value.split_once(' ') {
                secrets.push(credential.to_owned());
            }
        }
    }
    let body = String::from_utf8_lossy(request.body());
    for pair in body.split('&') {
        if let Some((name, value)) = pair.split_once('=')
            && SECRET_FIELDS.contains(&name)
        {
            secrets.push(value.to_owned());
        }
    }
    secrets
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
