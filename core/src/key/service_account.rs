//! Google service-account JSON key files.

use super::signing::SigningKey;
use crate::claims::Claims;
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::json;
use crate::key::{JwkSet, PublicKey};
use crate::sign::{SignedBlob, SignedJwt};
use crate::time::UnixTime;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;
use std::sync::Arc;

/// The token endpoint used when a key file names none.
pub const DEFAULT_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The universe domain used when a key file names none.
pub const DEFAULT_UNIVERSE_DOMAIN: &str = "googleapis.com";

/// Largest key file accepted (a 4096-bit key file is about 4 KiB).
pub const MAX_KEY_FILE_SIZE: usize = 64 * 1024;

/// A Google service-account key: the identity (`client_email`, project, token
/// endpoint) and the RSA key that proves it.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let json = include_str!("../../../tests/vectors/keys/sa_2048_pkcs8.json");
/// let key = credmint::ServiceAccountKey::from_json(json)?;
/// assert_eq!(key.client_email(), "credmint-test@credmint-vectors.iam.gserviceaccount.com");
/// let now = credmint::UnixTime::from_secs(1_700_000_000);
/// let signed = key.sign_jwt(&credmint::Claims::from_json(r#"{"sub":"x"}"#)?, now)?;
/// assert_eq!(signed.key_id(), key.key_id());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ServiceAccountKey {
    key: Arc<SigningKey>,
    client_email: String,
    client_id: Option<String>,
    project_id: Option<String>,
    token_uri: String,
    universe_domain: String,
    quota_project_id: Option<String>,
}

/// The key file as written by Google. `private_key` is kept as raw JSON so that
/// its unescaped text goes straight into a buffer that is wiped on drop.
#[derive(Deserialize)]
struct KeyFile<'a> {
    #[serde(rename = "type")]
    kind: String,
    project_id: Option<String>,
    private_key_id: String,
    #[serde(borrow)]
    private_key: &'a RawValue,
    client_email: String,
    client_id: Option<String>,
    token_uri: Option<String>,
    universe_domain: Option<String>,
    quota_project_id: Option<String>,
}

impl ServiceAccountKey {
    /// Parses a service-account key file (`"type": "service_account"`).
    ///
    /// Required: `private_key_id`, `private_key` (PKCS#8 or PKCS#1 PEM) and
    /// `client_email`. `token_uri` defaults to [`DEFAULT_TOKEN_URI`] and
    /// `universe_domain` to [`DEFAULT_UNIVERSE_DOMAIN`].
    pub fn from_json(json: &str) -> Result<Self> {
        Self::from_json_with_backend(json, Backend::default())
    }

    /// Like [`ServiceAccountKey::from_json`], signing with `backend`.
    pub fn from_json_with_backend(json: &str, backend: Backend) -> Result<Self> {
        Self::read(json, |pem, key_id| {
            SigningKey::from_pem_with_backend(pem, key_id, backend)
        })
    }

    /// Reads a key file for a host that signs with a platform keystore (WebCrypto,
    /// Keychain, Android Keystore) through [`SigningKey::pkcs8_der`]: everything is
    /// checked as by [`ServiceAccountKey::from_json`] except the RSA arithmetic
    /// (CRT consistency), which the keystore does on import, or credmint does on
    /// the first signature it is asked for.
    pub fn from_json_for_keystore(json: &str, backend: Backend) -> Result<Self> {
        Self::read(json, |pem, key_id| {
            SigningKey::from_pem_for_keystore(pem, key_id, backend)
        })
    }

