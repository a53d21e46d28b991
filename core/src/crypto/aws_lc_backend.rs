//! The `aws-lc-rs` backend: AWS-LC (BoringSSL-derived, as ring), with the
//! AVX-512 IFMA RSA code recent x86 servers run at about twice ring's speed.
//! Public keys are parsed once into AWS-LC's own form ([`ParsedPublicKey`]),
//! so a key set does not re-read a modulus per token.

use crate::error::{Error, Result};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaKeyPair};
use der::Encode;

/// An AWS-LC key pair. AWS-LC blinds RSA private-key operations and checks
/// the key's arithmetic when it is loaded.
pub(crate) struct PrivateKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl PrivateKey {
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        // `KeyRejected` describes itself with a static string, never key bytes.
        let pair = RsaKeyPair::from_der(der).map_err(|rejected| {
            Error::invalid_key(format!("RSA private key rejected: {rejected}"))
        })?;
        Ok(PrivateKey {
            pair,
            rng: SystemRandom::new(),
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &self.rng,
                message,
                &mut signature,
            )
            .map_err(|_| Error::SigningFailed {
                reason: "AWS-LC refused to sign: no system randomness, or the key is inconsistent"
                    .into(),
            })?;
        Ok(signature)
    }
}

/// A parsed public key, RSA (RS256) or P-256 (ES256).
#[derive(Clone)]
pub(crate) struct PublicKey {
    key: ParsedPublicKey,
}

impl PublicKey {
    /// An RSA key from its policy-checked modulus and exponent (2048–8192 bits).
    pub(crate) fn rsa(n: &[u8], e: &[u8]) -> Result<Self> {
        let invalid = || Error::invalid_key("RSA public key rejected by the aws-lc backend");
        let der = pkcs1::RsaPublicKey {
            modulus: der::asn1::UintRef::new(n).map_err(|_| invalid())?,
            public_exponent: der::asn1::UintRef::new(e).map_err(|_| invalid())?,
        }
        .to_der()
        .map_err(|_| invalid())?;
        let key = ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, der)
            .map_err(|_| invalid())?;
        Ok(PublicKey { key })
    }

    /// A P-256 key from its uncompressed point (checked on the curve at import).
    pub(crate) fn p256(uncompressed_point: &[u8]) -> Result<Self> {
        let key = ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, uncompressed_point)
            .map_err(|_| Error::invalid_key("P-256 public key rejected by the aws-lc backend"))?;
        Ok(PublicKey { key })
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.key.verify_sig(message, sig).is_ok()
    }
}

/// ChaCha20-Poly1305: `plaintext` sealed under `key` and `nonce`, the tag appended.
pub(crate) fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    use aws_lc_rs::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
    let key = UnboundKey::new(&CHACHA20_POLY1305, key)
        .map(LessSafeKey::new)
        .map_err(|_| Error::invalid_argument("ChaCha20-Poly1305 key rejected"))?;
    let mut sealed = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut sealed,
    )
    .map_err(|_| Error::invalid_argument("ChaCha20-Poly1305 sealing failed"))?;
    Ok(sealed)
}

/// ChaCha20-Poly1305: the plaintext of `sealed` (ciphertext and tag), or `None` if it does not authenticate.
pub(crate) fn chacha20poly1305_open(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Vec<u8>> {
    use aws_lc_rs::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
    let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, key).ok()?);
    let mut buffer = sealed.to_vec();
    let plain = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buffer,
        )
        .ok()?;
    Some(plain.to_vec())
}
