//! The emulator's own controls for tests, under `/_emulator/`: key rotation
//! and request counts. No real service has these paths.

use crate::keyring::KeySetName;
use crate::server::Shared;
use crate::{reply, request};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// `POST /_emulator/rotate-keys[?set=oidc|iap]`: a new signing key for the set
/// (default: both), the previous one still published; answers the new kids,
/// `{"oidc": KID, "iap": KID}`.
pub async fn rotate_keys(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let query = match request::query(query.as_deref()) {
        Ok(query) => query,
        Err(bad) => return reply::invalid_argument(&bad.0),
    };
    if let Some(unknown) = query.keys().find(|name| name.as_str() != "set") {
        return reply::invalid_argument(&format!("unknown parameter {unknown:?}"));
    }
    let sets = match query.get("set").map(String::as_str) {
        None => KeySetName::ALL.to_vec(),
        Some(name) => match KeySetName::parse(name) {
            Some(set) => vec![set],
            None => {
                return reply::invalid_argument(&format!(
                    "set must be \"oidc\" or \"iap\", not {name:?}"
                ));
            }
        },
    };
    let mut rotated = Map::new();
    for set in sets {
        match shared.keys.rotate(set, crate::clock::now().as_secs()) {
            Ok(kid) => rotated.insert(set.as_str().to_owned(), Value::from(kid)),
            Err(err) => return reply::google(500, "INTERNAL", &err.to_string()),
        };
    }
    reply::ok(&Value::Object(rotated))
}

/// `GET /_emulator/stats`: `{"requests": {"GET /oauth2/v3/certs": 3, …}}`,
/// counting this request too.
pub async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    reply::ok(&json!({ "requests": shared.stats.snapshot() }))
}

/// `POST /_emulator/stats/reset`: zeroes every count; answers the (empty) counts.
pub async fn reset_stats(State(shared): State<Arc<Shared>>) -> Response {
    shared.stats.reset();
    reply::ok(&json!({ "requests": shared.stats.snapshot() }))
}
