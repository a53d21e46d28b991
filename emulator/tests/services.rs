//! STS, IBM Cloud IAM and k0rdent endpoints of the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{ClaimsTemplate, KeySet, OidcIdToken, Validation};
use serde_json::{Value, json};
use std::collections::HashSet;

const ADMIN: (&str, &str) = ("cred-admin", "demo-admin-secret-0123456789");
const APIKEY: &str = "demo-ibm-apikey-0123456789";
const EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

fn subject_token(s: &Server, iss: &str, sub: &str, aud: &str) -> String {
    OidcIdToken::new(iss, sub, aud)
        .unwrap()
        .sign(s.provider_key.as_ref().unwrap().signing_key(), now())
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[test]
fn sts_exchanges_a_provider_token_for_a_federated_principal() {
    let s = start(None);
    let subject = subject_token(&s, "https://ci.example.com", "repo:acme/app", PROVIDER);
    let exchange = |token: &str, audience: &str| {
        s.form(
            "/v1/token",
            &[
                ("grant_type", EXCHANGE),
                ("audience", audience),
                ("scope", CLOUD_PLATFORM),
                (
                    "requested_token_type",
                    "urn:ietf:params:oauth:token-type:access_token",
                ),
                ("subject_token", token),
                ("subject_token_type", JWT_TYPE),
            ],
        )
    };
    let answer = exchange(&subject, PROVIDER);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    assert_eq!(
        body["issued_token_type"],
        "urn:ietf:params:oauth:token-type:access_token"
    );
    assert_eq!(body["token_type"], "Bearer");
    let federated = body["access_token"].as_str().unwrap();
    // The pool's principalSet may impersonate storage-signer, not deployer.
    let scope = json!({"scope": [CLOUD_PLATFORM]}).to_string();
    assert_eq!(
        s.post_json(
            &iam_path(SIGNER, "generateAccessToken"),
            Some(federated),
            &scope
        )
        .status,
        200
    );
    assert_eq!(
        s.post_json(
            &iam_path(DEPLOYER, "generateAccessToken"),
            Some(federated),
            &scope
        )
        .status,
        403
    );

    // Wrong issuer, wrong audience in the token, unknown provider, garbage.
    let wrong_iss = subject_token(&s, "https://evil.example", "x", PROVIDER);
    assert_eq!(
        exchange(&wrong_iss, PROVIDER).json()["error"],
        "invalid_grant"
    );
    let wrong_aud = subject_token(&s, "https://ci.example.com", "x", "https://other");
    assert_eq!(
        exchange(&wrong_aud, PROVIDER).json()["error"],
        "invalid_grant"
    );
    assert_eq!(
        exchange(
            &subject,
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q"
        )
        .json()["error"],
        "invalid_target"
    );
    assert_eq!(exchange("garbage", PROVIDER).status, 400);
    // A token signed by a key the provider does not trust.
    let foreign = OidcIdToken::new("https://ci.example.com", "x", PROVIDER)
        .unwrap()
        .sign(s.key(CI).signing_key(), now())
        .unwrap();
    assert_eq!(
        exchange(foreign.expose_secret(), PROVIDER).json()["error"],
        "invalid_grant"
    );
    let answer = s.form("/v1/token", &[("grant_type", "client_credentials")]);
    assert_eq!(answer.json()["error"], "unsupported_grant_type");
}

#[test]
fn ibm_api_key_and_refresh_grants_answer_as_seed_002() {
    let s = start(None);
    let grant = |fields: &[(&str, &str)]| {
        s.form_with("/identity/token", fields, &[("accept", "application/json")])
    };
    let answer = grant(&[
        ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
        ("apikey", APIKEY),
        ("response_type", "cloud_iam"),
    ]);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let body = answer.json();
    let fields: HashSet<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        HashSet::from([
            "access_token",
            "refresh_token",
            "token_type",
            "expires_in",
            "expiration",
            "scope"
        ])
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let expiration = body["expiration"].as_i64().unwrap();
    assert!((expiration - now().as_secs() - 3600).abs() <= 2);
    // The access token is a JWT verifiable with /identity/keys.
    let keys = KeySet::parse(&s.get("/identity/keys", None).text).unwrap();
    let verified = credmint::verify(
        body["access_token"].as_str().unwrap(),
        &keys,
        &Validation::new().issuer("https://iam.cloud.ibm.com/identity"),
        now(),
    )
    .unwrap();
    assert_eq!(verified.claims().exp().unwrap(), Some(expiration));

    let refresh = body["refresh_token"].as_str().unwrap();
    let answer = grant(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]);
    assert_eq!(answer.status, 200, "{}", answer.text);

    // IBM's error body for a bad key, a bad refresh token, a bad grant.
    let answer = grant(&[
        ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
        ("apikey", "wrong"),
    ]);
    assert_eq!(answer.status, 400);
    let error = answer.json();
    assert_eq!(error["errorCode"], "BXNIM0415E");
    assert_eq!(
        error["errorMessage"],
        "Provided API key could not be found."
    );
    assert!(error["context"]["requestId"].is_string());
    assert!(!answer.text.contains("wrong"));
    assert_eq!(
        grant(&[("grant_type", "refresh_token"), ("refresh_token", "nope")]).json()["errorCode"],
        "BXNIM0407E"
    );
    assert_eq!(grant(&[("grant_type", "password")]).status, 400);
}

