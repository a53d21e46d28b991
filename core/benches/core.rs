//! Benchmarks of credmint's core operations on every backend compiled in.
//!
//! `make bench`: every backend (`--features ring,rsa` beside the default aws-lc), then `openssl speed`, with ratios. The `rsa_*` groups
//! time the bare RSA operation so the overhead of JSON, base64 and claim checks
//! can be read off as the difference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    Backend, Claims, ClaimsTemplate, Flow, HttpResponse, JwtBearerAssertion, KeySet,
    ServiceAccountKey, Step, TokenVerifier, UnixTime, Validation,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};

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
        // What verification adds to the RSA operation (structure, base64, JSON,
        // key selection, claims): both timed in turn within each iteration, so
        // that the machine's drift falls on both alike, and reported as the difference.
        c.bench_function(&format!("verify_overhead/{name}"), |b| {
            b.iter_custom(|iters| {
                let (mut whole, mut rsa) = (Duration::ZERO, Duration::ZERO);
                for _ in 0..iters {
                    let start = Instant::now();
                    credmint::verify(black_box(&token), &keys, &validation, now).unwrap();
                    let middle = Instant::now();
                    key.public_key()
                        .verify(black_box(&signing_input), &signature)
                        .unwrap();
                    rsa += middle.elapsed();
                    whole += middle - start;
                }
                whole.saturating_sub(rsa).max(Duration::from_nanos(1))
            })
        });
        if *backend == Backend::default() {
            warm_verifier(c, &key, now);
        }
    }
    es256(c, now);
}

/// A ready verifier with its keys fetched: the same verification as
/// `verify_jwt` plus the preset's rules and the key set's freshness decision.
fn warm_verifier(c: &mut Criterion, key: &ServiceAccountKey, now: UnixTime) {
    let claims = Claims::from_json(&format!(
        r#"{{"iss":"https://accounts.google.com","aud":"https://svc.example","sub":"1","iat":{}}}"#,
        now.as_secs()
    ))
    .unwrap();
    let token = key
        .sign_jwt(&claims, now)
        .unwrap()
        .signed_jwt()
        .expose_secret()
        .to_owned();
    let verifier = TokenVerifier::google_id_token(&["https://svc.example"]).unwrap();
    let mut first = verifier.verify(&token);
    let Ok(Step::Send(_)) = first.poll(now) else {
        panic!("a cold verifier fetches")
    };
    let answer = HttpResponse::new(
        200,
        vec![("Cache-Control".into(), "max-age=3600".into())],
        key.jwks().to_json().into_bytes(),
    );
    first.feed_response(answer).unwrap();
    assert!(matches!(first.poll(now), Ok(Step::Done(_))));
    let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
    let validation = Validation::new()
        .audience("https://svc.example")
        .issuer("https://accounts.google.com")
        .max_lifetime(3600)
        .unwrap();
    c.bench_function("verify_jwt/local_key_set", |b| {
        b.iter(|| credmint::verify(black_box(&token), &keys, &validation, now).unwrap())
    });
    c.bench_function("verify_jwt/warm_token_verifier", |b| {
        b.iter(|| match verifier.verify(black_box(&token)).poll(now) {
            Ok(Step::Done(claims)) => claims,
            other => panic!("{other:?}"),
        })
    });
}

/// ES256: a P-256 key from a JWK, a JWT signed by ring, verified on every backend.
fn es256(c: &mut Criterion, now: UnixTime) {
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref();
    let b64 = |bytes: &[u8]| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let jwks = format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","kid":"ec","x":"{}","y":"{}"}}]}}"#,
        b64(&point[1..33]),
        b64(&point[33..])
    );
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"ES256","kid":"ec"}"#),
        b64(format!(
            r#"{{"aud":"https://svc.example","exp":{}}}"#,
            now.as_secs() + 600
        )
        .as_bytes())
    );
    let signature = pair.sign(&rng, input.as_bytes()).unwrap();
    let token = format!("{input}.{}", b64(signature.as_ref()));
    let validation = Validation::new().audience("https://svc.example");
    for backend in Backend::ALL {
        let keys = KeySet::parse_with_backend(&jwks, *backend).unwrap();
        c.bench_function(&format!("es256_verify_jwt/{}", backend.name()), |b| {
            b.iter(|| credmint::verify(black_box(&token), &keys, &validation, now).unwrap())
        });
    }
}

criterion_group!(core_benches, benches);
criterion_main!(core_benches);
