//! Users of the emulator: Google's refresh-token grant for `authorized_user`
//! credentials, STS `oauthtoken`/`introspect` for workforce users, and the
//! credential files written for both.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use credmint::{KeySet, Validation};
use credmint_emulator::{Config, Emulator, Options};
use serde_json::{Value, json};
use std::sync::OnceLock;

const USER: &str = "developer@example.com";
const CLIENT_ID: &str = "764086051850-demo.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "demo-client-secret-0123456789";
const REFRESH: &str = "1//demo-refresh-token-0123456789";
const WF_CLIENT: &str = "demo-workforce-client";
const WF_SECRET: &str = "demo-workforce-secret-0123456789";
const WF_REFRESH: &str = "demo-workforce-refresh-0123456789";
const WF_PRINCIPAL: &str = "principal://iam.googleapis.com/locations/global/workforcePools/demo-workforce/subject/alice@example.com";

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| start(None))
}

fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

fn refresh(fields: &[(&str, &str)]) -> Answer {
    let mut all = vec![("grant_type", "refresh_token")];
    all.extend_from_slice(fields);
    server().form("/token", &all)
}

fn oauth_error(answer: &Answer) -> (u16, String, String) {
    let body = answer.json();
    (
        answer.status,
        body["error"].as_str().unwrap().to_owned(),
        body["error_description"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn refresh_grant_issues_a_user_token_and_id_token() {
    let s = server();
    let answer = refresh(&[
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", REFRESH),
    ]);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let scope = body["scope"].as_str().unwrap();
    assert!(scope.split(' ').any(|s| s == CLOUD_PLATFORM), "{scope}");
    assert!(scope.split(' ').any(|s| s == "openid"), "{scope}");
    assert!(body.get("refresh_token").is_none());
    let token = body["access_token"].as_str().unwrap();

    // The ID token: the emulator's Google key, aud and azp the client.
    let keys = KeySet::parse(&s.get("/oauth2/v3/certs", None).text).unwrap();
    let validation = Validation::new()
        .audience(CLIENT_ID)
        .issuer("https://accounts.google.com");
    let claims = credmint::verify(
        body["id_token"].as_str().unwrap(),
        &keys,
        &validation,
        now(),
    )
    .unwrap()
    .into_claims();
    assert_eq!(claims.get("email").unwrap(), USER);
    assert_eq!(claims.get("azp").unwrap(), CLIENT_ID);
    assert_eq!(claims.get("sub").unwrap().as_str().unwrap().len(), 21);
    assert!(claims.get("at_hash").is_some());

    // IAM takes the token as user:developer@example.com, a token creator on deployer only.
    let request = json!({"scope": [CLOUD_PLATFORM]}).to_string();
    let minted = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(token),
        &request,
    );
    assert_eq!(minted.status, 200, "{}", minted.text);
    let denied = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        Some(token),
        &request,
    );
    assert_eq!(denied.status, 403, "{}", denied.text);
}

#[test]
fn refresh_grant_takes_basic_client_authentication_and_narrower_scopes() {
    let auth = basic(CLIENT_ID, CLIENT_SECRET);
    let answer = server().form_with(
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", REFRESH),
            ("scope", CLOUD_PLATFORM),
        ],
        &[("authorization", auth.as_str())],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["scope"], CLOUD_PLATFORM);
    // No openid, no ID token.
    assert!(body.get("id_token").is_none());

    let wrong = basic(CLIENT_ID, "not-the-secret");
    let answer = server().form_with(
        "/token",
        &[("grant_type", "refresh_token"), ("refresh_token", REFRESH)],
        &[("authorization", wrong.as_str())],
    );
    assert_eq!(oauth_error(&answer).0, 401);
    assert_eq!(oauth_error(&answer).1, "invalid_client");
}

