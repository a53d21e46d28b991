//! A test hook standing in for Identity-Aware Proxy: mints the signed header
//! IAP adds to each request it lets through (`x-goog-iap-jwt-assertion`), so a
//! backend's verifier can be tested against the emulator's IAP keys
//! (`GET /iap/verify/public_key-jwk`).

use crate::server::Shared;
use crate::world::derived_unique_id;
use crate::{reply, request};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use credmint::Claims;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// `iss` of IAP's assertions.
pub const IAP_ISSUER: &str = "https://cloud.google.com/iap";
/// IAP's assertions expire ten minutes after they are issued.
const ASSERTION_SECS: i64 = 600;
/// Domains of consumer Google accounts, which carry no `hd` (hosted domain).
const CONSUMER_DOMAINS: &[&str] = &["gmail.com", "googlemail.com"];

/// `POST /_emulator/iap/assertion` with `{"audience", "email", "sub"?}`:
/// `{"assertion": JWT}`, signed ES256 with the current IAP key and carrying
/// `iss`, `aud`, `sub` (default `accounts.google.com:` and a number stable for
/// the email), `email`, `hd` (for non-consumer domains), `iat` and `exp`.
pub async fn assertion(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match request::body(body).and_then(|b| request::json_object(&b)) {
        Ok(body) => body,
        Err(bad) => return reply::invalid_argument(&bad.0),
    };
    let wanted = match Wanted::parse(&body) {
        Ok(wanted) => wanted,
        Err(message) => return reply::invalid_argument(&message),
    };
    let now = crate::clock::now().as_secs();
    let mut claims = Claims::new();
    claims.insert("iss", IAP_ISSUER);
    claims.insert("aud", wanted.audience);
    claims.insert("sub", wanted.sub);
    if !CONSUMER_DOMAINS.contains(&wanted.domain.as_str()) {
        claims.insert("hd", wanted.domain);
    }
    claims.insert("email", wanted.email);
    claims.insert("iat", now);
    claims.insert("exp", now + ASSERTION_SECS);
    match shared.keys.iap().current().sign_jwt(&claims) {
        Some(token) => reply::ok(&json!({"assertion": token.expose_secret()})),
        None => reply::google(500, "INTERNAL", "the system random generator failed"),
    }
}

/// What the test asked for, checked.
struct Wanted {
    audience: String,
    email: String,
    domain: String,
    sub: String,
}

impl Wanted {
    fn parse(body: &Map<String, Value>) -> Result<Self, String> {
        if let Some(unknown) = body
            .keys()
            .find(|k| !["audience", "email", "sub"].contains(&k.as_str()))
        {
            return Err(format!(
                "Invalid JSON payload received. Unknown name {unknown:?}: Cannot find field."
            ));
        }
        let audience = required(body, "audience")?;
        if !is_iap_audience(audience) {
            return Err(format!(
                "audience {audience:?} is not /projects/NUMBER/global/backendServices/ID or /projects/NUMBER/apps/PROJECT_ID"
            ));
        }
        let email = required(body, "email")?;
        let domain = match email.rsplit_once('@') {
            Some((local, domain))
                if !local.is_empty()
                    && domain.contains('.')
                    && !email.contains(char::is_whitespace) =>
            {
                domain.to_ascii_lowercase()
            }
            _ => return Err(format!("email {email:?} is not an email address")),
        };
        let sub = match body.get("sub") {
            None | Some(Value::Null) => format!("accounts.google.com:{}", derived_unique_id(email)),
            Some(Value::String(sub)) if sub.is_empty() => return Err("sub is empty".to_owned()),
            Some(Value::String(sub)) => sub.clone(),
            Some(other) => {
                return Err(format!(
                    "sub must be a string, found {}",
                    reply::kind_of(other)
                ));
            }
        };
        Ok(Wanted {
            audience: audience.to_owned(),
            email: email.to_owned(),
            domain,
            sub,
        })
    }
}

fn required<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match body.get(name) {
        Some(Value::String(text)) if text.is_empty() => Err(format!("{name} is empty")),
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(format!("{name} is required")),
        Some(other) => Err(format!(
            "{name} must be a string, found {}",
            reply::kind_of(other)
        )),
    }
}

/// The two audiences IAP signs for: a backend service (load balancer) or an
/// App Engine app.
fn is_iap_audience(audience: &str) -> bool {
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = audience.split('/').collect();
    match parts.as_slice() {
        ["", "projects", number, "global", "backendServices", id] => numeric(number) && numeric(id),
        ["", "projects", number, "apps", project] => numeric(number) && !project.is_empty(),
        _ => false,
    }
}
