//! Public keys (RSA for RS256, P-256 for ES256): the verifying half, exportable as a JWK.

use super::decode;
use super::ec::EcPoint;
use super::jwk::Jwk;
use super::policy::CheckedComponents;
use crate::crypto::{Backend, PublicKeyImpl};
use crate::encoding::b64url_encode;
use crate::error::{Error, Result};
use crate::jws::Algorithm;
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Longest key id accepted, in bytes (a `kid` is only ever an exact-match map key).
pub const MAX_KEY_ID_LEN: usize = 256;

/// A public key that passed credmint's policy, ready to verify signatures of
/// exactly one algorithm: an RSA key (2048–8192 bits, e = 65537) verifies
/// RS256, a P-256 key (a point on the curve) verifies ES256.
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
    material: KeyMaterial,
    key_id: Option<String>,
    /// Built at the first verification: a key that is only exported (a JWK, a
    /// signer's own public half) never costs backend set-up. Shared by clones:
    /// verification works on a clone of the key set's key, and a per-clone
    /// cache would parse the modulus again for every token.
    verifier: Arc<OnceLock<PublicKeyImpl>>,
    backend: Backend,
}

/// What a public key is made of; it decides the one algorithm the key verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyMaterial {
    /// An RSA modulus and exponent (RS256).
    Rsa(CheckedComponents),
    /// A P-256 point (ES256).
    P256(EcPoint),
}

impl From<CheckedComponents> for KeyMaterial {
    fn from(components: CheckedComponents) -> Self {
        KeyMaterial::Rsa(components)
    }
}

impl From<EcPoint> for KeyMaterial {
    fn from(point: EcPoint) -> Self {
        KeyMaterial::P256(point)
    }
}

impl PublicKey {
    /// Reads one PEM block: `PUBLIC KEY` (SPKI, RSA or P-256), `RSA PUBLIC KEY`
    /// (PKCS#1) or `CERTIFICATE`.
    pub fn from_pem(text: &str) -> Result<Self> {
        let mut keys = decode::public_keys_from_pem(text)?;
        match (keys.pop(), keys.is_empty()) {
            (Some(components), true) => Self::from_checked(components, Backend::default()),
            _ => Err(Error::invalid_key(
                "expected exactly one PEM block; use KeySet for several",
            )),
        }
    }

    /// Reads a DER `SubjectPublicKeyInfo` (RSA, or EC on P-256).
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

    /// Builds a P-256 (ES256) key from a SEC1 point: uncompressed `04‖x‖y` or
    /// compressed. A point not on the curve is `invalid_key`.
    pub fn from_p256_sec1(point: &[u8]) -> Result<Self> {
        Self::from_checked(EcPoint::from_sec1(point)?, Backend::default())
    }

    pub(crate) fn from_checked(material: impl Into<KeyMaterial>, backend: Backend) -> Result<Self> {
        Ok(PublicKey {
            material: material.into(),
            key_id: None,
            verifier: Arc::default(),
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
            verifier: Arc::default(),
            backend,
            ..self
        })
    }

