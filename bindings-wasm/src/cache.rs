//! The core's single-flight token cache, for JavaScript hosts.

use crate::errors::IntoJs;
use crate::keys::now_of;
use crate::tokens::{AccessToken, IdToken, to_js};
use credmint::{AnyToken, Jitter, Lookup, RefreshPolicy, TokenCache as CoreCache, UnixTime};
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// One credential's cached token. `lookup(now)` returns `["fresh", token]`,
/// `["refresh", token]` (use it and refresh: this caller was chosen),
/// `["must", null]` or `["wait", null]`; after a wait, `lookupAfterWait(now,
/// generation)` may also return `["failed", null]`: the refresh waited for
/// failed, and the caller gets its error.
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
        Ok(answer(self.inner.get(now_of(now)?)))
    }

    /// How many refreshes have started: a caller told to wait notes it before
    /// waiting, then asks [`TokenCache::lookup_after_wait`] with it.
    #[wasm_bindgen(js_name = refreshGeneration)]
    pub fn refresh_generation(&self) -> f64 {
        self.inner.refresh_generation() as f64 // one per refresh: far below 2^53
    }

    /// What a caller that waited for refresh `generation` should do at `now`:
    /// `["failed", null]` if that refresh failed and nothing valid is left,
    /// otherwise what `lookup` says.
    #[wasm_bindgen(js_name = lookupAfterWait)]
    pub fn lookup_after_wait(&mut self, now: f64, generation: f64) -> Result<Array, JsValue> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let generation = generation as u64; // a number refreshGeneration returned
        Ok(answer(self.inner.get_after_wait(now_of(now)?, generation)))
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

    /// A refresh through a shared store ended with an access token, due again at `refresh_at`.
    #[wasm_bindgen(js_name = completeAccessUntil)]
    pub fn complete_access_until(
        &mut self,
        token: &AccessToken,
        refresh_at: f64,
    ) -> Result<(), JsValue> {
        let at = now_of(refresh_at)?;
        self.inner
            .complete_until(AnyToken::Access(token.inner.clone()), at);
        Ok(())
    }

    /// A refresh through a shared store ended with an ID token, due again at `refresh_at`.
    #[wasm_bindgen(js_name = completeIdUntil)]
    pub fn complete_id_until(&mut self, token: &IdToken, refresh_at: f64) -> Result<(), JsValue> {
        let at = now_of(refresh_at)?;
        self.inner
            .complete_until(AnyToken::Id(token.inner.clone()), at);
        Ok(())
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

/// A lookup as `[kind, token or null]`.
fn answer(lookup: Lookup<AnyToken>) -> Array {
    let (kind, token) = match lookup {
        Lookup::Fresh(token) => ("fresh", to_js(&token)),
        Lookup::RefreshInBackground(token) => ("refresh", to_js(&token)),
        Lookup::MustRefresh => ("must", JsValue::NULL),
        Lookup::WaitForRefresh => ("wait", JsValue::NULL),
        Lookup::RefreshFailed => ("failed", JsValue::NULL),
    };
    Array::of2(&kind.into(), &token)
}
