//! The core's single-flight token cache, for JavaScript hosts.

use crate::errors::IntoJs;
use crate::keys::now_of;
use crate::tokens::{AccessToken, IdToken, to_js};
use credmint::{AnyToken, Jitter, Lookup, RefreshPolicy, TokenCache as CoreCache, UnixTime};
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// One credential's cached token. `lookup(now)` returns `["fresh", token]`,
/// `["refresh", token]` (use it and refresh: this caller was chosen),
/// `["must", null]` or `["wait", null]`.
#[wasm_bindgen]
pub struct TokenCache {
    inner: CoreCache<AnyToken>,
}

#[wasm_bindgen]
impl TokenCache {
    /// A cache with Google's (`"google"`) or IBM's (`"ibm"`) refresh policy;
    /// jitter from system randomness unless seeded (tests).
    #[wasm_bindgen(constructor)]
    pub fn new(
        policy: &str,
        max_jitter_secs: Option<u32>,
        jitter_seed: Option<f64>,
    ) -> Result<TokenCache, JsValue> {
        let policy = RefreshPolicy::named(policy).js_err()?;
        let jitter = match jitter_seed {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            Some(seed) => Jitter::from_seed(seed as u64),
            None => Jitter::from_entropy(),
        };
        let max = max_jitter_secs.map_or(credmint::DEFAULT_MAX_JITTER_SECS, u64::from);
        Ok(TokenCache {
            inner: CoreCache::with_jitter(policy, max, jitter),
        })
    }

    /// What the caller should do at `now`.
    pub fn lookup(&mut self, now: f64) -> Result<Array, JsValue> {
        let (kind, token) = match self.inner.get(now_of(now)?) {
            Lookup::Fresh(token) => ("fresh", to_js(&token)),
            Lookup::RefreshInBackground(token) => ("refresh", to_js(&token)),
            Lookup::MustRefresh => ("must", JsValue::NULL),
            Lookup::WaitForRefresh => ("wait", JsValue::NULL),
        };
        Ok(Array::of2(&kind.into(), &token))
    }

    /// The chosen caller's refresh succeeded with an access token.
    #[wasm_bindgen(js_name = completeAccess)]
    pub fn complete_access(&mut self, token: &AccessToken) {
        self.inner.complete(AnyToken::Access(token.inner.clone()));
    }

    /// The chosen caller's refresh succeeded with an ID token.
    #[wasm_bindgen(js_name = completeId)]
    pub fn complete_id(&mut self, token: &IdToken) {
        self.inner.complete(AnyToken::Id(token.inner.clone()));
    }

    /// The chosen caller's refresh failed.
    pub fn fail(&mut self) {
        self.inner.fail();
    }

    /// Forgets the token.
    pub fn invalidate(&mut self) {
        self.inner.invalidate();
    }

    /// When the held token's refresh falls due, Unix seconds.
    #[wasm_bindgen(js_name = refreshAt)]
    pub fn refresh_at(&self) -> Option<f64> {
        self.inner.refresh_at().map(|t| UnixTime::as_secs(t) as f64)
    }
}
