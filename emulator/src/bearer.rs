//! The emulator's opaque access tokens: `ya29.emu.<payload>.<mac>`, where the
//! payload names the principal, scopes and expiry and the MAC is HMAC-SHA256
//! under the state's secret. Nothing is stored per token, so minting under
//! load costs no writes, and tokens stay valid across restarts with `--state`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "ya29.emu.";

/// Who a bearer token speaks for, and for how long.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Grant {
    /// IAM member form: `serviceAccount:EMAIL`, `principal://…`, or `k0rdent:ID`.
    #[serde(rename = "p")]
    pub principal: String,
    /// Granted scopes.
    #[serde(rename = "s")]
    pub scopes: Vec<String>,
    /// Expiry, Unix seconds.
    #[serde(rename = "e")]
    pub expires_at: i64,
    /// A random nonce so two grants in the same second differ.
    #[serde(rename = "n")]
    pub nonce: String,
}

/// Mints and checks access tokens with one HMAC key.
pub struct TokenMinter {
    keyed: Hmac<Sha256>,
}

impl TokenMinter {
    /// A minter keyed with `key` (`None` for an empty key).
    pub fn new(key: &[u8]) -> Option<Self> {
        if key.is_empty() {
            return None;
        }
        let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
        Some(TokenMinter { keyed })
    }

    fn mac(&self, payload: &str) -> Hmac<Sha256> {
        let mut mac = self.keyed.clone();
        mac.update(payload.as_bytes());
        mac
    }

    /// The token for `grant`.
    pub fn mint(&self, grant: &Grant) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(grant).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(self.mac(&payload).finalize().into_bytes());
        format!("{PREFIX}{payload}.{tag}")
    }

    /// The grant behind `token`, if the token is ours, intact and not expired at `now`.
    pub fn check(&self, token: &str, now: i64) -> Option<Grant> {
        let rest = token.strip_prefix(PREFIX)?;
        let (payload, tag) = rest.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(payload).verify_slice(&tag).ok()?;
        let grant: Grant = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (grant.expires_at > now).then_some(grant)
    }
}

/// The bearer token of an `Authorization` header value.
pub fn from_authorization(value: Option<&str>) -> Option<&str> {
    let value = value?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}
