//! Constructors of conversations from plain JavaScript values.

use crate::conversation::Conversation;
use crate::errors::{IntoJs, invalid_argument};
use crate::keys::{now_of, strings};
use crate::tokens::AccessToken;
use credmint::google::{CredentialSource, ExternalAccount as CoreExternalAccount, IamCall};
use credmint::k0rdent::{ListCredentials, StatusFilter};
use credmint::{
    Claims, Endpoint, FlowOptions, IamCredentials, SecretString, ServiceAccountId, SourceToken,
};
use serde_json::json;
use wasm_bindgen::prelude::*;

fn endpoint(url: &str) -> Result<Endpoint, JsValue> {
    Endpoint::new(url).js_err()
}

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
    let source = SourceToken::Token(source.inner.clone());
    let endpoint = endpoint_url.map(|url| endpoint(&url)).transpose()?;
    let iam = IamCredentials::resolve(endpoint, universe_domain.as_deref()).js_err()?;
    let target = ServiceAccountId::new(target).js_err()?;
    let delegates = strings(delegates_json.as_deref().unwrap_or("[]"))?
        .into_iter()
        .map(|id| ServiceAccountId::new(id).js_err())
        .collect::<Result<Vec<_>, _>>()?;
    let call = match method {
        "generateAccessToken" => IamCall::generate_access_token(
            scopes_json.map(|json| strings(&json)).transpose()?,
            lifetime_secs.map(u64::from),
        )
        .js_err()?,
        "generateIdToken" => IamCall::GenerateIdToken {
            audience: audience.ok_or_else(|| invalid_argument("audience is required"))?,
            include_email,
        },
        "signBlob" => {
            IamCall::SignBlob(payload.ok_or_else(|| invalid_argument("payload is required"))?)
        }
        "signJwt" => IamCall::SignJwt(
            Claims::from_json(&claims_json.ok_or_else(|| invalid_argument("claims are required"))?)
                .js_err()?,
        ),
        "allowedLocations" => IamCall::AllowedLocations,
        other => return Err(invalid_argument(format!("unknown IAM method {other:?}"))),
    };
    let flow = call
        .flow(source, iam, target, delegates, FlowOptions::default())
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
    let mut list = ListCredentials::new(endpoint(base_url)?, account_id).js_err()?;
    if let Some(size) = page_size {
        list = list.page_size(size).js_err()?;
    }
    list = match status.as_deref() {
        None => list,
        Some("active") => list.status(StatusFilter::Active),
        Some("expired") => list.status(StatusFilter::Expired),
        Some(_) => return Err(invalid_argument("status must be \"active\" or \"expired\"")),
    };
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

/// The federation configuration of an `external_account` document
/// (`Credentials.externalAccount()`): where its subject token comes from.
#[wasm_bindgen]
pub struct ExternalAccount {
    inner: CoreExternalAccount,
}

impl ExternalAccount {
    /// Wraps the configuration of a core `external_account` document.
    pub(crate) fn from_core(inner: CoreExternalAccount) -> Self {
        ExternalAccount { inner }
    }
}

#[wasm_bindgen]
impl ExternalAccount {
    /// Where the subject token comes from, as JSON text: `{"kind": "file"|"url"|…}`.
    #[wasm_bindgen(js_name = credentialSource)]
    pub fn credential_source(&self) -> String {
        match self.inner.credential_source() {
            CredentialSource::File { path, .. } => json!({"kind": "file", "path": path}),
            CredentialSource::Url { url, headers, .. } => {
                json!({"kind": "url", "url": url, "headers": headers})
            }
            CredentialSource::Executable { command, .. } => {
                json!({"kind": "executable", "command": command})
            }
            CredentialSource::Aws { .. } => json!({"kind": "aws"}),
        }
        .to_string()
    }

    /// The provider audience.
    #[wasm_bindgen(getter)]
    pub fn audience(&self) -> String {
        self.inner.audience().to_owned()
    }

    /// For a URL source, the request that fetches the subject token:
    /// `[method, url, [[name, value], …], timeoutMillis]`; `undefined` for other sources.
    #[wasm_bindgen(js_name = subjectTokenRequest)]
    pub fn subject_token_request(&self) -> Option<js_sys::Array> {
        self.inner.subject_token_request().map(|request| {
            let headers: js_sys::Array = request
                .headers()
                .iter()
                .map(|(name, value)| js_sys::Array::of2(&name.into(), &value.into()))
                .collect();
            js_sys::Array::of4(
                &request.method().as_str().into(),
                &request.url().into(),
                &headers,
                &(request.timeout_millis() as f64).into(),
            )
        })
    }

    /// For an executable source, how to run it: `{program, args, env: [[name, value], …],
    /// timeoutMillis, outputFile}`; `allow` is the host's
    /// GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES. `undefined` for other sources.
    #[wasm_bindgen(js_name = executableInvocation)]
    pub fn executable_invocation(&self, allow: Option<String>) -> Result<JsValue, JsValue> {
        let Some(run) = self
            .inner
            .executable_invocation(allow.as_deref())
            .js_err()?
        else {
            return Ok(JsValue::UNDEFINED);
        };
        let value = json!({
            "program": run.program, "args": run.args, "env": run.env,
            "timeoutMillis": run.timeout_millis, "outputFile": run.output_file,
        });
        js_sys::JSON::parse(&value.to_string())
    }

    /// The subject token in an executable's output (pluggable auth, version 1) at `now`.
    #[wasm_bindgen(js_name = subjectTokenFromExecutable)]
    pub fn subject_token_from_executable(
        &self,
        output: &[u8],
        now: f64,
    ) -> Result<String, JsValue> {
        Ok(self
            .inner
            .subject_token_from_executable(output, now_of(now)?)
            .js_err()?
            .expose_secret()
            .to_owned())
    }

    /// The subject token inside a file's or URL's content.
    #[wasm_bindgen(js_name = subjectTokenFrom)]
    pub fn subject_token_from(&self, content: &[u8]) -> Result<String, JsValue> {
        Ok(self
            .inner
            .subject_token_from(content)
            .js_err()?
            .expose_secret()
            .to_owned())
    }
}
