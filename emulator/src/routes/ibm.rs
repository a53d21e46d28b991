//! IBM Cloud IAM's token endpoint (`POST /identity/token`): the API-key grant
//! and the refresh-token grant, answered exactly as seed 002 shows.

use super::same_digest;
use crate::server::Shared;
use crate::state::{RefreshRecord, hash_secret};
use crate::world::{IBM_ISSUER, IbmIdentity};
use crate::{random, reply, request};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use credmint::Claims;
use serde_json::json;
use std::sync::Arc;

const APIKEY_GRANT: &str = "urn:ibm:params:oauth:grant-type:apikey";
/// IBM refresh tokens last 30 days.
const REFRESH_SECS: i64 = 30 * 86_400;

/// `POST /identity/token`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match request::body(body).and_then(|b| request::form(&b)) {
        Ok(form) => form,
        Err(bad) => return reply::ibm(400, "BXNIM0109E", &bad.0),
    };
    let now = crate::clock::now().as_secs();
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let iam_id = match field("grant_type") {
        Some(APIKEY_GRANT) => {
            let Some(apikey) = field("apikey") else {
                return reply::ibm(400, "BXNIM0415E", "Provided API key could not be found.");
            };
            let digest = hash_secret(apikey);
            let found = shared
                .world
                .ibm_keys
                .iter()
                .find(|(hash, _)| same_digest(hash, &digest))
                .map(|(_, identity)| identity.iam_id.clone());
            match found {
                Some(iam_id) => iam_id,
                None => {
                    return reply::ibm(400, "BXNIM0415E", "Provided API key could not be found.");
                }
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = field("refresh_token") else {
                return reply::ibm(400, "BXNIM0407E", "Provided refresh token is invalid.");
            };
            let digest = hash_secret(refresh);
            let state = shared.state();
            match state
                .ibm_refresh_tokens
                .get(&digest)
                .filter(|r| r.expires_at > now)
            {
                Some(record) => record.iam_id.clone(),
                None => return reply::ibm(400, "BXNIM0407E", "Provided refresh token is invalid."),
            }
        }
        _ => return reply::ibm(400, "BXNIM0109E", "Provided grant type is invalid."),
    };
    let Some(identity) = shared.world.ibm_keys.values().find(|i| i.iam_id == iam_id) else {
        return reply::ibm(400, "BXNIM0415E", "Provided API key could not be found.");
    };
    issue(&shared, identity, now)
}

fn issue(shared: &Shared, identity: &IbmIdentity, now: i64) -> Response {
    let lifetime = shared.world.access_token_lifetime_secs;
    let mut claims = Claims::new();
    claims.insert("iam_id", identity.iam_id.as_str());
    claims.insert("id", identity.iam_id.as_str());
    claims.insert("realmid", "iam");
    claims.insert("sub", identity.iam_id.as_str());
    claims.insert("sub_type", "ServiceId");
    claims.insert(
        "account",
        json!({"bss": identity.account_id, "valid": true}),
    );
    claims.insert("iat", now);
    claims.insert("exp", now + lifetime);
    claims.insert("iss", IBM_ISSUER);
    claims.insert("grant_type", APIKEY_GRANT);
    claims.insert("scope", "ibm openid");
    claims.insert("client_id", "default");
    claims.insert("acr", 1);
    claims.insert("amr", json!(["pwd"]));
    let access = match shared.keys.sign_oidc(&claims) {
        Ok(token) => token,
        Err(err) => return reply::ibm(500, "BXNIM0500E", &err.to_string()),
    };
    let Some(refresh) = random::token(32) else {
        return reply::ibm(500, "BXNIM0500E", "random generator failed");
    };
    let record = RefreshRecord {
        iam_id: identity.iam_id.clone(),
        expires_at: now + REFRESH_SECS,
    };
    let saved = shared.mutate(|state| {
        state.ibm_refresh_tokens.retain(|_, r| r.expires_at > now);
        state
            .ibm_refresh_tokens
            .insert(hash_secret(&refresh), record);
    });
    if let Err(response) = saved {
        return response;
    }
    reply::ok(&json!({
        "access_token": access.expose_secret(),
        "refresh_token": refresh,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "expiration": now + lifetime,
        "scope": "ibm openid",
    }))
}
