//! One refresh through a shared store: read the entry; if it is missing or
//! due, take the lease, read again (the last holder may have just written),
//! refresh, write, release; if another process holds the
//! lease, use a still-valid token or wait a bounded time and read again.
//!
//! The host answers store steps with its store (Redis, a Durable Object's
//! storage) and the [`SharedStep::Refresh`] step with the credential's own
//! flow; every key, value, expiry, wait and timeout comes from here.

use super::entry::SharedEntry;
use super::key::CacheKey;
use super::options::SharedCacheOptions;
use super::seal::CacheSecret;
use crate::encoding::b64url_encode;
use crate::error::{Error, Result};
use crate::lifetime::RefreshPolicy;
use crate::time::UnixTime;
use crate::token::{AnyToken, Expiring};

/// What the host does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedStep {
    /// Read `key` (Redis `GET`); answer [`SharedRefresh::feed_value`].
    Get {
        /// The key.
        key: String,
        /// Give up after this long and answer [`SharedRefresh::feed_store_error`].
        timeout_millis: u64,
    },
    /// Take the lease: store `value` at `key` only if `key` is absent, expiring
    /// after `ttl_millis` (Redis `SET key value NX PX ttl`); answer
    /// [`SharedRefresh::feed_set`] with whether it was stored.
    SetIfAbsent {
        /// The lease key.
        key: String,
        /// This refresh's holder id.
        value: String,
        /// When the store drops the lease by itself, if its holder dies.
        ttl_millis: u64,
        /// Give up after this long.
        timeout_millis: u64,
    },
    /// Store the sealed entry (Redis `SET key value PX ttl`): it expires with
    /// its token. Answer [`SharedRefresh::feed_ok`].
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
    /// Release the lease: delete `key` only if it still holds `value` (a
    /// compare-and-delete; in Redis a one-line script). Answer [`SharedRefresh::feed_ok`].
    DeleteIfEquals {
        /// The lease key.
        key: String,
        /// This refresh's holder id.
        value: String,
        /// Give up after this long.
        timeout_millis: u64,
    },
    /// Obtain a new token with the credential's flow; answer
    /// [`SharedRefresh::feed_token`] or [`SharedRefresh::feed_refresh_failed`].
    Refresh,
    /// Another process holds the lease: sleep this long, then poll again.
    Wait {
        /// How long.
        millis: u64,
    },
    /// Finished.
    Done(SharedOutcome),
}

/// How a shared refresh ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedOutcome {
    /// Use this token until its `refresh_at` (hand both to the in-process cache).
    Token {
        /// The token and when to look again.
        entry: SharedEntry,
        /// Where it came from.
        source: TokenOrigin,
    },
    /// This process's refresh failed: report the error the host got from its flow.
    RefreshFailed,
}

/// Where the token of [`SharedOutcome::Token`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenOrigin {
    /// Another process's refresh, read from the store.
    Store,
    /// This process refreshed it (and wrote it, unless the store failed).
    Refreshed,
    /// A still-valid token while another process refreshes: look again soon.
    StillValid,
}

impl TokenOrigin {
    /// `"store"`, `"refreshed"` or `"still_valid"`, as bindings name it.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenOrigin::Store => "store",
            TokenOrigin::Refreshed => "refreshed",
            TokenOrigin::StillValid => "still_valid",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Nothing,
    Value,
    Set,
    Ok,
    Token,
}

#[derive(Clone, Debug)]
enum Next {
    Read,
    Acquire,
    Refresh,
    Write(SharedEntry),
    Release(SharedOutcome),
    Wait,
    Done(SharedOutcome),
}

/// One caller's refresh through a shared store, driven by the host with
/// `poll(now)` and `feed_*` as every flow is.
#[derive(Debug)]
pub struct SharedRefresh {
    secret: CacheSecret,
    key: CacheKey,
    policy: RefreshPolicy,
    id_token: bool,
    options: SharedCacheOptions,
    holder: String,
    current: Option<AnyToken>,
    next: Next,
    expect: Expect,
    waited_millis: u64,
    holding: bool,
    store_down: bool,
    now: UnixTime,
}

