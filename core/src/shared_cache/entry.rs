//! The entry a shared store holds: one token, when it was obtained, when it
//! expires and when its refresh falls due — versioned, sealed, and checked
//! again by every reader.

use super::seal::CacheSecret;
use crate::error::Result;
use crate::json::{parse_object, write_string};
use crate::lifetime::{RefreshPolicy, TokenLifetime};
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::{AccessToken, AnyToken, Expiring, IdToken};
use serde_json::{Map, Value};

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

/// The plaintext's members, in the order they are written.
const MEMBERS: [&str; 8] = [
    "v",
    "kind",
    "token",
    "obtained_at",
    "expires_at",
    "refresh_at",
    "refresh_token",
    "scope",
];

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
        let entry = Self::from_plain(&parse_object(&plain).ok()?, id_token)?;
        let lifetime = entry.token.lifetime();
        let skewed = lifetime.obtained_at() > now.saturating_add(MAX_ENTRY_CLOCK_SKEW_SECS);
        (!skewed && !lifetime.is_expired(now, policy)).then_some(entry)
    }

    fn from_plain(plain: &Map<String, Value>, id_token: bool) -> Option<Self> {
        if plain.keys().any(|name| !MEMBERS.contains(&name.as_str()))
            || plain.get("v")?.as_u64()? != u64::from(ENTRY_VERSION)
        {
            return None;
        }
        let time = |name: &str| plain.get(name)?.as_i64().map(UnixTime::from_secs);
        let text = |name: &str| match plain.get(name) {
            None => Some(None),
            Some(Value::String(text)) => Some(Some(text.clone())),
            Some(_) => None,
        };
        let (obtained, expires, refresh_at) = (
            time("obtained_at")?,
            time("expires_at")?,
            time("refresh_at")?,
        );
        let lifetime = TokenLifetime::new(obtained, expires).ok()?;
        if refresh_at < obtained || refresh_at > expires {
            return None;
        }
        let token = SecretString::from(text("token")??);
        let (refresh_token, scope) = (text("refresh_token")?, text("scope")?);
        let token = match (plain.get("kind")?.as_str()?, id_token) {
            ("access", false) => AnyToken::Access(
                AccessToken::new(token, lifetime)
                    .ok()?
                    .with_refresh_token(refresh_token.map(SecretString::from))
                    .with_scope(scope),
            ),
            ("id", true) if refresh_token.is_none() && scope.is_none() => {
                AnyToken::Id(IdToken::with_lifetime(token, lifetime).ok()?)
            }
            _ => return None,
        };
        Some(SharedEntry { token, refresh_at })
    }

    /// The plaintext: a JSON object with the members of [`MEMBERS`], in order.
    fn to_json(&self) -> String {
        let lifetime = self.token.lifetime();
        let (kind, token, refresh_token, scope) = match &self.token {
            AnyToken::Access(token) => (
                "access",
                token.token(),
                token.refresh_token(),
                token.scope(),
            ),
            AnyToken::Id(token) => ("id", token.token(), None, None),
        };
        let mut out = String::with_capacity(token.expose_secret().len() + 160);
        out.push_str(&format!(
            "{{\"v\":{ENTRY_VERSION},\"kind\":\"{kind}\",\"token\":"
        ));
        write_string(token.expose_secret(), &mut out);
        out.push_str(&format!(
            ",\"obtained_at\":{},\"expires_at\":{},\"refresh_at\":{}",
            lifetime.obtained_at().as_secs(),
            lifetime.expires_at().as_secs(),
            self.refresh_at.as_secs()
        ));
        if let Some(refresh_token) = refresh_token {
            out.push_str(",\"refresh_token\":");
            write_string(refresh_token.expose_secret(), &mut out);
        }
        if let Some(scope) = scope {
            out.push_str(",\"scope\":");
            write_string(scope, &mut out);
        }
        out.push('}');
        out
    }
}
