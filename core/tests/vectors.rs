//! Runs the cross-language conformance vectors in `tests/vectors/*.json`
//! against every RSA backend compiled in. Every binding runs the same files.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use credmint::{
    Backend, Claims, ClaimsTemplate, IdTokenAssertion, JwtBearerAssertion, KeySet, OidcIdToken,
    RefreshPolicy, SelfSignedJwt, ServiceAccountKey, SigningKey, TokenLifetime, UnixTime,
    UnsignedJws, Validation,
};
use serde_json::{Value, json};
mod common;

use common::{cases, text_of};

/// What a case produced: a JSON value to compare, or an error code.
type Outcome = Result<Value, &'static str>;

enum LoadedKey {
    ServiceAccount(ServiceAccountKey),
    Pem(Box<SigningKey>),
}

impl LoadedKey {
    fn signing_key(&self) -> &SigningKey {
        match self {
            LoadedKey::ServiceAccount(key) => key.signing_key(),
            LoadedKey::Pem(key) => key,
        }
    }

    fn service_account(&self) -> &ServiceAccountKey {
        match self {
            LoadedKey::ServiceAccount(key) => key,
            LoadedKey::Pem(_) => panic!("case needs a service-account key"),
        }
    }
}

/// How a case reads its key: checked and loaded now, or for a platform keystore.
#[derive(Clone, Copy, PartialEq)]
enum Reading {
    Loaded,
    ForKeystore,
}

fn load_key(reference: &Value, backend: Backend) -> Result<LoadedKey, &'static str> {
    read_key(reference, backend, Reading::Loaded)
}

fn read_key(
    reference: &Value,
    backend: Backend,
    reading: Reading,
) -> Result<LoadedKey, &'static str> {
    let text = text_of(reference);
    match (reference["format"].as_str().unwrap(), reading) {
        ("service_account", Reading::Loaded) => {
            ServiceAccountKey::from_json_with_backend(&text, backend).map(LoadedKey::ServiceAccount)
        }
        ("service_account", Reading::ForKeystore) => {
            ServiceAccountKey::from_json_for_keystore(&text, backend).map(LoadedKey::ServiceAccount)
        }
        ("pem", reading) => {
            let key_id = reference["key_id"].as_str().unwrap();
            let read = if reading == Reading::Loaded {
                SigningKey::from_pem_with_backend
            } else {
                SigningKey::from_pem_for_keystore
            };
            read(&text, key_id, backend).map(|key| LoadedKey::Pem(Box::new(key)))
        }
        (other, _) => panic!("unknown key format {other}"),
    }
    .map_err(|e| e.code())
}

fn key_outcome(case: &Value, backend: Backend) -> Outcome {
    describe_key(&load_key(&case["key"], backend)?)
}

/// A key read for a keystore must give the same outcome once it has signed:
/// errors that `from_json` reports on load come at the first signature. Its
/// PKCS#8 export loads back as the same key.
fn keystore_key_outcome(case: &Value, backend: Backend) -> Outcome {
    let loaded = read_key(&case["key"], backend, Reading::ForKeystore)?;
    let key = loaded.signing_key();
    let signature = key.sign(b"keystore").map_err(|e| e.code())?;
    let exported = SigningKey::from_pkcs8_der(&key.pkcs8_der().unwrap(), key.key_id(), backend)
        .expect("the PKCS#8 export of a working key loads");
    assert_eq!(exported.sign(b"keystore").unwrap(), signature);
    describe_key(&loaded)
}

fn describe_key(loaded: &LoadedKey) -> Outcome {
    let key = loaded.signing_key();
    let mut out = json!({
        "key_id": key.key_id(),
        "bits": key.public_key().bits(),
        "jwk": serde_json::to_value(key.public_key().to_jwk()).unwrap(),
    });
    if let LoadedKey::ServiceAccount(sa) = loaded {
        out["client_email"] = json!(sa.client_email());
        out["client_id"] = json!(sa.client_id());
        out["project_id"] = json!(sa.project_id());
        out["token_uri"] = json!(sa.token_uri());
        out["universe_domain"] = json!(sa.universe_domain());
    }
    Ok(out)
}

fn key_set_outcome(case: &Value, backend: Backend) -> Outcome {
    let keys =
        KeySet::parse_with_backend(&text_of(&case["keys"]), backend).map_err(|e| e.code())?;
    Ok(json!({ "jwks": serde_json::to_value(keys.to_jwks().keys).unwrap() }))
}

