//! Service-account keys (sign JWTs and blobs, export JWKS, self-signed JWTs)
//! and verification. RSA work runs with the GIL released.

use crate::errors::IntoPy;
use credmint::{
    Claims, ClaimsTemplate, KeySet, SelfSignedJwt, ServiceAccountKey as CoreKey, UnixTime,
    Validation,
};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A Google service-account key (native half of `credmint.ServiceAccountKey`).
#[pyclass(frozen, module = "credmint._native", name = "ServiceAccountKey")]
pub struct ServiceAccountKey {
    pub(crate) inner: CoreKey,
}

#[pymethods]
impl ServiceAccountKey {
    /// Parses a service-account JSON key file's text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py.detach(|| CoreKey::from_json(text)).py_err()?;
        Ok(ServiceAccountKey { inner })
    }

    #[getter]
    fn client_email(&self) -> &str {
        self.inner.client_email()
    }

    #[getter]
    fn key_id(&self) -> &str {
        self.inner.key_id()
    }

    #[getter]
    fn project_id(&self) -> Option<&str> {
        self.inner.project_id()
    }

    #[getter]
    fn token_uri(&self) -> &str {
        self.inner.token_uri()
    }

    #[getter]
    fn universe_domain(&self) -> &str {
        self.inner.universe_domain()
    }

    /// RSASSA-PKCS1-v1_5 SHA-256 over `data`: `(key_id, signature)`.
    fn sign_blob<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
    ) -> PyResult<(String, Bound<'py, PyBytes>)> {
        let signed = py.detach(|| self.inner.sign_blob(data)).py_err()?;
        Ok((
            signed.key_id().to_owned(),
            PyBytes::new(py, signed.signature()),
        ))
    }

    /// Signs claims (JSON text) as IAM signJwt does at `now`: `(key_id, jwt)`.
    fn sign_jwt(&self, py: Python<'_>, claims_json: &str, now: i64) -> PyResult<(String, String)> {
        let claims = Claims::from_json(claims_json).py_err()?;
        let signed = py
            .detach(|| self.inner.sign_jwt(&claims, UnixTime::from_secs(now)))
            .py_err()?;
        Ok((
            signed.key_id().to_owned(),
            signed.signed_jwt().expose_secret().to_owned(),
        ))
    }

    /// The public JWK Set, as JSON text.
    fn jwks_json(&self) -> String {
        self.inner.jwks().to_json()
    }

    /// A self-signed JWT (AIP-4111) for `audience` or `scopes` (exactly one).
    #[pyo3(signature = (audience, scopes, now))]
    fn self_signed_jwt(
        &self,
        py: Python<'_>,
        audience: Option<String>,
        scopes: Option<Vec<String>>,
        now: i64,
    ) -> PyResult<String> {
        let template =
            SelfSignedJwt::with_audience_or_scopes(&self.inner, audience, scopes).py_err()?;
        let token = py
            .detach(|| template.sign(self.inner.signing_key(), UnixTime::from_secs(now)))
            .py_err()?;
        Ok(token.expose_secret().to_owned())
    }

    fn __repr__(&self) -> String {
        format!(
            "ServiceAccountKey(client_email={:?}, key_id={:?})",
            self.inner.client_email(),
            self.inner.key_id()
        )
    }
}

/// A parsed, reusable key set (JWKS, X.509 map or PEM): parse once, verify many.
#[pyclass(frozen, module = "credmint._native", name = "KeySet")]
pub struct PyKeySet {
    inner: KeySet,
}

#[pymethods]
impl PyKeySet {
    #[new]
    fn new(py: Python<'_>, text: &str) -> PyResult<Self> {
        let inner = py.detach(|| KeySet::parse(text)).py_err()?;
        Ok(PyKeySet { inner })
    }

    /// Verifies an RS256 JWT against this set (signature first, then claims);
    /// the verified claims as JSON text.
    #[pyo3(signature = (token, audiences, issuers, leeway, max_lifetime, now))]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        py: Python<'_>,
        token: &str,
        audiences: Vec<String>,
        issuers: Vec<String>,
        leeway: Option<u64>,
        max_lifetime: Option<u64>,
        now: i64,
    ) -> PyResult<String> {
        let validation =
            Validation::from_options(audiences, issuers, leeway, max_lifetime).py_err()?;
        let verified = py
            .detach(|| credmint::verify(token, &self.inner, &validation, UnixTime::from_secs(now)))
            .py_err()?;
        Ok(verified.claims_json().to_owned())
    }

    /// The keys as a JWK Set, JSON text.
    fn jwks_json(&self) -> String {
        self.inner.to_jwks().to_json()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("KeySet({} keys)", self.inner.len())
    }
}
