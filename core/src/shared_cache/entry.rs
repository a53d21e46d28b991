//! The entry a shared store holds: one token, when it was obtained, when it
//! expires and when its refresh falls due — versioned, sealed, and checked
//! again by every reader.

use super::seal::CacheSecret;
use crate::error::Result;
use crate::lifetime::{RefreshPolicy, TokenLifetime};
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::{AccessToken, AnyToken, Expiring, IdToken};
use serde::{Deserialize, Serialize};

/// Layout version of the plaintext inside a sealed entry.
pub const ENTRY_VERSION: u32 = 1;

/// An entry claiming to be obtained further in the future than this is
/// refused: the writer's clock is wrong, and so would be its expiry.
pub const MAX_ENTRY_CLOCK_SKEW_SECS: u64 = 60;

/// A token read from (or for) a shared store, with the refresh time its
/// writer chose: every reader refreshes at the same moment, so one lease
/// serves the fleet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedEntry {
    /// The token.
    pub token: AnyToken,
    /// When its refresh falls due.
    pub refresh_at: UnixTime,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain {
    v: u32,
    kind: String,
    token: String,
    obtained_at: i64,
    expires_at: i64,
    refresh_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl SharedEntry {
    /// The entry for a token just obtained: its refresh falls due where
    /// `policy` puts it, with no jitter (the lease already keeps the fleet
    /// from refreshing together).
    pub fn new(token: AnyToken, policy: RefreshPolicy) -> Self {
        let refresh_at = token.lifetime().refresh_at(policy);
        SharedEntry { token, refresh_at }
    }

    /// The plaintext, sealed for `entry_key`.
    pub fn seal(&self, secret: &CacheSecret, entry_key: &str) -> Result<String> {
        let text = zeroize::Zeroizing::new(self.to_json());
        secret.seal(entry_key, text.as_bytes())
    }

    /// The plaintext, sealed under an explicit nonce (for cross-language vectors only).
    pub fn seal_with_nonce(
        &self,
        secret: &CacheSecret,
        entry_key: &str,
        nonce: [u8; 12],
    ) -> Result<String> {
        let text = zeroize::Zeroizing::new(self.to_json());
        secret.seal_with_nonce(entry_key, nonce, text.as_bytes())
    }

    /// The entry sealed in `value` for `entry_key`, if it opens, has this
    /// layout, holds a token of the kind `id_token` says, is consistent, was
    /// not obtained in the future and is still usable at `now` under `policy`.
    /// Everything else is a miss.
    pub fn open(
        secret: &CacheSecret,
        entry_key: &str,
        value: &str,
        id_token: bool,
        now: UnixTime,
        policy: RefreshPolicy,
    ) -> Option<Self> {
        let plain = secret.open(entry_key, value)?;
        let plain: Plain = serde_json::from_slice(&plain).ok()?;
        let entry = Self::from_plain(plain, id_token)?;
        let lifetime = entry.token.lifetime();
        let skewed = lifetime.obtained_at() > now.saturating_add(MAX_ENTRY_CLOCK_SKEW_SECS);
        (!skewed && !lifetime.is_expired(now, policy)).then_some(entry)
    }

    fn from_plain(plain: Plain, id_token: bool) -> Option<Self> {
        if plain.v != ENTRY_VERSION {
            return None;
        }
        let obtained = UnixTime::from_secs(plain.obtained_at);
        let expires = UnixTime::from_secs(plain.expires_at);
        let refresh_at = UnixTime::from_secs(plain.refresh_at);
        let lifetime = TokenLifetime::new(obtained, expires).ok()?;
        if refresh_at < obtained || refresh_at > expires {
            return None;
        }
        let token = SecretString::from(plain.token);
        let token = match (plain.kind.as_str(), id_token) {
            ("access", false) => AnyToken::Access(
                AccessToken::new(token, lifetime)
                    .ok()?
                    .with_refresh_token(plain.refresh_token.map(SecretString::from))
                    .with_scope(plain.scope),
            ),
            ("id", true) if plain.refresh_token.is_none() && plain.scope.is_none() => {
                AnyToken::Id(IdToken::with_lifetime(token, lifetime).ok()?)
            }
            _ => return None,
        };
        Some(SharedEntry { token, refresh_at })
    }

    fn to_json(&self) -> String {
        let lifetime = self.token.lifetime();
        let (kind, token, refresh_token, scope) = match &self.token {
            AnyToken::Access(token) => (
                "access",
                token.token().expose_secret().to_owned(),
                token.refresh_token().map(|t| t.expose_secret().to_owned()),
                token.scope().map(str::to_owned),
            ),
            AnyToken::Id(token) => ("id", token.token().expose_secret().to_owned(), None, None),
        };
        let plain = Plain {
            v: ENTRY_VERSION,
            kind: kind.to_owned(),
            token,
            obtained_at: lifetime.obtained_at().as_secs(),
            expires_at: lifetime.expires_at().as_secs(),
            refresh_at: self.refresh_at.as_secs(),
            refresh_token,
            scope,
        };
        // Serializing strings and integers cannot fail.
        serde_json::to_string(&plain).unwrap_or_default()
    }
}
