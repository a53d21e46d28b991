//! The `ring` backend: BoringSSL-derived, constant-time, blinded RSA.

use crate::error::{Error, Result};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair, RsaPublicKeyComponents};

/// A `ring` key pair. ring blinds every private-key operation and checks the
/// result against the public key before releasing it (a fault-attack guard),
/// so an inconsistent key can never produce a wrong signature.
pub(crate) struct PrivateKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl PrivateKey {
    pub(crate) fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        // `KeyRejected::description_()` is a static string and never contains key bytes.
        let pair = RsaKeyPair::from_der(der).map_err(|rejected| {
            Error::invalid_key(format!("RSA private key rejected: {}", rejected))
        })?;
        Ok(PrivateKey {
            pair,
            rng: SystemRandom::new(),
        })
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut signature = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &self.rng,
                message,
                &mut signature,
            )
            .map_err(|_| Error::SigningFailed {
                reason: "ring refused to sign: no system randomness, or the key's \
                         CRT parameters are inconsistent"
                    .into(),
            })?;
        Ok(signature)
    }
}

/// A public key for `ring`'s verifier (moduli of 2048–8192 bits).
#[derive(Clone)]
pub(crate) struct PublicKey {
    components: RsaPublicKeyComponents<Vec<u8>>,
}

impl PublicKey {
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Self {
        PublicKey {
            components: RsaPublicKeyComponents {
                n: n.to_vec(),
                e: e.to_vec(),
            },
        }
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.components
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
            .is_ok()
    }
}

/// A P-256 key for ES256 (`ring`'s `ECDSA_P256_SHA256_FIXED`: the 64-byte `r‖s`
/// signature of JWS; a DER signature never verifies).
#[derive(Clone)]
pub(crate) struct EcPublicKey {
    key: signature::UnparsedPublicKey<Vec<u8>>,
}

impl EcPublicKey {
    pub(crate) fn new(uncompressed_point: &[u8]) -> Self {
        EcPublicKey {
            key: signature::UnparsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                uncompressed_point.to_vec(),
            ),
        }
    }

    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        self.key.verify(message, sig).is_ok()
    }
}

/// ChaCha20-Poly1305: `plaintext` sealed under `key` and `nonce`, the tag appended.
pub(crate) fn chacha20poly1305_seal(
    key: &[u8; 32],
    nonce: [u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>> {
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
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
    use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
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
