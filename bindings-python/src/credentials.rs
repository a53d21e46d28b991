//! Credential documents and Application Default Credentials as Python
//! objects: conversions only, every decision is the core's.

use crate::conversation::Conversation;
use crate::errors::IntoPy;
use crate::keys::ServiceAccountKey;
use credmint::{
    CredentialOptions, Credentials as CoreCredentials, DefaultCredentialsFlow, Environment,
    SecretString,
};
use pyo3::prelude::*;

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

    /// The conversation that obtains an access token; an `external_account`
    /// sources its subject token as its document says, unless one is given.
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

/// ADC over `env` (the variables of `ADC_VARIABLES` that are set): a
/// conversation that ends with `(credentials, source, path, project_id)`.
#[pyfunction]
#[pyo3(signature = (env, windows, options=None))]
pub fn default_credentials(
    env: Vec<(String, String)>,
    windows: bool,
    options: Option<&str>,
) -> PyResult<Conversation> {
    let mut environment = Environment::new(windows);
    for (name, value) in env {
        environment.set(&name, value);
    }
    let options = parse_options(options)?;
    Ok(Conversation::new(DefaultCredentialsFlow::new(
        environment,
        options,
    )))
}
