//! Public keys: each service account's (JWK and X.509 forms), the emulator's
//! own OIDC keys, its discovery document, health and the JSON 404.

use crate::reply;
use crate::server::Shared;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

fn cacheable(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600, must-revalidate, no-transform"),
    );
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
        Some(account) => cacheable(reply::ok(&jwks_value(&account.key.jwks().to_json()))),
        None => reply::account_not_found(&email),
    }
}

/// `GET /service_accounts/v1/metadata/x509/{email}`: `{kid: certificate PEM}`.
pub async fn account_x509(
    State(shared): State<Arc<Shared>>,
    Path(email): Path<String>,
) -> Response {
    match shared.world.account(&email) {
        Some(account) => cacheable(reply::ok(
            &json!({ account.key.key_id(): account.certificate }),
        )),
        None => reply::account_not_found(&email),
    }
}

/// `GET /oauth2/v3/certs` (and IBM's `/identity/keys`): the emulator's JWKS.
pub async fn oidc_jwks(State(shared): State<Arc<Shared>>) -> Response {
    cacheable(reply::ok(&jwks_value(
        &shared.world.oidc_key.jwks().to_json(),
    )))
}

/// `GET /oauth2/v1/certs`: the emulator's key as an X.509 map.
pub async fn oidc_x509(State(shared): State<Arc<Shared>>) -> Response {
    let world = &shared.world;
    cacheable(reply::ok(
        &json!({ world.oidc_key.key_id(): world.oidc_certificate }),
    ))
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

/// `GET /healthz`.
pub async fn health() -> Response {
    reply::ok(&json!({"status": "ok"}))
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
