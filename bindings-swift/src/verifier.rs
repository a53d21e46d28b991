//! The core's ready verifiers (`TokenVerifier`) for Swift and Kotlin: a
//! preset and its JSON options in, conversations that verify out.

use crate::conversation::Conversation;
use crate::errors::Result;
use std::sync::Arc;

/// A verifier of one issuer's tokens with its own remote key set.
#[derive(uniffi::Object)]
pub struct TokenVerifier {
    inner: credmint::TokenVerifier,
}

#[uniffi::export]
impl TokenVerifier {
    /// The core's preset `preset` configured by `options_json`.
    #[uniffi::constructor]
    pub fn new(preset: String, options_json: String) -> Result<Self> {
        Ok(TokenVerifier {
            inner: credmint::TokenVerifier::from_options(&preset, &options_json)?,
        })
    }

    /// The conversation verifying `token`; done with `Output.Claims`.
    pub fn verify(&self, token: String) -> Arc<Conversation> {
        Conversation::new(self.inner.verify(&token))
    }

    /// The keys as a snapshot (JSON text), once fetched.
    pub fn snapshot(&self) -> Option<String> {
        self.inner.snapshot()
    }

    /// Restores a snapshot, validated like a fresh fetch.
    pub fn restore(&self, snapshot: String) -> Result<()> {
        Ok(self.inner.restore(&snapshot)?)
    }
}