    /// The key id, if the key has one.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// The one algorithm this key verifies: RS256 for RSA, ES256 for P-256.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            KeyMaterial::Rsa(_) => Algorithm::Rs256,
            KeyMaterial::P256(_) => Algorithm::Es256,
        }
    }

    /// Key size in bits: the RSA modulus size, or 256 for P-256.
    pub fn bits(&self) -> usize {
        match &self.material {
            KeyMaterial::Rsa(components) => components.bits,
            KeyMaterial::P256(_) => 256,
        }
    }

    /// The RSA modulus `n`, big-endian without leading zeros (empty for a P-256 key).
    pub fn modulus(&self) -> &[u8] {
        match &self.material {
            KeyMaterial::Rsa(components) => &components.n,
            KeyMaterial::P256(_) => &[],
        }
    }

    /// The RSA public exponent `e` (always 65537), big-endian (empty for a P-256 key).
    pub fn exponent(&self) -> &[u8] {
        match &self.material {
            KeyMaterial::Rsa(components) => &components.e,
            KeyMaterial::P256(_) => &[],
        }
    }

    /// The backend that verifies with this key.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks a signature of this key's algorithm over `message`: RSASSA-PKCS1-v1_5
    /// SHA-256 (RS256, or an IAM `signBlob`) for RSA; ECDSA P-256 SHA-256 with the
    /// 64-byte `r‖s` signature of JWS (ES256) for P-256. Any mismatch, including a
    /// signature of the wrong length or a DER-encoded ECDSA signature, is
    /// [`Error::SignatureInvalid`].
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let verifier = match self.verifier.get() {
            Some(verifier) => verifier,
            None => {
                let built = PublicKeyImpl::new(self.backend, &self.material)?;
                self.verifier.get_or_init(|| built)
            }
        };
        verifier.verify(message, signature)
    }

    /// This key as a JWK: `kty`, `use: sig`, `alg`, `kid` when known, then
    /// `n`, `e` (RSA) or `crv`, `x`, `y` (P-256).
    pub fn to_jwk(&self) -> Jwk {
        let mut jwk = Jwk {
            kty: String::new(),
            key_use: "sig".into(),
            alg: self.algorithm().as_str().into(),
            kid: self.key_id.clone(),
            n: None,
            e: None,
            crv: None,
            x: None,
            y: None,
        };
        match &self.material {
            KeyMaterial::Rsa(components) => {
                jwk.kty = "RSA".into();
                jwk.n = Some(b64url_encode(&components.n));
                jwk.e = Some(b64url_encode(&components.e));
            }
            KeyMaterial::P256(point) => {
                jwk.kty = "EC".into();
                jwk.crv = Some("P-256".into());
                jwk.x = Some(b64url_encode(&point.x));
                jwk.y = Some(b64url_encode(&point.y));
            }
        }
        jwk
    }

    /// The RFC 7638 JWK thumbprint: base64url SHA-256 of `{"e":…,"kty":"RSA","n":…}`
    /// or `{"crv":"P-256","kty":"EC","x":…,"y":…}`.
    pub fn thumbprint(&self) -> String {
        b64url_encode(&self.thumbprint_sha256())
    }

    pub(crate) fn thumbprint_sha256(&self) -> [u8; 32] {
        let canonical = match &self.material {
            KeyMaterial::Rsa(components) => format!(
                r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
                b64url_encode(&components.e),
                b64url_encode(&components.n)
            ),
            KeyMaterial::P256(point) => format!(
                r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
                b64url_encode(&point.x),
                b64url_encode(&point.y)
            ),
        };
        Sha256::digest(canonical.as_bytes()).into()
    }
}

impl PartialEq for PublicKey {
    /// Keys are equal when their key ids and components are equal (the backend is irrelevant).
    fn eq(&self, other: &Self) -> bool {
        self.key_id == other.key_id && self.material == other.material
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("key_id", &self.key_id)
            .field("algorithm", &self.algorithm())
            .field("bits", &self.bits())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_parsed_key() {
        // Verification works on a clone of the key set's key: the backend's
        // parsed key it builds must serve the key set's next token too.
        let pem = include_str!("../../../tests/vectors/keys/rsa_2048_spki.pem");
        for backend in Backend::ALL {
            let key = PublicKey::from_pem(pem)
                .unwrap()
                .with_backend(*backend)
                .unwrap();
            let clone = key.clone();
            assert!(clone.verify(b"message", &[0u8; 256]).is_err());
            assert!(
                key.verifier.get().is_some(),
                "{backend:?}: the clone's parsed key was lost"
            );
            let rebacked = key.with_backend(*backend).unwrap();
            assert!(
                rebacked.verifier.get().is_none(),
                "another backend parses its own"
            );
        }
    }
}
