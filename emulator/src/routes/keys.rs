//! Public keys: each service account's (JWK and X.509 forms), the emulator's
//! own OIDC and IAP keys, its discovery document, health and the JSON 404.
//!
//! Every key answer is cacheable as Google's are: `Cache-Control: public,
//! max-age=N, must-revalidate, no-transform` (N from `key_max_age_secs`) and
//! `Age`, the seconds since that key set was published (capped at N), so every
//! client's copy goes stale N seconds after publication, however late it fetched.

use crate::reply;
use crate::server::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// `response` with the caching headers of a key set published at `published_at`.
fn cacheable(shared: &Shared, published_at: i64, mut response: Response) -> Response {
    let max_age = shared.world.key_max_age_secs;
    let elapsed = crate::clock::now().as_secs().saturating_sub(published_at);
    let age = u64::try_from(elapsed).unwrap_or(0).min(max_age);
    let control = format!("public, max-age={max_age}, must-revalidate, no-transform");
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&control).unwrap_or(HeaderValue::from_static("no-cache")),
    );
    headers.insert(header::AGE, HeaderValue::from(age));
    response
}

fn jwks_value(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_else(|_| json!({"keys": []}))
}

/// `GET /service_accounts/v1/jwk/{email}`.
pub async fn account_jwks(
    State(shared): State<Arc<Shared>>,
    Path(email): Path<String>,
) -> Response {
    match shared.world.account(&email) {
        Some(account) => cacheable(
            &shared,
            shared.keys.started_at(),
            reply::ok(&jwks_value(&account.key.jwks().to_json())),
        ),
        None => reply::account_not_found(&email),
    }
}

/// `GET /service_accounts/v1/metadata/x509/{email}`: `{kid: certificate PEM}`.
pub async fn account_x509(
    State(shared): State<Arc<Shared>>,
    Path(email): Path<String>,
) -> Response {
    match shared.world.account(&email) {
        Some(account) => cacheable(
            &shared,
            shared.keys.started_at(),
            reply::ok(&json!({ account.key.key_id(): account.certificate })),
        ),
        None => reply::account_not_found(&email),
    }
}

/// `GET /oauth2/v3/certs` (and IBM's `/identity/keys`): the emulator's JWKS,
/// the signing key first, then the one it replaced, if any.
pub async fn oidc_jwks(State(shared): State<Arc<Shared>>) -> Response {
    let set = shared.keys.oidc();
    let body = jwks_value(&set.jwks().to_json());
    cacheable(&shared, set.published_at(), reply::ok(&body))
}

/// `GET /oauth2/v1/certs`: the emulator's keys as an X.509 map (`{kid: PEM}`).
pub async fn oidc_x509(State(shared): State<Arc<Shared>>) -> Response {
    let set = shared.keys.oidc();
    let body: serde_json::Map<String, Value> = set
        .keys()
        .map(|k| {
            (
                k.key.key_id().to_owned(),
                Value::from(k.certificate.as_str()),
            )
        })
        .collect();
    cacheable(&shared, set.published_at(), reply::ok(&Value::Object(body)))
}

/// `GET /iap/verify/public_key-jwk` (on `www.gstatic.com` for real IAP): the
/// ES256 keys that verify `x-goog-iap-jwt-assertion`, as a JWK Set.
pub async fn iap_jwks(State(shared): State<Arc<Shared>>) -> Response {
    let set = shared.keys.iap();
    let keys: Vec<Value> = set.keys().map(crate::es256::EcKey::jwk).collect();
    cacheable(
        &shared,
        set.published_at(),
        reply::ok(&json!({ "keys": keys })),
    )
}

/// `GET /.well-known/openid-configuration`.
pub async fn openid_configuration(State(shared): State<Arc<Shared>>) -> Response {
    reply::ok(&json!({
        "issuer": shared.world.oidc_issuer,
        "jwks_uri": format!("{}/oauth2/v3/certs", shared.base_url),
        "token_endpoint": shared.token_uri(),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["aud", "azp", "email", "email_verified", "exp", "iat", "iss", "sub"],
    }))
}

/// `GET /identity/.well-known/openid-configuration`: IBM Cloud IAM's
/// discovery document, naming the IBM issuer and `/identity/keys`.
pub async fn ibm_openid_configuration(State(shared): State<Arc<Shared>>) -> Response {
    reply::ok(&json!({
        "issuer": crate::world::IBM_ISSUER,
        "jwks_uri": format!("{}/identity/keys", shared.base_url),
        "token_endpoint": format!("{}/identity/token", shared.base_url),
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    }))
}

/// `GET /healthz`.
pub async fn health(State(shared): State<Arc<Shared>>) -> Response {
    reply::ok(&json!({
        "status": "ok",
        "public_url": shared.base_url,
        "bound_url": shared.bound_url,
    }))
}

/// Any other path.
pub async fn not_found() -> Response {
    reply::google(
        404,
        "NOT_FOUND",
        "The requested URL was not found on this server.",
    )
}

/// A known path with the wrong method.
pub async fn method_not_allowed() -> Response {
    reply::google(
        405,
        "METHOD_NOT_ALLOWED",
        "The request method is not supported for this path.",
    )
}
