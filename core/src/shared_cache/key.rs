//! Cache keys: one name per set of interchangeable tokens.
//!
//! Two tokens are interchangeable when they were obtained for the same
//! principal, from the same endpoint, for the same scopes or audience (and
//! subject, delegates, universe, lifetime). The core describes exactly that
//! for each kind of credential and names the description with the
//! application's [`CacheSecret`]: a store's key space reveals nothing about
//! the credentials, and a secret that is the only identity of a principal
//! (a refresh token, an IBM API key) enters the name only through that keyed
//! hash. A client secret is left out: rotating it leaves the tokens the same.

use super::seal::CacheSecret;
use crate::credentials::Credentials;
use crate::encoding::b64url_encode;
use crate::error::{Error, Result};
use crate::json::write_string;
use crate::secret::SecretString;
use sha2::{Digest, Sha256};

/// Format version in every key: entries of another layout live under other names.
const KEY_VERSION: &str = "v1";

/// Default prefix of every key credmint writes.
pub const DEFAULT_KEY_PREFIX: &str = "credmint:";

/// Longest prefix accepted.
pub const MAX_KEY_PREFIX_LEN: usize = 64;

/// Which token of a credential an entry holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenPurpose {
    /// The credential's access token (for its scopes).
    AccessToken,
    /// An ID token for this audience.
    IdToken {
        /// The `aud` asked for.
        audience: String,
    },
}

impl TokenPurpose {
    /// From a binding's arguments: an ID token when `audience` is given.
    pub fn from_audience(audience: Option<&str>) -> Self {
        match audience {
            Some(audience) => TokenPurpose::IdToken {
                audience: audience.to_owned(),
            },
            None => TokenPurpose::AccessToken,
        }
    }
}

/// The store keys of one set of interchangeable tokens: the entry and its lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheKey {
    entry: String,
    lease: String,
}

impl CacheKey {
    /// The keys for `purpose` tokens of `credentials`, named with `secret`
    /// under `prefix` (default [`DEFAULT_KEY_PREFIX`]).
    pub fn for_credentials(
        secret: &CacheSecret,
        credentials: &Credentials,
        purpose: &TokenPurpose,
        prefix: Option<&str>,
    ) -> Result<Self> {
        let prefix = checked_prefix(prefix.unwrap_or(DEFAULT_KEY_PREFIX))?;
        let mut description = Description::default();
        credentials.describe_for_cache(&mut description);
        match purpose {
            TokenPurpose::AccessToken => description.field("purpose", "access_token"),
            TokenPurpose::IdToken { audience } => {
                description.field("purpose", "id_token");
                description.field("audience", audience);
            }
        }
        let name = secret.name(description.finish().as_bytes());
        let entry = format!("{prefix}{KEY_VERSION}:{}", b64url_encode(&name[..20]));
        let lease = format!("{entry}:lease");
        Ok(CacheKey { entry, lease })
    }

    /// The key of the sealed entry.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// The key of the refresh lease.
    pub fn lease(&self) -> &str {
        &self.lease
    }
}

fn checked_prefix(prefix: &str) -> Result<&str> {
    let printable = prefix.bytes().all(|b| b.is_ascii_graphic());
    if prefix.len() > MAX_KEY_PREFIX_LEN || !printable {
        return Err(Error::invalid_argument(format!(
            "a cache key prefix has at most {MAX_KEY_PREFIX_LEN} printable ASCII characters and no spaces"
        )));
    }
    Ok(prefix)
}

/// What makes tokens interchangeable, as labelled fields in a fixed order
/// (a JSON array of `[label, value]` pairs). It exists only as the input of the
/// keyed name: never stored, logged or returned.
#[derive(Default)]
pub(crate) struct Description {
    fields: Vec<(String, String)>,
}

impl Description {
    /// A public field (an email, an endpoint, a scope list).
    pub(crate) fn field(&mut self, label: &str, value: &str) {
        self.fields.push((label.to_owned(), value.to_owned()));
    }

    /// An optional public field; absent and empty differ.
    pub(crate) fn optional(&mut self, label: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.field(label, value);
        }
    }

    /// A list of values in order (scopes, delegates).
    pub(crate) fn list(&mut self, label: &str, values: &[String]) {
        self.field(label, &values.join(" "));
    }

    /// A secret that identifies the principal: only its SHA-256 enters the
    /// description, and the description only the keyed name.
    pub(crate) fn secret(&mut self, label: &str, value: &SecretString) {
        let digest = Sha256::digest(value.expose_secret().as_bytes());
        self.field(label, &b64url_encode(&digest));
    }

    /// Fields of a nested credential (an impersonation source), under `label`.
    pub(crate) fn nested(&mut self, label: &str, inner: Description) {
        self.field(label, &inner.finish());
    }

    pub(crate) fn finish(self) -> String {
        let mut out = String::from("[");
        for (i, (label, value)) in self.fields.iter().enumerate() {
            out.push_str(if i == 0 { "[" } else { ",[" });
            write_string(label, &mut out);
            out.push(',');
            write_string(value, &mut out);
            out.push(']');
        }
        out.push(']');
        out
    }
}
