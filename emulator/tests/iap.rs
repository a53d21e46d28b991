//! The IAP-like ES256 issuer: its JWK Set, and assertions from the test hook
//! that verify with a P-256 key rebuilt from that JWK Set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use serde_json::{Value, json};

const AUDIENCE: &str = "/projects/123/global/backendServices/456";

fn b64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn mint(s: &Server, body: &Value) -> Answer {
    s.post_json("/_emulator/iap/assertion", None, &body.to_string())
}

/// The assertion for `body`, split into header, claims, signing input and signature.
struct Assertion {
    header: Value,
    claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

fn assertion(s: &Server, body: &Value) -> Assertion {
    let answer = mint(s, body);
    assert_eq!(answer.status, 200, "{}", answer.text);
    let token = answer.json()["assertion"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    Assertion {
        header: serde_json::from_slice(&b64(parts[0])).unwrap(),
        claims: serde_json::from_slice(&b64(parts[1])).unwrap(),
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature: b64(parts[2]),
    }
}

/// The uncompressed P-256 point (0x04 || x || y) of the served key `kid`.
fn served_point(s: &Server, kid: &str) -> Vec<u8> {
    let jwks = s.get("/iap/verify/public_key-jwk", None).json();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap_or_else(|| panic!("no key {kid} in {jwks}"));
    let (x, y) = (
        b64(jwk["x"].as_str().unwrap()),
        b64(jwk["y"].as_str().unwrap()),
    );
    assert_eq!((x.len(), y.len()), (32, 32));
    [vec![0x04], x, y].concat()
}

fn verifies(point: &[u8], message: &[u8], signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(message, signature)
        .is_ok()
}

#[test]
fn the_jwk_set_holds_one_public_p256_key() {
    let s = start(None);
    let answer = s.get("/iap/verify/public_key-jwk", None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.content_type.starts_with("application/json"));
    let keys = answer.json()["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    let key = keys[0].as_object().unwrap();
    let mut members: Vec<&str> = key.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    assert_eq!(
        (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
        (
            &json!("EC"),
            &json!("P-256"),
            &json!("ES256"),
            &json!("sig")
        )
    );
    // x and y are 32 bytes each (served_point checks), the kid is short.
    let kid = key["kid"].as_str().unwrap();
    assert_eq!(served_point(&s, kid).len(), 65);
    assert_eq!(kid.len(), 8, "{kid}");
}

#[test]
fn an_assertion_verifies_with_the_served_key_and_carries_iap_claims() {
    let s = start(None);
    let before = now().as_secs();
    let a = assertion(
        &s,
        &json!({"audience": AUDIENCE, "email": "user@example.com"}),
    );
    let after = now().as_secs();
    assert_eq!(a.header["alg"], "ES256");
    assert_eq!(a.header["typ"], "JWT");
    let kid = a.header["kid"].as_str().unwrap();
    assert_eq!(kids(&s.get("/iap/verify/public_key-jwk", None)), [kid]);
    assert_eq!(a.signature.len(), 64, "fixed r || s");
    let point = served_point(&s, kid);
    assert!(verifies(&point, a.signing_input.as_bytes(), &a.signature));
    // The signature covers the claims: a changed payload fails.
    let mut tampered = a.signing_input.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(!verifies(&point, &tampered, &a.signature));

    let claims = &a.claims;
    assert_eq!(claims["iss"], "https://cloud.google.com/iap");
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["email"], "user@example.com");
    assert_eq!(claims["hd"], "example.com");
    let sub = claims["sub"].as_str().unwrap();
    let number = sub.strip_prefix("accounts.google.com:").unwrap();
    assert!(
        number.len() == 21 && number.bytes().all(|b| b.is_ascii_digit()),
        "{sub}"
    );
    let iat = claims["iat"].as_i64().unwrap();
    assert!((before..=after).contains(&iat), "iat {iat}");
    assert_eq!(claims["exp"].as_i64().unwrap(), iat + 600);
}

#[test]
fn sub_is_stable_per_email_or_as_given() {
    let s = start(None);
    let sub = |body: Value| assertion(&s, &body).claims["sub"].clone();
    let alice = json!({"audience": AUDIENCE, "email": "alice@example.com"});
    assert_eq!(sub(alice.clone()), sub(alice.clone()));
    let bob = sub(json!({"audience": AUDIENCE, "email": "bob@example.com"}));
    assert_ne!(sub(alice), bob);
    let given = sub(
        json!({"audience": AUDIENCE, "email": "a@example.com", "sub": "accounts.google.com:42"}),
    );
    assert_eq!(given, "accounts.google.com:42");
    // App Engine audiences are IAP's other form; consumer accounts carry no hd.
    let gmail = assertion(
        &s,
        &json!({"audience": "/projects/123/apps/my-app", "email": "someone@gmail.com"}),
    );
    assert_eq!(gmail.claims["aud"], "/projects/123/apps/my-app");
    assert!(gmail.claims.get("hd").is_none(), "{}", gmail.claims);
}

#[test]
fn bad_requests_get_google_400s() {
    let s = start(None);
    let cases: [(&str, &str); 9] = [
        ("not json", "Invalid JSON payload"),
        ("[1]", "JSON object"),
        (r#"{"email":"user@example.com"}"#, "audience is required"),
        (
            r#"{"audience":"/projects/123/global/backendServices/456"}"#,
            "email is required",
        ),
        (
            r#"{"audience":"https://app.example","email":"user@example.com"}"#,
            "backendServices",
        ),
        (
            r#"{"audience":"/projects/123/global/backendServices/456","email":"user"}"#,
            "not an email address",
        ),
        (
            r#"{"audience":"/projects/123/global/backendServices/456","email":7}"#,
            "email must be a string",
        ),
        (
            r#"{"audience":"/projects/123/global/backendServices/456","email":"u@example.com","sub":1}"#,
            "sub must be a string",
        ),
        (
            r#"{"audience":"/projects/123/global/backendServices/456","email":"u@example.com","aud":"x"}"#,
            "Unknown name \"aud\"",
        ),
    ];
    for (body, why) in cases {
        let answer = s.post_json("/_emulator/iap/assertion", None, body);
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        let error = &answer.json()["error"];
        assert_eq!(error["status"], "INVALID_ARGUMENT", "{body}");
        assert_eq!(error["code"], 400, "{body}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(why), "{body}: {message}");
    }
}
