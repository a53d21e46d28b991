//! `POST /_emulator/rotate-keys`: every signer switches to the new key, the
//! previous key stays published beside it, older ones are dropped, and the
//! discovery document does not move.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use credmint::{ClaimsTemplate, KeySet, Validation};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const AUDIENCE: &str = "https://run.example";
const IAP_AUDIENCE: &str = "/projects/123/global/backendServices/456";

fn kid_of(token: &str) -> String {
    credmint::decode_unverified(token)
        .unwrap()
        .header
        .kid()
        .unwrap()
        .to_owned()
}

/// An ID token from IAM `generateIdToken` (the emulator's OIDC key signs it).
fn iam_id_token(s: &Server) -> String {
    let answer = s.post_json(
        &iam_path(SIGNER, "generateIdToken"),
        Some(&s.token_of(DEPLOYER)),
        &json!({"audience": AUDIENCE, "includeEmail": true}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["token"].as_str().unwrap().to_owned()
}

/// Every OIDC-signed token kind: IAM, the metadata server, OAuth
/// `target_audience`, a user's refresh with `openid`, and IBM Cloud IAM.
fn every_oidc_token(s: &Server) -> Vec<(&'static str, String)> {
    let metadata = send(
        "GET",
        &s.url(&format!(
            "/computeMetadata/v1/instance/service-accounts/default/identity?audience={AUDIENCE}"
        )),
        &[("metadata-flavor", "Google")],
        b"",
    );
    assert_eq!(metadata.status, 200, "{}", metadata.text);
    let key = s.key(CI);
    let assertion = credmint::IdTokenAssertion::for_identity(&key.identity().unwrap(), AUDIENCE)
        .unwrap()
        .sign(key.signing_key(), now())
        .unwrap();
    let oauth = s.form(
        "/token",
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", assertion.expose_secret()),
        ],
    );
    assert_eq!(oauth.status, 200, "{}", oauth.text);
    let user = s.form(
        "/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "764086051850-demo.apps.googleusercontent.com"),
            ("client_secret", "demo-client-secret-0123456789"),
            ("refresh_token", "1//demo-refresh-token-0123456789"),
        ],
    );
    assert_eq!(user.status, 200, "{}", user.text);
    let ibm = s.form(
        "/identity/token",
        &[
            ("grant_type", "urn:ibm:params:oauth:grant-type:apikey"),
            ("apikey", "demo-ibm-apikey-0123456789"),
        ],
    );
    assert_eq!(ibm.status, 200, "{}", ibm.text);
    let field = |answer: &Answer, name: &str| answer.json()[name].as_str().unwrap().to_owned();
    vec![
        ("iam generateIdToken", iam_id_token(s)),
        ("metadata identity", metadata.text.clone()),
        ("oauth target_audience", field(&oauth, "id_token")),
        ("user refresh id_token", field(&user, "id_token")),
        ("ibm access_token", field(&ibm, "access_token")),
    ]
}

fn verify(s: &Server, token: &str, path: &str) -> credmint::Result<()> {
    let keys = KeySet::parse(&s.get(path, None).text).unwrap();
    credmint::verify(
        token,
        &keys,
        &Validation::new()
            .audience(AUDIENCE)
            .issuer("https://accounts.google.com"),
        now(),
    )
    .map(|_| ())
}

fn x509_kids(s: &Server) -> BTreeSet<String> {
    let answer = s.get("/oauth2/v1/certs", None);
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json().as_object().unwrap().keys().cloned().collect()
}

