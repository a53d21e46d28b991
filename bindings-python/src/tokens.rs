//! Tokens as Python objects: the secret is reachable only through `.token`,
//! never through `repr`/`str`.

use credmint::{AccessToken as CoreAccessToken, AnyToken, IdToken as CoreIdToken};
use pyo3::prelude::*;

/// An OAuth 2.0 access token (native half of `credmint.AccessToken`).
#[pyclass(frozen, module = "credmint._native", name = "AccessToken")]
#[derive(Clone)]
pub struct AccessToken {
    pub(crate) inner: CoreAccessToken,
}

#[pymethods]
impl AccessToken {
    /// The bearer token string.
    #[getter]
    fn token(&self) -> &str {
        self.inner.token().expose_secret()
    }

    /// Expiry, Unix seconds.
    #[getter]
    fn expires_at_unix(&self) -> i64 {
        self.inner.expires_at().as_secs()
    }

    /// When it was obtained, Unix seconds.
    #[getter]
    fn obtained_at_unix(&self) -> i64 {
        self.inner.obtained_at().as_secs()
    }

    /// The refresh token issued with it (IBM), if any.
    #[getter]
    fn refresh_token(&self) -> Option<&str> {
        self.inner.refresh_token().map(|t| t.expose_secret())
    }

    /// Granted scopes, if the server said.
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope()
    }

    fn __repr__(&self) -> String {
        format!(
            "AccessToken(token=[redacted], expires_at_unix={})",
            self.inner.expires_at().as_secs()
        )
    }
}

/// An OpenID Connect ID token (native half of `credmint.IdToken`).
#[pyclass(frozen, module = "credmint._native", name = "IdToken")]
#[derive(Clone)]
pub struct IdToken {
    pub(crate) inner: CoreIdToken,
}

#[pymethods]
impl IdToken {
    /// The JWT.
    #[getter]
    fn token(&self) -> &str {
        self.inner.token().expose_secret()
    }

    /// Its `exp`, Unix seconds.
    #[getter]
    fn expires_at_unix(&self) -> i64 {
        self.inner.expires_at().as_secs()
    }

    fn __repr__(&self) -> String {
        format!(
            "IdToken(token=[redacted], expires_at_unix={})",
            self.inner.expires_at().as_secs()
        )
    }
}

/// The Python object for a cached token.
pub fn to_object(token: &AnyToken, py: Python<'_>) -> PyResult<Py<PyAny>> {
    Ok(match token {
        AnyToken::Access(inner) => Py::new(
            py,
            AccessToken {
                inner: inner.clone(),
            },
        )?
        .into_any(),
        AnyToken::Id(inner) => Py::new(
            py,
            IdToken {
                inner: inner.clone(),
            },
        )?
        .into_any(),
    })
}

/// The token inside a native token object.
pub fn from_object(object: &Bound<'_, PyAny>) -> PyResult<AnyToken> {
    if let Ok(token) = object.cast::<AccessToken>() {
        return Ok(AnyToken::Access(token.get().inner.clone()));
    }
    if let Ok(token) = object.cast::<IdToken>() {
        return Ok(AnyToken::Id(token.get().inner.clone()));
    }
    Err(crate::errors::invalid_argument(
        "expected a native AccessToken or IdToken",
    ))
}
