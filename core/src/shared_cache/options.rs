//! The timing of shared refreshes: how long a lease lives, how long and how
//! often a caller with no valid token waits for another's refresh, and how
//! long a store may take to answer. Defaults are chosen here, once.

use crate::error::{Error, Result};
use crate::json::parse_object;
use serde_json::Value;

/// How long a refresh lease lives unless released: longer than a token
/// request with the core's retries normally takes, short enough that a dead
/// holder's callers recover quickly.
pub const DEFAULT_LEASE_MILLIS: u64 = 30_000;

/// How often a caller waiting for another's refresh reads the store again.
pub const DEFAULT_POLL_MILLIS: u64 = 100;

/// How long a store step may take: a store slower than this is treated as
/// down and the refresh goes on in-process.
pub const DEFAULT_STORE_TIMEOUT_MILLIS: u64 = 1_000;

/// After finding another process refreshing while it still holds a valid
/// token, a caller uses that token and looks at the store again this much later.
pub const DEFAULT_RECHECK_SECS: u64 = 1;

/// How a shared cache waits and how long its steps may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedCacheOptions {
    /// Lease lifetime (1 s – 10 min).
    pub lease_millis: u64,
    /// Longest a caller with no valid token waits for another's refresh
    /// before refreshing itself (default: one lease lifetime).
    pub max_wait_millis: u64,
    /// Interval between reads while waiting (10 ms – 5 s).
    pub poll_millis: u64,
    /// Timeout of each store step (50 ms – 30 s).
    pub store_timeout_millis: u64,
    /// Seconds before a caller that kept a valid token looks again (1–300).
    pub recheck_secs: u64,
    /// Prefix of every key (default `credmint:`).
    pub key_prefix: Option<String>,
}

impl Default for SharedCacheOptions {
    fn default() -> Self {
        SharedCacheOptions {
            lease_millis: DEFAULT_LEASE_MILLIS,
            max_wait_millis: DEFAULT_LEASE_MILLIS,
            poll_millis: DEFAULT_POLL_MILLIS,
            store_timeout_millis: DEFAULT_STORE_TIMEOUT_MILLIS,
            recheck_secs: DEFAULT_RECHECK_SECS,
            key_prefix: None,
        }
    }
}

impl SharedCacheOptions {
    /// Options from a binding's JSON (`{"lease_millis": 5000}`); fields left
    /// out keep their defaults, and `max_wait_millis` follows `lease_millis`
    /// unless given.
    pub fn from_json(text: &str) -> Result<Self> {
        let map = parse_object(text.as_bytes())
            .map_err(|e| Error::invalid_argument(format!("shared-cache options: {e}")))?;
        let mut options = SharedCacheOptions::default();
        let mut wait_given = false;
        for (name, value) in &map {
            let number = || {
                value.as_u64().ok_or_else(|| {
                    Error::invalid_argument(format!(
                        "shared-cache option {name} is not a whole number"
                    ))
                })
            };
            match name.as_str() {
                "lease_millis" => options.lease_millis = number()?,
                "max_wait_millis" => {
                    options.max_wait_millis = number()?;
                    wait_given = true;
                }
                "poll_millis" => options.poll_millis = number()?,
                "store_timeout_millis" => options.store_timeout_millis = number()?,
                "recheck_secs" => options.recheck_secs = number()?,
                "key_prefix" => match value {
                    Value::String(prefix) => options.key_prefix = Some(prefix.clone()),
                    _ => return Err(Error::invalid_argument("key_prefix is not a string")),
                },
                other => {
                    return Err(Error::invalid_argument(format!(
                        "unknown shared-cache option {:?}",
                        other.chars().take(32).collect::<String>()
                    )));
                }
            }
        }
        if !wait_given {
            options.max_wait_millis = options.lease_millis;
        }
        options.checked()
    }

    /// These options if every value is in range.
    pub fn checked(self) -> Result<Self> {
        let ranges = [
            ("lease_millis", self.lease_millis, 1_000, 600_000),
            ("max_wait_millis", self.max_wait_millis, 0, 600_000),
            ("poll_millis", self.poll_millis, 10, 5_000),
            (
                "store_timeout_millis",
                self.store_timeout_millis,
                50,
                30_000,
            ),
            ("recheck_secs", self.recheck_secs, 1, 300),
        ];
        for (name, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(Error::invalid_argument(format!(
                    "shared-cache option {name} is {value}, outside {low}–{high}"
                )));
            }
        }
        Ok(self)
    }
}
