//! RSA private keys: the signing half, opaque and wiped on drop.

use super::decode::{self, PrivateKeyDer};
use super::jwk::JwkSet;
use super::public::{PublicKey, check_key_id};
use crate::crypto::{Backend, PrivateKeyImpl};
use crate::error::{Error, Result};
use der::SecretDocument;
use std::fmt;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// An RSA private key (2048, 3072 or 4096 bits, e = 65537) with its key id.
///
/// There is no getter for the private material: the key can sign, and it can
/// hand out its [`PublicKey`]. `Debug` shows only the key id, size and backend.
/// The backends wipe the key on drop (RustCrypto `rsa` zeroizes its integers;
/// ring keeps them in memory it frees without wiping, see docs/decisions), and
/// every PEM/DER copy credmint makes while loading is wiped.
///
/// A key read `for_keystore` is decoded and policy-checked but not loaded into
/// a backend until it first signs: hosts that sign with a platform keystore
/// (WebCrypto, Keychain, Android Keystore) import [`SigningKey::pkcs8_der`] and
/// never pay for RSA arithmetic here.
pub struct SigningKey {
    key_id: String,
    public: PublicKey,
    private: PrivateHalf,
}

/// The private key as PKCS#1 DER (wiped on drop) and the backend key built from it.
struct PrivateHalf {
    pkcs1: SecretDocument,
    backend: Backend,
    loaded: OnceLock<PrivateKeyImpl>,
}

impl PrivateHalf {
    /// The backend key, built on first use (two threads may both build it; one wins).
    fn key(&self) -> Result<&PrivateKeyImpl> {
        if let Some(key) = self.loaded.get() {
            return Ok(key);
        }
        let key = PrivateKeyImpl::from_pkcs1_der(self.backend, self.pkcs1.as_bytes())?;
        Ok(self.loaded.get_or_init(|| key))
    }
}

/// When the backend key is built: while reading, or at the first signature.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Loading {
    Now,
    AtFirstUse,
}

impl SigningKey {
    /// Reads a PEM private key (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`)
    /// and gives it the key id `key_id` (the JWS `kid`).
    pub fn from_pem(pem: &str, key_id: impl Into<String>) -> Result<Self> {
        Self::from_pem_with_backend(pem, key_id, Backend::default())
    }

    /// Like [`SigningKey::from_pem`], signing with `backend`.
    pub fn from_pem_with_backend(
        pem: &str,
        key_id: impl Into<String>,
        backend: Backend,
    ) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pem(pem)?,
            key_id.into(),
            backend,
            Loading::Now,
        )
    }

    /// Like [`SigningKey::from_pem_with_backend`], for a host that signs with a
    /// platform keystore: the PEM is decoded and checked against the key policy,
    /// but the backend key (and its CRT consistency check) is built only if this
    /// key is itself asked to sign. The keystore checks the key when it imports
    /// [`SigningKey::pkcs8_der`].
    pub fn from_pem_for_keystore(
        pem: &str,
        key_id: impl Into<String>,
        backend: Backend,
    ) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pem(pem)?,
            key_id.into(),
            backend,
            Loading::AtFirstUse,
        )
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8], key_id: impl Into<String>, backend: Backend) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pkcs8_der(der)?,
            key_id.into(),
            backend,
            Loading::Now,
        )
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8], key_id: impl Into<String>, backend: Backend) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pkcs1_der(der)?,
            key_id.into(),
            backend,
            Loading::Now,
        )
    }

    fn from_der(
        key: PrivateKeyDer,
        key_id: String,
        backend: Backend,
        loading: Loading,
    ) -> Result<Self> {
        let key_id = check_key_id(key_id)?;
        let private = PrivateHalf {
            pkcs1: key.pkcs1,
            backend,
            loaded: OnceLock::new(),
        };
        if loading == Loading::Now {
            private.key()?;
        }
        let public = PublicKey::from_checked(key.public, backend)?.with_key_id(key_id.clone())?;
        Ok(SigningKey {
            key_id,
            public,
            private,
        })
    }

    /// The same key under another key id (non-empty, at most 256 bytes, no control characters).
    pub fn with_key_id(self, key_id: impl Into<String>) -> Result<Self> {
        let key_id = check_key_id(key_id.into())?;
        let public = self.public.with_key_id(key_id.clone())?;
        Ok(SigningKey {
            key_id,
            public,
            private: self.private,
        })
    }

    /// The key id, written as `kid` in every JWS header this key signs.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half, with the same key id.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The backend that signs with this key.
    pub fn backend(&self) -> Backend {
        self.private.backend
    }

    /// Raw RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (blinded; deterministic output).
    ///
    /// A key read `for_keystore` is loaded into its backend here, the first
    /// time; an inconsistent key fails with `invalid_key`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.private.key()?.sign(message)
    }

    /// The private key as DER PKCS#8 `PrivateKeyInfo`, in a buffer wiped on drop.
    ///
    /// Only for handing the key to a platform keystore that signs in its place
    /// (WebCrypto `importKey("pkcs8")`, Android Keystore, Keychain); PKCS#1
    /// keys are wrapped, so every key credmint reads can be imported.
    pub fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        super::encode::pkcs8_from_pkcs1(self.private.pkcs1.as_bytes())
            .map_err(|_| Error::invalid_key("cannot encode the key as PKCS#8"))
    }

    /// The public key as a one-key JWK Set.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.public.to_jwk()],
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_id", &self.key_id)
            .field("bits", &self.public.bits())
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}
