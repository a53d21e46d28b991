//! Sets of trusted verification keys, from every format Google and others publish.

use crate::crypto::Backend;
use crate::error::{Error, Result, quoted};
use crate::json::{self, JsonError};
use crate::jws::Algorithm;
use crate::key::{JwkSet, PublicKey, public_key_from_jwk, public_keys_from_pem};
use serde_json::{Map, Value};
use std::collections::HashSet;

/// Largest key-set document accepted (JWKS, certificate map or PEM bundle).
pub const MAX_KEY_SET_SIZE: usize = 64 * 1024;

/// Most keys accepted in one set (Google publishes two or three).
pub const MAX_KEYS: usize = 32;

/// The public keys a verifier trusts, looked up by `kid`.
///
/// Built from a JWK Set (`{"keys":[…]}`), a single JWK, Google's X.509
/// certificate map (`{"<kid>":"-----BEGIN CERTIFICATE-----…"}`), or PEM text
/// (certificates and public keys; such keys have no `kid`). Key ids are unique;
/// keys that are not usable for RS256 or ES256 (another `kty` or curve, `use`,
/// `alg` or `key_ops`) are skipped; a malformed or out-of-policy RSA or P-256
/// key rejects the whole document.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let jwks = include_str!("../../tests/vectors/keys/jwks_two_keys.json");
/// let keys = credmint::KeySet::parse(jwks)?;
/// assert_eq!(keys.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KeySet {
    keys: Vec<PublicKey>,
}

impl KeySet {
    /// A set of the given keys. Key ids must be unique; the set must not be empty.
    pub fn new(keys: Vec<PublicKey>) -> Result<Self> {
        if keys.is_empty() {
            return Err(Error::invalid_key("key set is empty"));
        }
        if keys.len() > MAX_KEYS {
            return Err(Error::invalid_key(format!(
                "key set has {} keys, over the limit of {MAX_KEYS}",
                keys.len()
            )));
        }
        let mut seen = HashSet::new();
        for kid in keys.iter().filter_map(PublicKey::key_id) {
            if !seen.insert(kid) {
                return Err(Error::invalid_key(format!(
                    "duplicate kid {} in key set",
                    quoted(kid)
                )));
            }
        }
        Ok(KeySet { keys })
    }