#[test]
fn refresh_grant_refuses_like_google() {
    // Wrong secret.
    let answer = refresh(&[
        ("client_id", CLIENT_ID),
        ("client_secret", "wrong"),
        ("refresh_token", REFRESH),
    ]);
    assert_eq!(
        oauth_error(&answer),
        (401, "invalid_client".into(), "Unauthorized".into())
    );
    // Unknown client.
    let answer = refresh(&[
        ("client_id", "nobody.apps.googleusercontent.com"),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", REFRESH),
    ]);
    assert_eq!(
        oauth_error(&answer),
        (
            401,
            "invalid_client".into(),
            "The OAuth client was not found.".into()
        )
    );
    // Unknown (or revoked) refresh token.
    let answer = refresh(&[
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", "1//revoked"),
    ]);
    assert_eq!(
        oauth_error(&answer),
        (
            400,
            "invalid_grant".into(),
            "Token has been expired or revoked.".into()
        )
    );
    // Missing pieces.
    let answer = refresh(&[("client_secret", CLIENT_SECRET), ("refresh_token", REFRESH)]);
    assert_eq!(
        oauth_error(&answer),
        (
            400,
            "invalid_request".into(),
            "Could not determine client ID from request.".into()
        )
    );
    let answer = refresh(&[("client_id", CLIENT_ID), ("refresh_token", REFRESH)]);
    assert_eq!(
        oauth_error(&answer),
        (
            400,
            "invalid_request".into(),
            "client_secret is missing.".into()
        )
    );
    let answer = refresh(&[("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]);
    assert_eq!(oauth_error(&answer).1, "invalid_request");
    // A scope the user never granted.
    let answer = refresh(&[
        ("client_id", CLIENT_ID),
        ("client_secret", CLIENT_SECRET),
        ("refresh_token", REFRESH),
        ("scope", "https://www.googleapis.com/auth/gmail.readonly"),
    ]);
    assert_eq!(oauth_error(&answer).1, "invalid_scope");
}

#[test]
fn a_refresh_token_of_another_client_is_unauthorized() {
    let toml = r#"
[[authorized_users]]
email = "a@example.com"
client_id = "client-a"
client_secret = "secret-a"
refresh_token = "refresh-a"
[[authorized_users]]
email = "b@example.com"
client_id = "client-b"
client_secret = "secret-b"
refresh_token = "refresh-b"
scopes = ["https://www.googleapis.com/auth/cloud-platform"]
"#;
    let s = start_with(toml, None);
    let form = |id: &str, secret: &str, token: &str| {
        s.form(
            "/token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
                ("refresh_token", token),
            ],
        )
    };
    let answer = form("client-a", "secret-a", "refresh-b");
    assert_eq!(answer.status, 401, "{}", answer.text);
    assert_eq!(answer.json()["error"], "unauthorized_client");
    let answer = form("client-b", "secret-b", "refresh-b");
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.json().get("id_token").is_none());
}

fn oauthtoken(auth: Option<&str>, fields: &[(&str, &str)]) -> Answer {
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", *a)).collect();
    server().form_with("/v1/oauthtoken", fields, &headers)
}

#[test]
fn sts_oauthtoken_refreshes_workforce_users() {
    let s = server();
    let auth = basic(WF_CLIENT, WF_SECRET);
    let fields = [
        ("grant_type", "refresh_token"),
        ("refresh_token", WF_REFRESH),
    ];
    let answer = oauthtoken(Some(&auth), &fields);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    let token = body["access_token"].as_str().unwrap().to_owned();

    // The workforce pool is a principalSet token creator on deployer only.
    let request = json!({"scope": [CLOUD_PLATFORM]}).to_string();
    let minted = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(&token),
        &request,
    );
    assert_eq!(minted.status, 200, "{}", minted.text);
    let denied = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        Some(&token),
        &request,
    );
    assert_eq!(denied.status, 403);

    // Introspection names the principal.
    let answer = s.form_with(
        "/v1/introspect",
        &[("token", &token)],
        &[("authorization", auth.as_str())],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let info = answer.json();
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], WF_PRINCIPAL);
    assert_eq!(info["username"], "alice@example.com");
    assert_eq!(info["client_id"], WF_CLIENT);
    let answer = s.form_with(
        "/v1/introspect",
        &[("token", "ya29.emu.forged.token")],
        &[("authorization", auth.as_str())],
    );
    assert_eq!(answer.json(), json!({"active": false}));
    let answer = s.form("/v1/introspect", &[("token", &token)]);
    assert_eq!(answer.status, 401);
}

