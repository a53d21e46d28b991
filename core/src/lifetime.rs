//! When a token stops being usable and when to replace it.

use crate::error::{Error, Result};
use crate::time::UnixTime;

/// How early to refresh a token, and how early to stop using it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshPolicy {
    /// Refresh `refresh_before` seconds before expiry; treat the token as expired
    /// `expired_before` seconds before it.
    Margin {
        /// Seconds before expiry at which a refresh becomes due.
        refresh_before: u64,
        /// Seconds before expiry at which the token is no longer handed out.
        expired_before: u64,
    },
    /// Refresh once `refresh_after_percent` of the lifetime has passed; treat the
    /// token as expired `expired_before` seconds before expiry.
    FractionOfLifetime {
        /// Percentage of the lifetime after which a refresh becomes due (1–100).
        refresh_after_percent: u8,
        /// Seconds before expiry at which the token is no longer handed out.
        expired_before: u64,
    },
}

impl RefreshPolicy {
    /// The policy named `"google"`, `"ibm"` or `"metadata"` (how bindings name them).
    pub fn named(name: &str) -> Result<Self> {
        match name {
            "google" => Ok(RefreshPolicy::GOOGLE),
            "ibm" => Ok(RefreshPolicy::IBM),
            "metadata" => Ok(RefreshPolicy::METADATA),
            other => Err(Error::invalid_argument(format!(
                "unknown refresh policy {:?} (expected \"google\", \"ibm\" or \"metadata\")",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }

    /// Google's client libraries: refresh 3 min 45 s before expiry; usable until expiry.
    pub const GOOGLE: RefreshPolicy = RefreshPolicy::Margin {
        refresh_before: 225,
        expired_before: 0,
    };

    /// Tokens from the metadata server, which caches them itself and may hand
    /// out one with only minutes left: refresh 4 min before expiry (as
    /// google-cloud-rust does), stop using it 10 s before.
    pub const METADATA: RefreshPolicy = RefreshPolicy::Margin {
        refresh_before: 240,
        expired_before: 10,
    };

    /// The name [`RefreshPolicy::named`] knows this policy by, if it is one of those.
    pub fn name(self) -> Option<&'static str> {
        match self {
            RefreshPolicy::GOOGLE => Some("google"),
            RefreshPolicy::IBM => Some("ibm"),
            RefreshPolicy::METADATA => Some("metadata"),
            _ => None,
        }
    }

    /// IBM Cloud's SDKs: refresh after 80 % of the lifetime; expired 10 s early.
    pub const IBM: RefreshPolicy = RefreshPolicy::FractionOfLifetime {
        refresh_after_percent: 80,
        expired_before: 10,
    };

    fn expired_before(self) -> u64 {
        match self {
            RefreshPolicy::Margin { expired_before, .. }
            | RefreshPolicy::FractionOfLifetime { expired_before, .. } => expired_before,
        }
    }
}

/// When a token was obtained and when it expires: the input to refresh decisions.
///
/// ```
/// use credmint::{RefreshPolicy, TokenLifetime, UnixTime};
/// let t = TokenLifetime::new(UnixTime::from_secs(1000), UnixTime::from_secs(4600)).unwrap();
/// assert_eq!(t.refresh_at(RefreshPolicy::GOOGLE), UnixTime::from_secs(4375));
/// assert_eq!(t.refresh_at(RefreshPolicy::IBM), UnixTime::from_secs(3880));
/// assert!(t.expires_soon(UnixTime::from_secs(4400), RefreshPolicy::GOOGLE));
/// assert!(!t.is_expired(UnixTime::from_secs(4599), RefreshPolicy::GOOGLE));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLifetime {
    obtained_at: UnixTime,
    expires_at: UnixTime,
}

impl TokenLifetime {
    /// A token obtained at `obtained_at` that expires at `expires_at` (which must be later).
    pub fn new(obtained_at: UnixTime, expires_at: UnixTime) -> Result<Self> {
        if expires_at <= obtained_at {
            return Err(Error::invalid_argument(format!(
                "token expires at {expires_at}, not after it was obtained at {obtained_at}"
            )));
        }
        Ok(TokenLifetime {
            obtained_at,
            expires_at,
        })
    }

    /// A token obtained at `now` that lives `expires_in` seconds (an OAuth `expires_in`).
    pub fn from_expires_in(now: UnixTime, expires_in: u64) -> Result<Self> {
        Self::new(now, now.saturating_add(expires_in))
    }

    /// When the token was obtained.
    pub fn obtained_at(&self) -> UnixTime {
        self.obtained_at
    }

    /// When the token expires.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }

    /// When a refresh becomes due under `policy` (never before the token was obtained).
    pub fn refresh_at(&self, policy: RefreshPolicy) -> UnixTime {
        let due = match policy {
            RefreshPolicy::Margin { refresh_before, .. } => {
                self.expires_at.saturating_sub(refresh_before)
            }
            RefreshPolicy::FractionOfLifetime {
                refresh_after_percent,
                ..
            } => {
                let lifetime =
                    i128::from(self.expires_at.as_secs()) - i128::from(self.obtained_at.as_secs());
                let elapsed = lifetime * i128::from(refresh_after_percent.min(100)) / 100;
                let elapsed = u64::try_from(elapsed).unwrap_or(u64::MAX);
                self.obtained_at.saturating_add(elapsed)
            }
        };
        due.max(self.obtained_at)
    }

    /// Whether a refresh is due at `now` (the token may still be usable).
    pub fn expires_soon(&self, now: UnixTime, policy: RefreshPolicy) -> bool {
        now >= self.refresh_at(policy)
    }

    /// Whether the token must no longer be used at `now`.
    pub fn is_expired(&self, now: UnixTime, policy: RefreshPolicy) -> bool {
        now >= self.expires_at.saturating_sub(policy.expired_before())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn policies_by_name() {
        assert_eq!(
            RefreshPolicy::named("google").unwrap(),
            RefreshPolicy::GOOGLE
        );
        assert_eq!(RefreshPolicy::named("ibm").unwrap(), RefreshPolicy::IBM);
        assert_eq!(
            RefreshPolicy::named("aws").unwrap_err().code(),
            "invalid_argument"
        );
    }

    use super::*;

    fn t(obtained: i64, expires: i64) -> TokenLifetime {
        TokenLifetime::new(UnixTime::from_secs(obtained), UnixTime::from_secs(expires)).unwrap()
    }

    #[test]
    fn google_policy_boundaries() {
        let token = t(0, 3600);
        let p = RefreshPolicy::GOOGLE;
        assert!(!token.expires_soon(UnixTime::from_secs(3374), p));
        assert!(token.expires_soon(UnixTime::from_secs(3375), p));
        assert!(!token.is_expired(UnixTime::from_secs(3599), p));
        assert!(token.is_expired(UnixTime::from_secs(3600), p));
    }

    #[test]
    fn ibm_policy_boundaries() {
        let token = t(1_473_184_753, 1_473_188_353);
        let p = RefreshPolicy::IBM;
        assert_eq!(
            token.refresh_at(p),
            UnixTime::from_secs(1_473_184_753 + 2880)
        );
        assert!(!token.is_expired(UnixTime::from_secs(1_473_188_342), p));
        assert!(token.is_expired(UnixTime::from_secs(1_473_188_343), p));
    }

    #[test]
    fn short_tokens_refresh_immediately() {
        let token = t(100, 160);
        assert_eq!(
            token.refresh_at(RefreshPolicy::GOOGLE),
            UnixTime::from_secs(100)
        );
    }

    #[test]
    fn rejects_non_positive_lifetimes() {
        assert!(TokenLifetime::new(UnixTime::from_secs(5), UnixTime::from_secs(5)).is_err());
        assert!(TokenLifetime::from_expires_in(UnixTime::from_secs(5), 0).is_err());
    }
}
