//! The emulator's own signing keys, which rotate on demand: the OIDC set
//! (RS256: ID tokens, IBM tokens) and the IAP set (ES256: IAP assertions).
//!
//! Each set signs with its newest key and still publishes the one before it,
//! as Google overlaps its keys, so a token signed just before a rotation keeps
//! verifying. Only the first OIDC key is kept in the state file: rotated keys
//! and the IAP key live in memory, so a restart goes back to the saved OIDC key
//! and a fresh IAP key.

use crate::error::SetupError;
use crate::es256::EcKey;
use crate::state::Persisted;
use crate::world::{certificate, generated_key};
use credmint::{
    Claims, JwkSet, KeyFileOptions, SecretString, ServiceAccountKey, generate_service_account_key,
};
use std::sync::{Arc, PoisonError, RwLock};

/// State key of the emulator's first OIDC signing key.
const OIDC_KEY: &str = "oidc";
/// `client_email` of the emulator's OIDC keys (the subject of their certificates).
const OIDC_EMAIL: &str = "oidc@credmint-emulator.iam.gserviceaccount.com";

/// One of the emulator's RS256 keys, with its self-signed X.509 certificate.
pub struct OidcKey {
    /// The key (its `private_key_id` is the `kid`).
    pub key: ServiceAccountKey,
    /// Its certificate (PEM), for `/oauth2/v1/certs`.
    pub certificate: String,
}

impl OidcKey {
    fn from_file(text: &SecretString) -> Result<Self, SetupError> {
        let key = ServiceAccountKey::from_json(text.expose_secret())?;
        Ok(OidcKey {
            certificate: certificate(&key)?,
            key,
        })
    }

    fn generate() -> Result<Self, SetupError> {
        Self::from_file(&generate_service_account_key(&KeyFileOptions::new(
            OIDC_EMAIL,
        ))?)
    }
}

/// A key set as its endpoint publishes it: the key that signs now, the one it
/// replaced, and when the set last changed (Unix seconds).
pub struct Published<K> {
    current: Arc<K>,
    previous: Option<Arc<K>>,
    published_at: i64,
}

impl<K> Clone for Published<K> {
    fn clone(&self) -> Self {
        Published {
            current: Arc::clone(&self.current),
            previous: self.previous.clone(),
            published_at: self.published_at,
        }
    }
}

impl<K> Published<K> {
    fn new(key: K, now: i64) -> Self {
        Published {
            current: Arc::new(key),
            previous: None,
            published_at: now,
        }
    }

    /// The key that signs.
    pub fn current(&self) -> &K {
        &self.current
    }

    /// Every published key, the signing one first (at most two).
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        std::iter::once(&*self.current).chain(self.previous.as_deref())
    }

    /// When the set was last published: start, or the last rotation.
    pub fn published_at(&self) -> i64 {
        self.published_at
    }

    /// `key` signs from now on; the key it replaces stays published, the one
    /// before that is dropped.
    fn rotate(&mut self, key: K, now: i64) {
        let replaced = std::mem::replace(&mut self.current, Arc::new(key));
        self.previous = Some(replaced);
        self.published_at = now;
    }
}

impl Published<OidcKey> {
    /// The set as a JWK Set.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys().flat_map(|k| k.key.jwks().keys).collect(),
        }
    }
}

/// A rotating key set, by the name `POST /_emulator/rotate-keys?set=` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySetName {
    /// The RS256 set behind `/oauth2/v3/certs`, `/oauth2/v1/certs` and `/identity/keys`.
    Oidc,
    /// The ES256 set behind `/iap/verify/public_key-jwk`.
    Iap,
}

impl KeySetName {
    /// Every set, in the order a rotation of all of them reports them.
    pub const ALL: [KeySetName; 2] = [KeySetName::Oidc, KeySetName::Iap];

    /// `oidc` or `iap`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|set| set.as_str() == name)
    }

    /// The set's name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySetName::Oidc => "oidc",
            KeySetName::Iap => "iap",
        }
    }
}

/// The emulator's rotating key sets. Readers take a cheap snapshot
/// ([`Published`] holds `Arc`s), so a rotation never waits on a signature.
pub struct Keyring {
    oidc: RwLock<Published<OidcKey>>,
    iap: RwLock<Published<EcKey>>,
    started_at: i64,
}

impl Keyring {
    /// The first OIDC key from `state` (generated and recorded if absent) and a
    /// fresh IAP key, both published at `now`.
    pub fn load(state: &mut Persisted, now: i64) -> Result<Self, SetupError> {
        let oidc = OidcKey::from_file(&generated_key(state, OIDC_KEY, OIDC_EMAIL, None)?)?;
        Ok(Keyring {
            oidc: RwLock::new(Published::new(oidc, now)),
            iap: RwLock::new(Published::new(EcKey::generate()?, now)),
            started_at: now,
        })
    }

    /// When the emulator started: when the keys that never rotate (the
    /// service accounts') were published.
    pub fn started_at(&self) -> i64 {
        self.started_at
    }

    /// The OIDC set now.
    pub fn oidc(&self) -> Published<OidcKey> {
        self.oidc
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The IAP set now.
    pub fn iap(&self) -> Published<EcKey> {
        self.iap
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Signs `claims` as a JWT with the current OIDC key.
    pub fn sign_oidc(&self, claims: &Claims) -> credmint::Result<SecretString> {
        self.oidc().current().key.signing_key().sign_claims(claims)
    }

    /// Generates a new key for `set`, makes it the signing one and returns its
    /// `kid`. The key is generated before the lock is taken.
    pub fn rotate(&self, set: KeySetName, now: i64) -> Result<String, SetupError> {
        match set {
            KeySetName::Oidc => {
                let key = OidcKey::generate()?;
                let kid = key.key.key_id().to_owned();
                self.oidc
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .rotate(key, now);
                Ok(kid)
            }
            KeySetName::Iap => {
                let key = EcKey::generate()?;
                let kid = key.key_id().to_owned();
                self.iap
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .rotate(key, now);
                Ok(kid)
            }
        }
    }
}
