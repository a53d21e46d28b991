//! `access_token_lifetime_secs`: every token the emulator mints lives as long
//! as the config says, and is refused once expired, so tests of caches and
//! refresh can have seconds-long windows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint_emulator::{Config, Emulator, Options};
use serde_json::json;

const APIKEY: &str = "demo-ibm-apikey-0123456789";

#[test]
fn minted_tokens_live_as_configured_and_expire() {
    let toml = format!(
        "access_token_lifetime_secs = 2\n{}",
        credmint_emulator::EXAMPLE_CONFIG
    );
    let s = start_with(&toml, None);
    let grant = s.form(
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &s.assertion(CI, &[CLOUD_PLATFORM])),
        ],
    );
    assert_eq!(grant.status, 200, "{}", grant.text);
    assert_eq!(
        grant.json()["expires_in"],
        1,
        "a second under the lifetime, as Google answers"
    );
    let ibm = s.form_with(
        "/identity/token",
        &[
            ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
            ("apikey", APIKEY),
        ],
        &[("accept", "application/json")],
    );
    assert_eq!(ibm.status, 200, "{}", ibm.text);
    assert_eq!(ibm.json()["expires_in"], 2);

    let minted_at = now().as_secs();
    let token = grant.json()["access_token"].as_str().unwrap().to_owned();
    let body = json!({"scope": [CLOUD_PLATFORM]}).to_string();
    let path = iam_path(DEPLOYER, "generateAccessToken");
    let used = s.post_json(&path, Some(&token), &body);
    assert_eq!(used.status, 200, "valid while it lives: {}", used.text);
    wait_until(minted_at + 3);
    let expired = s.post_json(&path, Some(&token), &body);
    assert_eq!(
        expired.status, 401,
        "refused once expired: {}",
        expired.text
    );
}

#[test]
fn a_lifetime_out_of_range_is_refused() {
    for bad in [0, 43_201] {
        let config = Config::from_toml(&format!("access_token_lifetime_secs = {bad}\n")).unwrap();
        let err = Emulator::bind(&config, &Options::default()).err().unwrap();
        assert!(
            err.to_string().contains("access_token_lifetime_secs"),
            "{err}"
        );
    }
}
