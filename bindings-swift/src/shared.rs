//! The core's shared token cache for Swift and Kotlin: `SharedCache` names and
//! seals one credential's entries; `SharedRefresh` is one refresh through the
//! host's store, every key, value, expiry, wait and timeout the core's.

use crate::cache::Token;
use crate::credentials::CoreCredentials;
use crate::errors::CredmintError;
use credmint::{
    CacheSecret, SharedCache as CoreCache, SharedCacheOptions, SharedOutcome,
    SharedRefresh as CoreRefresh, SharedStep as CoreStep, TokenPurpose, UnixTime,
};
use std::sync::{Arc, Mutex};

/// A token read from a shared store and when to refresh it.
#[derive(uniffi::Record)]
pub struct SharedEntry {
    /// The token.
    pub token: Token,
    /// When its refresh falls due (Unix seconds).
    pub refresh_at: i64,
}

/// What the host does next for a shared refresh.
#[derive(uniffi::Enum)]
pub enum SharedStep {
    /// Read `key`; answer `feed_value`.
    Get {
        /// The key.
        key: String,
        /// Give up after this long and answer `feed_store_error`.
        timeout_millis: u64,
    },
    /// Store `value` at `key` only if absent, expiring after `ttl_millis`
    /// (Redis `SET NX PX`); answer `feed_set`.
    SetIfAbsent {
        /// The lease key.
        key: String,
        /// This refresh's holder id.
        value: String,
        /// Lease lifetime.
        ttl_millis: u64,
        /// Give up after this long.
        timeout_millis: u64,
    },
    /// Store the sealed entry, expiring with its token (Redis `SET PX`); answer `feed_ok`.
    Set {
        /// The entry key.
        key: String,
        /// The sealed entry.
        value: String,
        /// Milliseconds until the token expires.
        ttl_millis: u64,
        /// Give up after this long.
        timeout_millis: u64,
    },
    /// Delete `key` only if it still holds `value`; answer `feed_ok`.
    DeleteIfEquals {
        /// The lease key.
        key: String,
        /// This refresh's holder id.
        value: String,
        /// Give up after this long.
        timeout_millis: u64,
    },
    /// Get a new token with the credential's conversation; answer `feed_token`
    /// or `feed_refresh_failed`.
    Refresh,
    /// Sleep this long, then poll again.
    Wait {
        /// Milliseconds.
        millis: u64,
    },
    /// Use this token until `refresh_at`.
    Done {
        /// The token and its refresh time.
        entry: SharedEntry,
        /// `store`, `refreshed` or `still_valid`.
        origin: String,
    },
    /// This process's refresh failed: throw the error its conversation raised.
    Failed,
}

/// One credential's shared cache of access tokens, or of one audience's ID tokens.
#[derive(uniffi::Object)]
pub struct SharedCache {
    inner: CoreCache,
}

#[uniffi::export]
impl SharedCache {
    /// `secret`: the application's cache secret (32 bytes or more);
    /// `options_json`: the core's `SharedCacheOptions` as JSON.
    #[uniffi::constructor(default(audience = None, options_json = None))]
    pub fn new(
        secret: Vec<u8>,
        credentials: Arc<CoreCredentials>,
        audience: Option<String>,
        options_json: Option<String>,
    ) -> Result<Self, CredmintError> {
        let secret = CacheSecret::from_bytes(&zeroize::Zeroizing::new(secret))?;
        let options = match options_json {
            Some(json) => SharedCacheOptions::from_json(&json)?,
            None => SharedCacheOptions::default(),
        };
        let purpose = TokenPurpose::from_audience(audience.as_deref());
        let inner = CoreCache::new(&secret, &credentials.inner, &purpose, options)?;
        Ok(SharedCache { inner })
    }

    /// The store key of the sealed entry.
    pub fn entry_key(&self) -> String {
        self.inner.key().entry().to_owned()
    }

    /// The store key of the refresh lease.
    pub fn lease_key(&self) -> String {
        self.inner.key().lease().to_owned()
    }