#[test]
fn sts_oauthtoken_refuses_in_sts_format() {
    let fields = [
        ("grant_type", "refresh_token"),
        ("refresh_token", WF_REFRESH),
    ];
    let cases = [
        (None, fields.to_vec(), 401, "invalid_client"),
        (
            Some(basic(WF_CLIENT, "wrong")),
            fields.to_vec(),
            401,
            "invalid_client",
        ),
        (
            Some(basic("other-client", WF_SECRET)),
            fields.to_vec(),
            401,
            "invalid_client",
        ),
        (
            Some(basic(WF_CLIENT, WF_SECRET)),
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "revoked"),
            ],
            400,
            "invalid_grant",
        ),
        (
            Some(basic(WF_CLIENT, WF_SECRET)),
            vec![("grant_type", "refresh_token")],
            400,
            "invalid_request",
        ),
        (
            Some(basic(WF_CLIENT, WF_SECRET)),
            vec![("grant_type", "password"), ("refresh_token", WF_REFRESH)],
            400,
            "unsupported_grant_type",
        ),
    ];
    for (auth, fields, status, error) in cases {
        let answer = oauthtoken(auth.as_deref(), &fields);
        assert_eq!(
            (answer.status, answer.json()["error"].as_str().unwrap()),
            (status, error),
            "{fields:?}: {}",
            answer.text
        );
        assert!(answer.json()["error_description"].is_string());
    }
    // Google users' refresh tokens are not workforce ones.
    let answer = oauthtoken(
        Some(&basic(CLIENT_ID, CLIENT_SECRET)),
        &[("grant_type", "refresh_token"), ("refresh_token", REFRESH)],
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn credential_files_point_at_the_emulator_and_work() {
    let config = Config::from_toml(credmint_emulator::EXAMPLE_CONFIG).unwrap();
    let emulator = Emulator::bind(&config, &Options::default()).unwrap();
    let base = emulator.base_url().to_owned();
    let files: std::collections::HashMap<String, Value> = emulator
        .credential_files()
        .into_iter()
        .map(|(name, text)| (name, serde_json::from_str(text.expose_secret()).unwrap()))
        .collect();
    let mut names: Vec<&str> = files.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "authorized_user.json",
            "external_account_authorized_user.json",
            "impersonated_service_account.json"
        ]
    );
    let user = &files["authorized_user.json"];
    assert_eq!(user["type"], "authorized_user");
    assert_eq!(user["token_uri"], format!("{base}/token"));
    assert_eq!(user["quota_project_id"], "demo-project");
    let impersonated = &files["impersonated_service_account.json"];
    assert_eq!(
        impersonated["service_account_impersonation_url"],
        format!("{base}/v1/projects/-/serviceAccounts/{DEPLOYER}:generateAccessToken")
    );
    assert_eq!(impersonated["source_credentials"], *user);
    assert_eq!(impersonated["delegates"], json!([]));
    let workforce = &files["external_account_authorized_user.json"];
    assert_eq!(workforce["token_url"], format!("{base}/v1/oauthtoken"));
    assert_eq!(workforce["token_info_url"], format!("{base}/v1/introspect"));
    assert_eq!(workforce["universe_domain"], "googleapis.com");

    // Each file works against this emulator as written.
    let running = emulator.spawn().unwrap();
    let post = |url: &str, headers: &[(&str, &str)], body: &str| {
        send(
            "POST",
            url,
            &[
                &[("content-type", "application/x-www-form-urlencoded")],
                headers,
            ]
            .concat(),
            body.as_bytes(),
        )
    };
    let form = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let source = impersonated["source_credentials"].clone();
    let answer = post(
        source["token_uri"].as_str().unwrap(),
        &[],
        &form(&[
            ("grant_type", "refresh_token"),
            ("client_id", source["client_id"].as_str().unwrap()),
            ("client_secret", source["client_secret"].as_str().unwrap()),
            ("refresh_token", source["refresh_token"].as_str().unwrap()),
        ]),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let user_token = answer.json()["access_token"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {user_token}");
    let answer = send(
        "POST",
        impersonated["service_account_impersonation_url"]
            .as_str()
            .unwrap(),
        &[
            ("content-type", "application/json"),
            ("authorization", auth.as_str()),
        ],
        json!({"scope": [CLOUD_PLATFORM], "delegates": []})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let auth = basic(
        workforce["client_id"].as_str().unwrap(),
        workforce["client_secret"].as_str().unwrap(),
    );
    let answer = post(
        workforce["token_url"].as_str().unwrap(),
        &[("authorization", auth.as_str())],
        &form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                workforce["refresh_token"].as_str().unwrap(),
            ),
        ]),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    drop(running);
}

