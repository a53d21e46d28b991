//! Runs `tests/vectors/errors.json`: every stable code has an error of that
//! code, in the family and with the retryability the vectors give, and every
//! family has at least one code; the vectors list exactly `Error::CODES`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use credmint::ErrorFamily;
use credmint::conformance::sample_error;
use std::collections::HashSet;

#[test]
fn every_code_is_in_its_family() {
    let mut families = HashSet::new();
    let mut codes = HashSet::new();
    for case in common::cases("errors.json") {
        let code = case["code"].as_str().unwrap();
        codes.insert(code.to_owned());
        let error = sample_error(code).unwrap_or_else(|| panic!("no {code} error in the core"));
        assert_eq!(error.code(), code);
        assert_eq!(
            error.family().as_str(),
            case["family"].as_str().unwrap(),
            "{code}"
        );
        assert_eq!(
            error.is_retryable(),
            case["retryable"].as_bool().unwrap(),
            "{code}"
        );
        families.insert(error.family());
    }
    for family in ErrorFamily::ALL {
        assert!(
            families.contains(&family),
            "no code of family {}",
            family.as_str()
        );
    }
    let every: HashSet<String> = credmint::Error::CODES
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    assert_eq!(codes, every, "errors.json lists exactly Error::CODES");
    assert!(sample_error("no_such_code").is_none());
    assert!(ErrorFamily::of_code("no_such_code").is_none());
}
