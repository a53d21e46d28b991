//! ES256 beyond the shared vectors: which algorithms a verifier allows, and
//! P-256 keys as values (JWK export, thumbprint, no ES256 signing).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cases, text_of};
use credmint::{Algorithm, KeySet, PublicKey, UnixTime, UnsignedJws, Validation, verify};
use serde_json::Value;

fn case(name: &str) -> Value {
    cases("verify.json")
        .into_iter()
        .find(|case| case["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name:?}"))
}

fn outcome(name: &str, validation: &Validation) -> &'static str {
    let case = case(name);
    let keys = KeySet::parse(&text_of(&case["keys"])).unwrap();
    let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
    match verify(case["token"].as_str().unwrap(), &keys, validation, now) {
        Ok(_) => "ok",
        Err(err) => err.code(),
    }
}

#[test]
fn a_verifier_can_allow_one_algorithm_only() {
    let es256_only = Validation::new().algorithms(&[Algorithm::Es256]).unwrap();
    let rs256_only = Validation::new().algorithms(&[Algorithm::Rs256]).unwrap();
    let es = "ES256 token in a set with RSA keys";
    let rs = "RS256 token in a set with EC keys";
    assert_eq!(outcome(es, &Validation::new()), "ok");
    assert_eq!(outcome(rs, &Validation::new()), "ok");
    assert_eq!(outcome(es, &es256_only), "ok");
    assert_eq!(outcome(rs, &es256_only), "unsupported_algorithm");
    assert_eq!(outcome(es, &rs256_only), "unsupported_algorithm");
    assert_eq!(outcome(rs, &rs256_only), "ok");
    let none = Validation::new().algorithms(&[]).unwrap_err();
    assert_eq!(none.code(), "invalid_argument");
}

#[test]
fn p256_keys_export_as_ec_jwks() {
    let pem = common::fixture("ec_p256_spki.pem");
    let keys = KeySet::parse(&pem).unwrap();
    let key = keys.keys()[0].clone().with_key_id("ec-1").unwrap();
    assert_eq!(key.algorithm(), Algorithm::Es256);
    assert_eq!(key.bits(), 256);
    assert!(key.modulus().is_empty() && key.exponent().is_empty());
    let text = serde_json::to_string(&key.to_jwk()).unwrap();
    assert!(
        text.starts_with(
            r#"{"kty":"EC","use":"sig","alg":"ES256","kid":"ec-1","crv":"P-256","x":""#
        ),
        "{text}"
    );
    let jwk: Value = serde_json::from_str(&text).unwrap();
    // The JWK reads back as the same key, and its thumbprint is RFC 7638's
    // hash of the required members in lexicographic order.
    let again = KeySet::parse(&serde_json::json!({ "keys": [jwk] }).to_string()).unwrap();
    assert_eq!(again.keys()[0], key);
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#,
        jwk["x"], jwk["y"]
    );
    use sha2::Digest as _;
    let expected = base64_url(&sha2::Sha256::digest(canonical.as_bytes()));
    assert_eq!(key.thumbprint(), expected);
    assert!(format!("{key:?}").contains("Es256"));
}

#[test]
fn a_p256_key_never_verifies_an_rsa_signature_and_credmint_signs_rs256_only() {
    let key = PublicKey::from_p256_sec1(&p256_point()).unwrap();
    assert_eq!(
        key.verify(b"message", &[1; 256]).unwrap_err().code(),
        "signature_invalid"
    );
    let err = UnsignedJws::from_parts(br#"{"alg":"ES256"}"#, b"{}").unwrap_err();
    assert_eq!(err.code(), "invalid_argument");
}

fn p256_point() -> Vec<u8> {
    let pem = common::fixture("ec_p256_spki.pem");
    let key = KeySet::parse(&pem).unwrap().keys()[0].to_jwk();
    let decode = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .unwrap()
    };
    [
        vec![0x04],
        decode(key.x.as_deref().unwrap()),
        decode(key.y.as_deref().unwrap()),
    ]
    .concat()
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
