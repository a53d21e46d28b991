//! RSA public keys: the verifying half, exportable as a JWK.

use super::decode;
use super::jwk::Jwk;
use super::policy::CheckedComponents;
use crate::crypto::{Backend, PublicKeyImpl};
use crate::encoding::b64url_encode;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::OnceLock;

/// Longest key id accepted, in bytes (a `kid` is only ever an exact-match map key).
pub const MAX_KEY_ID_LEN: usize = 256;

/// An RSA public key that passed credmint's policy (2048–8192 bits, e = 65537),
/// ready to verify RS256 signatures.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let pem = include_str!("../../../tests/vectors/keys/rsa_2048_spki.pem");
/// let key = credmint::PublicKey::from_pem(pem)?.with_key_id("k1")?;
/// assert_eq!(key.bits(), 2048);
/// assert_eq!(key.to_jwk().kid.as_deref(), Some("k1"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PublicKey {
    components: CheckedComponents,
    key_id: Option<String>,
    /// Built at the first verification: a key that is only exported (a JWK, a
    /// signer's own public half) never costs backend set-up.
    verifier: OnceLock<PublicKeyImpl>,
    backend: Backend,
}

impl PublicKey {
    /// Reads one PEM block: `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or `CERTIFICATE`.
    pub fn from_pem(text: &str) -> Result<Self> {
        let mut keys = decode::public_keys_from_pem(text)?;
        match (keys.pop(), keys.is_empty()) {
            (Some(components), true) => Self::from_checked(components, Backend::default()),
            _ => Err(Error::invalid_key(
                "expected exactly one PEM block; use KeySet for several",
            )),
        }
    }

    /// Reads a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        Self::from_checked(decode::public_key_from_spki_der(der)?, Backend::default())
    }

    /// Reads a DER PKCS#1 `RSAPublicKey`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        Self::from_checked(decode::public_key_from_pkcs1_der(der)?, Backend::default())
    }

    /// Reads the subject public key of a DER X.509 certificate (validity dates are not checked).
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        Self::from_checked(
            decode::public_key_from_certificate_der(der)?,
            Backend::default(),
        )
    }

    /// Builds a key from its big-endian modulus `n` and exponent `e`.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self> {
        let components = super::policy::check(n, e, super::policy::KeyUse::Verify)?;
        Self::from_checked(components, Backend::default())
    }

    pub(crate) fn from_checked(components: CheckedComponents, backend: Backend) -> Result<Self> {
        Ok(PublicKey {
            components,
            key_id: None,
            verifier: OnceLock::new(),
            backend,
        })
    }

    /// The same key with key id `kid` (non-empty, at most 256 bytes, no control characters).
    pub fn with_key_id(mut self, kid: impl Into<String>) -> Result<Self> {
        self.key_id = Some(check_key_id(kid.into())?);
        Ok(self)
    }

    /// The same key verified by `backend` instead of the default one.
    pub fn with_backend(self, backend: Backend) -> Result<Self> {
        Ok(PublicKey {
            verifier: OnceLock::new(),
            backend,
            ..self
        })
    }

    /// The key id, if the key has one.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.components.bits
    }

    /// The modulus `n`, big-endian without leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.components.n
    }

    /// The public exponent `e` (always 65537), big-endian.
    pub fn exponent(&self) -> &[u8] {
        &self.components.e
    }

    /// The backend that verifies with this key.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature (RS256, or an IAM `signBlob`)
    /// over `message`. Any mismatch, including a signature of the wrong length, is
    /// [`Error::SignatureInvalid`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let verifier = match self.verifier.get() {
            Some(verifier) => verifier,
            None => {
                let built =
                    PublicKeyImpl::new(self.backend, &self.components.n, &self.components.e)?;
                self.verifier.get_or_init(|| built)
            }
        };
        verifier.verify(message, signature)
    }

    /// This key as a JWK: `kty`, `use: sig`, `alg: RS256`, `kid` when known, `n`, `e`.
    pub fn to_jwk(&self) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            key_use: "sig".into(),
            alg: "RS256".into(),
            kid: self.key_id.clone(),
            n: b64url_encode(&self.components.n),
            e: b64url_encode(&self.components.e),
        }
    }

    /// The RFC 7638 JWK thumbprint: base64url SHA-256 of `{"e":…,"kty":"RSA","n":…}`.
    pub fn thumbprint(&self) -> String {
        b64url_encode(&self.thumbprint_sha256())
    }

    pub(crate) fn thumbprint_sha256(&self) -> [u8; 32] {
        let jwk = self.to_jwk();
        let canonical = format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, jwk.e, jwk.n);
        Sha256::digest(canonical.as_bytes()).into()
    }
}

impl PartialEq for PublicKey {
    /// Keys are equal when their key ids and components are equal (the backend is irrelevant).
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.components == other.components
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_id", &self.key_id)
            .field("bits", &self.components.bits)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// Checks a key id: non-empty, at most [`MAX_KEY_ID_LEN`] bytes, no control characters.
pub(crate) fn check_key_id(kid: String) -> Result<String> {
    if kid.is_empty() || kid.len() > MAX_KEY_ID_LEN || kid.chars().any(char::is_control) {
        return Err(Error::invalid_argument(
            "key id must be 1 to 256 bytes without control characters",
        ));
    }
    Ok(kid)
}
