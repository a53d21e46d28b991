//! The crypto seam: RSASSA-PKCS1-v1_5 with SHA-256 (RS256) and ECDSA P-256
//! SHA-256 verification (ES256) over two interchangeable backends.
//!
//! Everything above this module works with validated PKCS#1 DER, `(n, e)`
//! byte strings and P-256 points already checked on the curve; key policy is
//! enforced before a backend ever sees a key (see [`crate::key::policy`]), so
//! both backends accept and refuse exactly the same keys and produce
//! byte-identical signatures.

#[cfg(not(any(feature = "aws-lc", feature = "ring", feature = "rsa")))]
compile_error!(
    "credmint needs at least one crypto backend: enable feature \"aws-lc\", \"ring\" or \"rsa\""
);

#[cfg(feature = "aws-lc")]
mod aws_lc_backend;
#[cfg(feature = "ring")]
mod ring_backend;
#[cfg(feature = "rsa")]
mod rust_backend;

#[cfg(feature = "rsa")]
pub(crate) use rust_backend::generate_pkcs8_pem;

use crate::error::{Error, Result};
use crate::key::KeyMaterial;

/// Which implementation does the arithmetic.
///
/// `AwsLc` (feature `aws-lc`, the default on native targets) is AWS-LC, with
/// the fastest RSA on recent x86 servers. `Ring` (feature `ring`) is fast,
/// blinded and constant-time. `RustCrypto` (feature `rsa`: `rsa`, and `p256`
/// for ES256) is pure Rust for WebAssembly and the only one that can generate
/// keys. Both give identical results; credmint's
/// tests run every case against each backend that is compiled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// `aws-lc-rs` 1.x: AWS-LC, BoringSSL-derived, with AVX-512 IFMA RSA.
    #[cfg(feature = "aws-lc")]
    AwsLc,
    /// `ring` 0.17: BoringSSL-derived, constant-time, blinded.
    #[cfg(feature = "ring")]
    Ring,
    /// RustCrypto `rsa` 0.10 (pure Rust, constant-time `crypto-bigint`, blinded).
    #[cfg(feature = "rsa")]
    RustCrypto,
}

impl Backend {
    /// Every backend compiled into this build, fastest first.
    pub const ALL: &'static [Backend] = &[
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc,
        #[cfg(feature = "ring")]
        Backend::Ring,
        #[cfg(feature = "rsa")]
        Backend::RustCrypto,
    ];

    /// A short stable name (`"aws-lc"`, `"ring"`, `"rustcrypto"`), for logs and benchmarks.
    pub fn name(self) -> &'static str {
        match self {
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => "aws-lc",
            #[cfg(feature = "ring")]
            Backend::Ring => "ring",
            #[cfg(feature = "rsa")]
            Backend::RustCrypto => "rustcrypto",
        }
    }
}

impl Default for Backend {
    /// The first compiled in of `AwsLc`, `Ring`, `RustCrypto`.
    fn default() -> Self {
        Backend::ALL[0]
    }
}

/// A private key held by one backend, ready to sign.
// One value per loaded key (in its `SigningKey`): which variant is largest depends
// on the backends compiled in (aws-lc's is a handle, ring's and RustCrypto's hold
// the key), and the size of one per key does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum PrivateKeyImpl {
    #[cfg(feature = "aws-lc")]
    AwsLc(aws_lc_backend::PrivateKey),
    #[cfg(feature = "ring")]
    Ring(ring_backend::PrivateKey),
    #[cfg(feature = "rsa")]
    RustCrypto(rust_backend::PrivateKey),
}

impl PrivateKeyImpl {
    /// Loads a policy-checked PKCS#1 `RSAPrivateKey` DER into `backend`.
    pub(crate) fn from_pkcs1_der(backend: Backend, der: &[u8]) -> Result<Self> {
        match backend {
            #[cfg(feature = "aws-lc")]
            Backend::AwsLc => aws_lc_backend::PrivateKey::from_pkcs1_der(der).map(Self::AwsLc),
            #[cfg(feature = "ring")]
            Backend::Ring => ring_backend::PrivateKey::from_pkcs1_der(der).map(Self::Ring),
            #[cfg(feature = "rsa")]
            Backend::RustCrypto => {
                rust_backend::PrivateKey::from_pkcs1_der(der).map(Self::RustCrypto)
            }
        }
    }

    /// RSASSA-PKCS1-v1_5 SHA-256 signature of `message`, always blinded.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            #[cfg(feature = "aws-lc")]
            Self::AwsLc(key) => key.sign(message),
            #[cfg(feature = "ring")]
            Self::Ring(key) => key.sign(message),
            #[cfg(feature = "rsa")]
            Self::RustCrypto(key) => key.sign(message),
        }
    }
}

