//! Whole conversations driven by `credmint::drive` against an in-process fake
//! token server that really checks what it receives, and a token cache on top.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixture;
use credmint::{
    Answer, Backend, CachedCredential, ClaimsTemplate, FlowOptions, HttpRequest, HttpResponse,
    Jitter, KeySet, RefreshPolicy, RetryPolicy, ServiceAccountKey, SignRequest, TokenCache,
    UnixTime, Validation,
};
use std::cell::Cell;

/// A Google-style token endpoint: verifies the JWT-bearer assertion with the
/// account's public key and the clock, then issues a token.
fn token_server(keys: &KeySet, now: &Cell<i64>, request: &HttpRequest) -> HttpResponse {
    let body = String::from_utf8(request.body().to_vec()).unwrap();
    let fields: Vec<(&str, &str)> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let grant = fields
        .iter()
        .find(|(k, _)| *k == "grant_type")
        .map(|(_, v)| *v);
    let assertion = fields
        .iter()
        .find(|(k, _)| *k == "assertion")
        .map(|(_, v)| *v)
        .unwrap_or_default();
    let validation = Validation::new()
        .audience("https://oauth2.googleapis.com/token")
        .max_lifetime(3600)
        .unwrap()
        .leeway(0)
        .unwrap();
    let verified = credmint::verify(assertion, keys, &validation, UnixTime::from_secs(now.get()));
    match (grant, verified) {
        (Some("urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"), Ok(_)) => HttpResponse::new(
            200,
            vec![("Content-Type".into(), "application/json".into())],
            format!(
                r#"{{"access_token":"ya29.issued-{}","expires_in":3599,"token_type":"Bearer"}}"#,
                now.get()
            )
            .into_bytes(),
        ),
        _ => HttpResponse::new(
            400,
            vec![],
            br#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#.to_vec(),
        ),
    }
}

#[test]
fn drive_a_key_to_a_token_with_a_transport_failure_on_the_way() {
    for backend in Backend::ALL {
        let key =
            ServiceAccountKey::from_json_with_backend(&fixture("sa_2048_pkcs8.json"), *backend)
                .unwrap();
        let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
        let now = Cell::new(1_700_000_000);
        let mut flow = key
            .access_token_flow(
                ["https://www.googleapis.com/auth/cloud-platform"],
                FlowOptions::default(),
            )
            .unwrap();
        let mut attempts = 0;
        let mut slept = Vec::new();
        let token = credmint::drive(
            &mut flow,
            || UnixTime::from_secs(now.get()),
            |request| {
                attempts += 1;
                if attempts == 1 {
                    Err("connection reset".into())
                } else {
                    Ok(token_server(&keys, &now, request))
                }
            },
            |_: &SignRequest| panic!("a local key signs by itself"),
            |until| {
                slept.push(until.as_secs());
                now.set(until.as_secs());
            },
        )
        .unwrap();
        assert_eq!(attempts, 2);
        assert_eq!(
            slept,
            vec![1_700_000_001],
            "one backoff of 1 s after the transport failure"
        );
        assert_eq!(token.token().expose_secret(), "ya29.issued-1700000001");
        assert_eq!(token.expires_at().as_secs(), 1_700_000_001 + 3599);
    }
}

#[test]
fn a_forged_assertion_is_refused_by_the_server_and_not_retried() {
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let other = KeySet::parse(&fixture("rsa_8192_spki.pem")).unwrap();
    let now = Cell::new(1_700_000_000);
    let mut flow = key
        .access_token_flow(["scope"], FlowOptions::default())
        .unwrap();
    let mut sent = 0;
    let err = credmint::drive(
        &mut flow,
        || UnixTime::from_secs(now.get()),
        |request| {
            sent += 1;
            Ok(token_server(&other, &now, request))
        },
        |_| unreachable!(),
        |_| unreachable!(),
    )
    .unwrap_err();
    assert_eq!((err.code(), sent), ("credential_rejected", 1));
}

#[test]
fn cached_credential_refreshes_once_and_in_the_background() {
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
    let now = Cell::new(1_700_000_000);
    let options = FlowOptions {
        retry: RetryPolicy::NONE,
        jitter: Jitter::from_seed(1),
        request_timeout_millis: None,
    };
    let mut credential = CachedCredential::new(
        TokenCache::with_jitter(RefreshPolicy::GOOGLE, 0, Jitter::from_seed(1)),
        || key.access_token_flow(["scope"], options.clone()),
    );
    let mut requests = 0;
    assert_eq!(
        fetch(&mut credential, &now, &keys, &mut requests),
        "ya29.issued-1700000000"
    );
    now.set(1_700_003_000);
    assert_eq!(
        fetch(&mut credential, &now, &keys, &mut requests),
        "ya29.issued-1700000000",
        "still fresh"
    );
    now.set(1_700_003_400);
    assert_eq!(
        fetch(&mut credential, &now, &keys, &mut requests),
        "ya29.issued-1700003400",
        "refreshed 225 s before expiry"
    );
    assert_eq!(requests, 2);
}

/// One caller asking the credential for a token, driving any refresh it is given.
fn fetch<S: Fn() -> credmint::Result<credmint::ServiceAccountTokenFlow>>(
    credential: &mut CachedCredential<credmint::ServiceAccountTokenFlow, S>,
    now: &Cell<i64>,
    keys: &KeySet,
    requests: &mut u32,
) -> String {
    match credential.get(UnixTime::from_secs(now.get())).unwrap() {
        Answer::Fresh(token) => token.token().expose_secret().to_owned(),
        Answer::MustRefresh(mut flow) | Answer::RefreshInBackground { mut flow, .. } => {
            let outcome = credmint::drive(
                &mut flow,
                || UnixTime::from_secs(now.get()),
                |request| {
                    *requests += 1;
                    Ok(token_server(keys, now, request))
                },
                |_| unreachable!(),
                |_| unreachable!(),
            );
            credential.report(&outcome);
            outcome.unwrap().token().expose_secret().to_owned()
        }
        Answer::WaitForRefresh | Answer::RefreshFailed => panic!("a single caller never waits"),
    }
}

#[test]
fn external_signer_round_trip() {
    // The host signs (as WebCrypto would); the token endpoint still accepts it.
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let keys = KeySet::parse(&key.jwks().to_json()).unwrap();
    let identity = key.identity().unwrap();
    let assertion = credmint::JwtBearerAssertion::for_identity(&identity, ["scope"]).unwrap();
    let now = Cell::new(1_700_000_000);
    let expected_input = assertion.unsigned(key.key_id(), UnixTime::from_secs(now.get()));
    let mut flow: credmint::ServiceAccountTokenFlow = credmint::JwtGrantFlow::new(
        identity.token_uri().clone(),
        credmint::Signer::External {
            key_id: key.key_id().to_owned(),
        },
        assertion,
        FlowOptions::default(),
    );
    let mut signed = 0;
    let token = credmint::drive(
        &mut flow,
        || UnixTime::from_secs(now.get()),
        |request| Ok(token_server(&keys, &now, request)),
        |request| {
            signed += 1;
            assert_eq!(request.key_id(), key.key_id());
            assert_eq!(request.payload(), expected_input.signing_input());
            key.signing_key().sign(request.payload())
        },
        |_| unreachable!(),
    )
    .unwrap();
    assert_eq!(
        (signed, token.token().expose_secret()),
        (1, "ya29.issued-1700000000")
    );
}
