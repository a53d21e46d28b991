//! Remote key sets: freshness from the server's headers, rotation, forged
//! `kid` storms, an endpoint that fails, bad answers and snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    Claims, Endpoint, Flow, HttpResponse, KeyDecision, KeySetPolicy, RemoteKeySet,
    ServiceAccountKey, Step, UnixTime, Validation,
};
use serde_json::Value;
mod common;

use common::fixture;

const T0: i64 = 1_700_000_000;
const URL: &str = "https://www.googleapis.com/oauth2/v3/certs";

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(T0 + secs)
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
    HttpResponse::new(
        status,
        headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect(),
        body.as_bytes().to_vec(),
    )
}

/// The signing key's own set, and a set without it (before a rotation).
fn sets() -> (ServiceAccountKey, String, String) {
    let key = ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap();
    let with_key = key.jwks().to_json();
    let mut other: Value = serde_json::from_str(&fixture("jwks_two_keys.json")).unwrap();
    other["keys"]
        .as_array_mut()
        .unwrap()
        .retain(|k| k["kid"] != key.key_id());
    (key, with_key, other.to_string())
}

/// Drives the set's fetch with `answer`, counting it.
fn fetch(set: &mut RemoteKeySet, now: UnixTime, answer: HttpResponse, fetches: &mut u32) {
    let mut flow = set.fetch_flow();
    let Step::Send(request) = flow.poll(now).unwrap() else {
        panic!("a fetch sends")
    };
    assert_eq!(request.url(), URL);
    assert_eq!(request.timeout_millis(), 5_000);
    assert_eq!(
        request.header_value("Accept"),
        Some("application/json, application/jwk-set+json")
    );
    *fetches += 1;
    flow.feed_response(answer).unwrap();
    let outcome = match flow.poll(now) {
        Ok(Step::Done(done)) => Ok(done),
        Ok(_) => panic!("one request, no retries"),
        Err(err) => Err(err),
    };
    let _ = set.complete(outcome);
}

