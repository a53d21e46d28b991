//! Google's OAuth 2.0 token endpoint (`POST /token`): the JWT-bearer grant for
//! access tokens and ID tokens (`target_audience`), and the client-credentials
//! grant for k0rdent credentials, and the refresh-token grant of Google users
//! (in [`super::user`]).

use super::same_digest;
use crate::bearer::Grant;
use crate::server::Shared;
use crate::state::hash_secret;
use crate::world::Account;
use crate::{random, reply, request};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::response::Response;
use credmint::{ClaimsTemplate, KeySet, OidcIdToken, UnixTime, Validation};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// Access tokens live an hour; Google reports one second less.
const SHORT_LIVED: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.";

/// `POST /token`.
pub async fn token(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match request::body(body).and_then(|b| request::form(&b)) {
        Ok(form) => form,
        Err(bad) => return reply::oauth(400, "invalid_request", &bad.0),
    };
    match form.get("grant_type").map(String::as_str) {
        Some(JWT_BEARER) => jwt_bearer(&shared, &form),
        Some("client_credentials") => client_credentials(&shared, &headers, &form, peer),
        Some("refresh_token") => super::user::refresh_grant(&shared, &headers, &form),
        Some(other) => reply::oauth(
            400,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {}", other.escape_debug()),
        ),
        None => reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: grant_type",
        ),
    }
}

fn jwt_bearer(shared: &Shared, form: &HashMap<String, String>) -> Response {
    let Some(assertion) = form.get("assertion") else {
        return reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let unverified = match credmint::decode_unverified(assertion) {
        Ok(jwt) => jwt,
        Err(err) => return reply::oauth(400, "invalid_grant", &format!("Invalid JWT: {err}")),
    };
    let issuer = unverified.claims.iss().ok().flatten().unwrap_or_default();
    let Some(account) = shared.world.account(issuer) else {
        return reply::oauth(400, "invalid_grant", "Invalid grant: account not found");
    };
    let now = crate::clock::now();
    let claims = match verify_assertion(shared, account, assertion, now) {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    if claims
        .get("sub")
        .is_some_and(|sub| sub != account.email.as_str())
    {
        return reply::oauth(
            401,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
        );
    }
    if let Some(audience) = claims.get("target_audience") {
        let Some(audience) = audience.as_str().filter(|a| !a.is_empty()) else {
            return reply::oauth(
                400,
                "invalid_request",
                "target_audience must be a non-empty string",
            );
        };
        return id_token(shared, account, audience, now);
    }
    let scopes: Vec<String> = claims
        .get("scope")
        .and_then(|s| s.as_str())
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if scopes.is_empty() {
        return reply::oauth(
            400,
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        );
    }
    access_token(shared, account.member(), scopes, now)
}

/// Verifies an assertion's signature against the account's key, its audience
/// (this endpoint, or Google's), and its times (at most an hour, 60 s skew).
fn verify_assertion(
    shared: &Shared,
    account: &Account,
    assertion: &str,
    now: UnixTime,
) -> Result<serde_json::Map<String, serde_json::Value>, Response> {
    let keys = KeySet::new(vec![account.key.public_key().clone()])
        .map_err(|_| reply::oauth(500, "internal_failure", "key set"))?;
    let validation = Validation::new()
        .audience(shared.token_uri())
        .audience(shared.bound_token_uri())
        .audience("https://oauth2.googleapis.com/token")
        .audience("https://www.googleapis.com/oauth2/v4/token")
        .max_lifetime(credmint::MAX_ASSERTION_LIFETIME_SECS)
        .map_err(|_| reply::oauth(500, "internal_failure", "validation"))?;
    match credmint::verify(assertion, &keys, &validation, now) {
        Ok(verified) => Ok(verified.into_claims().into_map()),
        Err(err) => {
            let description = match err.code() {
                "signature_invalid" | "key_not_found" => "Invalid JWT Signature.".to_owned(),
                "token_expired"
                | "token_not_yet_valid"
                | "token_issued_in_future"
                | "lifetime_too_long" => SHORT_LIVED.to_owned(),
                "audience_mismatch" => format!(
                    "Invalid JWT: Failed audience check. The right audience is {}",
                    shared.token_uri()
                ),
                _ => format!("Invalid JWT: {err}"),
            };
            Err(reply::oauth(400, "invalid_grant", &description))
        }
    }
}

/// Mints a one-hour access token for `principal` with `scopes`.
pub(crate) fn mint(
    shared: &Shared,
    principal: String,
    scopes: Vec<String>,
    now: UnixTime,
) -> Result<String, Response> {
    let nonce = random::token(9)
        .ok_or_else(|| reply::oauth(500, "internal_failure", "random generator failed"))?;
    let grant = Grant {
        principal,
        scopes,
        expires_at: now.as_secs() + shared.world.access_token_lifetime_secs,
        nonce,
    };
    Ok(shared.world.minter.mint(&grant))
}

/// The `expires_in` of a freshly minted token: a second under its lifetime, as
/// Google answers (3599 for an hour).
pub(crate) fn expires_in(shared: &Shared) -> i64 {
    shared.world.access_token_lifetime_secs - 1
}

/// Google's answer: `{"access_token","expires_in","token_type"}`.
pub(crate) fn access_token(
    shared: &Shared,
    principal: String,
    scopes: Vec<String>,
    now: UnixTime,
) -> Response {
    match mint(shared, principal, scopes, now) {
        Ok(token) => reply::ok(&json!({
            "access_token": token,
            "expires_in": expires_in(shared),
            "token_type": "Bearer",
        })),
        Err(response) => response,
    }
}

/// An ID token for `audience` about `account`, signed by the emulator's key.
fn id_token(shared: &Shared, account: &Account, audience: &str, now: UnixTime) -> Response {
    let signed = OidcIdToken::new(&shared.world.oidc_issuer, &account.unique_id, audience)
        .and_then(|template| template.email(&account.email))
        .and_then(|template| {
            let mut claims = template.claims(now);
            claims.insert("azp", account.email.as_str());
            shared.keys.sign_oidc(&claims)
        });
    match signed {
        Ok(token) => reply::ok(&json!({"id_token": token.expose_secret()})),
        Err(err) => reply::oauth(400, "invalid_request", &err.to_string()),
    }
}

fn client_credentials(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    peer: SocketAddr,
) -> Response {
    let Some((client_id, secret)) = request::client_credentials(headers, form) else {
        return reply::oauth(401, "invalid_client", "Client authentication failed.");
    };
    let now = crate::clock::now().as_secs();
    let digest = hash_secret(&secret);
    let found = shared.mutate(|state| {
        for (account, records) in state.k0rdent_credentials.iter_mut() {
            if let Some(record) = records.iter_mut().find(|r| r.id == client_id) {
                if !same_digest(&record.secret_sha256, &digest) {
                    return Err("Client authentication failed.");
                }
                if record.expires_at.is_some_and(|exp| exp <= now) {
                    return Err("The client credential has expired.");
                }
                record.last_used_at = Some(now);
                record.last_used_ip = Some(peer.ip().to_string());
                return Ok(account.clone());
            }
        }
        Err("Client authentication failed.")
    });
    match found {
        Err(response) => response,
        Ok(Err(message)) => reply::oauth(401, "invalid_client", message),
        Ok(Ok(account)) => {
            let scopes = form
                .get("scope")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default();
            let mut response = access_token(
                shared,
                format!("k0rdent:{account}"),
                scopes,
                UnixTime::from_secs(now),
            );
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            response
        }
    }
}
