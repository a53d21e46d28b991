//! Constructors of conversations: each builds one of the core's flows from
//! plain Python values (strings, lists, native keys and tokens).

use crate::conversation::Conversation;
use crate::errors::IntoPy;
use crate::tokens::AccessToken;
use credmint::google::{ExternalAccount as CoreExternalAccount, IamCall, IamCallArgs};
use credmint::k0rdent::ListCredentials;
use credmint::{FlowOptions, SecretString};
use pyo3::prelude::*;
use pyo3::types::PyDict;

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

/// A workload identity federation credential file (`"type": "external_account"`).
#[pyclass(frozen, module = "credmint._native", name = "ExternalAccount")]
pub struct ExternalAccount {
    inner: CoreExternalAccount,
}

impl ExternalAccount {
    /// Wraps a parsed core configuration.
    pub(crate) fn from_core(inner: CoreExternalAccount) -> Self {
        ExternalAccount { inner }
    }
}

#[pymethods]
impl ExternalAccount {
    /// Parses the file's JSON text; `scopes` apply when not impersonating.
    #[staticmethod]
    #[pyo3(signature = (text, scopes=None))]
    fn from_json(text: &str, scopes: Option<Vec<String>>) -> PyResult<Self> {
        let mut inner = CoreExternalAccount::from_json(text).py_err()?;
        if let Some(scopes) = scopes.filter(|s| !s.is_empty()) {
            inner = inner.scopes(scopes).py_err()?;
        }
        Ok(ExternalAccount { inner })
    }

    /// Where the subject token comes from: `{"kind": "file"|"url"|"executable"|"aws", …}`.
    fn credential_source<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        use credmint::google::CredentialSource;
        let source = PyDict::new(py);
        match self.inner.credential_source() {
            CredentialSource::File { path, .. } => {
                source.set_item("kind", "file")?;
                source.set_item("path", path)?;
            }
            CredentialSource::Url { url, headers, .. } => {
                source.set_item("kind", "url")?;
                source.set_item("url", url)?;
                source.set_item("headers", headers.clone())?;
            }
            CredentialSource::Executable { command, .. } => {
                source.set_item("kind", "executable")?;
                source.set_item("command", command)?;
            }
            CredentialSource::Aws { .. } => source.set_item("kind", "aws")?,
        }
        Ok(source)
    }

    #[getter]
    fn audience(&self) -> &str {
        self.inner.audience()
    }

    /// For a URL source, the request that fetches the subject token:
    /// `(method, url, headers, body, timeout_millis)`; `None` for other sources.
    #[allow(clippy::type_complexity)]
    fn subject_token_request(
        &self,
    ) -> Option<(&'static str, String, Vec<(String, String)>, Vec<u8>, u64)> {
        self.inner.subject_token_request().map(|request| {
            (
                request.method().as_str(),
                request.url().to_owned(),
                request.headers().to_vec(),
                request.body().to_vec(),
                request.timeout_millis(),
            )
        })
    }

    /// The subject token in the URL source's answer to `subject_token_request()`
    /// sent at `sent_at`; a non-2xx status is the core's typed error for it.
    fn subject_token_from_response(
        &self,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        sent_at: i64,
    ) -> PyResult<String> {
        let response = credmint::HttpResponse::new(status, headers, body);
        let sent_at = credmint::UnixTime::from_secs(sent_at);
        Ok(self
            .inner
            .subject_token_from_response(&response, sent_at)
            .py_err()?
            .expose_secret()
            .to_owned())
    }

    /// For an executable source, how to run it: `(program, args, env, timeout_millis,
    /// output_file)`; `allow` is the host's GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES.
    /// `None` for other sources.
    #[allow(clippy::type_complexity)]
    #[pyo3(signature = (allow))]
    fn executable_invocation(
        &self,
        allow: Option<&str>,
    ) -> PyResult<
        Option<(
            String,
            Vec<String>,
            Vec<(String, String)>,
            u64,
            Option<String>,
        )>,
    > {
        Ok(self
            .inner
            .executable_invocation(allow)
            .py_err()?
            .map(|run| {
                (
                    run.program,
                    run.args,
                    run.env,
                    run.timeout_millis,
                    run.output_file,
                )
            }))
    }

    /// The subject token in an executable's output (pluggable auth, version 1) at `now`.
    fn subject_token_from_executable(&self, output: &[u8], now: i64) -> PyResult<String> {
        Ok(self
            .inner
            .subject_token_from_executable(output, credmint::UnixTime::from_secs(now))
            .py_err()?
            .expose_secret()
            .to_owned())
    }

    /// The subject token inside a file's or URL's content (text or JSON, as the file says).
    fn subject_token_from(&self, content: &[u8]) -> PyResult<String> {
        Ok(self
            .inner
            .subject_token_from(content)
            .py_err()?
            .expose_secret()
            .to_owned())
    }

    /// The STS exchange (then impersonation, if the file asks) for `subject_token`.
    fn flow(&self, subject_token: String) -> PyResult<Conversation> {
        let flow = self
            .inner
            .flow(&SecretString::from(subject_token), FlowOptions::default())
            .py_err()?;
        Ok(Conversation::new(flow))
    }

    fn __repr__(&self) -> String {
        format!("ExternalAccount(audience={:?})", self.inner.audience())
    }
}

/// A conformance vector's conversation (`tests/vectors/flows.json`; references
/// inlined as `{"text": …}`): its `done` value is the expected JSON, as text.
#[pyfunction]
pub fn _conformance_flow(spec_json: &str) -> PyResult<Conversation> {
    let flow =
        credmint::conformance::VectorFlow::from_json(spec_json, credmint::Backend::default())
            .py_err()?;
    Ok(Conversation::new(flow))
}

/// Raises the core's sample error of `code` (`tests/vectors/errors.json`);
/// `InvalidArgumentError` for an unknown code. For the test suites.
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