impl SharedRefresh {
    pub(crate) fn new(
        secret: CacheSecret,
        key: CacheKey,
        policy: RefreshPolicy,
        id_token: bool,
        options: SharedCacheOptions,
        current: Option<AnyToken>,
        now: UnixTime,
    ) -> Self {
        SharedRefresh {
            secret,
            key,
            policy,
            id_token,
            options,
            holder: holder_id(),
            current,
            next: Next::Read,
            expect: Expect::Nothing,
            waited_millis: 0,
            holding: false,
            store_down: false,
            now,
        }
    }

    /// The next step at `now`.
    pub fn poll(&mut self, now: UnixTime) -> Result<SharedStep> {
        if self.expect != Expect::Nothing {
            return Err(Error::invalid_argument(
                "the last shared-cache step has not been answered",
            ));
        }
        self.now = now;
        let timeout_millis = self.options.store_timeout_millis;
        Ok(match self.next.clone() {
            Next::Read => {
                self.expect = Expect::Value;
                SharedStep::Get {
                    key: self.key.entry().to_owned(),
                    timeout_millis,
                }
            }
            Next::Acquire => {
                self.expect = Expect::Set;
                SharedStep::SetIfAbsent {
                    key: self.key.lease().to_owned(),
                    value: self.holder.clone(),
                    ttl_millis: self.options.lease_millis,
                    timeout_millis,
                }
            }
            Next::Refresh => {
                self.expect = Expect::Token;
                SharedStep::Refresh
            }
            Next::Write(entry) => {
                self.expect = Expect::Ok;
                let expires_in = entry.token.lifetime().expires_at().as_secs() - now.as_secs();
                let ttl_millis = u64::try_from(expires_in).unwrap_or(0).saturating_mul(1000);
                self.next = Next::Release(SharedOutcome::Token {
                    entry: entry.clone(),
                    source: TokenOrigin::Refreshed,
                });
                SharedStep::Set {
                    key: self.key.entry().to_owned(),
                    value: entry.seal(&self.secret, self.key.entry())?,
                    ttl_millis: ttl_millis.max(1000),
                    timeout_millis,
                }
            }
            Next::Release(outcome) => {
                if !self.holding || self.store_down {
                    self.next = Next::Done(outcome.clone());
                    return Ok(SharedStep::Done(outcome));
                }
                self.holding = false;
                self.expect = Expect::Ok;
                self.next = Next::Done(outcome);
                SharedStep::DeleteIfEquals {
                    key: self.key.lease().to_owned(),
                    value: self.holder.clone(),
                    timeout_millis,
                }
            }
            Next::Wait => {
                self.waited_millis += self.options.poll_millis;
                self.next = Next::Read;
                SharedStep::Wait {
                    millis: self.options.poll_millis,
                }
            }
            Next::Done(outcome) => SharedStep::Done(outcome),
        })
    }

    /// The value read at the key of the last [`SharedStep::Get`], if any.
    pub fn feed_value(&mut self, value: Option<&str>) -> Result<()> {
        self.expecting(Expect::Value)?;
        let stored = value.and_then(|value| {
            SharedEntry::open(
                &self.secret,
                self.key.entry(),
                value,
                self.id_token,
                self.now,
                self.policy,
            )
        });
        self.next = match stored {
            Some(entry) if self.now < entry.refresh_at => {
                let outcome = SharedOutcome::Token {
                    entry,
                    source: TokenOrigin::Store,
                };
                // Read again under the lease: the previous holder wrote
                // between our first read and our lease. Give the lease back.
                if self.holding {
                    Next::Release(outcome)
                } else {
                    Next::Done(outcome)
                }
            }
            _ if self.holding => Next::Refresh,
            Some(entry) => {
                // Due but valid: keep the later-expiring of it and our own.
                let ours = self.current.as_ref().map(|t| t.lifetime().expires_at());
                if ours.is_none_or(|ours| entry.token.lifetime().expires_at() > ours) {
                    self.current = Some(entry.token);
                }
                self.after_read_due()
            }
            None => self.after_read_due(),
        };
        Ok(())
    }