#[test]
fn without_a_user_the_impersonation_file_uses_a_service_account_key() {
    let toml = format!(
        r#"
[[service_accounts]]
email = "{CI}"
[[service_accounts]]
email = "{DEPLOYER}"
token_creators = ["serviceAccount:{CI}"]
"#
    );
    let config = Config::from_toml(&toml).unwrap();
    let emulator = Emulator::bind(&config, &Options::default()).unwrap();
    let files = emulator.credential_files();
    assert_eq!(files.len(), 1);
    let (name, text) = &files[0];
    assert_eq!(name, "impersonated_service_account.json");
    let file: Value = serde_json::from_str(text.expose_secret()).unwrap();
    assert_eq!(file["source_credentials"]["type"], "service_account");
    assert_eq!(file["source_credentials"]["client_email"], CI);
    assert_eq!(
        file["source_credentials"]["token_uri"],
        format!("{}/token", emulator.base_url())
    );
    // Nobody may impersonate anybody: no file.
    let lonely = Config::from_toml(&format!("[[service_accounts]]\nemail = \"{CI}\"\n")).unwrap();
    let emulator = Emulator::bind(&lonely, &Options::default()).unwrap();
    assert!(emulator.credential_files().is_empty());
}

#[test]
fn bad_user_configurations_are_refused() {
    for (toml, why) in [
        (
            "[[authorized_users]]\nemail = \"nobody\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
            "not an email",
        ),
        (
            "[[authorized_users]]\nemail = \"a@x\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n[[authorized_users]]\nemail = \"b@x\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
            "same refresh token",
        ),
        (
            "[[authorized_users]]\nemail = \"a@x\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\nscopes = []\n",
            "scopes",
        ),
        (
            "[[workforce_users]]\naudience = \"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x\"\nprincipal = \"principal://x\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
            "workforce audience",
        ),
        (
            "[[workforce_users]]\naudience = \"//iam.googleapis.com/locations/global/workforcePools/p/providers/x\"\nprincipal = \"principal://iam.googleapis.com/locations/global/workforcePools/other/subject/a\"\nclient_id = \"c\"\nclient_secret = \"s\"\nrefresh_token = \"r\"\n",
            "workforce principal",
        ),
    ] {
        let config = Config::from_toml(toml).unwrap();
        let err = Emulator::bind(&config, &Options::default()).err().unwrap();
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
}

#[test]
fn secrets_do_not_show_in_debug_output() {
    let config = Config::from_toml(credmint_emulator::EXAMPLE_CONFIG).unwrap();
    let text = format!("{config:?}");
    for secret in [CLIENT_SECRET, REFRESH, WF_SECRET, WF_REFRESH] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
}
