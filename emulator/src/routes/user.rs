//! Google's refresh-token grant (`POST /token`, `grant_type=refresh_token`)
//! for `authorized_user` credentials: client authentication in the form or
//! with HTTP Basic, Google's error bodies, and an `id_token` when the user
//! consented to `openid`. Tokens act as the IAM member `user:EMAIL`.

use super::oauth::{expires_in, mint};
use crate::reply;
use crate::request;
use crate::server::Shared;
use crate::users::{ClientCheck, User, by_refresh_token, check_client};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credmint::{ClaimsTemplate, OidcIdToken, UnixTime};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Google's answer for a refresh token it does not know (or has revoked).
const EXPIRED_OR_REVOKED: &str = "Token has been expired or revoked.";

/// `grant_type=refresh_token` on `POST /token`.
pub fn refresh_grant(
    shared: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Response {
    let users = &shared.world.users;
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.get(..6).is_some_and(|s| s.eq_ignore_ascii_case("basic ")));
    let (client_id, secret) = if basic {
        match request::client_credentials(headers, form) {
            Some(pair) => pair,
            None => return reply::oauth(401, "invalid_client", "Unauthorized"),
        }
    } else {
        let Some(client_id) = form.get("client_id").filter(|c| !c.is_empty()) else {
            return reply::oauth(
                400,
                "invalid_request",
                "Could not determine client ID from request.",
            );
        };
        (
            client_id.clone(),
            form.get("client_secret").cloned().unwrap_or_default(),
        )
    };
    match check_client(users, &client_id, &secret) {
        ClientCheck::UnknownClient => {
            return reply::oauth(401, "invalid_client", "The OAuth client was not found.");
        }
        ClientCheck::WrongSecret if secret.is_empty() => {
            return reply::oauth(400, "invalid_request", "client_secret is missing.");
        }
        ClientCheck::WrongSecret => return reply::oauth(401, "invalid_client", "Unauthorized"),
        ClientCheck::Authenticated => {}
    }
    let Some(refresh_token) = form.get("refresh_token").filter(|t| !t.is_empty()) else {
        return reply::oauth(
            400,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let Some(user) = by_refresh_token(users, refresh_token) else {
        return reply::oauth(400, "invalid_grant", EXPIRED_OR_REVOKED);
    };
    if user.client_id != client_id {
        // A refresh token issued to another client.
        return reply::oauth(401, "unauthorized_client", "Unauthorized");
    }
    let scopes = match form.get("scope") {
        None => user.scopes.clone(),
        Some(asked) => {
            let asked: Vec<String> = asked.split_whitespace().map(str::to_owned).collect();
            if asked.is_empty() || asked.iter().any(|s| !user.scopes.contains(s)) {
                return reply::oauth(
                    400,
                    "invalid_scope",
                    "Some requested scopes were invalid or were not granted to this refresh token.",
                );
            }
            asked
        }
    };
    let now = crate::clock::now();
    issue(shared, user, scopes, now)
}

fn issue(shared: &Shared, user: &User, scopes: Vec<String>, now: UnixTime) -> Response {
    let scope = scopes.join(" ");
    let openid = scopes.iter().any(|s| s == "openid");
    let token = match mint(shared, user.member(), scopes, now) {
        Ok(token) => token,
        Err(response) => return response,
    };
    let mut body = json!({
        "access_token": token,
        "expires_in": expires_in(shared),
        "scope": scope,
        "token_type": "Bearer",
    });
    if openid {
        match id_token(shared, user, &token, now) {
            Ok(id_token) => body["id_token"] = id_token.into(),
            Err(response) => return response,
        }
    }
    let mut response = reply::ok(&body);
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    response
}

/// The OpenID Connect ID token Google adds for `openid`: `aud` and `azp` the
/// client, `sub` the user, `at_hash` of the access token.
fn id_token(
    shared: &Shared,
    user: &User,
    access_token: &str,
    now: UnixTime,
) -> Result<String, Response> {
    let world = &shared.world;
    let template = OidcIdToken::new(&world.oidc_issuer, &user.subject, &user.client_id)
        .and_then(|t| t.email(&user.email))
        .map_err(|err| reply::oauth(500, "internal_failure", &err.to_string()))?;
    let mut claims = template.claims(now);
    claims.insert("azp", user.client_id.as_str());
    let digest = Sha256::digest(access_token.as_bytes());
    claims.insert("at_hash", URL_SAFE_NO_PAD.encode(&digest[..16]));
    shared
        .keys
        .sign_oidc(&claims)
        .map(|token| token.expose_secret().to_owned())
        .map_err(|err| reply::oauth(500, "internal_failure", &err.to_string()))
}
