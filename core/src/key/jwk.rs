//! JSON Web Keys (RFC 7517, 7518): exporting public keys (RSA, P-256) and
//! importing them strictly.

use super::ec::EcPoint;
use super::policy::{self, KeyUse};
use super::public::{MAX_KEY_ID_LEN, PublicKey};
use crate::crypto::Backend;
use crate::encoding::b64url_decode;
use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::{Map, Value};

/// A public key in JWK form, as published at a JWKS endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Jwk {
    /// `"RSA"` or `"EC"`.
    pub kty: String,
    /// Always `"sig"`.
    #[serde(rename = "use")]
    pub key_use: String,
    /// `"RS256"` (RSA) or `"ES256"` (P-256).
    pub alg: String,
    /// The key id, when the key has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// RSA: the modulus, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA: the public exponent, base64url without padding (`"AQAB"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC: the curve, `"P-256"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC: the x coordinate, 32 bytes, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC: the y coordinate, 32 bytes, base64url without padding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// A JWK Set (`{"keys":[...]}`), the document a JWKS endpoint serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JwkSet {
    /// The keys, in order.
    pub keys: Vec<Jwk>,
}

impl JwkSet {
    /// The set as compact JSON: `{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":..,"n":..,"e":..}]}`.
    pub fn to_json(&self) -> String {
        // Serializing plain strings into JSON cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Members that only a private JWK has; a public key set must never carry them.
const PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

/// Reads one JWK object for RS256 (`kty: RSA`) or ES256 (`kty: EC`, `crv: P-256`)
/// verification.
///
/// `Ok(None)` means the key is well-formed but not usable for those signatures
/// (another `kty` or curve, `use: enc`, another `alg`, or `key_ops` without
/// `verify`) and is skipped. A malformed or out-of-policy RSA or P-256 key is
/// an error for the whole document.
pub(crate) fn public_key_from_jwk(
    jwk: &Map<String, Value>,
    backend: Backend,
) -> Result<Option<PublicKey>> {
    let kty = required_str(jwk, "kty")?;
    if PRIVATE_MEMBERS.iter().any(|m| jwk.contains_key(*m)) {
        return Err(Error::invalid_key(
            "JWK contains private key members; publish public keys only",
        ));
    }
    let algorithm = match (kty, optional_str(jwk, "crv")?) {
        ("RSA", _) => "RS256",
        ("EC", Some("P-256")) => "ES256",
        _ => return Ok(None),
    };
    if optional_str(jwk, "use")?.is_some_and(|u| u != "sig")
        || optional_str(jwk, "alg")?.is_some_and(|a| a != algorithm)
    {
        return Ok(None);
    }
    if let Some(ops) = jwk.get("key_ops") {
        let ops = ops
            .as_array()
            .filter(|ops| ops.iter().all(Value::is_string))
            .ok_or_else(|| Error::invalid_key("JWK key_ops must be an array of strings"))?;
        if !ops.iter().any(|op| op == "verify") {
            return Ok(None);
        }
    }
    let kid = optional_str(jwk, "kid")?;
    if kid.is_some_and(|kid| kid.is_empty() || kid.len() > MAX_KEY_ID_LEN) {
        return Err(Error::invalid_key("JWK kid must be 1 to 256 bytes"));
    }
    let key = if algorithm == "ES256" {
        let x = coordinate(required_str(jwk, "x")?, "x")?;
        let y = coordinate(required_str(jwk, "y")?, "y")?;
        PublicKey::from_checked(EcPoint::from_coordinates(&x, &y)?, backend)?
    } else {
        let n = minimal_integer(required_str(jwk, "n")?, "n")?;
        let e = minimal_integer(required_str(jwk, "e")?, "e")?;
        PublicKey::from_checked(policy::check(&n, &e, KeyUse::Verify)?, backend)?
    };
    match kid {
        Some(kid) => key.with_key_id(kid).map(Some),
        None => Ok(Some(key)),
    }
}

fn required_str<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    optional_str(jwk, name)?.ok_or_else(|| Error::invalid_key(format!("JWK is missing \"{name}\"")))
}

fn optional_str<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::invalid_key(format!(
            "JWK \"{name}\" must be a string"
        ))),
    }
}

/// Decodes an EC coordinate: base64url of exactly 32 bytes (RFC 7518 §6.2.1.2).
fn coordinate(text: &str, name: &str) -> Result<Vec<u8>> {
    b64url_decode(text)
        .filter(|bytes| bytes.len() == super::ec::COORDINATE_BYTES)
        .ok_or_else(|| {
            Error::invalid_key(format!(
                "JWK \"{name}\" must be 32 bytes of base64url (P-256)"
            ))
        })
}

/// Decodes a JWK integer: canonical base64url of the minimal big-endian octets (RFC 7518 §6.3.1.1).
fn minimal_integer(text: &str, name: &str) -> Result<Vec<u8>> {
    let bytes = b64url_decode(text)
        .ok_or_else(|| Error::invalid_key(format!("JWK \"{name}\" is not base64url")))?;
    match bytes.first() {
        None | Some(0) => Err(Error::invalid_key(format!(
            "JWK \"{name}\" must be the minimal big-endian encoding"
        ))),
        Some(_) => Ok(bytes),
    }
}
