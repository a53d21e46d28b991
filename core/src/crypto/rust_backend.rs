//! The pure-Rust backend: RustCrypto `rsa` 0.10 on constant-time `crypto-bigint`.
//!
//! Used on `wasm32-unknown-unknown` and for key generation. Every signature is
//! blinded with operating-system randomness; if none is available signing fails
//! instead of silently signing unblinded.

use crate::error::{Error, Result};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::rand_core::{Infallible, TryCryptoRng, TryRng};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier};
use rsa::traits::PrivateKeyParts;
use rsa::{BoxedUint, RsaPrivateKey, RsaPublicKey};
use sha2::Sha256;
use zeroize::Zeroizing;

pub(crate) struct PrivateKey {
    signer: SigningKey<Sha256>,
}

impl PrivateKey {
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let rejected = || Error::invalid_key("RSA private key rejected: inconsistent components");
        let key = RsaPrivateKey::from_pkcs1_der(der).map_err(|_| rejected())?;
        // `rsa` recomputes dP, dQ and qInv from d, p and q; check that the file's own
        // values agree, as ring does, so both backends refuse the same keys.
        let parsed =
            <pkcs1::RsaPrivateKeyRef<'_> as der::Decode>::from_der(der).map_err(|_| rejected())?;
        let computed_qinv = key.crt_coefficient().ok_or_else(rejected)?;
        let consistent = [
            (key.dp(), parsed.exponent1.as_bytes()),
            (key.dq(), parsed.exponent2.as_bytes()),
            (Some(&computed_qinv), parsed.coefficient.as_bytes()),
        ]
        .into_iter()
        .all(|(computed, given)| computed.is_some_and(|value| same_integer(value, given)));
        if !consistent {
            return Err(rejected());
        }
        Ok(PrivateKey {
            signer: SigningKey::new(key),
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let signature = self
            .signer
            .try_sign_with_rng(&mut getrandom::SysRng, message)
            .map_err(|_| Error::SigningFailed {
                reason: "no system randomness for RSA blinding".into(),
            })?;
        Ok(signature.to_vec())
    }
}

/// Compares a secret big integer with big-endian bytes without branching on their content.
fn same_integer(value: &BoxedUint, given: &[u8]) -> bool {
    let ours = Zeroizing::new(value.to_be_bytes());
    let ours = strip_leading_zeros(&ours);
    let given = strip_leading_zeros(given);
    if ours.len() != given.len() {
        return false;
    }
    ours.iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

#[derive(Clone)]
pub(crate) struct PublicKey {
    verifier: VerifyingKey<Sha256>,
}

impl PublicKey {
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<Self> {
        let invalid = || Error::invalid_key("RSA public key rejected by the rsa backend");
        let to_uint = |bytes: &[u8]| {
            let bits = u32::try_from(bytes.len() * 8).map_err(|_| invalid())?;
            BoxedUint::from_be_slice(bytes, bits).map_err(|_| invalid())
        };
        let key = RsaPublicKey::new(to_uint(n)?, to_uint(e)?).map_err(|_| invalid())?;
        Ok(PublicKey {
            verifier: VerifyingKey::new(key),
        })
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match Signature::try_from(sig) {
            Ok(signature) => self.verifier.verify(message, &signature).is_ok(),
            Err(_) => false,
        }
    }
}

/// A P-256 key for ES256, verified by RustCrypto `p256` (the point was
/// checked on the curve at import).
#[derive(Clone)]
pub(crate) struct EcPublicKey {
    verifier: p256::ecdsa::VerifyingKey,
}

impl EcPublicKey {
    pub(crate) fn new(uncompressed_point: &[u8]) -> Result<Self> {
        let verifier = p256::ecdsa::VerifyingKey::from_sec1_bytes(uncompressed_point)
            .map_err(|_| Error::invalid_key("P-256 public key rejected by the p256 backend"))?;
        Ok(EcPublicKey { verifier })
    }

    /// `sig` is the 64-byte `r‖s` form of JWS; any other length fails.
    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match p256::ecdsa::Signature::from_slice(sig) {
            Ok(signature) if sig.len() == 64 => {
                p256::ecdsa::signature::Verifier::verify(&self.verifier, message, &signature)
                    .is_ok()
            }
            _ => false,
        }
    }
}

/// Generates a new RSA key with e = 65537 and returns it as PKCS#8 PEM.
pub(crate) fn generate_pkcs8_pem(bits: usize) -> Result<Zeroizing<String>> {
    let failed = || Error::SigningFailed {
        reason: "no system randomness for key generation".into(),
    };
    let mut rng = CheckedRng::default();
    let key = RsaPrivateKey::new(&mut rng, bits).map_err(|_| failed())?;
    if rng.failed {
        return Err(failed());
    }
    key.to_pkcs8_pem(LineEnding::LF).map_err(|_| failed())
}

/// Operating-system randomness behind the infallible RNG interface that key
/// generation wants. A failure is recorded (and zeros returned); the caller
/// then discards whatever was generated, so there is no panic and no weak key.
#[derive(Default)]
struct CheckedRng {
    failed: bool,
}

impl TryRng for CheckedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        if getrandom::fill(dest).is_err() {
            self.failed = true;
            dest.fill(0);
        }
        Ok(())
    }
}

impl TryCryptoRng for CheckedRng {}

/// ChaCha20-Poly1305 (RustCrypto `chacha20poly1305`): `plaintext` sealed under `key` and `nonce`, the tag appended.
pub(crate) fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(key.into());
    cipher
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| Error::invalid_argument("ChaCha20-Poly1305 sealing failed"))
}

/// ChaCha20-Poly1305: the plaintext of `sealed` (ciphertext and tag), or `None` if it does not authenticate.
pub(crate) fn chacha20poly1305_open(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    let cipher = chacha20poly1305::ChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(&nonce.into(), Payload { msg: sealed, aad })
        .ok()
}
