//! Caching headers of every key endpoint: `Cache-Control` with the configured
//! `max-age`, and `Age` counted from when that key set was published.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint_emulator::{Config, Emulator, Options};

/// Every route that serves public keys, with which set it serves.
fn key_routes() -> Vec<(String, &'static str)> {
    vec![
        ("/oauth2/v3/certs".to_owned(), "oidc"),
        ("/oauth2/v1/certs".to_owned(), "oidc"),
        ("/identity/keys".to_owned(), "oidc"),
        ("/iap/verify/public_key-jwk".to_owned(), "iap"),
        (format!("/service_accounts/v1/jwk/{CI}"), "account"),
        (format!("/service_accounts/v1/metadata/jwk/{CI}"), "account"),
        (
            format!("/service_accounts/v1/metadata/x509/{CI}"),
            "account",
        ),
        (format!("/robot/v1/metadata/x509/{CI}"), "account"),
    ]
}

fn control(max_age: u64) -> String {
    format!("public, max-age={max_age}, must-revalidate, no-transform")
}

#[test]
fn every_key_route_sends_max_age_and_an_age_that_grows() {
    let before = now().as_secs();
    let s = start(None);
    let started = now().as_secs();
    for (path, _) in key_routes() {
        let answer = s.get(&path, None);
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(answer.header("cache-control"), Some(control(3600).as_str()));
        let age = age(&answer);
        assert!(
            (0..=now().as_secs() - before).contains(&age),
            "{path}: Age {age}"
        );
    }
    wait_until(started + 2);
    for (path, _) in key_routes() {
        let answer = s.get(&path, None);
        let age = age(&answer);
        assert!(
            (2..=now().as_secs() - before).contains(&age),
            "{path}: Age {age} two seconds after start"
        );
    }
}

#[test]
fn max_age_comes_from_the_config_and_caps_age() {
    let toml = format!(
        "key_max_age_secs = 1\n{}",
        credmint_emulator::EXAMPLE_CONFIG
    );
    let s = start_with(&toml, None);
    let started = now().as_secs();
    wait_until(started + 2);
    for (path, _) in key_routes() {
        let answer = s.get(&path, None);
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(answer.header("cache-control"), Some(control(1).as_str()));
        assert_eq!(answer.header("age"), Some("1"), "{path}: capped at max-age");
    }
}

#[test]
fn a_rotation_restarts_the_age_of_its_own_set_only() {
    let s = start(None);
    let started = now().as_secs();
    wait_until(started + 2);
    let rotating = now().as_secs();
    s.rotate(Some("oidc"));
    for (path, set) in key_routes() {
        let age = age(&s.get(&path, None));
        if set == "oidc" {
            assert!(
                age <= now().as_secs() - rotating,
                "{path}: Age {age} after rotation"
            );
        } else {
            assert!(age >= 2, "{path}: Age {age}, yet its set did not rotate");
        }
    }
    s.rotate(Some("iap"));
    let age = age(&s.get("/iap/verify/public_key-jwk", None));
    assert!(age <= now().as_secs() - rotating, "IAP Age {age}");
}

#[test]
fn a_max_age_over_a_year_is_refused() {
    let config = Config::from_toml("key_max_age_secs = 31536001\n").unwrap();
    let err = Emulator::bind(&config, &Options::default()).err().unwrap();
    assert!(err.to_string().contains("key_max_age_secs"), "{err}");
    let config = Config::from_toml("key_max_age_secs = 31536000\n").unwrap();
    assert!(Emulator::bind(&config, &Options::default()).is_ok());
}
