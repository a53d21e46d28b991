//! Ready verifiers: presets over a remote key set, driven as conversations;
//! one fetch for many verifications, waiting instead of a second fetch,
//! stale keys while the endpoint fails, discovery, and the options every
//! binding passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixture;
use credmint::{
    Claims, Flow, GOOGLE_ID_TOKEN_KEYS_URL, HttpResponse, ServiceAccountKey, Step, TokenVerifier,
    UnixTime, VerifiedClaims,
};

const T0: i64 = 1_700_000_000;

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(T0 + secs)
}

fn key() -> ServiceAccountKey {
    ServiceAccountKey::from_json(&fixture("sa_2048_pkcs8.json")).unwrap()
}

fn keys_answer(key: &ServiceAccountKey, max_age: u32) -> HttpResponse {
    HttpResponse::new(
        200,
        vec![("Cache-Control".into(), format!("public, max-age={max_age}"))],
        key.jwks().to_json().into_bytes(),
    )
}

fn token(key: &ServiceAccountKey, claims: &str) -> String {
    let claims = Claims::from_json(claims).unwrap();
    key.sign_jwt(&claims, at(0))
        .unwrap()
        .signed_jwt()
        .expose_secret()
        .to_owned()
}

fn google_token(key: &ServiceAccountKey, aud: &str) -> String {
    token(
        key,
        &format!(
            r#"{{"iss":"https://accounts.google.com","aud":"{aud}","sub":"1","iat":{T0},"exp":{}}}"#,
            T0 + 3600
        ),
    )
}

/// Polls until the flow is done, answering sends with `answer` (counting them).
fn finish(
    mut flow: impl Flow<Output = VerifiedClaims>,
    now: UnixTime,
    mut answer: impl FnMut(&credmint::HttpRequest) -> Result<HttpResponse, String>,
    sends: &mut u32,
) -> Result<Claims, &'static str> {
    loop {
        match flow.poll(now).map_err(|e| e.code())? {
            Step::Send(request) => {
                *sends += 1;
                match answer(&request) {
                    Ok(response) => flow.feed_response(response).unwrap(),
                    Err(reason) => flow.feed_transport_error(&reason).unwrap(),
                }
            }
            Step::Done(claims) => return Ok(claims.into_claims()),
            Step::Wait(_) => return Err("wait"),
            _ => panic!("verification signs nothing and reads no file"),
        }
    }
}

