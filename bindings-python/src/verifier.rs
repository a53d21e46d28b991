//! The core's ready verifiers (`TokenVerifier`) as a Python object: a preset
//! and its JSON options in, conversations that verify out.

use crate::conversation::Conversation;
use crate::errors::IntoPy;
use pyo3::prelude::*;

/// A verifier of one issuer's tokens with its own remote key set.
#[pyclass(frozen, module = "credmint._native", name = "TokenVerifier")]
pub struct TokenVerifier {
    inner: credmint::TokenVerifier,
}

#[pymethods]
impl TokenVerifier {
    /// The core's preset `preset` configured by `options` (JSON text).
    #[new]
    fn new(preset: &str, options: &str) -> PyResult<Self> {
        Ok(TokenVerifier {
            inner: credmint::TokenVerifier::from_options(preset, options).py_err()?,
        })
    }

    /// The conversation verifying `token`; done with the claims as JSON text.
    fn verify(&self, token: &str) -> Conversation {
        Conversation::new(self.inner.verify(token))
    }

    /// The keys as a snapshot (JSON text), once fetched.
    fn snapshot(&self) -> Option<String> {
        self.inner.snapshot()
    }

    /// Restores a snapshot, validated like a fresh fetch.
    fn restore(&self, snapshot: &str) -> PyResult<()> {
        self.inner.restore(snapshot).py_err()
    }

    #[getter]
    fn preset(&self) -> &'static str {
        self.inner.preset()
    }

    fn __repr__(&self) -> String {
        format!("TokenVerifier({:?})", self.inner.preset())
    }
}
