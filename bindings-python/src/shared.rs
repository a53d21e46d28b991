//! The core's shared token cache for Python hosts: `SharedCache` names and
//! seals one credential's entries; `SharedRefresh` is one refresh through the
//! store, its steps as tuples the host's store adapter answers.

use crate::errors::IntoPy;
use crate::tokens::{from_object, to_object};
use credmint::{
    CacheSecret, SharedCache as CoreCache, SharedCacheOptions, SharedOutcome,
    SharedRefresh as CoreRefresh, SharedStep, TokenPurpose, UnixTime,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use std::sync::Mutex;

/// One credential's shared cache for access tokens or one audience's ID tokens.
#[pyclass(frozen, module = "credmint._native", name = "SharedCache")]
pub struct SharedCache {
    inner: CoreCache,
}

#[pymethods]
impl SharedCache {
    /// `secret`: the application's cache secret (bytes, or base64 text);
    /// `options`: the core's `SharedCacheOptions` as JSON.
    #[new]
    #[pyo3(signature = (secret, credentials, audience=None, options=None))]
    fn new(
        secret: &Bound<'_, PyAny>,
        credentials: &crate::credentials::Credentials,
        audience: Option<&str>,
        options: Option<&str>,
    ) -> PyResult<Self> {
        let secret = match secret.cast::<PyBytes>() {
            Ok(bytes) => CacheSecret::from_bytes(bytes.as_bytes()),
            Err(_) => CacheSecret::from_base64(&secret.extract::<String>()?),
        }
        .py_err()?;
        let options = match options {
            Some(json) => SharedCacheOptions::from_json(json).py_err()?,
            None => SharedCacheOptions::default(),
        };
        let purpose = TokenPurpose::from_audience(audience);
        let inner = CoreCache::new(&secret, &credentials.inner, &purpose, options).py_err()?;
        Ok(SharedCache { inner })
    }

    /// The store key of the sealed entry.
    #[getter]
    fn entry_key(&self) -> &str {
        self.inner.key().entry()
    }

    /// The store key of the refresh lease.
    #[getter]
    fn lease_key(&self) -> &str {
        self.inner.key().lease()
    }

    /// A refresh for the caller the in-process cache chose at `now`, holding
    /// `current` (a still-valid native token) or `None`.
    #[pyo3(signature = (now, current=None))]
    fn refresh(&self, now: i64, current: Option<&Bound<'_, PyAny>>) -> PyResult<SharedRefresh> {
        let current = current.map(from_object).transpose()?;
        let refresh = self.inner.refresh(UnixTime::from_secs(now), current);
        Ok(SharedRefresh {
            inner: Mutex::new(refresh),
        })
    }

    /// `(token, refresh_at)` from a stored value if it opens and is usable at `now`.
    fn open(&self, py: Python<'_>, value: &str, now: i64) -> PyResult<Option<(Py<PyAny>, i64)>> {
        self.inner
            .open(value, UnixTime::from_secs(now))
            .map(|entry| Ok((to_object(&entry.token, py)?, entry.refresh_at.as_secs())))
            .transpose()
    }

    fn __repr__(&self) -> String {
        format!("SharedCache(entry_key={:?})", self.inner.key().entry())
    }
}

/// One refresh through the store (see the core's `SharedRefresh`).
#[pyclass(frozen, module = "credmint._native", name = "SharedRefresh")]
pub struct SharedRefresh {
    inner: Mutex<CoreRefresh>,
}

impl SharedRefresh {
    fn with<T>(&self, f: impl FnOnce(&mut CoreRefresh) -> credmint::Result<T>) -> PyResult<T> {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut inner).py_err()
    }
}

#[pymethods]
impl SharedRefresh {
    /// The next step at `now`: `("get", key, timeout_ms)`,
    /// `("set_if_absent", key, value, ttl_ms, timeout_ms)`,
    /// `("set", key, value, ttl_ms, timeout_ms)`,
    /// `("delete_if_equals", key, value, timeout_ms)`, `("refresh",)`,
    /// `("wait", ms)`, `("done", token, refresh_at, origin)` or `("failed",)`.
    fn poll<'py>(&self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyTuple>> {
        let step = self.with(|refresh| refresh.poll(UnixTime::from_secs(now)))?;
        match step {
            SharedStep::Get {
                key,
                timeout_millis,
            } => ("get", key, timeout_millis).into_pyobject(py),
            SharedStep::SetIfAbsent {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => ("set_if_absent", key, value, ttl_millis, timeout_millis).into_pyobject(py),
            SharedStep::Set {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => ("set", key, value, ttl_millis, timeout_millis).into_pyobject(py),
            SharedStep::DeleteIfEquals {
                key,
                value,
                timeout_millis,
            } => ("delete_if_equals", key, value, timeout_millis).into_pyobject(py),
            SharedStep::Refresh => ("refresh",).into_pyobject(py),
            SharedStep::Wait { millis } => ("wait", millis).into_pyobject(py),
            SharedStep::Done(SharedOutcome::Token { entry, source }) => (
                "done",
                to_object(&entry.token, py)?,
                entry.refresh_at.as_secs(),
                source.as_str(),
            )
                .into_pyobject(py),
            SharedStep::Done(SharedOutcome::RefreshFailed) => ("failed",).into_pyobject(py),
        }
    }

    /// The value read for the last `get` (`None`: absent).
    #[pyo3(signature = (value))]
    fn feed_value(&self, value: Option<&str>) -> PyResult<()> {
        self.with(|refresh| refresh.feed_value(value))
    }

    /// Whether the last `set_if_absent` stored the lease.
    fn feed_set(&self, stored: bool) -> PyResult<()> {
        self.with(|refresh| refresh.feed_set(stored))
    }

    /// The last `set` or `delete_if_equals` succeeded.
    fn feed_ok(&self) -> PyResult<()> {
        self.with(CoreRefresh::feed_ok)
    }

    /// The last store step failed or timed out.
    fn feed_store_error(&self) -> PyResult<()> {
        self.with(CoreRefresh::feed_store_error)
    }

    /// The native token the credential's conversation obtained.
    fn feed_token(&self, token: &Bound<'_, PyAny>) -> PyResult<()> {
        let token = from_object(token)?;
        self.with(|refresh| refresh.feed_token(token))
    }

    /// The credential's conversation failed.
    fn feed_refresh_failed(&self) -> PyResult<()> {
        self.with(CoreRefresh::feed_refresh_failed)
    }

    fn __repr__(&self) -> &'static str {
        "SharedRefresh(...)"
    }
}