fn sign_outcome(case: &Value, backend: Backend) -> Outcome {
    let op = case["op"].as_str().unwrap();
    if op == "external_sign" {
        let claims =
            Claims::from_json(case["claims_json"].as_str().unwrap()).map_err(|e| e.code())?;
        let unsigned = UnsignedJws::jwt(case["key_id"].as_str().unwrap(), &claims);
        let signing_input = String::from_utf8(unsigned.signing_input().to_vec()).unwrap();
        let signature = URL_SAFE_NO_PAD
            .decode(case["signature_b64url"].as_str().unwrap())
            .unwrap();
        let token = unsigned
            .attach_signature(&signature)
            .map_err(|e| e.code())?;
        return Ok(json!({ "signing_input": signing_input, "token": token.expose_secret() }));
    }
    let loaded = load_key(&case["key"], backend)?;
    let key = loaded.signing_key();
    match op {
        "sign_blob" => {
            let payload = STANDARD
                .decode(case["payload_b64"].as_str().unwrap())
                .unwrap();
            let signed = key.sign_blob(&payload).map_err(|e| e.code())?;
            Ok(json!({
                "key_id": signed.key_id(),
                "signed_blob": STANDARD.encode(signed.signature()),
                "json": signed.to_json(),
            }))
        }
        "sign_jwt" => {
            let claims =
                Claims::from_json(case["claims_json"].as_str().unwrap()).map_err(|e| e.code())?;
            let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
            let signed = key.sign_jwt(&claims, now).map_err(|e| e.code())?;
            let token = signed.signed_jwt().expose_secret();
            let decoded = credmint::decode_unverified(token).unwrap();
            Ok(json!({
                "key_id": signed.key_id(),
                "signed_jwt": token,
                "claims": Value::Object(decoded.claims.into_map()),
                "json": signed.to_json().expose_secret(),
            }))
        }
        "sign_jws" => {
            let decode = |name: &str| {
                URL_SAFE_NO_PAD
                    .decode(case[name].as_str().unwrap())
                    .unwrap()
            };
            let unsigned = UnsignedJws::from_parts(
                &decode("protected_header_b64url"),
                &decode("payload_b64url"),
            )
            .map_err(|e| e.code())?;
            let token = unsigned.sign(key).map_err(|e| e.code())?;
            Ok(json!({ "jws": token.expose_secret() }))
        }
        other => panic!("unknown sign op {other}"),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|s| s.as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assertion_outcome(case: &Value, backend: Backend) -> Outcome {
    let loaded = load_key(&case["key"], backend)?;
    let key = loaded.signing_key();
    let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
    let str_of = |name: &str| case[name].as_str().unwrap().to_owned();
    let token = match case["op"].as_str().unwrap() {
        "jwt_bearer" => {
            let mut builder =
                JwtBearerAssertion::new(loaded.service_account(), strings(&case["scopes"]));
            if case.get("subject").is_some() {
                builder = builder.and_then(|b| b.subject(str_of("subject")));
            }
            if case.get("audience").is_some() {
                builder = builder.and_then(|b| b.audience(str_of("audience")));
            }
            if let Some(lifetime) = case.get("lifetime") {
                builder = builder.and_then(|b| b.lifetime(lifetime.as_u64().unwrap()));
            }
            builder.and_then(|b| b.sign(key, now))
        }
        "id_token_assertion" => {
            IdTokenAssertion::new(loaded.service_account(), str_of("target_audience"))
                .and_then(|b| b.sign(key, now))
        }
        "self_signed_jwt" => {
            let sa = loaded.service_account();
            let audience = case.get("audience").map(|_| str_of("audience"));
            let scopes = case.get("scopes").map(strings);
            SelfSignedJwt::with_audience_or_scopes(sa, audience, scopes)
                .and_then(|b| b.sign(key, now))
        }
        "oidc_id_token" => {
            let mut builder =
                OidcIdToken::new(str_of("issuer"), str_of("subject"), str_of("audience"));
            if case.get("email").is_some() {
                builder = builder.and_then(|b| b.email(str_of("email")));
            }
            if let Some(lifetime) = case.get("lifetime") {
                builder = builder.and_then(|b| b.lifetime(lifetime.as_u64().unwrap()));
            }
            builder.and_then(|b| b.sign(key, now))
        }
        other => panic!("unknown assertion op {other}"),
    }
    .map_err(|e| e.code())?;
    let claims = credmint::decode_unverified(token.expose_secret())
        .unwrap()
        .claims;
    Ok(json!({ "claims": Value::Object(claims.into_map()), "token": token.expose_secret() }))
}

fn validation_of(spec: &Value) -> Result<Validation, &'static str> {
    let mut validation = Validation::new();
    for audience in strings(&spec["audiences"]) {
        validation = validation.audience(audience);
    }
    for issuer in strings(&spec["issuers"]) {
        validation = validation.issuer(issuer);
    }
    if let Some(leeway) = spec.get("leeway") {
        validation = validation
            .leeway(leeway.as_u64().unwrap())
            .map_err(|e| e.code())?;
    }
    if let Some(max) = spec.get("max_lifetime") {
        validation = validation
            .max_lifetime(max.as_u64().unwrap())
            .map_err(|e| e.code())?;
    }
    if let Some(typ) = spec.get("typ") {
        validation = validation.typ(typ.as_str().unwrap());
    }
    if let Some(size) = spec.get("max_token_size") {
        validation = validation.max_token_size(size.as_u64().unwrap() as usize);
    }
    Ok(validation)
}

fn verify_outcome(case: &Value, backend: Backend) -> Outcome {
    let keys =
        KeySet::parse_with_backend(&text_of(&case["keys"]), backend).map_err(|e| e.code())?;
    let validation = validation_of(&case["validation"])?;
    let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
    let verified = credmint::verify(case["token"].as_str().unwrap(), &keys, &validation, now)
        .map_err(|e| e.code())?;
    Ok(json!({ "claims": Value::Object(verified.into_claims().into_map()) }))
}

/// The same vectors through the two-phase path a host with its own signature
/// check uses (prepare, verify the signature outside, finish).
fn external_verify_outcome(case: &Value, backend: Backend) -> Outcome {
    let keys =
        KeySet::parse_with_backend(&text_of(&case["keys"]), backend).map_err(|e| e.code())?;
    let validation = validation_of(&case["validation"])?;
    let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
    let pending =
        credmint::prepare_verification(case["token"].as_str().unwrap(), &keys, &validation)
            .map_err(|e| e.code())?;
    let valid = pending
        .key()
        .verify(pending.signing_input(), pending.signature())
        .is_ok();
    let verified = pending
        .finish(valid, &validation, now)
        .map_err(|e| e.code())?;
    Ok(json!({ "claims": Value::Object(verified.into_claims().into_map()) }))
}

fn refresh_outcome(case: &Value) -> Outcome {
    let policy = match &case["policy"] {
        Value::String(name) => RefreshPolicy::named(name).unwrap(),
        custom => RefreshPolicy::Margin {
            refresh_before: custom["margin"]["refresh_before"].as_u64().unwrap(),
            expired_before: custom["margin"]["expired_before"].as_u64().unwrap(),
        },
    };
    let time = |name: &str| UnixTime::from_secs(case[name].as_i64().unwrap());
    let lifetime =
        TokenLifetime::new(time("obtained_at"), time("expires_at")).map_err(|e| e.code())?;
    let checks: Vec<Value> = case["expect"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| {
            let now = UnixTime::from_secs(check["now"].as_i64().unwrap());
            json!({
                "now": now.as_secs(),
                "expires_soon": lifetime.expires_soon(now, policy),
                "is_expired": lifetime.is_expired(now, policy),
            })
        })
        .collect();
    Ok(json!({ "refresh_at": lifetime.refresh_at(policy).as_secs(), "checks": checks }))
}

/// Runs every case of `file` with every backend and reports all mismatches at once.
fn run(file: &str, outcome: impl Fn(&Value, Backend) -> Outcome) {
    let mut failures = Vec::new();
    let cases = cases(file);
    assert!(!cases.is_empty(), "{file} has no cases");
    for backend in Backend::ALL {
        for case in &cases {
            let expect = &case["expect"];
            let got = outcome(case, *backend);
            let matches = match (&got, expect.get("error")) {
                (Err(code), Some(expected)) => expected == code,
                (Ok(value), None) => value == expect,
                _ => false,
            };
            if !matches {
                failures.push(format!(
                    "[{}] {}: expected {expect}, got {got:?}",
                    backend.name(),
                    case["name"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches in {file}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn keys() {
    run("keys.json", |case, backend| {
        match case["op"].as_str().unwrap() {
            "load_signing_key" => key_outcome(case, backend),
            "load_key_set" => key_set_outcome(case, backend),
            other => panic!("unknown op {other}"),
        }
    });
}

#[test]
fn keys_read_for_a_keystore() {
    run("keys.json", |case, backend| {
        match case["op"].as_str().unwrap() {
            "load_signing_key" => keystore_key_outcome(case, backend),
            "load_key_set" => key_set_outcome(case, backend),
            other => panic!("unknown op {other}"),
        }
    });
}

#[test]
fn sign() {
    run("sign.json", sign_outcome);
}

#[test]
fn assertions() {
    run("assertions.json", assertion_outcome);
}

#[test]
fn verify() {
    run("verify.json", verify_outcome);
}

#[test]
fn verify_with_an_external_signature_check() {
    run("verify.json", external_verify_outcome);
}

#[test]
fn refresh() {
    run("refresh.json", |case, _| refresh_outcome(case));
}