    /// Reads any supported format, telling them apart by their shape.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with_backend(text, Backend::default())
    }

    /// Like [`KeySet::parse`], verifying with `backend`.
    pub fn parse_with_backend(text: &str, backend: Backend) -> Result<Self> {
        check_size(text)?;
        let trimmed = text.trim_start();
        if trimmed.starts_with("-----BEGIN ") {
            return Self::from_pem_with_backend(text, backend);
        }
        if !trimmed.starts_with('{') {
            return Err(Error::invalid_key(
                "not a JWK Set, JWK, certificate map or PEM text",
            ));
        }
        let doc = parse_json_object(text)?;
        if doc.contains_key("keys") {
            Self::from_jwks_object(&doc, backend)
        } else if doc.contains_key("kty") {
            let key = public_key_from_jwk(&doc, backend)?.ok_or_else(|| {
                Error::unsupported_key("the JWK is not an RS256 or ES256 signing key")
            })?;
            Self::new(vec![key])
        } else {
            Self::from_x509_map_object(&doc, backend)
        }
    }

    /// Reads a JWK Set document (`{"keys":[…]}`).
    pub fn from_jwks(json: &str) -> Result<Self> {
        check_size(json)?;
        Self::from_jwks_object(&parse_json_object(json)?, Backend::default())
    }

    /// Reads Google's X.509 certificate map (`{"<kid>":"<PEM certificate>",…}`),
    /// as served at `https://www.googleapis.com/oauth2/v1/certs`.
    pub fn from_x509_map(json: &str) -> Result<Self> {
        check_size(json)?;
        Self::from_x509_map_object(&parse_json_object(json)?, Backend::default())
    }

    /// Reads PEM certificates and public keys (keys without a `kid`).
    pub fn from_pem(text: &str) -> Result<Self> {
        Self::from_pem_with_backend(text, Backend::default())
    }

    fn from_pem_with_backend(text: &str, backend: Backend) -> Result<Self> {
        check_size(text)?;
        let keys = public_keys_from_pem(text)?
            .into_iter()
            .map(|components| PublicKey::from_checked(components, backend))
            .collect::<Result<Vec<_>>>()?;
        Self::new(keys)
    }

    fn from_jwks_object(doc: &Map<String, Value>, backend: Backend) -> Result<Self> {
        let entries = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::invalid_key("JWK Set \"keys\" must be an array"))?;
        if entries.is_empty() {
            return Err(Error::invalid_key("key set is empty"));
        }
        if entries.len() > MAX_KEYS {
            return Err(Error::invalid_key(format!(
                "key set has {} keys, over the limit of {MAX_KEYS}",
                entries.len()
            )));
        }
        let mut keys = Vec::new();
        for entry in entries {
            let jwk = entry
                .as_object()
                .ok_or_else(|| Error::invalid_key("JWK Set entries must be objects"))?;
            keys.extend(public_key_from_jwk(jwk, backend)?);
        }
        if keys.is_empty() {
            return Err(Error::unsupported_key(
                "the JWK Set has no RS256 or ES256 signing key",
            ));
        }
        Self::new(keys)
    }

    fn from_x509_map_object(doc: &Map<String, Value>, backend: Backend) -> Result<Self> {
        let mut keys = Vec::with_capacity(doc.len());
        for (kid, pem) in doc {
            let pem = pem
                .as_str()
                .ok_or_else(|| Error::invalid_key("certificate map values must be PEM strings"))?;
            let mut found = public_keys_from_pem(pem)?;
            let components = match (found.pop(), found.is_empty()) {
                (Some(components), true) => components,
                _ => {
                    return Err(Error::invalid_key(
                        "each certificate map value must hold exactly one PEM block",
                    ));
                }
            };
            let key = PublicKey::from_checked(components, backend)?
                .with_key_id(kid.clone())
                .map_err(|_| {
                    Error::invalid_key("certificate map key ids must be 1 to 256 bytes")
                })?;
            keys.push(key);
        }
        Self::new(keys)
    }

    /// The same keys, verified by `backend`.
    pub fn with_backend(self, backend: Backend) -> Result<Self> {
        let keys = self
            .keys
            .into_iter()
            .map(|key| key.with_backend(backend))
            .collect::<Result<Vec<_>>>()?;
        Ok(KeySet { keys })
    }

    /// The keys, in document order.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set is empty (never true for a constructed set).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The public keys as a JWK Set.
    pub fn to_jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().map(PublicKey::to_jwk).collect(),
        }
    }

    /// The one key that may verify a token with this `kid`, whatever its algorithm.
    ///
    /// A key with the same id wins; otherwise a single key without an id (from
    /// PEM) is used. A token without `kid` needs a set of exactly one key.
    pub fn select(&self, kid: Option<&str>) -> Result<&PublicKey> {
        self.select_among(kid, None)
    }

    /// The one key of `algorithm` that may verify a token with this `kid`:
    /// as [`KeySet::select`], among the keys of that algorithm only, so an RSA
    /// key never verifies an ES256 token nor a P-256 key an RS256 one.
    pub fn select_for(&self, kid: Option<&str>, algorithm: Algorithm) -> Result<&PublicKey> {
        self.select_among(kid, Some(algorithm))
    }

    /// The key for `kid` among the keys of `algorithm` (any: `None`), without
    /// allocating unless it fails: every verification passes here.
    fn select_among(&self, kid: Option<&str>, algorithm: Option<Algorithm>) -> Result<&PublicKey> {
        let usable = || {
            self.keys
                .iter()
                .filter(move |key| algorithm.is_none_or(|alg| key.algorithm() == alg))
        };
        // The first key whose id is `wanted` (`None`: any id), and how many there are.
        let find = |wanted: Option<Option<&str>>| {
            let mut matching = usable().filter(|key| wanted.is_none_or(|id| key.key_id() == id));
            let first = matching.next();
            (first, first.map_or(0, |_| 1 + matching.count()))
        };
        let (key, count) = match kid {
            Some(kid) => match find(Some(Some(kid))) {
                (_, 0) => find(Some(None)),
                exact => exact,
            },
            None => find(None),
        };
        match (key, count) {
            (Some(key), 1) => Ok(key),
            (_, 0) => {
                let label = algorithm.map(|alg| format!("{alg} ")).unwrap_or_default();
                Err(Error::KeyNotFound {
                    reason: format!(
                        "no {label}key with kid {} among {} {label}key(s)",
                        kid.map(quoted).unwrap_or_default(),
                        usable().count()
                    ),
                })
            }
            _ => Err(Error::KeyNotFound {
                reason: format!(
                    "{count} keys could verify a token {}; refusing to guess",
                    if kid.is_some() {
                        "with this kid"
                    } else {
                        "without kid"
                    }
                ),
            }),
        }
    }
}

fn check_size(text: &str) -> Result<()> {
    if text.len() > MAX_KEY_SET_SIZE {
        return Err(Error::invalid_key(format!(
            "key set document is {} bytes, over the {MAX_KEY_SET_SIZE}-byte limit",
            text.len()
        )));
    }
    Ok(())
}

fn parse_json_object(text: &str) -> Result<Map<String, Value>> {
    json::parse_object(text.as_bytes()).map_err(|err| match err {
        JsonError::NotAnObject => Error::invalid_key("key set JSON is not an object"),
        JsonError::Syntax(reason) => Error::invalid_key(format!("key set JSON: {reason}")),
    })
}
