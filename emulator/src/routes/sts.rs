//! Google's Security Token Service (`POST /v1/token`): workload identity
//! federation's token exchange. A subject token signed by a configured
//! provider's key becomes an access token for the federated principal.

use super::oauth::{expires_in, mint};
use crate::server::Shared;
use crate::world::Provider;
use crate::{reply, request};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::Response;
use credmint::Validation;
use serde_json::json;
use std::sync::Arc;

const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const JWT_TYPES: &[&str] = &[
    "urn:ietf:params:oauth:token-type:jwt",
    "urn:ietf:params:oauth:token-type:id_token",
];

/// `POST /v1/token`.
pub async fn exchange(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match request::body(body).and_then(|b| request::form(&b)) {
        Ok(form) => form,
        Err(bad) => return reply::oauth(400, "invalid_request", &bad.0),
    };
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if field("grant_type") != Some(TOKEN_EXCHANGE) {
        return reply::oauth(
            400,
            "unsupported_grant_type",
            "Invalid value for \"grant_type\".",
        );
    }
    if field("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
        return reply::oauth(
            400,
            "invalid_request",
            "Invalid value for \"requested_token_type\".",
        );
    }
    let Some(token_type) = field("subject_token_type") else {
        return reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: subject_token_type",
        );
    };
    if !JWT_TYPES.contains(&token_type) {
        return reply::oauth(
            400,
            "invalid_request",
            &format!(
                "Subject token type {} is not supported by this emulator.",
                token_type.escape_debug()
            ),
        );
    }
    let Some(subject_token) = field("subject_token") else {
        return reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: subject_token",
        );
    };
    let Some(provider) =
        field("audience").and_then(|a| shared.world.providers.iter().find(|p| p.audience == a))
    else {
        return reply::oauth(
            400,
            "invalid_target",
            "The target service indicated by the \"audience\" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn't exist.",
        );
    };
    let now = crate::clock::now();
    let subject = match verify_subject(provider, subject_token, now) {
        Ok(subject) => subject,
        Err(description) => return reply::oauth(400, "invalid_grant", &description),
    };
    let scopes = field("scope")
        .unwrap_or("https://www.googleapis.com/auth/cloud-platform")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let principal = format!("principal:{}/subject/{subject}", provider.pool);
    match mint(&shared, principal, scopes, now) {
        Ok(token) => reply::ok(&json!({
            "access_token": token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": expires_in(&shared),
        })),
        Err(response) => response,
    }
}

/// Verifies the subject token (signature, `iss`, `aud`, times) and returns its `sub`.
fn verify_subject(
    provider: &Provider,
    token: &str,
    now: credmint::UnixTime,
) -> Result<String, String> {
    let mut validation = Validation::new().issuer(&provider.issuer);
    for audience in &provider.allowed_audiences {
        validation = validation.audience(audience);
    }
    let verified = credmint::verify(token, &provider.keys, &validation, now)
        .map_err(|err| format!("The subject token is invalid: {err} ({}).", err.code()))?;
    match verified.claims().sub() {
        Ok(Some(sub)) if !sub.is_empty() && sub.len() <= 127 => Ok(sub.to_owned()),
        _ => Err("The subject token has no usable \"sub\" claim.".to_owned()),
    }
}
