//! Constructors of conversations: each builds one of the core's flows from
//! plain Python values (strings, lists, native keys and tokens).

use crate::conversation::Conversation;
use crate::errors::IntoPy;
use crate::tokens::AccessToken;
use credmint::google::{IamCall, IamCallArgs};
use credmint::k0rdent::ListCredentials;
use credmint::{FlowOptions, SecretString};
use pyo3::prelude::*;

/// One IAM Credentials call made with a caller's token.
#[pyfunction]
#[pyo3(signature = (method, source, target, delegates, endpoint=None, universe_domain=None, scopes=None, lifetime_secs=None, audience=None, include_email=false, payload=None, claims_json=None))]
#[allow(clippy::too_many_arguments)]
pub fn iam_call(
    method: &str,
    source: &AccessToken,
    target: String,
    delegates: Vec<String>,
    endpoint: Option<&str>,
    universe_domain: Option<&str>,
    scopes: Option<Vec<String>>,
    lifetime_secs: Option<u64>,
    audience: Option<String>,
    include_email: bool,
    payload: Option<Vec<u8>>,
    claims_json: Option<String>,
) -> PyResult<Conversation> {
    let args = IamCallArgs {
        scopes,
        lifetime_secs,
        audience,
        include_email,
        payload,
        claims_json,
    };
    let flow = IamCall::from_method(method, args)
        .and_then(|call| {
            call.flow_for(
                source.inner.clone(),
                target,
                delegates,
                endpoint,
                universe_domain,
            )
        })
        .py_err()?;
    Ok(Conversation::new(flow))
}

/// k0rdent: every page of a service account's credentials.
#[pyfunction]
#[pyo3(signature = (base_url, account_id, bearer, status=None, page_size=None))]
pub fn list_credentials(
    base_url: &str,
    account_id: String,
    bearer: &AccessToken,
    status: Option<&str>,
    page_size: Option<u32>,
) -> PyResult<Conversation> {
    let list = ListCredentials::with_options(base_url, account_id, status, page_size).py_err()?;
    Ok(Conversation::new(
        list.pages(bearer.inner.clone(), FlowOptions::default()),
    ))
}

/// A bearer token the host already holds (for listing calls), valid `ttl_secs` from `now`.
#[pyfunction]
pub fn bearer_token(token: String, now: i64, ttl_secs: u64) -> PyResult<AccessToken> {
    let lifetime =
        credmint::TokenLifetime::from_expires_in(credmint::UnixTime::from_secs(now), ttl_secs)
            .py_err()?;
    let inner = credmint::AccessToken::new(SecretString::from(token), lifetime).py_err()?;
    Ok(AccessToken { inner })
}

/// A conformance vector's conversation (`tests/vectors/flows.json`; references
/// inlined as `{"text": …}`): its `done` value is the expected JSON, as text.
/// In the test build only (feature `conformance`).
#[cfg(feature = "conformance")]
#[pyfunction]
pub fn _conformance_flow(spec_json: &str) -> PyResult<Conversation> {
    let flow =
        credmint::conformance::VectorFlow::from_json(spec_json, credmint::Backend::default())
            .py_err()?;
    Ok(Conversation::new(flow))
}

/// Raises the core's sample error of `code` (`tests/vectors/errors.json`);
/// `InvalidArgumentError` for an unknown code. In the test build only.
#[cfg(feature = "conformance")]
#[pyfunction]
pub fn _sample_error(code: &str) -> PyResult<()> {
    Err(crate::errors::to_py(
        credmint::conformance::sample_error(code).unwrap_or_else(|| {
            credmint::Error::InvalidArgument {
                reason: format!("no error code {code:?}"),
            }
        }),
    ))
}
