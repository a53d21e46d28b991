//! ES256 (ECDSA P-256 with SHA-256) keys and JWTs, which the RS256-only core
//! does not make: the emulator's IAP issuer signs its assertions with one.

use crate::error::SetupError;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credmint::{Claims, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fmt;

/// A P-256 signing key with its key id; `Debug` shows only the id.
pub struct EcKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
    kid: String,
    x: String,
    y: String,
}

impl EcKey {
    /// A fresh key from the system random generator. Its `kid` is the first
    /// 6 bytes of its RFC 7638 thumbprint, base64url (8 characters, short like
    /// Google's IAP key ids).
    pub fn generate() -> Result<Self, SetupError> {
        fn failed<E>(_: E) -> SetupError {
            SetupError::new("cannot generate a P-256 key")
        }
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(failed)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref())
            .map_err(failed)?;
        // An uncompressed P-256 point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = pair.public_key().as_ref();
        let (x, y) = match point {
            [0x04, rest @ ..] if rest.len() == 64 => rest.split_at(32),
            _ => return Err(SetupError::new("ring returned an unexpected P-256 point")),
        };
        let (x, y) = (URL_SAFE_NO_PAD.encode(x), URL_SAFE_NO_PAD.encode(y));
        // RFC 7638: the required members in lexicographic order, no whitespace.
        let thumbprint = Sha256::digest(
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#).as_bytes(),
        );
        let kid = URL_SAFE_NO_PAD.encode(&thumbprint[..6]);
        Ok(EcKey {
            pair,
            rng,
            kid,
            x,
            y,
        })
    }

    /// The key id, written as `kid` in JWS headers and the JWK.
    pub fn key_id(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (RFC 7518 §6.2.1), as IAP publishes it.
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "EC",
            "crv": "P-256",
            "x": self.x,
            "y": self.y,
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
        })
    }

    /// A compact JWS over `claims`, header `{"alg":"ES256","kid":…,"typ":"JWT"}`,
    /// with the 64-byte `r || s` signature of RFC 7518 §3.4; `None` only if the
    /// random generator fails.
    pub fn sign_jwt(&self, claims: &Claims) -> Option<SecretString> {
        let header = json!({"alg": "ES256", "kid": self.kid, "typ": "JWT"});
        let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_json()));
        let signature = self.pair.sign(&self.rng, token.as_bytes()).ok()?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature.as_ref()));
        Some(SecretString::from(token))
    }
}

impl fmt::Debug for EcKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}
