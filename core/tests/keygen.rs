//! Generated key files load in every backend and round-trip sign/verify.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "rsa")]

use credmint::{Backend, Claims, KeyFileOptions, KeySet, ServiceAccountKey, UnixTime, Validation};

#[test]
fn generated_key_files_work_everywhere() {
    let mut options = KeyFileOptions::new("gen@my-project.iam.gserviceaccount.com");
    options.token_uri = Some("http://127.0.0.1:9/token".into());
    let json = credmint::generate_service_account_key(&options).unwrap();
    let info: serde_json::Value = serde_json::from_str(json.expose_secret()).unwrap();
    assert_eq!(info["type"], "service_account");
    assert_eq!(info["project_id"], "my-project");
    assert_eq!(info["private_key_id"].as_str().unwrap().len(), 40);
    assert!(
        info["private_key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----\n")
    );
    assert_eq!(info["client_id"].as_str().unwrap().len(), 21);

    let now = UnixTime::from_secs(1_700_000_000);
    let mut tokens = Vec::new();
    for backend in Backend::ALL {
        let key =
            ServiceAccountKey::from_json_with_backend(json.expose_secret(), *backend).unwrap();
        assert_eq!(key.token_uri(), "http://127.0.0.1:9/token");
        assert_eq!(key.public_key().bits(), 2048);
        // The key id is derived from the public key.
        assert_eq!(thumbprint_prefix_hex(&key), key.key_id());
        let signed = key
            .sign_jwt(&Claims::from_json(r#"{"sub":"x"}"#).unwrap(), now)
            .unwrap();
        let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
        credmint::verify(
            signed.signed_jwt().expose_secret(),
            &keys,
            &Validation::new(),
            now,
        )
        .unwrap();
        tokens.push(signed.signed_jwt().expose_secret().to_owned());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 1, "backends must sign identically");

    let second = credmint::generate_service_account_key(&options).unwrap();
    assert_ne!(
        json.expose_secret(),
        second.expose_secret(),
        "keys must be fresh"
    );
}

fn thumbprint_prefix_hex(key: &ServiceAccountKey) -> String {
    use base64::Engine as _;
    let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(key.public_key().thumbprint())
        .unwrap();
    digest[..20].iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn self_signed_certificate_carries_the_key_and_its_own_valid_signature() {
    let key = credmint::ServiceAccountKey::from_json(include_str!(
        "../../tests/vectors/keys/sa_2048_pkcs8.json"
    ))
    .unwrap();
    let pem = key
        .signing_key()
        .self_signed_certificate(
            key.client_email(),
            &[0xff, 1, 2, 3],
            UnixTime::from_secs(1_700_000_000),
            UnixTime::from_secs(1_700_000_000 + 86_400),
        )
        .unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    // The certificate parses as a key set and holds the same public key.
    let keys = credmint::KeySet::from_pem(&pem).unwrap();
    assert_eq!(keys.keys()[0].modulus(), key.public_key().modulus());
    // The certificate's signature over its TBS part verifies with that key
    // (checked independently with OpenSSL in tests/interop).
    let bad = key.signing_key().self_signed_certificate(
        "a,b",
        &[1],
        UnixTime::from_secs(0),
        UnixTime::from_secs(1),
    );
    assert_eq!(bad.unwrap_err().code(), "invalid_argument");
    let backwards = key.signing_key().self_signed_certificate(
        "x",
        &[1],
        UnixTime::from_secs(10),
        UnixTime::from_secs(10),
    );
    assert_eq!(backwards.unwrap_err().code(), "invalid_argument");
}
