//! Constructors of conversations from plain JavaScript values.

use crate::conversation::Conversation;
use crate::errors::IntoJs;
use crate::keys::{now_of, strings};
use crate::tokens::AccessToken;
use credmint::google::{
    CredentialSource, ExternalAccount as CoreExternalAccount, IamCall, IamCallArgs,
};
use credmint::k0rdent::ListCredentials;
use credmint::{FlowOptions, SecretString};
use serde_json::json;
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

    /// The subject token in the URL source's answer (`status`, `[name, value]`
    /// pairs, body) to `subjectTokenRequest()` sent at `sent_at`; a non-2xx
    /// status is the core's typed error for it.
    #[wasm_bindgen(js_name = subjectTokenFromResponse)]
    pub fn subject_token_from_response(
        &self,
        status: u16,
        headers: js_sys::Array,
        body: &[u8],
        sent_at: f64,
    ) -> Result<String, JsValue> {
        let response = crate::conversation::response(status, &headers, body)?;
        Ok(self
            .inner
            .subject_token_from_response(&response, now_of(sent_at)?)
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
