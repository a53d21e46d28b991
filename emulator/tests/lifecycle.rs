//! Starting, configuring and restarting: a restarted emulator keeps everything
//! it issued or created; bad configuration and state are clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{KeySet, Validation};
use serde_json::json;

#[test]
fn a_restart_from_the_state_file_loses_nothing() {
    let dir = std::env::temp_dir().join(format!("credmint-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");

    let s = start(Some(state.clone()));
    let kid = s.key(CI).key_id().to_owned();
    let google = s.token_of(CI);
    let id_token = s
        .post_json(
            &iam_path(DEPLOYER, "generateIdToken"),
            Some(&google),
            r#"{"audience":"https://svc.example"}"#,
        )
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ibm = s
        .form(
            "/identity/token",
            &[
                ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
                ("apikey", "demo-ibm-apikey-0123456789"),
            ],
        )
        .json();
    let refresh = ibm["refresh_token"].as_str().unwrap().to_owned();
    let admin = s.k0rdent_token("cred-admin", "demo-admin-secret-0123456789");
    let created = s
        .post_json(
            "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
            Some(&admin),
            "{}",
        )
        .json();
    let (cred_id, cred_secret) = (
        created["id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    s.k0rdent_token(&cred_id, &cred_secret);
    let revoked =
        s.url("/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials/cred-001");
    assert_eq!(
        send(
            "DELETE",
            &revoked,
            &[("authorization", &format!("Bearer {admin}"))],
            b""
        )
        .status,
        204
    );
    drop(s);

    // The file is private and holds no token, refresh token or secret in clear.
    let text = std::fs::read_to_string(&state).unwrap();
    for secret in [
        google.as_str(),
        refresh.as_str(),
        cred_secret.as_str(),
        "demo-admin-secret-0123456789",
        "demo-ibm-apikey-0123456789",
    ] {
        assert!(!text.contains(secret));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let s = start(Some(state.clone()));
    assert_eq!(s.key(CI).key_id(), kid, "generated keys are kept");
    // The old access token still authenticates.
    let answer = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(&google),
        &json!({"scope": [CLOUD_PLATFORM]}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The old ID token verifies against the new JWKS.
    let keys = KeySet::parse(&s.get("/oauth2/v3/certs", None).text).unwrap();
    credmint::verify(
        &id_token,
        &keys,
        &Validation::new().audience("https://svc.example"),
        now(),
    )
    .unwrap();
    // The refresh token still works.
    let answer = s.form(
        "/identity/token",
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    // The created credential is still there, with its last use; the revoked one is gone.
    let admin = s.k0rdent_token("cred-admin", "demo-admin-secret-0123456789");
    let listed = s
        .get(
            "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
            Some(&admin),
        )
        .json();
    let items = listed["credentials"].as_array().unwrap();
    let ids: Vec<&str> = items.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["cred-000", cred_id.as_str()]);
    assert!(items[1]["lastUsedAt"].is_string());
    s.k0rdent_token(&cred_id, &cred_secret);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_corrupt_state_file_is_a_clear_startup_error() {
    let dir = std::env::temp_dir().join(format!("credmint-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    std::fs::write(&state, "{not json").unwrap();
    let config = credmint_emulator::Config::from_toml(credmint_emulator::EXAMPLE_CONFIG).unwrap();
    let options = credmint_emulator::Options {
        state: Some(state),
        ..Default::default()
    };
    let err = credmint_emulator::Emulator::bind(&config, &options)
        .err()
        .unwrap();
    assert!(err.to_string().contains("state file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn configuration_errors_are_clear() {
    for (toml, expected) in [
        ("bogus = 1", "unknown field"),
        (
            "[[service_accounts]]\nemail = \"a@p.iam.gserviceaccount.com\"\n[[service_accounts]]\nemail = \"a@p.iam.gserviceaccount.com\"",
            "twice",
        ),
        (
            "[[service_accounts]]\nemail = \"a@p.iam.gserviceaccount.com\"\nmax_token_lifetime_secs = 50000",
            "43200",
        ),
        (
            "[[identity_providers]]\naudience = \"https://x\"\nissuer = \"i\"",
            "workloadIdentityPools",
        ),
        (
            "[[service_accounts]]\nemail = \"a@p.iam.gserviceaccount.com\"\nkey_file = \"/nonexistent/key.json\"",
            "cannot read key file",
        ),
    ] {
        let result = credmint_emulator::Config::from_toml(toml).and_then(|config| {
            credmint_emulator::Emulator::bind(&config, &Default::default()).map(|_| ())
        });
        let err = result.err().unwrap_or_else(|| panic!("accepted: {toml}"));
        assert!(err.to_string().contains(expected), "{toml}: {err}");
    }
}

#[test]
fn a_json_configuration_with_a_relative_key_file() {
    let vectors = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/keys");
    let key_text = std::fs::read_to_string(vectors.join("sa_2048_pkcs8.json")).unwrap();
    let key = credmint::ServiceAccountKey::from_json(&key_text).unwrap();
    let dir = std::env::temp_dir().join(format!("credmint-json-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("key.json"), &key_text).unwrap();
    let config = json!({
        "service_accounts": [{"email": key.client_email(), "key_file": "key.json"}],
        "ibm_api_keys": [{"apikey": "k", "iam_id": "iam-ServiceId-1"}]
    });
    std::fs::write(dir.join("emulator.json"), config.to_string()).unwrap();
    let config = credmint_emulator::Config::load(&dir.join("emulator.json")).unwrap();
    // Secrets from the configuration never show in Debug.
    assert!(!format!("{config:?}").contains("\"k\""));
    let emulator = credmint_emulator::Emulator::bind(&config, &Default::default()).unwrap();
    let served = emulator.key_file(key.client_email()).unwrap();
    let served = credmint::ServiceAccountKey::from_json(served.expose_secret()).unwrap();
    assert_eq!(
        served.key_id(),
        key.key_id(),
        "the configured key is served, not a new one"
    );
    assert_eq!(served.token_uri(), format!("{}/token", emulator.base_url()));
    std::fs::remove_dir_all(&dir).unwrap();
}
