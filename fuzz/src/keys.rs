//! Key files: service-account JSON, PEM (private, public, certificates), JWK
//! sets, X.509 certificate maps and DER. Private keys load on two backends,
//! which must accept and refuse the same keys with the same codes, and no
//! error quotes key material.

use crate::properties::assert_no_secret;
use credmint::{Backend, Error, KeySet, PublicKey, ServiceAccountKey, SigningKey};

/// The `keys` target: the first byte picks the parser, the rest is the file.
pub fn keys(data: &[u8]) {
    let Some((selector, file)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(file);
    let secrets = key_material(&text);
    let outcome = match selector % 6 {
        0 => agree(
            ServiceAccountKey::from_json_with_backend(&text, Backend::AwsLc).map(drop),
            ServiceAccountKey::from_json_with_backend(&text, Backend::RustCrypto).map(drop),
        ),
        1 => agree(
            SigningKey::from_pem_with_backend(&text, "k", Backend::AwsLc).map(drop),
            SigningKey::from_pem_with_backend(&text, "k", Backend::RustCrypto).map(drop),
        ),
        2 => agree(
            SigningKey::from_pkcs8_der(file, "k", Backend::AwsLc).map(drop),
            SigningKey::from_pkcs8_der(file, "k", Backend::RustCrypto).map(drop),
        ),
        3 => KeySet::parse(&text).map(drop),
        4 => PublicKey::from_pem(&text).map(drop),
        _ => PublicKey::from_certificate_der(file)
            .or_else(|_| PublicKey::from_spki_der(file))
            .map(drop),
    };
    if let Err(error) = outcome {
        assert_no_secret(&error, &secrets, "key file");
    }
}

/// Panics unless both backends agree; gives their common outcome.
fn agree(aws_lc: Result<(), Error>, rust_crypto: Result<(), Error>) -> Result<(), Error> {
    match (&aws_lc, &rust_crypto) {
        (Ok(()), Ok(())) => {}
        (Err(a), Err(b)) if a.code() == b.code() => {}
        _ => panic!(
            "the backends disagree on a key: aws-lc {:?}, RustCrypto {:?}",
            aws_lc.as_ref().map_err(Error::code),
            rust_crypto.as_ref().map_err(Error::code)
        ),
    }
    aws_lc
}

/// Base64 runs in a key file long enough to be key material (PEM bodies,
/// `private_key` values, JWK members).
fn key_material(text: &str) -> Vec<String> {
    let public = public_values(text);
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '_' | '-')))
        .filter(|run| run.len() >= 24)
        // Key ids (`private_key_id`, `kid`) are hex or names, and errors may name them.
        .filter(|run| !run.bytes().all(|b| b.is_ascii_hexdigit()))
        .filter(|run| !public.iter().any(|value| value.contains(run)))
        .map(str::to_owned)
        .collect()
}

/// The values of members that name a key rather than hold it (`kid`,
/// `private_key_id`, `client_email`, …): errors quote them ("duplicate kid"),
/// and the fuzzer writes key-like runs into them.
fn public_values(text: &str) -> Vec<String> {
    const PUBLIC: [&str; 5] = [
        "\"kid\"",
        "\"private_key_id\"",
        "\"client_email\"",
        "\"client_id\"",
        "\"project_id\"",
    ];
    let mut values = Vec::new();
    for name in PUBLIC {
        let mut rest = text;
        while let Some(at) = rest.find(name) {
            rest = &rest[at + name.len()..];
            let value = rest.trim_start().strip_prefix(':').map(str::trim_start);
            if let Some(quoted) = value.and_then(|v| v.strip_prefix('"')) {
                values.push(quoted.split('"').next().unwrap_or_default().to_owned());
            }
        }
    }
    values
}
