//! The core's ready verifiers against the emulator's real key endpoints,
//! counted by the emulator itself (`/_emulator/stats`): Google ID tokens from
//! IAM, IAP's ES256 assertions across a key rotation, IBM IAM tokens, and a
//! storm of forged `kid`s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{
    Claims, Endpoint, Flow, HttpResponse, KeySetPolicy, Step, TokenVerifier, VerifiedClaims,
};
use serde_json::json;

const CI: &str = "ci-runner@demo-project.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@demo-project.iam.gserviceaccount.com";
const SIGNER: &str = "storage-signer@demo-project.iam.gserviceaccount.com";
const APIKEY: &str = "demo-ibm-apikey-0123456789";
const IAP_AUDIENCE: &str = "/projects/123/global/backendServices/456";

/// Drives a verification over real HTTP (never waits: one caller at a time).
fn run(mut flow: impl Flow<Output = VerifiedClaims>) -> Result<Claims, String> {
    loop {
        match flow.poll(now()).map_err(|e| e.code().to_owned())? {
            Step::Send(request) => {
                let answer = send("GET", request.url(), &[], b"");
                let headers = answer.headers.clone().into_iter().collect();
                flow.feed_response(HttpResponse::new(
                    answer.status,
                    headers,
                    answer.text.into_bytes(),
                ))
                .unwrap();
            }
            Step::Done(claims) => return Ok(claims.into_claims()),
            other => panic!("unexpected step {other:?}"),
        }
    }
}

fn fetches(s: &Server, route: &str) -> u64 {
    s.get("/_emulator/stats", None).json()["requests"][route]
        .as_u64()
        .unwrap_or(0)
}

fn iap_assertion(s: &Server, email: &str) -> String {
    let answer = s.post_json(
        "/_emulator/iap/assertion",
        None,
        &json!({"audience": IAP_AUDIENCE, "email": email}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["assertion"].as_str().unwrap().to_owned()
}

#[test]
fn google_id_tokens_from_iam_verify_with_one_fetch() {
    let s = start(None);
    let verifier = TokenVerifier::google_id_token(&["https://run.example"])
        .unwrap()
        .with_keys_url(Endpoint::new(&s.url("/oauth2/v3/certs")).unwrap());
    for _ in 0..20 {
        let token = s.post_json(
            &iam_path(SIGNER, "generateIdToken"),
            Some(&s.token_of(CI)),
            &json!({
                "delegates": [format!("projects/-/serviceAccounts/{DEPLOYER}")],
                "audience": "https://run.example",
                "includeEmail": true,
            })
            .to_string(),
        );
        let token = token.json()["token"].as_str().unwrap().to_owned();
        let claims = run(verifier.verify(&token)).unwrap();
        assert_eq!(claims.get("email").unwrap(), SIGNER);
    }
    assert_eq!(fetches(&s, "GET /oauth2/v3/certs"), 1);
}

#[test]
fn iap_assertions_verify_across_a_rotation_with_exactly_one_refetch() {
    let s = start(None);
    // A one-second cooldown, so that the test can step past it.
    let verifier = TokenVerifier::iap(IAP_AUDIENCE)
        .unwrap()
        .with_keys_url(Endpoint::new(&s.url("/iap/verify/public_key-jwk")).unwrap())
        .with_key_set_policy(KeySetPolicy {
            cooldown_secs: 1,
            min_ttl_secs: 1,
            ..KeySetPolicy::default()
        });
    let started = now().as_secs();
    for _ in 0..5 {
        let claims = run(verifier.verify(&iap_assertion(&s, "user@example.com"))).unwrap();
        assert_eq!(claims.get("email").unwrap(), "user@example.com");
        assert_eq!(claims.iss().unwrap(), Some("https://cloud.google.com/iap"));
    }
    assert_eq!(fetches(&s, "GET /iap/verify/public_key-jwk"), 1);
    s.rotate(Some("iap"));
    // Inside the cooldown a new kid is refused without a fetch; after it, one refetch.
    let rotated = iap_assertion(&s, "user@example.com");
    if now().as_secs() < started + 1 {
        assert_eq!(run(verifier.verify(&rotated)).unwrap_err(), "key_not_found");
    }
    wait_until(started + 2);
    for _ in 0..5 {
        run(verifier.verify(&iap_assertion(&s, "user@example.com"))).unwrap();
    }
    assert_eq!(
        fetches(&s, "GET /iap/verify/public_key-jwk"),
        2,
        "the new kid caused one refetch"
    );
    // An IAP assertion is not a Google ID token: another issuer and algorithm.
    let google = TokenVerifier::google_id_token(&[IAP_AUDIENCE])
        .unwrap()
        .with_keys_url(Endpoint::new(&s.url("/iap/verify/public_key-jwk")).unwrap());
    let err = run(google.verify(&iap_assertion(&s, "user@example.com"))).unwrap_err();
    assert_eq!(err, "unsupported_algorithm");
}

#[test]
fn forged_kids_cost_at_most_one_fetch_per_cooldown() {
    let s = start(None);
    let verifier = TokenVerifier::iap(IAP_AUDIENCE)
        .unwrap()
        .with_keys_url(Endpoint::new(&s.url("/iap/verify/public_key-jwk")).unwrap());
    let genuine = iap_assertion(&s, "user@example.com");
    run(verifier.verify(&genuine)).unwrap();
    let (_, rest) = genuine.split_once('.').unwrap();
    let mut refused = 0;
    for i in 0..1_000 {
        let forged = format!(
            "{}.{rest}",
            b64url(&format!(r#"{{"alg":"ES256","kid":"forged-{i}"}}"#))
        );
        match run(verifier.verify(&forged)) {
            Err(code) if code == "key_not_found" => refused += 1,
            other => panic!("a forged kid: {other:?}"),
        }
    }
    assert_eq!(refused, 1_000);
    // The genuine fetch started the cooldown: the whole storm (well inside
    // 30 s) fetched nothing more.
    assert_eq!(fetches(&s, "GET /iap/verify/public_key-jwk"), 1);
}

#[test]
fn ibm_iam_tokens_verify() {
    let s = start(None);
    let verifier = TokenVerifier::ibm_iam(&[])
        .unwrap()
        .with_keys_url(Endpoint::new(&s.url("/identity/keys")).unwrap());
    let answer = s.form(
        "/identity/token",
        &[
            ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
            ("apikey", APIKEY),
        ],
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let token = answer.json()["access_token"].as_str().unwrap().to_owned();
    let claims = run(verifier.verify(&token)).unwrap();
    assert_eq!(
        claims.iss().unwrap(),
        Some("https://iam.cloud.ibm.com/identity")
    );
}

#[test]
fn ibms_discovery_document_names_its_issuer_and_keys() {
    let s = start(None);
    let document = s.get("/identity/.well-known/openid-configuration", None);
    assert_eq!(document.status, 200, "{}", document.text);
    let headers = document.headers.clone().into_iter().collect();
    let response = HttpResponse::new(200, headers, document.text.into_bytes());
    let discovery = credmint::OidcDiscovery::new("https://iam.cloud.ibm.com/identity").unwrap();
    assert_eq!(
        discovery.jwks_uri(&response).unwrap().as_str(),
        s.url("/identity/keys")
    );
}

fn b64url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
