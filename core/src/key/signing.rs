//! RSA private keys: the signing half, opaque and wiped on drop.

use super::decode::{self, PrivateKeyDer};
use super::jwk::JwkSet;
use super::public::{PublicKey, check_key_id};
use crate::crypto::{Backend, PrivateKeyImpl};
use crate::error::Result;
use std::fmt;

/// An RSA private key (2048, 3072 or 4096 bits, e = 65537) with its key id.
///
/// There is no getter for the private material: the key can sign, and it can
/// hand out its [`PublicKey`]. `Debug` shows only the key id, size and backend.
/// The backends wipe the key on drop (RustCrypto `rsa` zeroizes its integers;
/// ring keeps them in memory it frees without wiping, see docs/decisions), and
/// every PEM/DER copy credmint makes while loading is wiped.
pub struct SigningKey {
    key_id: String,
    public: PublicKey,
    inner: PrivateKeyImpl,
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
        Self::from_der(decode::private_key_from_pem(pem)?, key_id.into(), backend)
    }

    /// Reads a DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8], key_id: impl Into<String>, backend: Backend) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pkcs8_der(der)?,
            key_id.into(),
            backend,
        )
    }

    /// Reads a DER PKCS#1 `RSAPrivateKey`.
    pub fn from_pkcs1_der(der: &[u8], key_id: impl Into<String>, backend: Backend) -> Result<Self> {
        Self::from_der(
            decode::private_key_from_pkcs1_der(der)?,
            key_id.into(),
            backend,
        )
    }

    fn from_der(key: PrivateKeyDer, key_id: String, backend: Backend) -> Result<Self> {
        let key_id = check_key_id(key_id)?;
        let inner = PrivateKeyImpl::from_pkcs1_der(backend, key.pkcs1.as_bytes())?;
        let public = PublicKey::from_checked(key.public, backend)?.with_key_id(key_id.clone())?;
        Ok(SigningKey {
            key_id,
            public,
            inner,
        })
    }

    /// The same key under another key id (non-empty, at most 256 bytes, no control characters).
    pub fn with_key_id(self, key_id: impl Into<String>) -> Result<Self> {
        let key_id = check_key_id(key_id.into())?;
        let public = self.public.with_key_id(key_id.clone())?;
        Ok(SigningKey {
            key_id,
            public,
            inner: self.inner,
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
        self.inner.backend()
    }

    /// Raw RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (blinded; deterministic output).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.inner.sign(message)
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
