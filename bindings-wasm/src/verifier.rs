//! The core's ready verifiers (`TokenVerifier`) for JavaScript: a preset and
//! its JSON options in, conversations that verify out.

use crate::conversation::Conversation;
use crate::errors::IntoJs;
use wasm_bindgen::prelude::*;

/// A verifier of one issuer's tokens with its own remote key set.
#[wasm_bindgen]
pub struct TokenVerifier {
    inner: credmint::TokenVerifier,
}

#[wasm_bindgen]
impl TokenVerifier {
    /// The core's preset `preset` configured by `optionsJson`.
    #[wasm_bindgen(constructor)]
    pub fn new(preset: &str, options_json: &str) -> Result<TokenVerifier, JsValue> {
        Ok(TokenVerifier {
            inner: credmint::TokenVerifier::from_options(preset, options_json).js_err()?,
        })
    }

    /// The conversation verifying `token`; done with the claims as JSON text.
    pub fn verify(&self, token: &[u8]) -> Conversation {
        Conversation::new(self.inner.verify(&crate::keys::text(token)))
    }

    /// The conversation preparing `token` for a WebCrypto signature check;
    /// done with a `PendingVerification`.
    pub fn prepare(&self, token: &[u8]) -> Conversation {
        Conversation::new(self.inner.prepare(&crate::keys::text(token)))
    }

    /// The keys as a snapshot (JSON text), once fetched.
    pub fn snapshot(&self) -> Option<String> {
        self.inner.snapshot()
    }

    /// Restores a snapshot, validated like a fresh fetch.
    pub fn restore(&self, snapshot: &str) -> Result<(), JsValue> {
        self.inner.restore(snapshot).js_err()
    }
}
