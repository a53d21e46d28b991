//! `--public-url` (the emulator behind a proxy or under a name) and `--log`
//! (a JSON-lines request log without secrets).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::ClaimsTemplate;
use credmint_emulator::{Config, Emulator, Options};

const PUBLIC: &str = "https://emulator.example.internal";

fn behind_proxy(log: Option<std::path::PathBuf>) -> Server {
    start_with_options(
        credmint_emulator::EXAMPLE_CONFIG,
        Options {
            public_url: Some(format!("{PUBLIC}/")),
            log,
            ..Options::default()
        },
    )
}

#[test]
fn the_public_url_names_the_emulator_and_is_an_accepted_audience() {
    let server = behind_proxy(None);
    assert_eq!(server.running.base_url(), PUBLIC);
    let health = server.get("/healthz", None).json();
    assert_eq!(health["public_url"], PUBLIC);
    assert_eq!(health["bound_url"], server.base);

    // Key files point at the public address …
    let identity = server.key(CI).identity().unwrap();
    assert_eq!(identity.token_uri().as_str(), format!("{PUBLIC}/token"));
    // … and an assertion for it is accepted at the bound socket.
    let answer = server.form(
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &server.assertion(CI, &[CLOUD_PLATFORM])),
        ],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);

    // Discovery documents name it.
    let discovery = server.get("/.well-known/openid-configuration", None).json();
    assert_eq!(discovery["jwks_uri"], format!("{PUBLIC}/oauth2/v3/certs"));
    let ibm = server
        .get("/identity/.well-known/openid-configuration", None)
        .json();
    assert_eq!(ibm["token_endpoint"], format!("{PUBLIC}/identity/token"));
}

#[test]
fn an_assertion_for_another_host_is_still_refused() {
    let server = behind_proxy(None);
    let key = server.key(CI);
    let assertion =
        credmint::JwtBearerAssertion::for_identity(&key.identity().unwrap(), [CLOUD_PLATFORM])
            .unwrap()
            .audience("https://elsewhere.example/token")
            .unwrap()
            .sign(key.signing_key(), now())
            .unwrap();
    let answer = server.form(
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.expose_secret()),
        ],
    );
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.text.contains("audience"), "{}", answer.text);
}

#[test]
fn a_public_url_that_is_not_one_is_refused_at_start() {
    let config = Config::from_toml(credmint_emulator::EXAMPLE_CONFIG).unwrap();
    for url in [
        "emulator.example",
        "ftp://emulator.example",
        "https://",
        "https://user@emulator.example",
        "https://emulator.example/?x=1",
        "https://emulator example",
    ] {
        let options = Options {
            public_url: Some(url.to_owned()),
            ..Options::default()
        };
        let err = Emulator::bind(&config, &options).err().unwrap();
        assert!(err.to_string().contains("public_url"), "{url}: {err}");
    }
}

#[test]
fn the_request_log_has_one_line_per_request_and_no_secret() {
    let dir = std::env::temp_dir().join(format!("credmint-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("requests.jsonl");
    let _ = std::fs::remove_file(&path);
    let server = behind_proxy(Some(path.clone()));
    let assertion = server.assertion(CI, &[CLOUD_PLATFORM]);
    let token = server.form(
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", &assertion),
        ],
    );
    assert_eq!(token.status, 200);
    let access_token = token.json()["access_token"].as_str().unwrap().to_owned();
    let refused = server.form(
        "/identity/token",
        &[
            ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
            ("apikey", "not-a-key-but-secret-all-the-same"),
        ],
    );
    assert_eq!(refused.status, 400);
    let signed = server.post_json(
        &iam_path(CI, "signJwt"),
        Some(&access_token),
        r#"{"payload": "{\"sub\": \"x\"}"}"#,
    );
    server.get("/healthz?token=query-secret-value", None);

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    for secret in [
        assertion.as_str(),
        access_token.as_str(),
        "not-a-key-but-secret-all-the-same",
        "query-secret-value",
    ] {
        assert!(!text.contains(secret), "a secret reached the log:\n{text}");
    }
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["path"], "/token");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(
        lines[0]["form"]["grant_type"],
        "urn:ietf:params:oauth:grant-type:jwt-bearer"
    );
    assert_eq!(lines[0]["form"]["assertion"], "[redacted]");
    assert_eq!(lines[1]["status"], 400);
    assert_eq!(lines[1]["form"]["apikey"], "[redacted]");
    assert_eq!(lines[2]["status"], signed.status);
    assert_eq!(lines[2]["headers"]["authorization"], "Bearer [redacted]");
    assert_eq!(lines[2]["json_members"], serde_json::json!(["payload"]));
    assert_eq!(lines[3]["path"], "/healthz?token=[redacted]");
    assert!(lines[0]["millis"].as_f64().unwrap() >= 0.0);
    assert!(lines[0]["time"].as_str().unwrap().ends_with('Z'));
}