fn admin_token(s: &Server) -> String {
    s.k0rdent_token(ADMIN.0, ADMIN.1)
}

fn list(s: &Server, token: &str, query: &str) -> Answer {
    s.get(
        &format!("/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials{query}"),
        Some(token),
    )
}

fn create(s: &Server, token: &str, body: &str) -> Value {
    let answer = s.post_json(
        "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
        Some(token),
        body,
    );
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()
}

fn ids(page: &Value) -> Vec<String> {
    page["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn k0rdent_listing_is_for_tenant_admins_and_never_shows_secrets() {
    let s = start(None);
    let admin = admin_token(&s);
    let answer = list(&s, &admin, "");
    assert_eq!(answer.status, 200, "{}", answer.text);
    let page = answer.json();
    assert_eq!(ids(&page), ["cred-001", "cred-000"]);
    let item = &page["credentials"][0];
    for field in [
        "selfLink",
        "uid",
        "id",
        "serviceAccountId",
        "status",
        "expiresAt",
        "createdBy",
        "createdAt",
    ] {
        assert!(item.get(field).is_some(), "{field} missing");
    }
    assert_eq!(
        item["selfLink"],
        "/v1/iam/service-accounts/sa-pipeline-prod/credentials/cred-001"
    );
    assert!(!answer.text.contains("secret"));
    assert_eq!(page["credentials"][1]["status"], "expired");

    // A non-admin (the pipeline's own credential) gets 403 in the seed's envelope.
    let pipeline = s.k0rdent_token("cred-001", "demo-pipeline-secret-001");
    let answer = list(&s, &pipeline, "");
    assert_eq!(answer.status, 403);
    let error = answer.json();
    assert_eq!(error["error"]["code"], 403);
    assert!(error["error"]["message"].is_string());
    assert!(error["error"]["details"].is_array());
    // No token, a Google token, an unknown account.
    assert_eq!(
        s.get(
            "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
            None
        )
        .status,
        401
    );
    assert_eq!(list(&s, &s.token_of(CI), "").status, 403);
    assert_eq!(
        s.get(
            "/v1/regions/global/iam/service-accounts/ghost/credentials",
            Some(&admin)
        )
        .status,
        404
    );

    // The pipeline credential's use was recorded.
    let used = list(&s, &admin, "").json();
    assert!(used["credentials"][0]["lastUsedAt"].is_string());
    assert_eq!(used["credentials"][0]["lastUsedIp"], "127.0.0.1");

    // Expired and wrong-secret credentials are refused.
    let answer = s.form(
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "cred-000"),
            ("client_secret", "demo-pipeline-secret-000"),
        ],
    );
    assert_eq!(
        (answer.status, answer.json()["error"].as_str().unwrap()),
        (401, "invalid_client")
    );
    let answer = s.form(
        "/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "cred-001"),
            ("client_secret", "wrong"),
        ],
    );
    assert_eq!(answer.status, 401);
    // Basic authentication works too (RFC 6749 §2.3.1).
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", ADMIN.0, ADMIN.1))
    );
    let answer = s.form_with(
        "/token",
        &[("grant_type", "client_credentials")],
        &[("authorization", &basic)],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[test]
fn k0rdent_query_parameters_are_validated() {
    let s = start(None);
    let admin = admin_token(&s);
    for query in [
        "?pageSize=0",
        "?pageSize=501",
        "?pageSize=ten",
        "?status=revoked",
        "?offset=-1",
        "?pageToken=abc&offset=0",
        "?pageToken=bogus",
        "?status=active&status=expired",
    ] {
        let answer = list(&s, &admin, query);
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert_eq!(answer.json()["error"]["code"], 400);
    }
    for query in [
        "?pageSize=1",
        "?pageSize=500",
        "?status=active",
        "?offset=5",
    ] {
        assert_eq!(list(&s, &admin, query).status, 200, "{query}");
    }
    assert_eq!(
        ids(&list(&s, &admin, "?status=active").json()),
        ["cred-001"]
    );
    assert_eq!(
        ids(&list(&s, &admin, "?status=expired").json()),
        ["cred-000"]
    );
    // A cursor from one filter is refused under another.
    let page = list(&s, &admin, "?pageSize=1").json();
    let cursor = page["nextPageToken"].as_str().unwrap();
    assert_eq!(
        list(
            &s,
            &admin,
            &format!("?pageSize=1&status=active&pageToken={cursor}")
        )
        .status,
        400
    );
}

#[test]
fn k0rdent_cursors_stay_correct_while_credentials_change() {
    let s = start(None);
    let admin = admin_token(&s);
    for _ in 0..4 {
        create(&s, &admin, "{}");
    }
    let all = ids(&list(&s, &admin, "?pageSize=500").json());
    assert_eq!(all.len(), 6);

    // Page 1 (2 items), then revoke an item already seen and one not yet
    // seen, and add a new one, then walk the rest.
    let first = list(&s, &admin, "?pageSize=2").json();
    let mut seen = ids(&first);
    assert_eq!(seen, all[..2]);
    let revoke = |id: &str| {
        let url = s.url(&format!(
            "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials/{id}"
        ));
        send(
            "DELETE",
            &url,
            &[("authorization", &format!("Bearer {admin}"))],
            b"",
        )
        .status
    };
    assert_eq!(revoke(&all[0]), 204);
    assert_eq!(revoke(&all[3]), 204);
    assert_eq!(revoke(&all[3]), 404);
    let added = create(&s, &admin, r#"{"ttlSeconds": 60}"#);
    let mut cursor = first["nextPageToken"].as_str().unwrap().to_owned();
    loop {
        let page = list(&s, &admin, &format!("?pageSize=2&pageToken={cursor}")).json();
        seen.extend(ids(&page));
        match page["nextPageToken"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    // Nothing skipped, nothing twice: every survivor after page 1 exactly once, then the new one.
    let mut expected: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(_, id)| id.clone())
        .collect();
    expected.push(added["id"].as_str().unwrap().to_owned());
    assert_eq!(seen, expected);

    // Offset pagination reports the total.
    let page = list(&s, &admin, "?offset=1&pageSize=2").json();
    assert_eq!(page["total"], 5);
    assert_eq!(page["credentials"].as_array().unwrap().len(), 2);
}

#[test]
fn k0rdent_create_returns_the_secret_once_and_it_works() {
    let s = start(None);
    let admin = admin_token(&s);
    let created = create(&s, &admin, r#"{"expiresAt": "2099-12-31T00:00:00Z"}"#);
    let secret = created["client_secret"].as_str().unwrap();
    assert_eq!(created["expiresAt"], "2099-12-31T00:00:00Z");
    assert_eq!(created["createdBy"], "sa-platform-admin");
    let listed = list(&s, &admin, "").text;
    assert!(!listed.contains(secret));
    assert!(!listed.contains("client_secret"));
    // The new credential authenticates.
    s.k0rdent_token(created["id"].as_str().unwrap(), secret);
    // Bad bodies.
    for body in [
        "{",
        r#"{"ttlSeconds": -5}"#,
        r#"{"expiresAt": "tomorrow"}"#,
        r#"{"colour": "red"}"#,
        r#"{"ttlSeconds": 5, "expiresAt": "2099-01-01T00:00:00Z"}"#,
    ] {
        let answer = s.post_json(
            "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
            Some(&admin),
            body,
        );
        assert_eq!(answer.status, 400, "{body}");
    }
    // Non-admins cannot create or revoke.
    let pipeline = s.k0rdent_token("cred-001", "demo-pipeline-secret-001");
    let answer = s.post_json(
        "/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
        Some(&pipeline),
        "{}",
    );
    assert_eq!(answer.status, 403);
}
