//! The application's cache secret and what is derived from it: the key that
//! names entries and the ChaCha20-Poly1305 key that seals them.
//!
//! Entries are bearer tokens, and a store is read by everything that can reach
//! it, so nothing goes into a store in the clear and nothing in a store's key
//! space is computed from a credential without this secret. One secret yields
//! two independent keys (HMAC-SHA256 with distinct labels): one never serves
//! as the other.

use crate::crypto;
use crate::encoding::{b64url_decode, b64url_encode};
use crate::error::{Error, Result};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use zeroize::Zeroizing;

/// Fewest bytes of secret accepted: 256 bits, the sealing key size.
pub const MIN_CACHE_SECRET_BYTES: usize = 32;

/// Most bytes of secret accepted (a longer one is no stronger).
pub const MAX_CACHE_SECRET_BYTES: usize = 1024;

/// The prefix of every sealed entry: format version 1 (ChaCha20-Poly1305, 12-byte
/// nonce, base64url). A value with another prefix is another format: a miss.
pub const SEALED_PREFIX: &str = "cm1.";

const NAME_LABEL: &[u8] = b"credmint shared-cache name key v1";
const SEAL_LABEL: &[u8] = b"credmint shared-cache seal key v1";
const AAD_LABEL: &[u8] = b"credmint shared-cache entry v1\n";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The secret an application gives every process that shares a store: at
/// least 32 random bytes (e.g. `openssl rand -base64 32` in a secret manager).
/// Processes with different secrets never see each other's entries.
#[derive(Clone)]
pub struct CacheSecret {
    name_key: Zeroizing<[u8; 32]>,
    seal_key: Zeroizing<[u8; 32]>,
}

impl CacheSecret {
    /// From raw bytes (32–1024).
    pub fn from_bytes(secret: &[u8]) -> Result<Self> {
        if !(MIN_CACHE_SECRET_BYTES..=MAX_CACHE_SECRET_BYTES).contains(&secret.len()) {
            return Err(Error::invalid_argument(format!(
                "a cache secret has {MIN_CACHE_SECRET_BYTES} to {MAX_CACHE_SECRET_BYTES} bytes, this one {}",
                secret.len()
            )));
        }
        Ok(CacheSecret {
            name_key: Zeroizing::new(hmac_sha256(secret, &[NAME_LABEL])),
            seal_key: Zeroizing::new(hmac_sha256(secret, &[SEAL_LABEL])),
        })
    }

    /// From base64 (standard or URL-safe, padded or not), as secrets are kept
    /// in environment variables and secret managers.
    pub fn from_base64(text: &str) -> Result<Self> {
        let text = text.trim();
        let normalized: String = text
            .chars()
            .filter(|c| *c != '=')
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .collect();
        let bytes = Zeroizing::new(
            b64url_decode(&normalized)
                .ok_or_else(|| Error::invalid_argument("the cache secret is not base64"))?,
        );
        Self::from_bytes(&bytes)
    }

    /// The keyed name of an identity description (see [`super::CacheKey`]).
    pub(crate) fn name(&self, description: &[u8]) -> [u8; 32] {
        hmac_sha256(self.name_key.as_ref(), &[description])
    }

    /// `plaintext` sealed for the entry named `entry_key`, under `nonce`
    /// (never reused: [`CacheSecret::seal`] draws one from system randomness).
    pub fn seal_with_nonce(
        &self,
        entry_key: &str,
        nonce: [u8; NONCE_LEN],
        plaintext: &[u8],
    ) -> Result<String> {
        let sealed =
            crypto::chacha20poly1305_seal(&self.seal_key, nonce, &aad(entry_key), plaintext)?;
        let mut blob = Vec::with_capacity(NONCE_LEN + sealed.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", b64url_encode(&blob)))
    }

    /// `plaintext` sealed for the entry named `entry_key` with a fresh random nonce.
    pub fn seal(&self, entry_key: &str, plaintext: &[u8]) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce)
            .map_err(|_| Error::invalid_argument("no system randomness for a nonce"))?;
        self.seal_with_nonce(entry_key, nonce, plaintext)
    }

    /// The plaintext of a value sealed for `entry_key`, or `None`: another
    /// format, garbage, another secret, or an entry written under another key.
    pub fn open(&self, entry_key: &str, sealed: &str) -> Option<Zeroizing<Vec<u8>>> {
        let blob = b64url_decode(sealed.strip_prefix(SEALED_PREFIX)?)?;
        if blob.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        crypto::chacha20poly1305_open(&self.seal_key, nonce, &aad(entry_key), sealed)
            .map(Zeroizing::new)
    }
}

impl fmt::Debug for CacheSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CacheSecret([redacted])")
    }
}

/// Binds a sealed entry to the name it was written under: an entry copied to
/// another key does not open there.
fn aad(entry_key: &str) -> Vec<u8> {
    [AAD_LABEL, entry_key.as_bytes()].concat()
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts a key of any length.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> CacheSecret {
        CacheSecret::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn seals_and_opens_bound_to_the_entry_key() {
        let sealed = secret().seal("credmint:v1:a", b"payload").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert_eq!(
            secret().open("credmint:v1:a", &sealed).unwrap().as_slice(),
            b"payload"
        );
        assert!(
            secret().open("credmint:v1:b", &sealed).is_none(),
            "another key"
        );
        let other = CacheSecret::from_bytes(&[8u8; 32]).unwrap();
        assert!(
            other.open("credmint:v1:a", &sealed).is_none(),
            "another secret"
        );
        let mut tampered = sealed.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).unwrap();
        assert!(
            secret().open("credmint:v1:a", &tampered).is_none(),
            "tampered"
        );
        for garbage in [
            "",
            "cm1.",
            "cm1.!!!",
            "cm2.AAAA",
            "cm1.AAAA",
            "{\"token\":\"x\"}",
        ] {
            assert!(
                secret().open("credmint:v1:a", garbage).is_none(),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn nonces_are_fresh() {
        let a = secret().seal("k", b"same").unwrap();
        let b = secret().seal("k", b"same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn every_backend_seals_alike() {
        let key = [3u8; 32];
        let nonce = [9u8; 12];
        let sealed: Vec<Vec<u8>> = crypto::Backend::ALL
            .iter()
            .map(|backend| {
                crypto::chacha20poly1305_seal_with(*backend, &key, nonce, b"aad", b"text").unwrap()
            })
            .collect();
        assert!(sealed.windows(2).all(|pair| pair[0] == pair[1]));
        for backend in crypto::Backend::ALL {
            assert_eq!(
                crypto::chacha20poly1305_open_with(*backend, &key, nonce, b"aad", &sealed[0])
                    .unwrap(),
                b"text"
            );
            assert!(
                crypto::chacha20poly1305_open_with(*backend, &key, nonce, b"aae", &sealed[0])
                    .is_none()
            );
        }
    }

    #[test]
    fn secrets_are_checked_and_never_shown() {
        assert_eq!(
            CacheSecret::from_bytes(&[1u8; 31]).unwrap_err().code(),
            "invalid_argument"
        );
        assert_eq!(
            CacheSecret::from_base64("not base64 at all!")
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
        let standard = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let from_b64 = CacheSecret::from_base64(standard).unwrap();
        let raw: Vec<u8> = (0u8..32).collect();
        let from_raw = CacheSecret::from_bytes(&raw).unwrap();
        assert_eq!(from_b64.name(b"x"), from_raw.name(b"x"));
        assert_eq!(format!("{from_raw:?}"), "CacheSecret([redacted])");
    }
}