#[test]
fn one_fetch_serves_every_verification_until_the_keys_go_stale() {
    let key = key();
    let verifier = TokenVerifier::google_id_token(&["https://svc.example"]).unwrap();
    let good = google_token(&key, "https://svc.example");
    let mut sends = 0;
    let claims = finish(
        verifier.verify(&good),
        at(1),
        |request| {
            assert_eq!(request.url(), GOOGLE_ID_TOKEN_KEYS_URL);
            assert_eq!(request.timeout_millis(), 5_000);
            Ok(keys_answer(&key, 600))
        },
        &mut sends,
    )
    .unwrap();
    assert_eq!(claims.sub().unwrap(), Some("1"));
    for secs in [2, 100, 599] {
        let again = finish(
            verifier.clone().verify(&good),
            at(secs),
            |_| panic!(),
            &mut sends,
        );
        assert!(again.is_ok());
    }
    assert_eq!(sends, 1);
    // Stale: the chosen verification refreshes; the token was verified with the old keys.
    finish(
        verifier.verify(&good),
        at(700),
        |_| Ok(keys_answer(&key, 600)),
        &mut sends,
    )
    .unwrap();
    assert_eq!(sends, 2);
    // Audience and issuer are the preset's.
    let other = google_token(&key, "https://other.example");
    let err = finish(verifier.verify(&other), at(701), |_| panic!(), &mut sends);
    assert_eq!(err.unwrap_err(), "audience_mismatch");
    let wrong_issuer = token(
        &key,
        &format!(r#"{{"iss":"https://evil.example","aud":"https://svc.example","iat":{T0}}}"#),
    );
    let err = finish(
        verifier.verify(&wrong_issuer),
        at(701),
        |_| panic!(),
        &mut sends,
    );
    assert_eq!(err.unwrap_err(), "issuer_mismatch");
}

#[test]
fn a_second_verification_waits_for_the_first_ones_fetch() {
    let key = key();
    let verifier = TokenVerifier::google_id_token(&["https://svc.example"]).unwrap();
    let good = google_token(&key, "https://svc.example");
    let mut first = verifier.verify(&good);
    let Step::Send(_) = first.poll(at(1)).unwrap() else {
        panic!("the first verification fetches")
    };
    let mut second = verifier.verify(&good);
    match second.poll(at(1)).unwrap() {
        Step::Wait(until) => assert_eq!(until, at(2)),
        other => panic!("the second waits, got {other:?}"),
    }
    first.feed_response(keys_answer(&key, 600)).unwrap();
    assert!(matches!(first.poll(at(1)).unwrap(), Step::Done(_)));
    assert!(matches!(second.poll(at(2)).unwrap(), Step::Done(_)));
}

#[test]
fn stale_keys_verify_while_the_endpoint_fails_then_the_error_surfaces() {
    let key = key();
    let verifier = TokenVerifier::google_id_token(&["https://svc.example"]).unwrap();
    let good = google_token(&key, "https://svc.example");
    let mut sends = 0;
    finish(
        verifier.verify(&good),
        at(0),
        |_| Ok(keys_answer(&key, 600)),
        &mut sends,
    )
    .unwrap();
    let down = |_: &credmint::HttpRequest| Err("connection refused".to_owned());
    // Past freshness: refreshed by the chosen caller, which still verifies.
    finish(verifier.verify(&good), at(601), down, &mut sends).unwrap();
    assert_eq!(verifier.last_failure().unwrap().code(), "transport_error");
    // Inside the cooldown nobody fetches; the old keys still verify.
    finish(verifier.verify(&good), at(610), down, &mut sends).unwrap();
    assert_eq!(sends, 2);
    // Past the stale-if-error bound (1 h after expiry) the failure is the answer.
    let err = finish(verifier.verify(&good), at(600 + 3_601), down, &mut sends).unwrap_err();
    assert_eq!(err, "transport_error");
}

#[test]
fn oidc_discovers_the_key_url_and_requires_the_exact_issuer() {
    let key = key();
    let issuer = "https://issuer.example";
    let verifier = TokenVerifier::oidc(issuer, &["svc"]).unwrap();
    let good = token(
        &key,
        &format!(r#"{{"iss":"{issuer}","aud":"svc","iat":{T0}}}"#),
    );
    let mut urls = Vec::new();
    let mut sends = 0;
    finish(
        verifier.verify(&good),
        at(0),
        |request| {
            urls.push(request.url().to_owned());
            Ok(if request.url().ends_with("openid-configuration") {
                HttpResponse::new(
                    200,
                    vec![],
                    format!(r#"{{"issuer":"{issuer}","jwks_uri":"https://keys.example/jwks"}}"#)
                        .into_bytes(),
                )
            } else {
                keys_answer(&key, 600)
            })
        },
        &mut sends,
    )
    .unwrap();
    assert_eq!(
        urls,
        [
            "https://issuer.example/.well-known/openid-configuration",
            "https://keys.example/jwks"
        ]
    );
    // A document naming another issuer hands out nothing; the error is kept for a cooldown.
    let spoofed = TokenVerifier::oidc(issuer, &["svc"]).unwrap();
    let answer = |_: &credmint::HttpRequest| {
        Ok(HttpResponse::new(
            200,
            vec![],
            br#"{"issuer":"https://evil.example","jwks_uri":"https://evil.example/jwks"}"#.to_vec(),
        ))
    };
    let err = finish(spoofed.verify(&good), at(0), answer, &mut sends).unwrap_err();
    assert_eq!(err, "issuer_mismatch");
    let before = sends;
    let err = finish(spoofed.verify(&good), at(10), answer, &mut sends).unwrap_err();
    assert_eq!((err, sends), ("issuer_mismatch", before));
}

#[test]
fn firebase_requires_its_claims() {
    let key = key();
    let verifier = TokenVerifier::firebase("my-project").unwrap();
    let base = format!(
        r#""iss":"https://securetoken.google.com/my-project","aud":"my-project","iat":{T0}"#
    );
    let mut sends = 0;
    let mut verify = |claims: String| {
        finish(
            verifier.verify(&token(&key, &claims)),
            at(1),
            |_| Ok(keys_answer(&key, 600)),
            &mut sends,
        )
        .map(|_| "ok")
        .unwrap_or_else(|code| code)
    };
    assert_eq!(
        verify(format!(r#"{{{base},"sub":"uid","auth_time":{T0}}}"#)),
        "ok"
    );
    assert_eq!(
        verify(format!(r#"{{{base},"sub":"uid"}}"#)),
        "invalid_claims"
    );
    assert_eq!(
        verify(format!(r#"{{{base},"sub":"","auth_time":{T0}}}"#)),
        "invalid_claims"
    );
    assert_eq!(
        verify(format!(
            r#"{{{base},"sub":"uid","auth_time":{}}}"#,
            T0 + 3_000
        )),
        "invalid_claims"
    );
}

#[test]
fn iap_accepts_es256_only() {
    let key = key();
    let verifier = TokenVerifier::iap("/projects/1/apps/p").unwrap();
    let rs256 = token(
        &key,
        &format!(
            r#"{{"iss":"https://cloud.google.com/iap","aud":"/projects/1/apps/p","iat":{T0}}}"#
        ),
    );
    let mut sends = 0;
    let err = finish(verifier.verify(&rs256), at(1), |_| panic!(), &mut sends).unwrap_err();
    assert_eq!((err, sends), ("unsupported_algorithm", 0));
}

#[test]
fn options_choose_the_preset_and_refuse_what_it_does_not_take() {
    let ok = |preset: &str, options: &str| {
        TokenVerifier::from_options(preset, options).map(|v| v.preset())
    };
    assert_eq!(
        ok("google_id_token", r#"{"audience":"svc"}"#),
        Ok("google_id_token")
    );
    assert_eq!(
        ok("google_id_token", r#"{"audience":["a","b"]}"#),
        Ok("google_id_token")
    );
    assert_eq!(ok("firebase", r#"{"project_id":"p"}"#), Ok("firebase"));
    assert_eq!(
        ok(
            "service_account",
            r#"{"email":"a@p.iam.gserviceaccount.com","audience":"svc"}"#
        ),
        Ok("service_account")
    );
    assert_eq!(ok("ibm_iam", ""), Ok("ibm_iam"));
    assert_eq!(ok("iap", r#"{"audience":"/projects/1/apps/p"}"#), Ok("iap"));
    assert_eq!(
        ok(
            "oidc",
            r#"{"issuer":"https://issuer.example","audience":"svc"}"#
        ),
        Ok("oidc")
    );
    assert_eq!(
        ok(
            "google_id_token",
            r#"{"audience":"svc","keys_url":"http://127.0.0.1:1/certs"}"#
        ),
        Ok("google_id_token")
    );
    for (preset, options) in [
        ("nope", r#"{"audience":"svc"}"#),
        ("google_id_token", "{}"),
        ("google_id_token", r#"{"audience":""}"#),
        ("google_id_token", r#"{"audience":"svc","colour":"red"}"#),
        ("google_id_token", r#"{"audience":"svc","project_id":"p"}"#),
        ("google_id_token", r#"{"audience":7}"#),
        ("google_id_token", "[1]"),
        ("firebase", "{}"),
        ("firebase", r#"{"project_id":"p","audience":"x"}"#),
        ("firebase", r#"{"project_id":"p/../x"}"#),
        (
            "service_account",
            r#"{"email":"not-an-email","audience":"svc"}"#,
        ),
        (
            "iap",
            r#"{"audience":["/projects/1/apps/p","/projects/2/apps/q"]}"#,
        ),
        ("iap", r#"{"audience":"svc"}"#),
        ("oidc", r#"{"audience":"svc"}"#),
        (
            "oidc",
            r#"{"issuer":"http://issuer.example","audience":"svc"}"#,
        ),
        (
            "google_id_token",
            r#"{"audience":"svc","keys_url":"http://keys.example/certs"}"#,
        ),
    ] {
        let err = TokenVerifier::from_options(preset, options).unwrap_err();
        assert_eq!(err.code(), "invalid_argument", "{preset} {options}: {err}");
    }
}

#[test]
fn prepared_tokens_finish_with_the_hosts_verdict_and_every_preset_rule() {
    let key = key();
    let verifier = TokenVerifier::firebase("my-project").unwrap();
    let base = format!(
        r#""iss":"https://securetoken.google.com/my-project","aud":"my-project","iat":{T0},"auth_time":{T0}"#
    );
    let prepare = |claims: String| {
        let mut flow = verifier.prepare(&token(&key, &claims));
        loop {
            match flow.poll(at(1)).unwrap() {
                Step::Send(_) => flow.feed_response(keys_answer(&key, 600)).unwrap(),
                Step::Done(prepared) => return prepared,
                other => panic!("{other:?}"),
            }
        }
    };
    let good = prepare(format!(r#"{{{base},"sub":"uid"}}"#));
    let pending = good.pending();
    let valid = pending
        .key()
        .verify(pending.signing_input(), pending.signature())
        .is_ok();
    assert!(valid);
    assert_eq!(
        good.clone()
            .finish(true, at(1))
            .unwrap()
            .claims()
            .sub()
            .unwrap(),
        Some("uid")
    );
    assert_eq!(
        good.finish(false, at(1)).unwrap_err().code(),
        "signature_invalid"
    );
    // The Firebase rules apply on this path too.
    let empty_sub = prepare(format!(r#"{{{base},"sub":""}}"#));
    assert_eq!(
        empty_sub.finish(true, at(1)).unwrap_err().code(),
        "invalid_claims"
    );
}

/// Found by the `responses` fuzz target: when every key fetch failed only
/// after the cooldown had passed (a host that does not apply the request's
/// time limit), the verification fetched again, forever. One verification
/// now fetches its keys at most once and reports the failure.
#[test]
fn a_verification_fetches_once_even_when_the_fetch_outlasts_the_cooldown() {
    let key = key();
    let verifier = TokenVerifier::google_id_token(&["https://svc.example"])
        .unwrap()
        .with_keys_url(credmint::Endpoint::new("https://keys.example/certs").unwrap());
    let mut flow = verifier.verify(&google_token(&key, "https://svc.example"));
    let mut now = 0;
    let mut sends = 0;
    let outcome = loop {
        match flow.poll(at(now)) {
            Ok(Step::Send(_)) => {
                sends += 1;
                assert!(sends <= 3, "a verification kept fetching");
                now += 1_000;
                flow.feed_transport_error("timed out").unwrap();
            }
            Ok(Step::Wait(until)) => now = until.as_secs() - T0,
            Ok(Step::Done(_)) => break Ok(()),
            Ok(_) => panic!("no signing or host step in a verification"),
            Err(error) => break Err(error.code()),
        }
    };
    assert_eq!(outcome, Err("transport_error"));
}
