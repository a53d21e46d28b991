//! Credential documents and Application Default Credentials as Python
//! objects: conversions only, every decision is the core's.

use crate::conversation::Conversation;
use crate::errors::IntoPy;
use crate::flows::ExternalAccount;
use crate::keys::ServiceAccountKey;
use credmint::{
    AdcStep, CredentialOptions, Credentials as CoreCredentials, DefaultCredentialsFlow,
    Environment, HttpResponse, SecretString, UnixTime,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::sync::Mutex;

fn parse_options(json: Option<&str>) -> PyResult<CredentialOptions> {
    json.map_or_else(
        || Ok(CredentialOptions::default()),
        |json| CredentialOptions::from_json(json).py_err(),
    )
}

/// Credentials of any kind (native half of `credmint.Credentials.from_json`).
#[pyclass(frozen, module = "credmint._native", name = "Credentials")]
pub struct Credentials {
    pub(crate) inner: CoreCredentials,
}

#[pymethods]
impl Credentials {
    /// Parses a credential document; `options` is the JSON of `CredentialOptions`.
    #[staticmethod]
    #[pyo3(signature = (text, options=None))]
    fn from_json(text: &str, options: Option<&str>) -> PyResult<Self> {
        let options = parse_options(options)?;
        Ok(Credentials {
            inner: CoreCredentials::from_json_with(text, &options).py_err()?,
        })
    }

    /// Credentials of a loaded service-account key (signed in-process).
    #[staticmethod]
    #[pyo3(signature = (key, options=None))]
    fn from_key(key: &ServiceAccountKey, options: Option<&str>) -> PyResult<Self> {
        let options = parse_options(options)?;
        Ok(Credentials {
            inner: CoreCredentials::from_service_account_key(&key.inner, false, &options)
                .py_err()?,
        })
    }

    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind().as_str()
    }

    #[getter]
    fn refresh_policy(&self) -> Option<&'static str> {
        self.inner.refresh_policy().name()
    }

    #[getter]
    fn quota_project_id(&self) -> Option<&str> {
        self.inner.quota_project_id()
    }

    #[getter]
    fn universe_domain(&self) -> &str {
        self.inner.universe_domain()
    }

    #[getter]
    fn project_id(&self) -> Option<&str> {
        self.inner.project_id()
    }

    #[getter]
    fn service_account_email(&self) -> Option<&str> {
        self.inner.service_account_email()
    }

    /// The federation configuration of an `external_account` document.
    fn external_account(&self) -> Option<ExternalAccount> {
        self.inner
            .external_account()
            .cloned()
            .map(ExternalAccount::from_core)
    }

    /// The conversation that obtains an access token (`subject_token` for `external_account`).
    #[pyo3(signature = (subject_token=None))]
    fn access_token(&self, subject_token: Option<String>) -> PyResult<Conversation> {
        let flow = match subject_token {
            Some(token) => self
                .inner
                .access_token_flow_with_subject_token(&SecretString::from(token)),
            None => self.inner.access_token_flow(),
        }
        .py_err()?;
        Ok(Conversation::new(flow))
    }

    /// The conversation that obtains an ID token for `audience`.
    fn id_token(&self, audience: &str) -> PyResult<Conversation> {
        Ok(Conversation::new(
            self.inner.id_token_flow(audience).py_err()?,
        ))
    }

    fn __repr__(&self) -> String {
        format!("Credentials(kind={:?})", self.inner.kind().as_str())
    }
}

/// ADC as a Python object: `poll(now)` gives `("read_file", path)`,
/// `("send", method, url, headers, body, timeout_millis)`, `("wait", until)` or
/// `("done", credentials, source, path, project_id)`.
#[pyclass(frozen, module = "credmint._native", name = "DefaultCredentials")]
pub struct DefaultCredentials {
    flow: Mutex<DefaultCredentialsFlow>,
}

impl DefaultCredentials {
    fn with<R>(&self, f: impl FnOnce(&mut DefaultCredentialsFlow) -> R) -> R {
        let mut flow = self.flow.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut flow)
    }
}

#[pymethods]
impl DefaultCredentials {
    /// ADC over `env` (the variables of `ADC_VARIABLES` that are set).
    #[new]
    #[pyo3(signature = (env, windows, options=None))]
    fn new(env: Vec<(String, String)>, windows: bool, options: Option<&str>) -> PyResult<Self> {
        let mut environment = Environment::new(windows);
        for (name, value) in env {
            environment.set(&name, value);
        }
        let options = parse_options(options)?;
        Ok(DefaultCredentials {
            flow: Mutex::new(DefaultCredentialsFlow::new(environment, options)),
        })
    }

    fn poll<'py>(&self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyAny>> {
        let step = self
            .with(|flow| flow.poll(UnixTime::from_secs(now)))
            .py_err()?;
        Ok(match step {
            AdcStep::ReadFile(path) => ("read_file", path).into_pyobject(py)?.into_any(),
            AdcStep::Send(request) => (
                "send",
                request.method().as_str(),
                request.url().to_owned(),
                request.headers().to_vec(),
                PyBytes::new(py, request.body()),
                request.timeout_millis(),
            )
                .into_pyobject(py)?
                .into_any(),
            AdcStep::Wait(until) => ("wait", until.as_secs()).into_pyobject(py)?.into_any(),
            AdcStep::Done(found) => (
                "done",
                Credentials {
                    inner: found.credentials,
                },
                found.source.as_str(),
                found.source.path().map(str::to_owned),
                found.project_id,
            )
                .into_pyobject(py)?
                .into_any(),
        })
    }

    fn feed_file(&self, contents: Vec<u8>) -> PyResult<()> {
        self.with(|flow| flow.feed_file(contents)).py_err()
    }

    fn feed_file_missing(&self) -> PyResult<()> {
        self.with(DefaultCredentialsFlow::feed_file_missing)
            .py_err()
    }

    fn feed_file_error(&self, reason: &str) -> PyResult<()> {
        self.with(|flow| flow.feed_file_error(reason)).py_err()
    }

    fn feed_response(
        &self,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> PyResult<()> {
        let response = HttpResponse::new(status, headers, body);
        self.with(|flow| flow.feed_response(response)).py_err()
    }

    fn feed_transport_error(&self, reason: &str) -> PyResult<()> {
        self.with(|flow| flow.feed_transport_error(reason)).py_err()
    }

    fn __repr__(&self) -> &'static str {
        "DefaultCredentials(...)"
    }
}