fn token(key: &ServiceAccountKey) -> String {
    let claims = Claims::from_json(r#"{"iss":"https://accounts.google.com","aud":"svc"}"#).unwrap();
    key.sign_jwt(&claims, at(0))
        .unwrap()
        .signed_jwt()
        .expose_secret()
        .to_owned()
}

#[test]
fn freshness_follows_the_server() {
    let policy = KeySetPolicy::default();
    let cases: [(&[(&str, &str)], u64); 8] = [
        (
            &[("Cache-Control", "public, max-age=20000"), ("Age", "1200")],
            18_800,
        ),
        (
            &[("cache-control", "public, max-age=\"300\", must-revalidate")],
            300,
        ),
        (&[], 600),
        (&[("Cache-Control", "max-age=5")], 30),
        (&[("Cache-Control", "max-age=9999999")], 86_400),
        (&[("Cache-Control", "no-cache")], 30),
        (
            &[
                ("Date", "Tue, 14 Nov 2023 22:13:20 GMT"),
                ("Expires", "Tue, 14 Nov 2023 23:13:20 GMT"),
            ],
            3_600,
        ),
        (&[("Expires", "0")], 30),
    ];
    for (headers, ttl) in cases {
        let answer = response(200, headers, "{}");
        assert_eq!(policy.freshness_secs(&answer, at(0)), ttl, "{headers:?}");
    }
}

#[test]
fn single_flight_first_fetch_then_use() {
    let (key, with_key, _) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    assert!(matches!(
        set.decide(at(0), Some(key.key_id())),
        KeyDecision::FetchFirst
    ));
    assert!(matches!(
        set.decide(at(0), Some(key.key_id())),
        KeyDecision::Wait
    ));
    let answer = response(200, &[("Cache-Control", "public, max-age=3600")], &with_key);
    fetch(&mut set, at(0), answer, &mut fetches);
    assert!(matches!(
        set.decide(at(1), Some(key.key_id())),
        KeyDecision::Use
    ));
    let validation = Validation::new().audience("svc");
    credmint::verify(&token(&key), set.keys().unwrap(), &validation, at(1)).unwrap();
    assert_eq!(set.fetched().unwrap().expires_at(), at(3600));
    assert_eq!(fetches, 1);
}

#[test]
fn rotation_costs_exactly_one_refetch() {
    let (key, with_key, without_key) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    let _ = set.decide(at(0), None);
    fetch(
        &mut set,
        at(0),
        response(200, &[], &without_key),
        &mut fetches,
    );
    // The issuer rotates: tokens now carry a kid the held set lacks.
    let kid = key.key_id();
    assert!(matches!(
        set.decide(at(100), Some(kid)),
        KeyDecision::FetchFirst
    ));
    fetch(
        &mut set,
        at(100),
        response(200, &[], &with_key),
        &mut fetches,
    );
    for second in 100..200 {
        assert!(matches!(
            set.decide(at(second), Some(kid)),
            KeyDecision::Use
        ));
    }
    assert_eq!(fetches, 2, "the first fetch and one refetch");
}

#[test]
fn forged_kids_cost_at_most_one_fetch_per_cooldown() {
    let (_, with_key, _) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    let _ = set.decide(at(0), None);
    fetch(&mut set, at(0), response(200, &[], &with_key), &mut fetches);
    let mut refused = 0;
    for i in 0..1_000 {
        let now = at(i64::from(i) / 10); // 1,000 forged kids over 100 s
        match set.decide(now, Some(&format!("forged-{i}"))) {
            KeyDecision::FetchFirst => {
                fetch(&mut set, now, response(200, &[], &with_key), &mut fetches);
            }
            KeyDecision::Fail(err) => {
                assert_eq!(err.code(), "key_not_found");
                refused += 1;
            }
            other => panic!("forged kid {i}: {other:?}"),
        }
    }
    // 100 s at one refetch per 30 s cooldown: refetches at 30, 60 and 90 s.
    assert_eq!(fetches, 1 + 3);
    assert_eq!(refused, 1_000 - 3);
}

#[test]
fn a_failing_endpoint_keeps_the_last_keys_for_the_bound_then_fails() {
    let (key, with_key, _) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    let kid = Some(key.key_id());
    let _ = set.decide(at(0), kid);
    fetch(
        &mut set,
        at(0),
        response(200, &[("Cache-Control", "max-age=600")], &with_key),
        &mut fetches,
    );
    assert!(matches!(
        set.decide(at(600), kid),
        KeyDecision::UseAndRefresh
    ));
    assert!(
        matches!(set.decide(at(601), kid), KeyDecision::Use),
        "refresh in flight"
    );
    fetch(
        &mut set,
        at(600),
        response(503, &[], "<html>down</html>"),
        &mut fetches,
    );
    assert_eq!(set.last_failure().unwrap().code(), "server_error");
    assert!(
        matches!(set.decide(at(610), kid), KeyDecision::Use),
        "stale within the bound"
    );
    assert!(
        matches!(set.decide(at(700), kid), KeyDecision::UseAndRefresh),
        "retried after the cooldown"
    );
    fetch(&mut set, at(700), response(503, &[], ""), &mut fetches);
    let past_bound = 600 + 3_600;
    assert!(matches!(
        set.decide(at(past_bound), kid),
        KeyDecision::FetchFirst
    ));
    fetch(
        &mut set,
        at(past_bound),
        response(503, &[], ""),
        &mut fetches,
    );
    match set.decide(at(past_bound + 1), kid) {
        KeyDecision::Fail(err) => assert_eq!(err.code(), "server_error"),
        other => panic!("past the bound: {other:?}"),
    }
    fetch_recovers(&mut set, past_bound + 40, &with_key, &mut fetches);
    assert_eq!(fetches, 5);
}

fn fetch_recovers(set: &mut RemoteKeySet, second: i64, with_key: &str, fetches: &mut u32) {
    assert!(matches!(
        set.decide(at(second), None),
        KeyDecision::FetchFirst
    ));
    fetch(set, at(second), response(200, &[], with_key), fetches);
    assert!(set.last_failure().is_none());
    assert!(matches!(set.decide(at(second + 1), None), KeyDecision::Use));
}

#[test]
fn bad_answers_cache_nothing_and_keep_the_good_set() {
    let (key, with_key, _) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    let _ = set.decide(at(0), None);
    fetch(&mut set, at(0), response(200, &[], &with_key), &mut fetches);
    let held = set.keys().unwrap().clone();
    for (status, body) in [
        (200, "<html>captive portal</html>"),
        (200, r#"{"keys":[]}"#),
        (302, ""),
        (
            200,
            r#"{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}"#,
        ),
    ] {
        let mut flow = set.fetch_flow();
        let _ = flow.poll(at(1)).unwrap();
        flow.feed_response(response(status, &[], body)).unwrap();
        let outcome = match flow.poll(at(1)) {
            Ok(Step::Done(done)) => Ok(done),
            Ok(_) => panic!("no retries"),
            Err(err) => Err(err),
        };
        let err = set.complete(outcome).unwrap_err();
        assert!(
            ["invalid_response", "remote_error", "key_not_found"].contains(&err.code()),
            "{status} {body}: {err}"
        );
        assert_eq!(
            set.keys().unwrap(),
            &held,
            "{status} {body}: nothing cached"
        );
    }
    let huge = format!(
        r#"{{"keys":[],"pad":"{}"}}"#,
        "x".repeat(credmint::MAX_RESPONSE_BODY)
    );
    let err = set
        .complete(Ok((response(200, &[], &huge), at(2))))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_response");
    assert!(matches!(
        set.decide(at(3), Some(key.key_id())),
        KeyDecision::Use
    ));
}

#[test]
fn snapshots_are_validated_like_a_fetch() {
    let (key, with_key, _) = sets();
    let mut set = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    let mut fetches = 0;
    assert!(set.snapshot().is_none());
    let _ = set.decide(at(0), None);
    fetch(
        &mut set,
        at(0),
        response(200, &[("Cache-Control", "max-age=3600")], &with_key),
        &mut fetches,
    );
    let snapshot = set.snapshot().unwrap();

    let mut fresh_isolate = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    fresh_isolate.restore(&snapshot).unwrap();
    assert!(matches!(
        fresh_isolate.decide(at(10), Some(key.key_id())),
        KeyDecision::Use
    ));
    assert!(matches!(
        fresh_isolate.decide(at(3600), None),
        KeyDecision::UseAndRefresh
    ));

    let mut doc: Value = serde_json::from_str(&snapshot).unwrap();
    let mut other =
        RemoteKeySet::new(Endpoint::new("https://iam.cloud.ibm.com/identity/keys").unwrap());
    assert_eq!(
        other.restore(&snapshot).unwrap_err().code(),
        "invalid_argument"
    );
    doc["expires_at"] = (T0 + 10 * 86_400).into();
    let mut tampered = RemoteKeySet::new(Endpoint::new(URL).unwrap());
    assert!(
        tampered.restore(&doc.to_string()).is_err(),
        "freshness beyond the policy"
    );
    doc["expires_at"] = (T0 + 60).into();
    doc["keys"] = r#"{"keys":[]}"#.into();
    assert!(
        tampered.restore(&doc.to_string()).is_err(),
        "keys are parsed as strictly as a fetch"
    );
    assert!(tampered.keys().is_none());
}

#[test]
fn discovery_requires_the_exact_issuer() {
    let discovery = credmint::OidcDiscovery::new("https://issuer.example").unwrap();
    let mut flow = discovery.fetch_flow();
    let Step::Send(request) = flow.poll(at(0)).unwrap() else {
        panic!("a fetch sends")
    };
    assert_eq!(
        request.url(),
        "https://issuer.example/.well-known/openid-configuration"
    );
    assert_eq!(request.timeout_millis(), 5_000);
    let doc = |issuer: &str, jwks: &str| {
        response(
            200,
            &[],
            &serde_json::json!({"issuer": issuer, "jwks_uri": jwks}).to_string(),
        )
    };
    assert_eq!(
        discovery
            .jwks_uri(&doc(
                "https://issuer.example",
                "https://issuer.example/keys"
            ))
            .unwrap()
            .as_str(),
        "https://issuer.example/keys"
    );
    for (answer, code) in [
        (
            doc("https://issuer.example/", "https://issuer.example/keys"),
            "issuer_mismatch",
        ),
        (
            doc("https://evil.example", "https://evil.example/keys"),
            "issuer_mismatch",
        ),
        (
            doc("https://issuer.example", "http://issuer.example/keys"),
            "invalid_response",
        ),
        (
            response(200, &[], r#"{"issuer":"https://issuer.example"}"#),
            "invalid_response",
        ),
        (response(200, &[], "<html>"), "invalid_response"),
    ] {
        assert_eq!(discovery.jwks_uri(&answer).unwrap_err().code(), code);
    }
    assert!(credmint::OidcDiscovery::new("http://issuer.example").is_err());
}
