//! Benchmarks of credmint's core operations on every backend compiled in.
//!
//! `cargo bench -p credmint --features rsa` (both backends). The `rsa_*` groups
//! time the bare RSA operation so the overhead of JSON, base64 and claim checks
//! can be read off as the difference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    Backend, Claims, ClaimsTemplate, JwtBearerAssertion, KeySet, ServiceAccountKey, UnixTime,
    Validation,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const KEY_FILE: &str = include_str!("../../tests/vectors/keys/sa_2048_pkcs8.json");
const SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";

fn benches(c: &mut Criterion) {
    let now = UnixTime::from_secs(1_700_000_000);
    let claims = Claims::from_json(
        r#"{"iss":"credmint-test@credmint-vectors.iam.gserviceaccount.com","aud":"https://svc.example","sub":"123456789"}"#,
    )
    .unwrap();
    for backend in Backend::ALL {
        let name = backend.name();
        let key = ServiceAccountKey::from_json_with_backend(KEY_FILE, *backend).unwrap();
        let keys = KeySet::parse_with_backend(&key.jwks().to_json(), *backend).unwrap();
        let token = key
            .sign_jwt(&claims, now)
            .unwrap()
            .signed_jwt()
            .expose_secret()
            .to_owned();
        let validation = Validation::new().audience("https://svc.example");
        let signing_input = token.rsplit_once('.').unwrap().0.as_bytes().to_vec();
        let signature = key.signing_key().sign(&signing_input).unwrap();

        c.bench_function(&format!("key_parse/{name}"), |b| {
            b.iter(|| {
                ServiceAccountKey::from_json_with_backend(black_box(KEY_FILE), *backend).unwrap()
            })
        });
        c.bench_function(&format!("rsa_sign/{name}"), |b| {
            b.iter(|| key.signing_key().sign(black_box(&signing_input)).unwrap())
        });
        c.bench_function(&format!("sign_jwt/{name}"), |b| {
            b.iter(|| key.sign_jwt(black_box(&claims), now).unwrap())
        });
        c.bench_function(&format!("sign_blob/{name}"), |b| {
            b.iter(|| key.sign_blob(black_box(b"a blob to sign")).unwrap())
        });
        c.bench_function(&format!("jwt_bearer_assertion/{name}"), |b| {
            b.iter(|| {
                JwtBearerAssertion::new(black_box(&key), [SCOPE])
                    .unwrap()
                    .sign(key.signing_key(), now)
                    .unwrap()
            })
        });
        c.bench_function(&format!("rsa_verify/{name}"), |b| {
            b.iter(|| {
                key.public_key()
                    .verify(black_box(&signing_input), &signature)
                    .unwrap()
            })
        });
        if *backend == Backend::default() {
            c.bench_function("decode_unverified", |b| {
                b.iter(|| credmint::decode_unverified(black_box(&token)).unwrap())
            });
        }
        c.bench_function(&format!("verify_jwt/{name}"), |b| {
            b.iter(|| credmint::verify(black_box(&token), &keys, &validation, now).unwrap())
        });
    }
}

criterion_group!(core_benches, benches);
criterion_main!(core_benches);