    fn read(json: &str, load: impl FnOnce(&str, String) -> Result<SigningKey>) -> Result<Self> {
        if json.len() > MAX_KEY_FILE_SIZE {
            return Err(Error::invalid_key(format!(
                "key file is {} bytes, over the {MAX_KEY_FILE_SIZE}-byte limit",
                json.len()
            )));
        }
        let file: KeyFile<'_> = serde_json::from_str(json).map_err(|err| {
            Error::invalid_key(format!(
                "service-account key file: {}",
                json::describe_error(&err)
            ))
        })?;
        if file.kind != "service_account" {
            return Err(Error::invalid_key(format!(
                "key file type is {}, expected \"service_account\"",
                known_credential_type(&file.kind)
            )));
        }
        let pem = json::unescape_string_literal(file.private_key.get())
            .ok_or_else(|| Error::invalid_key("private_key must be a PEM string"))?;
        let key = load(&pem, file.private_key_id)?;
        Ok(ServiceAccountKey {
            key: Arc::new(key),
            client_email: check_email(file.client_email)?,
            client_id: file.client_id,
            project_id: file.project_id,
            token_uri: check_uri(file.token_uri, DEFAULT_TOKEN_URI, "token_uri")?,
            universe_domain: check_domain(file.universe_domain)?,
            quota_project_id: file.quota_project_id.filter(|q| !q.is_empty()),
        })
    }

    /// The quota project the file names (`quota_project_id`, which `gcloud` and
    /// users may add to key files), if any.
    pub fn quota_project_id(&self) -> Option<&str> {
        self.quota_project_id.as_deref()
    }

    /// The service account's email address: the `iss` of everything it signs.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The service account's numeric unique id, if the file has one.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The project that owns the account, if the file names one.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The OAuth 2.0 token endpoint for the JWT-bearer grant.
    pub fn token_uri(&self) -> &str {
        &self.token_uri
    }

    /// The universe domain (`googleapis.com` outside sovereign clouds).
    pub fn universe_domain(&self) -> &str {
        &self.universe_domain
    }

    /// The key id (`private_key_id`), written as `kid` in JWS headers.
    pub fn key_id(&self) -> &str {
        self.key.key_id()
    }

    /// The RSA key that signs for this account.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The key shared for use in flows that sign assertions.
    pub fn shared_signing_key(&self) -> Arc<SigningKey> {
        Arc::clone(&self.key)
    }

    /// The public key, with the key id.
    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// The public key as a one-key JWK Set.
    pub fn jwks(&self) -> JwkSet {
        self.key.jwks()
    }

    /// Signs `blob` as IAM `signBlob` would (see [`SigningKey::sign_blob`]).
    pub fn sign_blob(&self, blob: &[u8]) -> Result<SignedBlob> {
        self.key.sign_blob(blob)
    }

    /// Signs `claims` as IAM `signJwt` would (see [`SigningKey::sign_jwt`]).
    pub fn sign_jwt(&self, claims: &Claims, now: UnixTime) -> Result<SignedJwt> {
        self.key.sign_jwt(claims, now)
    }
}

impl fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("project_id", &self.project_id)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Names a credential file type only when it is one of Google's; any other value
/// is not echoed (a file with swapped fields could carry key text there).
fn known_credential_type(kind: &str) -> &str {
    const KNOWN: [&str; 6] = [
        "authorized_user",
        "external_account",
        "external_account_authorized_user",
        "impersonated_service_account",
        "gdch_service_account",
        "service_account",
    ];
    KNOWN
        .iter()
        .find(|known| **known == kind)
        .map_or("unknown", |known| known)
}

/// Checks the shape of an email address: `local@domain.tld`, printable ASCII, ≤ 254 bytes.
pub(crate) fn check_email(email: String) -> Result<String> {
    let valid = email.len() <= 254
        && email.bytes().all(|b| b.is_ascii_graphic())
        && !email.contains(['"', '<', '>', '(', ')', '[', ']', ',', ';', '\\', '/'])
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if valid {
        Ok(email)
    } else {
        Err(Error::invalid_key("client_email is not an email address"))
    }
}

fn check_uri(uri: Option<String>, default: &str, name: &str) -> Result<String> {
    let uri = uri.unwrap_or_else(|| default.to_owned());
    let valid = (uri.starts_with("https://") || uri.starts_with("http://"))
        && uri.bytes().all(|b| b.is_ascii_graphic());
    if valid {
        Ok(uri)
    } else {
        Err(Error::invalid_key(format!("{name} is not an http(s) URL")))
    }
}

fn check_domain(domain: Option<String>) -> Result<String> {
    let domain = domain.unwrap_or_else(|| DEFAULT_UNIVERSE_DOMAIN.to_owned());
    let valid = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if valid {
        Ok(domain)
    } else {
        Err(Error::invalid_key("universe_domain is not a domain name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.c", "sa@p.iam.gserviceaccount.com"] {
            assert!(check_email(ok.into()).is_ok(), "{ok}");
        }
        for bad in [
            "", "a", "@b.c", "a@", "a@b", "a@@b.c", "a b@c.d", "a@.b", "a@b.", "é@b.c", "a@b/c.d",
        ] {
            assert!(check_email(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn uri_and_domain() {
        assert_eq!(
            check_uri(None, DEFAULT_TOKEN_URI, "t").unwrap(),
            DEFAULT_TOKEN_URI
        );
        assert!(check_uri(Some("http://127.0.0.1:8080/token".into()), "", "t").is_ok());
        for bad in ["ftp://x", "https://a b", "token"] {
            assert!(check_uri(Some(bad.into()), "", "t").is_err(), "{bad}");
        }
        assert!(check_domain(Some("apis-tpc.goog".into())).is_ok());
        assert!(check_domain(Some("a/b".into())).is_err());
        assert!(check_domain(Some(String::new())).is_err());
    }
}