    /// A refresh for the caller the in-process cache chose at `now`, holding
    /// `current` if its token is still valid.
    #[uniffi::method(default(current = None))]
    pub fn refresh(&self, now: i64, current: Option<Token>) -> Arc<SharedRefresh> {
        let refresh = self
            .inner
            .refresh(UnixTime::from_secs(now), current.map(|t| t.to_core()));
        Arc::new(SharedRefresh {
            inner: Mutex::new(refresh),
        })
    }

    /// The entry in a stored value, if it opens and is usable at `now`.
    pub fn open(&self, value: String, now: i64) -> Option<SharedEntry> {
        self.inner
            .open(&value, UnixTime::from_secs(now))
            .map(|entry| SharedEntry {
                token: Token::from_core(entry.token),
                refresh_at: entry.refresh_at.as_secs(),
            })
    }
}

/// One refresh through the store.
#[derive(uniffi::Object)]
pub struct SharedRefresh {
    inner: Mutex<CoreRefresh>,
}

impl SharedRefresh {
    fn with<T>(
        &self,
        f: impl FnOnce(&mut CoreRefresh) -> credmint::Result<T>,
    ) -> Result<T, CredmintError> {
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(f(&mut inner)?)
    }
}

#[uniffi::export]
impl SharedRefresh {
    /// The next step at `now`.
    pub fn poll(&self, now: i64) -> Result<SharedStep, CredmintError> {
        Ok(match self.with(|r| r.poll(UnixTime::from_secs(now)))? {
            CoreStep::Get {
                key,
                timeout_millis,
            } => SharedStep::Get {
                key,
                timeout_millis,
            },
            CoreStep::SetIfAbsent {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => SharedStep::SetIfAbsent {
                key,
                value,
                ttl_millis,
                timeout_millis,
            },
            CoreStep::Set {
                key,
                value,
                ttl_millis,
                timeout_millis,
            } => SharedStep::Set {
                key,
                value,
                ttl_millis,
                timeout_millis,
            },
            CoreStep::DeleteIfEquals {
                key,
                value,
                timeout_millis,
            } => SharedStep::DeleteIfEquals {
                key,
                value,
                timeout_millis,
            },
            CoreStep::Refresh => SharedStep::Refresh,
            CoreStep::Wait { millis } => SharedStep::Wait { millis },
            CoreStep::Done(SharedOutcome::Token { entry, source }) => SharedStep::Done {
                entry: SharedEntry {
                    token: Token::from_core(entry.token),
                    refresh_at: entry.refresh_at.as_secs(),
                },
                origin: source.as_str().to_owned(),
            },
            CoreStep::Done(SharedOutcome::RefreshFailed) => SharedStep::Failed,
        })
    }

    /// The value read for the last `Get` (`None`: absent).
    pub fn feed_value(&self, value: Option<String>) -> Result<(), CredmintError> {
        self.with(|r| r.feed_value(value.as_deref()))
    }

    /// Whether the last `SetIfAbsent` stored the lease.
    pub fn feed_set(&self, stored: bool) -> Result<(), CredmintError> {
        self.with(|r| r.feed_set(stored))
    }

    /// The last `Set` or `DeleteIfEquals` succeeded.
    pub fn feed_ok(&self) -> Result<(), CredmintError> {
        self.with(CoreRefresh::feed_ok)
    }

    /// The last store step failed or timed out.
    pub fn feed_store_error(&self) -> Result<(), CredmintError> {
        self.with(CoreRefresh::feed_store_error)
    }

    /// The token the credential's conversation obtained.
    pub fn feed_token(&self, token: Token) -> Result<(), CredmintError> {
        self.with(|r| r.feed_token(token.to_core()))
    }

    /// The credential's conversation failed.
    pub fn feed_refresh_failed(&self) -> Result<(), CredmintError> {
        self.with(CoreRefresh::feed_refresh_failed)
    }
}
