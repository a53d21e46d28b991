//! The core's single-flight token cache behind a lock. Every decision (fresh,
//! refresh in the background, refresh first, wait, the waited-for refresh
//! failed) is the core's; the host layers only act on it and report back.

use crate::credentials::CoreCredentials;
use crate::tokens::{AccessToken, IdToken};
use credmint::{AnyToken, Jitter, Lookup, RefreshPolicy, TokenCache as CoreCache, UnixTime};
use std::sync::{Arc, Mutex, MutexGuard};

/// Whose refresh timing to follow.
#[derive(uniffi::Enum)]
pub enum RefreshStyle {
    /// As Google's auth libraries do.
    Google,
    /// As IBM Cloud's SDKs do.
    Ibm,
}

/// A cached token of either kind.
#[derive(uniffi::Enum)]
pub enum Token {
    /// An access token.
    Access {
        /// The token.
        token: Arc<AccessToken>,
    },
    /// An ID token.
    Id {
        /// The token.
        token: Arc<IdToken>,
    },
}

impl Token {
    pub(crate) fn from_core(token: AnyToken) -> Self {
        match token {
            AnyToken::Access(inner) => Token::Access {
                token: Arc::new(AccessToken { inner }),
            },
            AnyToken::Id(inner) => Token::Id {
                token: Arc::new(IdToken { inner }),
            },
        }
    }

    pub(crate) fn to_core(&self) -> AnyToken {
        match self {
            Token::Access { token } => AnyToken::Access(token.inner.clone()),
            Token::Id { token } => AnyToken::Id(token.inner.clone()),
        }
    }
}

/// What a caller of the cache should do now.
#[derive(uniffi::Enum)]
pub enum CacheLookup {
    /// Use this token.
    Fresh {
        /// The token.
        token: Token,
    },
    /// Use this token, and refresh now: this caller was chosen; report with `complete` or `fail`.
    RefreshInBackground {
        /// The still-valid token.
        token: Token,
    },
    /// Refresh first (this caller was chosen), then report.
    MustRefresh,
    /// Another caller is refreshing: wait a little and ask again with
    /// `lookup_after_wait(now, generation)`.
    WaitForRefresh {
        /// The refresh waited for: `refresh_generation()`, read under the same
        /// lock as this answer (so no other refresh can start in between).
        generation: u64,
    },
    /// The refresh this caller waited for failed and nothing valid is left:
    /// throw that refresh's error (the host layer kept it) instead of refreshing again.
    RefreshFailed,
}

impl CacheLookup {
    fn of(lookup: Lookup<AnyToken>, cache: &CoreCache<AnyToken>) -> Self {
        match lookup {
            Lookup::Fresh(token) => CacheLookup::Fresh {
                token: Token::from_core(token),
            },
            Lookup::RefreshInBackground(token) => CacheLookup::RefreshInBackground {
                token: Token::from_core(token),
            },
            Lookup::MustRefresh => CacheLookup::MustRefresh,
            Lookup::WaitForRefresh => CacheLookup::WaitForRefresh {
                generation: cache.refresh_generation(),
            },
            Lookup::RefreshFailed => CacheLookup::RefreshFailed,
        }
    }
}

/// A token cache shared by every thread or coroutine using one credential.
#[derive(uniffi::Object)]
pub struct TokenCache {
    inner: Mutex<CoreCache<AnyToken>>,
}

impl TokenCache {
    fn cache(&self) -> MutexGuard<'_, CoreCache<AnyToken>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[uniffi::export]
impl TokenCache {
    /// An empty cache; refresh jitter up to `max_jitter_secs` (default 15 s) from
    /// system randomness, or from `jitter_seed` (tests).
    #[uniffi::constructor(default(max_jitter_secs = None, jitter_seed = None))]
    pub fn new(
        style: RefreshStyle,
        max_jitter_secs: Option<u64>,
        jitter_seed: Option<u64>,
    ) -> Self {
        let policy = match style {
            RefreshStyle::Google => RefreshPolicy::GOOGLE,
            RefreshStyle::Ibm => RefreshPolicy::IBM,
        };
        let jitter = jitter_seed.map_or_else(Jitter::from_entropy, Jitter::from_seed);
        let max_jitter = max_jitter_secs.unwrap_or(credmint::DEFAULT_MAX_JITTER_SECS);
        TokenCache {
            inner: Mutex::new(CoreCache::with_jitter(policy, max_jitter, jitter)),
        }
    }

    /// An empty cache for the tokens of `credentials`, refreshed as the core
    /// says for their kind (IBM's rule, the metadata server's slack, Google's).
    #[uniffi::constructor]
    pub fn for_credentials(credentials: Arc<CoreCredentials>) -> Self {
        TokenCache {
            inner: Mutex::new(CoreCache::new(credentials.inner.refresh_policy())),
        }
    }

    /// An empty cache for tokens minted through IAM (impersonation), refreshed
    /// as the core says for them.
    #[uniffi::constructor]
    pub fn for_iam_calls() -> Self {
        TokenCache {
            inner: Mutex::new(CoreCache::new(credmint::IamCredentials::REFRESH_POLICY)),
        }
    }

    /// What the caller should do at `now` (Unix seconds).
    pub fn lookup(&self, now: i64) -> CacheLookup {
        let mut cache = self.cache();
        let lookup = cache.get(UnixTime::from_secs(now));
        CacheLookup::of(lookup, &cache)
    }

    /// What a caller that waited for refresh `generation` (from `WaitForRefresh`)
    /// should do at `now`: `RefreshFailed` if that refresh failed and nothing
    /// valid is left, otherwise what `lookup` says.
    pub fn lookup_after_wait(&self, now: i64, generation: u64) -> CacheLookup {
        let mut cache = self.cache();
        let lookup = cache.get_after_wait(UnixTime::from_secs(now), generation);
        CacheLookup::of(lookup, &cache)
    }

    /// How many refreshes have started (the number `WaitForRefresh` carries).
    pub fn refresh_generation(&self) -> u64 {
        self.cache().refresh_generation()
    }

    /// The chosen caller's refresh succeeded with `token`.
    pub fn complete(&self, token: Token) {
        self.cache().complete(token.to_core());
    }

    /// A refresh through a shared store ended with `token`, due again at
    /// `refresh_at` (the time its writer chose, or a soon re-check).
    pub fn complete_until(&self, token: Token, refresh_at: i64) {
        self.cache()
            .complete_until(token.to_core(), UnixTime::from_secs(refresh_at));
    }

    /// The chosen caller's refresh failed; the next caller may try.
    pub fn fail(&self) {
        self.cache().fail();
    }

    /// When the held token's refresh falls due (Unix seconds), if one is held.
    pub fn refresh_at(&self) -> Option<i64> {
        self.cache().refresh_at().map(UnixTime::as_secs)
    }

    /// Forgets the token (after an API refused it with 401).
    pub fn invalidate(&self) {
        self.cache().invalidate();
    }
}
