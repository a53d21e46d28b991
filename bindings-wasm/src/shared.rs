//! The core's shared token cache for JavaScript hosts (a Durable Object's
//! storage, or any store with get / set-if-absent / set / delete-if-equals).

use crate::credentials::Credentials;
use crate::errors::IntoJs;
use crate::keys::now_of;
use crate::tokens::{AccessToken, IdToken, to_js};
use credmint::{
    AnyToken, CacheSecret, SharedCache as CoreCache, SharedCacheOptions, SharedOutcome,
    SharedRefresh as CoreRefresh, SharedStep, TokenPurpose,
};
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// One credential's shared cache of access tokens, or of one audience's ID tokens.
#[wasm_bindgen]
pub struct SharedCache {
    inner: CoreCache,
}

#[wasm_bindgen]
impl SharedCache {
    /// `secret`: the application's cache secret, base64; `options`: the core's
    /// `SharedCacheOptions` as JSON.
    #[wasm_bindgen(constructor)]
    pub fn new(
        secret: &str,
        credentials: &Credentials,
        audience: Option<String>,
        options: Option<String>,
    ) -> Result<SharedCache, JsValue> {
        let secret = CacheSecret::from_base64(secret).js_err()?;
        let options = match options {
            Some(json) => SharedCacheOptions::from_json(&json).js_err()?,
            None => SharedCacheOptions::default(),
        };
        let purpose = TokenPurpose::from_audience(audience.as_deref());
        let inner = CoreCache::new(&secret, credentials.core(), &purpose, options).js_err()?;
        Ok(SharedCache { inner })
    }

    /// The store key of the sealed entry.
    #[wasm_bindgen(getter, js_name = entryKey)]
    pub fn entry_key(&self) -> String {
        self.inner.key().entry().to_owned()
    }

    /// The store key of the refresh lease.
    #[wasm_bindgen(getter, js_name = leaseKey)]
    pub fn lease_key(&self) -> String {
        self.inner.key().lease().to_owned()
    }

    /// `[token, refreshAt]` from a stored value if it opens and is usable at `now`, else `null`.
    pub fn open(&self, value: &str, now: f64) -> Result<JsValue, JsValue> {
        Ok(match self.inner.open(value, now_of(now)?) {
            Some(entry) => Array::of2(
                &to_js(&entry.token),
                &JsValue::from_f64(entry.refresh_at.as_secs() as f64),
            )
            .into(),
            None => JsValue::NULL,
        })
    }

    /// A refresh for the caller the in-process cache chose, holding nothing valid.
    pub fn refresh(&self, now: f64) -> Result<SharedRefresh, JsValue> {
        self.start(now, None)
    }

    /// A refresh for a caller still holding a valid access token.
    #[wasm_bindgen(js_name = refreshHoldingAccess)]
    pub fn refresh_holding_access(
        &self,
        now: f64,
        current: &AccessToken,
    ) -> Result<SharedRefresh, JsValue> {
        self.start(now, Some(AnyToken::Access(current.inner.clone())))
    }

    /// A refresh for a caller still holding a valid ID token.
    #[wasm_bindgen(js_name = refreshHoldingId)]
    pub fn refresh_holding_id(
        &self,
        now: f64,
        current: &IdToken,
    ) -> Result<SharedRefresh, JsValue> {
        self.start(now, Some(AnyToken::Id(current.inner.clone())))
    }
}

impl SharedCache {
    fn start(&self, now: f64, current: Option<AnyToken>) -> Result<SharedRefresh, JsValue> {
        Ok(SharedRefresh {
            inner: self.inner.refresh(now_of(now)?, current),
        })
    }
}

/// One refresh through the store (see the core's `SharedRefresh`).
#[wasm_bindgen]
pub struct SharedRefresh {
    inner: CoreRefresh,
}