    fn after_read_due(&self) -> Next {
        if self.waited_millis >= self.options.max_wait_millis {
            // The lease was held the whole time: its holder is stuck or the
            // store does not expire it. Refresh without it (one extra token).
            Next::Refresh
        } else {
            Next::Acquire
        }
    }

    /// Whether the last [`SharedStep::SetIfAbsent`] stored the lease.
    pub fn feed_set(&mut self, stored: bool) -> Result<()> {
        self.expecting(Expect::Set)?;
        self.holding = stored;
        self.next = if stored {
            // Read once more under the lease before refreshing: another
            // holder may have written and released since our first read.
            Next::Read
        } else if let Some(token) = self.valid_current() {
            let recheck = self.now.saturating_add(self.options.recheck_secs);
            let refresh_at = recheck.min(token.lifetime().expires_at());
            Next::Done(SharedOutcome::Token {
                entry: SharedEntry { token, refresh_at },
                source: TokenOrigin::StillValid,
            })
        } else {
            Next::Wait
        };
        Ok(())
    }

    fn valid_current(&self) -> Option<AnyToken> {
        self.current
            .clone()
            .filter(|token| !token.lifetime().is_expired(self.now, self.policy))
    }

    /// The last [`SharedStep::Set`] or [`SharedStep::DeleteIfEquals`] succeeded.
    pub fn feed_ok(&mut self) -> Result<()> {
        self.expecting(Expect::Ok)
    }

    /// The last store step failed or timed out: the store is treated as down
    /// for the rest of this refresh, which goes on in-process.
    pub fn feed_store_error(&mut self) -> Result<()> {
        let step = self.expect;
        if !matches!(step, Expect::Value | Expect::Set | Expect::Ok) {
            return Err(Error::invalid_argument(
                "no store step is waiting for an answer",
            ));
        }
        self.expect = Expect::Nothing;
        self.store_down = true;
        if matches!(step, Expect::Value | Expect::Set) {
            self.next = Next::Refresh;
        }
        Ok(())
    }

    /// The token the credential's flow obtained for [`SharedStep::Refresh`].
    pub fn feed_token(&mut self, token: AnyToken) -> Result<()> {
        self.expecting(Expect::Token)?;
        let kind_matches = matches!(
            (&token, self.id_token),
            (AnyToken::Access(_), false) | (AnyToken::Id(_), true)
        );
        if !kind_matches {
            return Err(Error::invalid_argument(
                "the refreshed token is not of the kind this cache holds",
            ));
        }
        let entry = SharedEntry::new(token, self.policy);
        self.next = if self.store_down {
            Next::Done(SharedOutcome::Token {
                entry,
                source: TokenOrigin::Refreshed,
            })
        } else {
            Next::Write(entry)
        };
        Ok(())
    }

    /// The credential's flow failed: the lease is released so that another
    /// caller may try at once; the host reports its flow's error.
    pub fn feed_refresh_failed(&mut self) -> Result<()> {
        self.expecting(Expect::Token)?;
        self.next = Next::Release(SharedOutcome::RefreshFailed);
        Ok(())
    }

    fn expecting(&mut self, expected: Expect) -> Result<()> {
        if self.expect != expected {
            return Err(Error::invalid_argument(
                "this answer does not match the last shared-cache step",
            ));
        }
        self.expect = Expect::Nothing;
        Ok(())
    }
}

/// A random holder id, so a process releases only its own lease.
fn holder_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    b64url_encode(&bytes)
}
