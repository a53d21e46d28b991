//! Conversations no credential document describes: IAM calls authorized by
//! any access token, k0rdent listings, the conformance vectors. Conversions
//! only (credential documents, keys and their conversations are in `credentials.rs`).

use crate::conversation::Conversation;
use crate::errors::Result;
use crate::tokens::AccessToken;
use credmint::google::IamCall;
use credmint::k0rdent::ListCredentials;
use credmint::{Claims, FlowOptions};
use std::sync::Arc;

/// One IAM Service Account Credentials method.
#[derive(uniffi::Enum)]
pub enum IamMethod {
    /// `generateAccessToken`.
    GenerateAccessToken {
        /// OAuth scopes; none: `cloud-platform`.
        scopes: Option<Vec<String>>,
        /// Lifetime, seconds (up to 3600, or 43200 where the organisation
        /// allows); none: the core's default, one hour.
        lifetime_secs: Option<u64>,
    },
    /// `generateIdToken`.
    GenerateIdToken {
        /// The `aud` of the ID token.
        audience: String,
        /// Whether to include `email` and `email_verified`.
        include_email: bool,
    },
    /// `signBlob`.
    SignBlob {
        /// The bytes to sign.
        payload: Vec<u8>,
    },
    /// `signJwt`.
    SignJwt {
        /// The claims, JSON object text.
        claims_json: String,
    },
    /// `allowedLocations`.
    AllowedLocations,
}

/// One IAM Credentials call for `target` (through `delegates`), authorized by
/// `source`, at `endpoint`, else at IAM in `universe_domain` (none: Google's).
#[uniffi::export(default(delegates = [], endpoint = None, universe_domain = None))]
pub fn iam_call(
    method: IamMethod,
    source: Arc<AccessToken>,
    target: String,
    delegates: Vec<String>,
    endpoint: Option<String>,
    universe_domain: Option<String>,
) -> Result<Arc<Conversation>> {
    let call = match method {
        IamMethod::GenerateAccessToken {
            scopes,
            lifetime_secs,
        } => IamCall::generate_access_token(scopes, lifetime_secs)?,
        IamMethod::GenerateIdToken {
            audience,
            include_email,
        } => IamCall::GenerateIdToken {
            audience,
            include_email,
        },
        IamMethod::SignBlob { payload } => IamCall::SignBlob(payload),
        IamMethod::SignJwt { claims_json } => IamCall::SignJwt(Claims::from_json(&claims_json)?),
        IamMethod::AllowedLocations => IamCall::AllowedLocations,
    };
    let flow = call.flow_for(
        source.inner.clone(),
        target,
        delegates,
        endpoint.as_deref(),
        universe_domain.as_deref(),
    )?;
    Ok(Conversation::new(flow))
}

/// Which k0rdent credentials to list (all of them without a filter).
#[derive(uniffi::Enum)]
pub enum CredentialFilter {
    /// Only credentials in use.
    Active,
    /// Only expired ones.
    Expired,
}

/// k0rdent: every page of `account_id`'s credentials, `page_size` (1–500; none:
/// the core's default) at a time.
#[uniffi::export(default(filter = None, page_size = None))]
pub fn credential_pages(
    base_url: String,
    account_id: String,
    bearer: Arc<AccessToken>,
    filter: Option<CredentialFilter>,
    page_size: Option<u32>,
) -> Result<Arc<Conversation>> {
    let status = filter.map(|filter| match filter {
        CredentialFilter::Active => "active",
        CredentialFilter::Expired => "expired",
    });
    let list = ListCredentials::with_options(&base_url, account_id, status, page_size)?;
    Ok(Conversation::new(
        list.pages(bearer.inner.clone(), FlowOptions::default()),
    ))
}

/// A conformance vector's conversation (`tests/vectors/flows.json`, references
/// inlined as `{"text": …}`); it ends with `Output.Json`. For the test suites.
#[uniffi::export]
pub fn conformance_flow(spec_json: String) -> Result<Arc<Conversation>> {
    let flow =
        credmint::conformance::VectorFlow::from_json(&spec_json, credmint::Backend::default())?;
    Ok(Conversation::new(flow))
}

/// Throws the core's sample error of `code` (`tests/vectors/errors.json`), as
/// every binding raises it; `invalid_argument` for an unknown code. For the test suites.
#[uniffi::export]
pub fn conformance_error(code: String) -> Result<()> {
    Err(credmint::conformance::sample_error(&code)
        .unwrap_or_else(|| credmint::Error::InvalidArgument {
            reason: format!("no error code {code:?}"),
        })
        .into())
}