#[wasm_bindgen]
impl SharedRefresh {
    /// The next step at `now`: `["get", key, timeoutMs]`,
    /// `["setIfAbsent", key, value, ttlMs, timeoutMs]`,
    /// `["set", key, value, ttlMs, timeoutMs]`,
    /// `["deleteIfEquals", key, value, timeoutMs]`, `["refresh"]`,
    /// `["wait", ms]`, `["done", token, refreshAt, origin]` or `["failed"]`.
    pub fn poll(&mut self, now: f64) -> Result<Array, JsValue> {
        let step = self.inner.poll(now_of(now)?).js_err()?;
        let values: Vec<JsValue> = match step {
            SharedStep::Get {
                key,
                timeout_millis,
            } => vec!["get".into(), key.into(), millis(timeout_millis)],
            SharedStep::SetIfAbsent {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => vec![
                "setIfAbsent".into(),
                key.into(),
                value.into(),
                millis(ttl_millis),
                millis(timeout_millis),
            ],
            SharedStep::Set {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => vec![
                "set".into(),
                key.into(),
                value.into(),
                millis(ttl_millis),
                millis(timeout_millis),
            ],
            SharedStep::DeleteIfEquals {
                key,
                value,
                timeout_millis,
            } => vec![
                "deleteIfEquals".into(),
                key.into(),
                value.into(),
                millis(timeout_millis),
            ],
            SharedStep::Refresh => vec!["refresh".into()],
            SharedStep::Wait { millis: ms } => vec!["wait".into(), millis(ms)],
            SharedStep::Done(SharedOutcome::Token { entry, source }) => vec![
                "done".into(),
                to_js(&entry.token),
                JsValue::from_f64(entry.refresh_at.as_secs() as f64),
                source.as_str().into(),
            ],
            SharedStep::Done(SharedOutcome::RefreshFailed) => vec!["failed".into()],
        };
        Ok(values.into_iter().collect())
    }

    /// The value read for the last `get` (`null`: absent).
    #[wasm_bindgen(js_name = feedValue)]
    pub fn feed_value(&mut self, value: Option<String>) -> Result<(), JsValue> {
        self.inner.feed_value(value.as_deref()).js_err()
    }

    /// Whether the last `setIfAbsent` stored the lease.
    #[wasm_bindgen(js_name = feedSet)]
    pub fn feed_set(&mut self, stored: bool) -> Result<(), JsValue> {
        self.inner.feed_set(stored).js_err()
    }

    /// The last `set` or `deleteIfEquals` succeeded.
    #[wasm_bindgen(js_name = feedOk)]
    pub fn feed_ok(&mut self) -> Result<(), JsValue> {
        self.inner.feed_ok().js_err()
    }

    /// The last store step failed or timed out.
    #[wasm_bindgen(js_name = feedStoreError)]
    pub fn feed_store_error(&mut self) -> Result<(), JsValue> {
        self.inner.feed_store_error().js_err()
    }

    /// The access token the credential's conversation obtained.
    #[wasm_bindgen(js_name = feedAccessToken)]
    pub fn feed_access_token(&mut self, token: &AccessToken) -> Result<(), JsValue> {
        self.inner
            .feed_token(AnyToken::Access(token.inner.clone()))
            .js_err()
    }

    /// The ID token the credential's conversation obtained.
    #[wasm_bindgen(js_name = feedIdToken)]
    pub fn feed_id_token(&mut self, token: &IdToken) -> Result<(), JsValue> {
        self.inner
            .feed_token(AnyToken::Id(token.inner.clone()))
            .js_err()
    }

    /// The credential's conversation failed.
    #[wasm_bindgen(js_name = feedRefreshFailed)]
    pub fn feed_refresh_failed(&mut self) -> Result<(), JsValue> {
        self.inner.feed_refresh_failed().js_err()
    }
}

/// A count of milliseconds or seconds as a JavaScript number (all far below 2^53).
fn millis(value: u64) -> JsValue {
    JsValue::from_f64(value as f64)
}
