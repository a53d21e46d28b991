//! Token caches shared by a fleet of processes and isolates.
//!
//! The core decides and the store stores. A [`SharedCache`] names the entry of
//! one set of interchangeable tokens ([`CacheKey`]), seals entries with the
//! application's [`CacheSecret`] ([`SharedEntry`]), and drives one caller's
//! refresh through the store with a lease for distributed single flight
//! ([`SharedRefresh`]). The host's in-process [`crate::TokenCache`] still picks
//! which of its callers goes to the store, and keeps working from its own
//! token when the store is down.
//!
//! Strongly consistent stores (Redis, a Durable Object) give one refresh per
//! refresh window across the fleet; eventually consistent ones (Workers KV)
//! only bound the duplicates.
//!
//! ```
//! use credmint::{CacheSecret, Credentials, SharedCache, SharedCacheOptions, SharedStep, TokenPurpose, UnixTime};
//! # fn main() -> Result<(), credmint::Error> {
//! let creds = Credentials::from_json(r#"{"type":"ibm_api_key","apikey":"k-123"}"#)?;
//! let secret = CacheSecret::from_bytes(&[42u8; 32])?;
//! let cache = SharedCache::new(&secret, &creds, &TokenPurpose::AccessToken, SharedCacheOptions::default())?;
//! let mut refresh = cache.refresh(UnixTime::from_secs(1_700_000_000), None);
//! let SharedStep::Get { key, .. } = refresh.poll(UnixTime::from_secs(1_700_000_000))? else { unreachable!() };
//! assert!(key.starts_with("credmint:v1:") && !key.contains("k-123"));
//! refresh.feed_value(None)?; // nothing stored yet: take the lease next
//! assert!(matches!(refresh.poll(UnixTime::from_secs(1_700_000_000))?, SharedStep::SetIfAbsent { .. }));
//! # Ok(()) }
//! ```

mod entry;
mod key;
mod options;
mod refresh;
mod seal;

pub(crate) use key::Description;

pub use entry::{ENTRY_VERSION, MAX_ENTRY_CLOCK_SKEW_SECS, SharedEntry};
pub use key::{CacheKey, DEFAULT_KEY_PREFIX, MAX_KEY_PREFIX_LEN, TokenPurpose};
pub use options::{
    DEFAULT_LEASE_MILLIS, DEFAULT_POLL_MILLIS, DEFAULT_RECHECK_SECS, DEFAULT_STORE_TIMEOUT_MILLIS,
    SharedCacheOptions,
};
pub use refresh::{SharedOutcome, SharedRefresh, SharedStep, TokenOrigin};
pub use seal::{CacheSecret, MAX_CACHE_SECRET_BYTES, MIN_CACHE_SECRET_BYTES, SEALED_PREFIX};

use crate::credentials::Credentials;
use crate::error::Result;
use crate::lifetime::RefreshPolicy;
use crate::time::UnixTime;
use crate::token::AnyToken;

/// The shared cache of one credential's tokens for one purpose.
#[derive(Clone, Debug)]
pub struct SharedCache {
    secret: CacheSecret,
    key: CacheKey,
    policy: RefreshPolicy,
    id_token: bool,
    options: SharedCacheOptions,
}

impl SharedCache {
    /// The cache of `credentials`' `purpose` tokens, sealed and named with `secret`.
    pub fn new(
        secret: &CacheSecret,
        credentials: &Credentials,
        purpose: &TokenPurpose,
        options: SharedCacheOptions,
    ) -> Result<Self> {
        let options = options.checked()?;
        let key =
            CacheKey::for_credentials(secret, credentials, purpose, options.key_prefix.as_deref())?;
        Ok(SharedCache {
            secret: secret.clone(),
            key,
            policy: credentials.refresh_policy(),
            id_token: matches!(purpose, TokenPurpose::IdToken { .. }),
            options,
        })
    }

    /// The store keys.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The refresh policy its entries follow (the credential's).
    pub fn policy(&self) -> RefreshPolicy {
        self.policy
    }

    /// A refresh for the caller the in-process cache chose at `now`, which
    /// holds `current` if its token is still valid (refresh in background).
    pub fn refresh(&self, now: UnixTime, current: Option<AnyToken>) -> SharedRefresh {
        SharedRefresh::new(
            self.secret.clone(),
            self.key.clone(),
            self.policy,
            self.id_token,
            self.options.clone(),
            current,
            now,
        )
    }

    /// The entry stored in `value`, if it opens and is usable at `now` (for
    /// hosts that serve reads without a refresh, and for tests).
    pub fn open(&self, value: &str, now: UnixTime) -> Option<SharedEntry> {
        SharedEntry::open(
            &self.secret,
            self.key.entry(),
            value,
            self.id_token,
            now,
            self.policy,
        )
    }
}
