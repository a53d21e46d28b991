//! Google STS for workforce identity federation users
//! (`external_account_authorized_user`): `POST /v1/oauthtoken` refreshes an
//! access token from a refresh token, `POST /v1/introspect` describes a token
//! (RFC 7662). Both authenticate the OAuth client with HTTP Basic (or the
//! form) and answer errors in STS's OAuth format.

use super::oauth::{expires_in, mint};
use crate::server::Shared;
use crate::users::{ClientCheck, WorkforceUser, by_refresh_token, check_client};
use crate::{reply, request};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The authenticated client's id, or the STS error to send.
fn authenticate(
    users: &[WorkforceUser],
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, Response> {
    let Some((client_id, secret)) = request::client_credentials(headers, form) else {
        return Err(reply::oauth(
            401,
            "invalid_client",
            "The client authentication is missing or malformed.",
        ));
    };
    match check_client(users, &client_id, &secret) {
        ClientCheck::Authenticated => Ok(client_id),
        ClientCheck::UnknownClient | ClientCheck::WrongSecret => Err(reply::oauth(
            401,
            "invalid_client",
            "The client authentication failed.",
        )),
    }
}

fn read_form(body: Result<Bytes, BytesRejection>) -> Result<HashMap<String, String>, Response> {
    request::body(body)
        .and_then(|b| request::form(&b))
        .map_err(|bad| reply::oauth(400, "invalid_request", &bad.0))
}

/// `POST /v1/oauthtoken`.
pub async fn oauthtoken(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match read_form(body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let users = &shared.world.workforce_users;
    let client_id = match authenticate(users, &headers, &form) {
        Ok(client_id) => client_id,
        Err(response) => return response,
    };
    match form.get("grant_type").map(String::as_str) {
        Some("refresh_token") => {}
        Some(_) => {
            return reply::oauth(
                400,
                "unsupported_grant_type",
                "Invalid value for \"grant_type\".",
            );
        }
        None => {
            return reply::oauth(
                400,
                "invalid_request",
                "Missing required parameter: grant_type",
            );
        }
    }
    let Some(refresh_token) = form.get("refresh_token").filter(|t| !t.is_empty()) else {
        return reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let Some(user) = by_refresh_token(users, refresh_token).filter(|u| u.client_id == client_id)
    else {
        return reply::oauth(
            400,
            "invalid_grant",
            "The refresh token is invalid, expired or revoked.",
        );
    };
    let now = crate::clock::now();
    match mint(&shared, user.member().to_owned(), user.scopes.clone(), now) {
        Ok(token) => reply::ok(&json!({
            "access_token": token,
            "expires_in": expires_in(&shared),
            "token_type": "Bearer",
        })),
        Err(response) => response,
    }
}

/// `POST /v1/introspect`: `{"active":false}` for anything that is not a valid
/// emulator access token; otherwise who it speaks for, its scopes and expiry.
pub async fn introspect(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let form = match read_form(body) {
        Ok(form) => form,
        Err(response) => return response,
    };
    let client_id = match authenticate(&shared.world.workforce_users, &headers, &form) {
        Ok(client_id) => client_id,
        Err(response) => return response,
    };
    let Some(token) = form.get("token").filter(|t| !t.is_empty()) else {
        return reply::oauth(400, "invalid_request", "Missing required parameter: token");
    };
    let now = crate::clock::now().as_secs();
    match shared.world.minter.check(token, now) {
        None => reply::ok(&json!({"active": false})),
        Some(grant) => {
            let principal = grant.principal.as_str();
            let username = principal
                .rsplit_once("/subject/")
                .map_or(principal, |(_, subject)| subject);
            reply::ok(&json!({
                "active": true,
                "client_id": client_id,
                "exp": grant.expires_at,
                "scope": grant.scopes.join(" "),
                "sub": principal,
                "token_type": "Bearer",
                "username": username,
            }))
        }
    }
}
