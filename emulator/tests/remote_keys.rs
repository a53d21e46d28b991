//! The core's OIDC discovery and remote key set against the emulator's real
//! endpoints: the discovery document names the JWKS, the JWKS answers with
//! Cache-Control and Age, and an ID token from IAM verifies with the fetched keys.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{
    Flow, HttpResponse, KeyDecision, OidcDiscovery, RemoteKeySet, Step, UnixTime, Validation,
};
use serde_json::json;

const CI: &str = "ci-runner@demo-project.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@demo-project.iam.gserviceaccount.com";
const SIGNER: &str = "storage-signer@demo-project.iam.gserviceaccount.com";

/// Drives a one-request core flow over real HTTP.
fn exchange<F: Flow<Output = (HttpResponse, UnixTime)>>(
    flow: &mut F,
) -> credmint::Result<(HttpResponse, UnixTime)> {
    let Step::Send(request) = flow.poll(now())? else {
        panic!("one request")
    };
    let answer = send(
        "GET",
        request.url(),
        &[("accept", request.header_value("Accept").unwrap())],
        b"",
    );
    let headers = answer.headers.clone().into_iter().collect();
    flow.feed_response(HttpResponse::new(
        answer.status,
        headers,
        answer.text.into_bytes(),
    ))?;
    match flow.poll(now())? {
        Step::Done(done) => Ok(done),
        _ => panic!("no retries"),
    }
}

#[test]
fn discovery_then_remote_keys_verify_an_iam_id_token() {
    let s = start(None);
    // The emulator's issuer is Google's; its discovery document lives at the
    // emulator, which is where a test (or an OIDC provider) serves it.
    let discovery = OidcDiscovery::new("https://accounts.google.com").unwrap();
    let document = s.get("/.well-known/openid-configuration", None);
    let headers = document.headers.clone().into_iter().collect();
    let document = HttpResponse::new(document.status, headers, document.text.into_bytes());
    let jwks_uri = discovery.jwks_uri(&document).unwrap();
    assert_eq!(jwks_uri.as_str(), s.url("/oauth2/v3/certs"));
    let impostor = OidcDiscovery::new("https://accounts.google.com/evil").unwrap();
    assert_eq!(
        impostor.jwks_uri(&document).unwrap_err().code(),
        "issuer_mismatch"
    );

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
    assert_eq!(token.status, 200, "{}", token.text);
    let token = token.json()["token"].as_str().unwrap().to_owned();
    let kid = credmint::decode_unverified(&token)
        .unwrap()
        .header
        .kid()
        .map(str::to_owned);

    let mut keys = RemoteKeySet::new(jwks_uri);
    assert!(matches!(
        keys.decide(now(), kid.as_deref()),
        KeyDecision::FetchFirst
    ));
    let outcome = exchange(&mut keys.fetch_flow());
    let age: i64 = outcome
        .as_ref()
        .unwrap()
        .0
        .header_value("age")
        .unwrap()
        .parse()
        .unwrap();
    keys.complete(outcome).unwrap();
    let fetched = keys.fetched().unwrap();
    assert_eq!(
        fetched.expires_at().as_secs() - fetched.fetched_at().as_secs(),
        3600 - age,
        "the emulator's Cache-Control max-age minus Age"
    );
    assert!(matches!(
        keys.decide(now(), kid.as_deref()),
        KeyDecision::Use
    ));
    let verified = credmint::verify(
        &token,
        keys.keys().unwrap(),
        &Validation::new()
            .audience("https://run.example")
            .issuer("https://accounts.google.com"),
        now(),
    )
    .unwrap();
    assert_eq!(verified.claims().get("email").unwrap(), SIGNER);
}
