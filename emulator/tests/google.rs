//! Google OAuth token endpoint, IAM Credentials and key endpoints of the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{Claims, ClaimsTemplate, JwtBearerAssertion, KeySet, Validation};
use serde_json::json;
use std::sync::OnceLock;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| start(None))
}

fn grant(assertion: &str) -> Answer {
    server().form(
        "/token",
        &[("grant_type", JWT_BEARER), ("assertion", assertion)],
    )
}

#[test]
fn jwt_bearer_grant_issues_an_hour_token() {
    let answer = grant(&server().assertion(CI, &[CLOUD_PLATFORM]));
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("application/json"));
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert!(body["access_token"].as_str().unwrap().starts_with("ya29."));
}

#[test]
fn jwt_bearer_grant_rejects_bad_assertions_like_google() {
    let s = server();
    let key = s.key(CI);
    let identity = key.identity().unwrap();
    let sign = |claims: &str| {
        key.signing_key()
            .sign_claims(&Claims::from_json(claims).unwrap())
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    let now = now().as_secs();
    let aud = identity.token_uri().as_str().to_owned();

    // Signed by another account's key.
    let forged = s.key(DEPLOYER).signing_key().sign_claims(
        &Claims::from_json(&format!(
            r#"{{"iss":"{CI}","scope":"s","aud":"{aud}","iat":{now},"exp":{}}}"#,
            now + 3600
        ))
        .unwrap(),
    );
    let answer = grant(forged.unwrap().expose_secret());
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    );

    // Longer than an hour.
    let answer = grant(&sign(&format!(
        r#"{{"iss":"{CI}","scope":"s","aud":"{aud}","iat":{now},"exp":{}}}"#,
        now + 3601
    )));
    assert_eq!(answer.status, 400);
    assert!(
        answer.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("short-lived token")
    );

    // Expired.
    let answer = grant(&sign(&format!(
        r#"{{"iss":"{CI}","scope":"s","aud":"{aud}","iat":{},"exp":{}}}"#,
        now - 7200,
        now - 3600
    )));
    assert_eq!(answer.json()["error"], "invalid_grant");

    // Wrong audience.
    let answer = grant(&sign(&format!(
        r#"{{"iss":"{CI}","scope":"s","aud":"https://elsewhere.example/token","iat":{now},"exp":{}}}"#,
        now + 60
    )));
    assert!(
        answer.json()["error_description"]
            .as_str()
            .unwrap()
            .contains("audience")
    );

    // No scope and no target_audience.
    let answer = grant(&sign(&format!(
        r#"{{"iss":"{CI}","aud":"{aud}","iat":{now},"exp":{}}}"#,
        now + 60
    )));
    assert_eq!(answer.json()["error"], "invalid_scope");

    // Unknown account.
    let answer = grant(&sign(&format!(
        r#"{{"iss":"ghost@demo-project.iam.gserviceaccount.com","scope":"s","aud":"{aud}","iat":{now},"exp":{}}}"#,
        now + 60
    )));
    assert_eq!(
        answer.json()["error_description"],
        "Invalid grant: account not found"
    );

    // Domain-wide delegation is not granted.
    let dwd = JwtBearerAssertion::for_identity(&identity, ["s"])
        .unwrap()
        .subject("user@example.com")
        .unwrap()
        .sign(key.signing_key(), common::now())
        .unwrap();
    let answer = grant(dwd.expose_secret());
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json()["error"], "unauthorized_client");

    // Not a JWT at all, missing fields, unknown grant.
    assert_eq!(grant("not-a-jwt").json()["error"], "invalid_grant");
    let answer = s.form("/token", &[("grant_type", JWT_BEARER)]);
    assert_eq!(answer.json()["error"], "invalid_request");
    let answer = s.form("/token", &[("grant_type", "password")]);
    assert_eq!(answer.json()["error"], "unsupported_grant_type");
    let answer = s.form("/token", &[("grant_type", "a"), ("grant_type", "b")]);
    assert_eq!(answer.json()["error"], "invalid_request");
}