/// A public key held by one backend, ready to verify.
#[derive(Clone)]
pub(crate) enum PublicKeyImpl {
    #[cfg(feature = "aws-lc")]
    AwsLc(aws_lc_backend::PublicKey),
    #[cfg(feature = "ring")]
    Ring(ring_backend::PublicKey),
    #[cfg(feature = "ring")]
    RingEc(ring_backend::EcPublicKey),
    #[cfg(feature = "rsa")]
    RustCrypto(rust_backend::PublicKey),
    #[cfg(feature = "rsa")]
    RustCryptoEc(rust_backend::EcPublicKey),
}

impl PublicKeyImpl {
    /// Builds a verifier from policy-checked material: an RSA modulus and
    /// exponent, or a P-256 point on the curve.
    pub(crate) fn new(backend: Backend, material: &KeyMaterial) -> Result<Self> {
        match (backend, material) {
            #[cfg(feature = "aws-lc")]
            (Backend::AwsLc, KeyMaterial::Rsa(rsa)) => {
                aws_lc_backend::PublicKey::rsa(&rsa.n, &rsa.e).map(Self::AwsLc)
            }
            #[cfg(feature = "aws-lc")]
            (Backend::AwsLc, KeyMaterial::P256(point)) => {
                aws_lc_backend::PublicKey::p256(&point.uncompressed()).map(Self::AwsLc)
            }
            #[cfg(feature = "ring")]
            (Backend::Ring, KeyMaterial::Rsa(rsa)) => {
                Ok(Self::Ring(ring_backend::PublicKey::new(&rsa.n, &rsa.e)))
            }
            #[cfg(feature = "ring")]
            (Backend::Ring, KeyMaterial::P256(point)) => Ok(Self::RingEc(
                ring_backend::EcPublicKey::new(&point.uncompressed()),
            )),
            #[cfg(feature = "rsa")]
            (Backend::RustCrypto, KeyMaterial::Rsa(rsa)) => {
                rust_backend::PublicKey::new(&rsa.n, &rsa.e).map(Self::RustCrypto)
            }
            #[cfg(feature = "rsa")]
            (Backend::RustCrypto, KeyMaterial::P256(point)) => {
                rust_backend::EcPublicKey::new(&point.uncompressed()).map(Self::RustCryptoEc)
            }
        }
    }

    /// Checks a signature of the key's algorithm over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let ok = match self {
            #[cfg(feature = "aws-lc")]
            Self::AwsLc(key) => key.verify(message, signature),
            #[cfg(feature = "ring")]
            Self::Ring(key) => key.verify(message, signature),
            #[cfg(feature = "ring")]
            Self::RingEc(key) => key.verify(message, signature),
            #[cfg(feature = "rsa")]
            Self::RustCrypto(key) => key.verify(message, signature),
            #[cfg(feature = "rsa")]
            Self::RustCryptoEc(key) => key.verify(message, signature),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

/// ChaCha20-Poly1305 (RFC 8439) sealing with the build's default backend:
/// shared-cache entries ([`crate::shared_cache`]). Chosen over AES-GCM because
/// its software implementation is small and constant-time, which matters in the
/// WebAssembly module; AWS-LC and ring have it natively. The 12-byte nonce must
/// never repeat under one key (random nonces: far below the 2^32 bound).
pub(crate) fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    chacha20poly1305_seal_with(Backend::default(), key, nonce, aad, plaintext)
}

/// The plaintext of a ChaCha20-Poly1305 `sealed` value, or `None` if it does not
/// authenticate under `key`, `nonce` and `aad`.
pub(crate) fn chacha20poly1305_open(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    chacha20poly1305_open_with(Backend::default(), key, nonce, aad, sealed)
}

pub(crate) fn chacha20poly1305_seal_with(
    backend: Backend,
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    match backend {
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => aws_lc_backend::chacha20poly1305_seal(key, nonce, aad, plaintext),
        #[cfg(feature = "ring")]
        Backend::Ring => ring_backend::chacha20poly1305_seal(key, nonce, aad, plaintext),
        #[cfg(feature = "rsa")]
        Backend::RustCrypto => rust_backend::chacha20poly1305_seal(key, nonce, aad, plaintext),
    }
}

pub(crate) fn chacha20poly1305_open_with(
    backend: Backend,
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    match backend {
        #[cfg(feature = "aws-lc")]
        Backend::AwsLc => aws_lc_backend::chacha20poly1305_open(key, nonce, aad, sealed),
        #[cfg(feature = "ring")]
        Backend::Ring => ring_backend::chacha20poly1305_open(key, nonce, aad, sealed),
        #[cfg(feature = "rsa")]
        Backend::RustCrypto => rust_backend::chacha20poly1305_open(key, nonce, aad, sealed),
    }
}