#[test]
fn oidc_rotation_switches_every_signer_and_overlaps_one_key() {
    let s = start(None);
    let first = kids(&s.get("/oauth2/v3/certs", None));
    assert_eq!(first.len(), 1);
    let k0 = first[0].clone();
    for (what, token) in every_oidc_token(&s) {
        assert_eq!(kid_of(&token), k0, "{what} before rotation");
    }
    let before = iam_id_token(&s);
    let iap_before = kids(&s.get("/iap/verify/public_key-jwk", None));

    let rotated = s.rotate(Some("oidc"));
    let k1 = rotated["oidc"].as_str().unwrap().to_owned();
    assert_eq!(
        rotated.as_object().unwrap().len(),
        1,
        "only oidc: {rotated}"
    );
    assert_ne!(k1, k0);
    for (what, token) in every_oidc_token(&s) {
        assert_eq!(kid_of(&token), k1, "{what} after rotation");
    }
    // The new key signs and comes first; the old one is still published.
    assert_eq!(
        kids(&s.get("/oauth2/v3/certs", None)),
        [k1.clone(), k0.clone()]
    );
    assert_eq!(
        kids(&s.get("/identity/keys", None)),
        [k1.clone(), k0.clone()]
    );
    assert_eq!(x509_kids(&s), BTreeSet::from([k0.clone(), k1.clone()]));
    let after = iam_id_token(&s);
    for path in ["/oauth2/v3/certs", "/oauth2/v1/certs"] {
        verify(&s, &before, path).unwrap();
        verify(&s, &after, path).unwrap();
    }
    // The IAP set was not asked to rotate.
    assert_eq!(kids(&s.get("/iap/verify/public_key-jwk", None)), iap_before);

    let k2 = s.rotate(Some("oidc"))["oidc"].as_str().unwrap().to_owned();
    let k3 = s.rotate(None)["oidc"].as_str().unwrap().to_owned();
    assert_eq!(
        kids(&s.get("/oauth2/v3/certs", None)),
        [k3.clone(), k2.clone()]
    );
    assert_eq!(x509_kids(&s), BTreeSet::from([k2, k3.clone()]));
    assert_eq!(kid_of(&iam_id_token(&s)), k3);
    for path in ["/oauth2/v3/certs", "/oauth2/v1/certs"] {
        let err = verify(&s, &before, path).unwrap_err();
        assert_eq!(err.code(), "key_not_found", "{path}: {err}");
    }
}

#[test]
fn the_discovery_document_survives_rotation() {
    let s = start(None);
    let document = s.get("/.well-known/openid-configuration", None).json();
    s.rotate(None);
    let after = s.get("/.well-known/openid-configuration", None).json();
    assert_eq!(after, document);
    assert_eq!(after["jwks_uri"], s.url("/oauth2/v3/certs"));
    assert_eq!(
        after["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
}

fn iap_kid(s: &Server) -> String {
    let answer = s.post_json(
        "/_emulator/iap/assertion",
        None,
        &json!({"audience": IAP_AUDIENCE, "email": "user@example.com"}).to_string(),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    let token = answer.json()["assertion"].as_str().unwrap().to_owned();
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[test]
fn iap_rotation_switches_the_assertion_key_and_keeps_two() {
    let s = start(None);
    let oidc = kids(&s.get("/oauth2/v3/certs", None));
    let first = kids(&s.get("/iap/verify/public_key-jwk", None));
    assert_eq!(first, [iap_kid(&s)]);

    let k1 = s.rotate(Some("iap"))["iap"].as_str().unwrap().to_owned();
    assert_ne!(k1, first[0]);
    assert_eq!(iap_kid(&s), k1);
    assert_eq!(
        kids(&s.get("/iap/verify/public_key-jwk", None)),
        [k1.clone(), first[0].clone()]
    );
    assert_eq!(
        kids(&s.get("/oauth2/v3/certs", None)),
        oidc,
        "OIDC untouched"
    );

    let both = s.rotate(None);
    let k2 = both["iap"].as_str().unwrap().to_owned();
    assert!(both["oidc"].is_string(), "{both}");
    let k3 = s.rotate(Some("iap"))["iap"].as_str().unwrap().to_owned();
    assert_eq!(
        kids(&s.get("/iap/verify/public_key-jwk", None)),
        [k3.clone(), k2]
    );
    assert_eq!(iap_kid(&s), k3);
}

#[test]
fn rotate_keys_refuses_unknown_sets_and_other_methods() {
    let s = start(None);
    let before = kids(&s.get("/oauth2/v3/certs", None));
    for query in ["?set=rsa", "?set=", "?set=oidc&set=iap", "?sets=oidc"] {
        let answer = send(
            "POST",
            &s.url(&format!("/_emulator/rotate-keys{query}")),
            &[],
            b"",
        );
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert_eq!(answer.json()["error"]["status"], "INVALID_ARGUMENT");
    }
    let answer = s.get("/_emulator/rotate-keys", None);
    assert_eq!(answer.status, 405, "{}", answer.text);
    assert_eq!(
        kids(&s.get("/oauth2/v3/certs", None)),
        before,
        "nothing rotated"
    );
}
