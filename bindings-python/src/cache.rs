//! The core's single-flight token cache behind a lock, for Python hosts.
//!
//! `lookup(now)` answers `("fresh", token)`, `("refresh", token)` (use it and
//! refresh: this caller was chosen), `("must", None)` (refresh first: chosen)
//! or `("wait", generation)` (another caller is refreshing refresh number
//! `generation`: wait, then ask `lookup_after_wait(now, generation)`, which may answer
//! `("failed", None)`: the refresh waited for failed, raise its error). The
//! chosen caller reports with `complete(token)` or `fail()`.

use crate::errors::IntoPy;
use crate::tokens::{from_object, to_object};
use credmint::{AnyToken, Jitter, Lookup, RefreshPolicy, TokenCache as CoreCache, UnixTime};
use pyo3::prelude::*;
use std::sync::Mutex;

/// A token cache shared by every thread using one credential.
#[pyclass(frozen, module = "credmint._native", name = "TokenCache")]
pub struct TokenCache {
    inner: Mutex<CoreCache<AnyToken>>,
}

impl TokenCache {
    fn cache(&self) -> std::sync::MutexGuard<'_, CoreCache<AnyToken>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[pymethods]
impl TokenCache {
    /// A cache refreshing as Google's libraries do (`"google"`) or as IBM's
    /// (`"ibm"`); jitter from system randomness unless seeded (tests).
    #[new]
    #[pyo3(signature = (policy, max_jitter_secs=None, jitter_seed=None))]
    fn new(policy: &str, max_jitter_secs: Option<u64>, jitter_seed: Option<u64>) -> PyResult<Self> {
        let policy = RefreshPolicy::named(policy).py_err()?;
        let jitter = match jitter_seed {
            Some(seed) => Jitter::from_seed(seed),
            None => Jitter::from_entropy(),
        };
        let max_jitter = max_jitter_secs.unwrap_or(credmint::DEFAULT_MAX_JITTER_SECS);
        Ok(TokenCache {
            inner: Mutex::new(CoreCache::with_jitter(policy, max_jitter, jitter)),
        })
    }

    /// A cache with the refresh policy the core chose for `credentials`.
    #[staticmethod]
    fn for_credentials(credentials: &crate::credentials::Credentials) -> Self {
        TokenCache {
            inner: Mutex::new(CoreCache::new(credentials.inner.refresh_policy())),
        }
    }

    /// What the caller should do at `now`.
    fn lookup(&self, py: Python<'_>, now: i64) -> PyResult<(&'static str, Option<Py<PyAny>>)> {
        let mut cache = self.cache();
        let lookup = cache.get(UnixTime::from_secs(now));
        answer(py, lookup, cache.refresh_generation())
    }

    /// The number of refreshes started (noted by a caller told to wait).
    fn generation(&self) -> u64 {
        self.cache().refresh_generation()
    }

    /// What a caller that waited for refresh `generation` should do at `now`.
    fn lookup_after_wait(
        &self,
        py: Python<'_>,
        now: i64,
        generation: u64,
    ) -> PyResult<(&'static str, Option<Py<PyAny>>)> {
        let mut cache = self.cache();
        let lookup = cache.get_after_wait(UnixTime::from_secs(now), generation);
        answer(py, lookup, cache.refresh_generation())
    }

    /// The chosen caller's refresh succeeded with `token`.
    fn complete(&self, token: &Bound<'_, PyAny>) -> PyResult<()> {
        let token = from_object(token)?;
        self.cache().complete(token);
        Ok(())
    }

    /// A refresh through a shared store ended with `token`, due again at `refresh_at`.
    fn complete_until(&self, token: &Bound<'_, PyAny>, refresh_at: i64) -> PyResult<()> {
        let token = from_object(token)?;
        self.cache()
            .complete_until(token, UnixTime::from_secs(refresh_at));
        Ok(())
    }

    /// The chosen caller's refresh failed; another caller may try.
    fn fail(&self) {
        self.cache().fail();
    }

    /// When the held token's refresh falls due (Unix seconds), if a token is held.
    fn refresh_at(&self) -> Option<i64> {
        self.cache().refresh_at().map(UnixTime::as_secs)
    }

    /// Forgets the token (after an API refused it with 401).
    fn invalidate(&self) {
        self.cache().invalidate();
    }

    fn __repr__(&self) -> &'static str {
        "TokenCache(...)"
    }
}

/// The lookup as a tuple; `("wait", generation)` names the refresh waited for,
/// read under the same lock as the lookup.
fn answer(
    py: Python<'_>,
    lookup: Lookup<AnyToken>,
    generation: u64,
) -> PyResult<(&'static str, Option<Py<PyAny>>)> {
    Ok(match lookup {
        Lookup::Fresh(token) => ("fresh", Some(to_object(&token, py)?)),
        Lookup::RefreshInBackground(token) => ("refresh", Some(to_object(&token, py)?)),
        Lookup::MustRefresh => ("must", None),
        Lookup::WaitForRefresh => (
            "wait",
            Some(generation.into_pyobject(py)?.into_any().unbind()),
        ),
        Lookup::RefreshFailed => ("failed", None),
    })
}