#[test]
fn target_audience_gets_an_id_token_signed_by_the_emulator() {
    let s = server();
    let key = s.key(CI);
    let assertion =
        credmint::IdTokenAssertion::for_identity(&key.identity().unwrap(), "https://svc.example")
            .unwrap()
            .sign(key.signing_key(), now())
            .unwrap();
    let answer = grant(assertion.expose_secret());
    assert_eq!(answer.status, 200, "{}", answer.text);
    let token = answer.json()["id_token"].as_str().unwrap().to_owned();
    for certs in ["/oauth2/v3/certs", "/oauth2/v1/certs"] {
        let keys = KeySet::parse(&s.get(certs, None).text).unwrap();
        let verified = credmint::verify(
            &token,
            &keys,
            &Validation::new()
                .audience("https://svc.example")
                .issuer("https://accounts.google.com"),
            now(),
        )
        .unwrap();
        assert_eq!(verified.claims().get("email").unwrap(), CI);
        assert_eq!(verified.claims().get("email_verified").unwrap(), true);
    }
    // The service account's own key does not verify it.
    let own = KeySet::parse(&s.get(&format!("/service_accounts/v1/jwk/{CI}"), None).text).unwrap();
    assert!(credmint::verify(&token, &own, &Validation::new(), now()).is_err());
}

#[test]
fn generate_access_token_follows_the_token_creator_chain() {
    let s = server();
    let ci = s.token_of(CI);
    let body = json!({"scope": [CLOUD_PLATFORM], "lifetime": "1200s"}).to_string();
    let answer = s.post_json(&iam_path(DEPLOYER, "generateAccessToken"), Some(&ci), &body);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let minted = answer.json();
    let expire = credmint::parse_rfc3339(minted["expireTime"].as_str().unwrap()).unwrap();
    assert!((expire.as_secs() - now().as_secs() - 1200).abs() <= 2);
    let deployer = minted["accessToken"].as_str().unwrap();

    // The minted token acts as deployer: deployer may act as storage-signer.
    let answer = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        Some(deployer),
        &body,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);

    // ci-runner may not act as storage-signer directly…
    let answer = s.post_json(&iam_path(SIGNER, "generateAccessToken"), Some(&ci), &body);
    assert_eq!(answer.status, 403);
    let error = &answer.json()["error"];
    assert_eq!(error["status"], "PERMISSION_DENIED");
    assert_eq!(error["details"][0]["reason"], "IAM_PERMISSION_DENIED");
    assert_eq!(
        error["details"][0]["metadata"]["permission"],
        "iam.serviceAccounts.getAccessToken"
    );

    // …but may through deployer.
    let chained = json!({
        "delegates": [format!("projects/-/serviceAccounts/{DEPLOYER}")],
        "scope": [CLOUD_PLATFORM],
    })
    .to_string();
    let answer = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        Some(&ci),
        &chained,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);

    // A chain with a broken link names the delegation permission.
    let broken = json!({
        "delegates": [format!("projects/-/serviceAccounts/{SIGNER}")],
        "scope": [CLOUD_PLATFORM],
    })
    .to_string();
    let answer = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(&ci),
        &broken,
    );
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.json()["error"]["details"][0]["metadata"]["permission"],
        "iam.serviceAccounts.implicitDelegation"
    );
}

