//! Constructors of conversations from plain JavaScript values.

use crate::conversation::Conversation;
use crate::errors::IntoJs;
use crate::keys::{now_of, strings};
use crate::tokens::AccessToken;
use credmint::google::{IamCall, IamCallArgs};
use credmint::k0rdent::ListCredentials;
use credmint::{FlowOptions, SecretString};
use wasm_bindgen::prelude::*;

/// One IAM Credentials call with a caller's token. `method` is
/// `generateAccessToken`, `generateIdToken`, `signBlob`, `signJwt` or `allowedLocations`.
#[wasm_bindgen(js_name = iamCall)]
#[allow(clippy::too_many_arguments)]
pub fn iam_call(
    method: &str,
    source: &AccessToken,
    target: String,
    delegates_json: Option<String>,
    endpoint_url: Option<String>,
    universe_domain: Option<String>,
    scopes_json: Option<String>,
    lifetime_secs: Option<u32>,
    audience: Option<String>,
    include_email: bool,
    payload: Option<Vec<u8>>,
    claims_json: Option<String>,
) -> Result<Conversation, JsValue> {
    let args = IamCallArgs {
        scopes: scopes_json.map(|json| strings(&json)).transpose()?,
        lifetime_secs: lifetime_secs.map(u64::from),
        audience,
        include_email,
        payload,
        claims_json,
    };
    let delegates = strings(delegates_json.as_deref().unwrap_or("[]"))?;
    let flow = IamCall::from_method(method, args)
        .and_then(|call| {
            call.flow_for(
                source.inner.clone(),
                target,
                delegates,
                endpoint_url.as_deref(),
                universe_domain.as_deref(),
            )
        })
        .js_err()?;
    Ok(Conversation::new(flow))
}

/// k0rdent: every page of a service account's credentials (`done` values are
/// pages as JSON text, then `null`).
#[wasm_bindgen(js_name = listCredentials)]
pub fn list_credentials(
    base_url: &str,
    account_id: String,
    bearer: &AccessToken,
    status: Option<String>,
    page_size: Option<u32>,
) -> Result<Conversation, JsValue> {
    let list = ListCredentials::with_options(base_url, account_id, status.as_deref(), page_size)
        .js_err()?;
    Ok(Conversation::new(
        list.pages(bearer.inner.clone(), FlowOptions::default()),
    ))
}

/// A bearer token the host holds, valid `ttl_secs` from `now`.
#[wasm_bindgen(js_name = bearerToken)]
pub fn bearer_token(token: String, now: f64, ttl_secs: u32) -> Result<AccessToken, JsValue> {
    let lifetime =
        credmint::TokenLifetime::from_expires_in(now_of(now)?, u64::from(ttl_secs)).js_err()?;
    let inner = credmint::AccessToken::new(SecretString::from(token), lifetime).js_err()?;
    Ok(AccessToken { inner })
}

/// A conformance vector's conversation (references inlined); `done` is JSON
/// text. In the test build only (feature `conformance`).
#[cfg(feature = "conformance")]
#[wasm_bindgen(js_name = conformanceFlow)]
pub fn conformance_flow(spec_json: &str) -> Result<Conversation, JsValue> {
    let flow =
        credmint::conformance::VectorFlow::from_json(spec_json, credmint::Backend::default())
            .js_err()?;
    Ok(Conversation::new(flow))
}

/// Throws the core's sample error of `code` (`tests/vectors/errors.json`);
/// `invalid_argument` for an unknown code. In the test build only.
#[cfg(feature = "conformance")]
#[wasm_bindgen(js_name = sampleError)]
pub fn sample_error(code: &str) -> Result<(), JsValue> {
    Err(crate::errors::to_js(
        credmint::conformance::sample_error(code).unwrap_or_else(|| {
            credmint::Error::InvalidArgument {
                reason: format!("no error code {code:?}"),
            }
        }),
    ))
}
