//! Mutation testing on stable Rust: thousands of corrupted tokens, key sets and
//! key files must give typed errors, never a panic, and never a false accept.
//! (The same harness functions are what a cargo-fuzz target would call.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{Claims, KeySet, ServiceAccountKey, UnixTime, Validation};
mod common;
use common::fixture;

/// xorshift64*: a tiny deterministic generator so failures are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n\"{}:,";

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len().max(1));
        match rng.below(5) {
            0 if !out.is_empty() => out[at] = ALPHABET[rng.below(ALPHABET.len())],
            1 if !out.is_empty() => {
                out.remove(at);
            }
            2 => out.insert(at.min(out.len()), ALPHABET[rng.below(ALPHABET.len())]),
            3 if !out.is_empty() => out[at] ^= 1 << rng.below(8),
            _ => {
                let end = (at + rng.below(16)).min(out.len());
                let chunk = out[at.min(end)..end].to_vec();
                out.splice(at.min(out.len())..at.min(out.len()), chunk);
            }
        }
    }
    out
}

#[test]
fn mutated_tokens_are_rejected_without_panic() {
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let now = UnixTime::from_secs(1_700_000_000);
    let claims =
        Claims::from_json(r#"{"aud":"a","iss":"i","sub":"s","nested":{"x":[1,2,{"y":null}]}}"#)
            .unwrap();
    let token = key
        .sign_jwt(&claims, now)
        .unwrap()
        .signed_jwt()
        .expose_secret()
        .to_owned();
    let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
    let validation = Validation::new().audience("a").issuer("i");
    assert!(credmint::verify(&token, &keys, &validation, now).is_ok());

    let mut rng = Rng(0x5EED_CAFE_F00D_0001);
    let mut accepted = 0;
    for _ in 0..20_000 {
        let bytes = mutate(&mut rng, token.as_bytes());
        let Ok(candidate) = String::from_utf8(bytes) else {
            continue;
        };
        let result = credmint::verify(&candidate, &keys, &validation, now);
        if candidate == token {
            assert!(result.is_ok());
            continue;
        }
        match result {
            Ok(_) => accepted += 1,
            Err(err) => assert!(credmint::Error::CODES.contains(&err.code())),
        }
        let _ = credmint::decode_unverified(&candidate);
    }
    // A mutation may only be accepted if it decodes to the very same signed bytes,
    // which canonical base64url rules out.
    assert_eq!(accepted, 0, "mutated tokens were accepted");
}

#[test]
fn mutated_key_documents_never_panic() {
    let mut rng = Rng(0x5EED_CAFE_F00D_0002);
    let documents = [
        fixture("jwks_two_keys.json"),
        fixture("x509_certs.json"),
        fixture("google_public_cert.pem"),
        fixture("rsa_2048_spki.pem"),
    ];
    for document in &documents {
        for _ in 0..400 {
            let bytes = mutate(&mut rng, document.as_bytes());
            if let Ok(text) = String::from_utf8(bytes)
                && let Err(err) = KeySet::parse(&text)
            {
                assert!(credmint::Error::CODES.contains(&err.code()));
            }
        }
    }
    let key_file = fixture("sa_2048_pkcs8.json");
    for _ in 0..400 {
        let bytes = mutate(&mut rng, key_file.as_bytes());
        if let Ok(text) = String::from_utf8(bytes)
            && let Err(err) = ServiceAccountKey::from_json(&text)
        {
            assert!(credmint::Error::CODES.contains(&err.code()));
        }
    }
}

#[test]
fn mutated_credential_documents_never_panic_and_never_echo_secrets() {
    let mut rng = Rng(0x5EED_CAFE_F00D_0003);
    let user = r#"{"type":"authorized_user","client_id":"c.apps.googleusercontent.com","client_secret":"S3CRET-client","refresh_token":"1//S3CRET-refresh","quota_project_id":"q"}"#;
    let impersonated = format!(
        r#"{{"type":"impersonated_service_account","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/t@p.iam.gserviceaccount.com:generateAccessToken","delegates":[],"source_credentials":{user}}}"#
    );
    let workforce = r#"{"type":"external_account_authorized_user","audience":"//iam.googleapis.com/locations/global/workforcePools/p/providers/o","refresh_token":"S3CRET-refresh","token_url":"https://sts.googleapis.com/v1/oauthtoken","client_id":"c","client_secret":"S3CRET-client"}"#;
    let documents = [user.to_owned(), impersonated, workforce.to_owned()];
    let mut parsed = 0;
    for document in &documents {
        for _ in 0..1_000 {
            let bytes = mutate(&mut rng, document.as_bytes());
            let Ok(text) = String::from_utf8(bytes) else {
                continue;
            };
            match credmint::Credentials::from_json(&text) {
                Ok(creds) => {
                    parsed += 1;
                    assert!(!format!("{creds:?}").contains("S3CRET"));
                    let _ = creds.access_token_flow();
                    let _ = creds.id_token_flow("https://svc.example");
                }
                Err(err) => {
                    assert!(credmint::Error::CODES.contains(&err.code()));
                    assert!(!err.to_string().contains("S3CRET"), "{err}");
                }
            }
        }
    }
    assert!(
        parsed > 0,
        "no mutation parsed: the documents themselves are broken"
    );
}