#[test]
fn iam_rejects_bad_requests_with_googles_envelope() {
    let s = server();
    let ci = s.token_of(CI);
    let path = iam_path(DEPLOYER, "generateAccessToken");
    let status_of = |answer: &Answer| {
        answer.json()["error"]["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let answer = s.post_json(&path, None, r#"{"scope":["x"]}"#);
    assert_eq!(
        (answer.status, status_of(&answer).as_str()),
        (401, "UNAUTHENTICATED")
    );
    let answer = s.post_json(&path, Some("ya29.emu.forged.token"), r#"{"scope":["x"]}"#);
    assert_eq!(answer.status, 401);

    for (body, why) in [
        ("{", "malformed JSON"),
        ("[1]", "not an object"),
        (r#"{"scope":[]}"#, "empty scope"),
        (r#"{"scope":"x"}"#, "scope not a list"),
        (r#"{"scope":["x"],"lifetime":"1h"}"#, "bad duration"),
        (
            r#"{"scope":["x"],"lifetime":3600}"#,
            "duration not a string",
        ),
        (
            r#"{"scope":["x"],"lifetime":"3601s"}"#,
            "over the 1 h limit",
        ),
        (r#"{"scope":["x"],"bogus":1}"#, "unknown field"),
        (r#"{"scope":["x"],"delegates":"x"}"#, "delegates not a list"),
        (
            r#"{"scope":["x"],"delegates":["projects/p/x/y"]}"#,
            "delegate not a resource name",
        ),
    ] {
        let answer = s.post_json(&path, Some(&ci), body);
        assert_eq!(answer.status, 400, "{why}: {}", answer.text);
        assert_eq!(status_of(&answer), "INVALID_ARGUMENT", "{why}");
    }

    // storage-signer allows 12 h (lifetime extension policy).
    let deployer = s
        .post_json(
            &path,
            Some(&ci),
            r#"{"scope":["https://www.googleapis.com/auth/cloud-platform"]}"#,
        )
        .json();
    let answer = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        deployer["accessToken"].as_str(),
        r#"{"scope":["x"],"lifetime":"43200s"}"#,
    );
    assert_eq!(answer.status, 200, "{}", answer.text);

    // Unknown account, unknown method, unknown path.
    let answer = s.post_json(
        &iam_path(
            "ghost@demo-project.iam.gserviceaccount.com",
            "generateAccessToken",
        ),
        Some(&ci),
        r#"{"scope":["x"]}"#,
    );
    assert_eq!(
        (answer.status, status_of(&answer).as_str()),
        (404, "NOT_FOUND")
    );
    let answer = s.post_json(&iam_path(DEPLOYER, "mintEverything"), Some(&ci), "{}");
    assert_eq!(answer.status, 404);
    assert_eq!(s.get("/no/such/path", None).json()["error"]["code"], 404);

    // A body over the limit.
    let huge = format!(r#"{{"scope":["{}"]}}"#, "x".repeat(100_000));
    let answer = s.post_json(&path, Some(&ci), &huge);
    assert_eq!(answer.status, 400);
    assert!(answer.text.contains("larger than"));

    // A token without an IAM-capable scope.
    let narrow = s.form(
        "/token",
        &[
            ("grant_type", JWT_BEARER),
            (
                "assertion",
                &s.assertion(
                    CI,
                    &["https://www.googleapis.com/auth/devstorage.read_only"],
                ),
            ),
        ],
    );
    let narrow = narrow.json()["access_token"].as_str().unwrap().to_owned();
    let answer = s.post_json(&path, Some(&narrow), r#"{"scope":["x"]}"#);
    assert_eq!(answer.status, 403);
}

#[test]
fn generate_id_token_sign_blob_and_sign_jwt_verify_with_published_keys() {
    let s = server();
    let ci = s.token_of(CI);
    let delegates = json!([format!("projects/-/serviceAccounts/{DEPLOYER}")]);

    let answer = s.post_json(
        &iam_path(SIGNER, "generateIdToken"),
        Some(&ci),
        &json!({"delegates": delegates, "audience": "https://run.example", "includeEmail": true})
            .to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let token = answer.json()["token"].as_str().unwrap().to_owned();
    let keys = KeySet::parse(&s.get("/oauth2/v3/certs", None).text).unwrap();
    let verified = credmint::verify(
        &token,
        &keys,
        &Validation::new().audience("https://run.example"),
        now(),
    )
    .unwrap();
    assert_eq!(verified.claims().get("email").unwrap(), SIGNER);
    let without_email = s.post_json(
        &iam_path(SIGNER, "generateIdToken"),
        Some(&ci),
        &json!({"delegates": delegates, "audience": "a", "includeEmail": "false"}).to_string(),
    );
    let claims = credmint::decode_unverified(without_email.json()["token"].as_str().unwrap())
        .unwrap()
        .claims;
    assert!(claims.get("email").is_none());
    let answer = s.post_json(
        &iam_path(SIGNER, "generateIdToken"),
        Some(&ci),
        &json!({"delegates": delegates}).to_string(),
    );
    assert_eq!(answer.status, 400);

    // signBlob: verify with the account's X.509 certificate.
    let answer = s.post_json(
        &iam_path(SIGNER, "signBlob"),
        Some(&ci),
        &json!({"delegates": delegates, "payload": "aGVsbG8="}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let signed = answer.json();
    let certs = s.get(
        &format!("/service_accounts/v1/metadata/x509/{SIGNER}"),
        None,
    );
    assert!(certs.text.contains("BEGIN CERTIFICATE"));
    let keys = KeySet::parse(&certs.text).unwrap();
    let signature = base64_decode(signed["signedBlob"].as_str().unwrap());
    keys.select(signed["keyId"].as_str())
        .unwrap()
        .verify(b"hello", &signature)
        .unwrap();
    let answer = s.post_json(
        &iam_path(SIGNER, "signBlob"),
        Some(&ci),
        &json!({"delegates": delegates, "payload": "%%%"}).to_string(),
    );
    assert_eq!(answer.status, 400);

    // signJwt: exp is added; verifies with the account's JWKS.
    let payload = json!({"iss": SIGNER, "aud": "https://api.example"}).to_string();
    let answer = s.post_json(
        &iam_path(SIGNER, "signJwt"),
        Some(&ci),
        &json!({"delegates": delegates, "payload": payload}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let jwks = KeySet::parse(
        &s.get(&format!("/service_accounts/v1/jwk/{SIGNER}"), None)
            .text,
    )
    .unwrap();
    let verified = credmint::verify(
        answer.json()["signedJwt"].as_str().unwrap(),
        &jwks,
        &Validation::new().audience("https://api.example"),
        now(),
    )
    .unwrap();
    assert!(verified.claims().exp().unwrap().is_some());

    // signJwt's exp rules: not in the past, at most 12 h ahead, an integer.
    for exp in [
        json!(now().as_secs() - 10),
        json!(now().as_secs() + 13 * 3600),
        json!("soon"),
    ] {
        let payload = json!({"iss": SIGNER, "exp": exp}).to_string();
        let answer = s.post_json(
            &iam_path(SIGNER, "signJwt"),
            Some(&ci),
            &json!({"delegates": delegates, "payload": payload}).to_string(),
        );
        assert_eq!(answer.status, 400, "exp {exp}: {}", answer.text);
    }
    let answer = s.post_json(
        &iam_path(SIGNER, "signJwt"),
        Some(&ci),
        &json!({"delegates": delegates, "payload": "not json"}).to_string(),
    );
    assert_eq!(answer.status, 400);
}

#[test]
fn allowed_locations_and_key_endpoints() {
    let s = server();
    let ci = s.token_of(CI);
    let answer = s.get(
        &format!("/v1/projects/-/serviceAccounts/{SIGNER}/allowedLocations"),
        Some(&ci),
    );
    assert_eq!(
        answer.json(),
        json!({"locations": ["us-central1", "europe-west1"], "encodedLocations": "0x11"})
    );
    let answer = s.get(
        &format!("/v1/projects/-/serviceAccounts/{CI}/allowedLocations"),
        Some(&ci),
    );
    assert_eq!(
        answer.json(),
        json!({"locations": [], "encodedLocations": "0x0"})
    );
    assert_eq!(
        s.get(
            &format!("/v1/projects/-/serviceAccounts/{CI}/allowedLocations"),
            None
        )
        .status,
        401
    );

    // The key endpoints publish exactly the account's public key.
    let jwks = s
        .get(&format!("/service_accounts/v1/jwk/{CI}"), None)
        .json();
    assert_eq!(jwks["keys"][0]["kid"], s.key(CI).key_id());
    assert_eq!(
        s.get(
            "/service_accounts/v1/jwk/ghost@x.iam.gserviceaccount.com",
            None
        )
        .status,
        404
    );
    let config = s.get("/.well-known/openid-configuration", None).json();
    assert_eq!(config["jwks_uri"], s.url("/oauth2/v3/certs"));
    assert_eq!(s.get("/healthz", None).json()["status"], "ok");
    let answer = s.get("/service_accounts/v1/jwk/%FF%FE", None);
    assert_eq!(
        (answer.status, answer.json()["error"]["status"].as_str()),
        (400, Some("INVALID_ARGUMENT"))
    );
    let answer = s.get("/token", None);
    assert_eq!(
        (answer.status, answer.json()["error"]["code"].as_i64()),
        (405, Some(405))
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn emulator_tokens_survive_only_intact() {
    // Flipping any character of a minted token makes it unauthenticated.
    let s = server();
    let token = s.token_of(CI);
    let mut bytes = token.clone().into_bytes();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let answer = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(&tampered),
        r#"{"scope":["x"]}"#,
    );
    assert_eq!(answer.status, 401);
}
