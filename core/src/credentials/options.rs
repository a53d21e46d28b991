//! Overrides that every credential type accepts, so that tests, emulators and
//! unusual deployments can point any credential anywhere with one vocabulary.

use crate::datetime::Lifetime;
use crate::error::{Error, Result};
use crate::google::ServiceAccountId;
use crate::json::{self, JsonError};
use crate::url::Endpoint;
use serde_json::{Map, Value};

/// What a caller may change about a credential document, whatever its type.
/// Fields a type has no use for are ignored (a metadata host on a key file).
///
/// ```
/// use credmint::CredentialOptions;
/// let options = CredentialOptions::from_json(r#"{"scopes":["openid"],"lifetime_secs":600}"#).unwrap();
/// assert_eq!(options.scopes.as_deref(), Some(&["openid".to_owned()][..]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CredentialOptions {
    /// Scopes to ask for instead of the type's default.
    pub scopes: Option<Vec<String>>,
    /// The token endpoint: a key's `token_uri`, a user's refresh endpoint, STS's
    /// `oauthtoken`, IBM's IAM base URL, an OAuth client's token URL.
    pub token_uri: Option<Endpoint>,
    /// The IAM Credentials endpoint impersonation calls go to.
    pub iam_endpoint: Option<Endpoint>,
    /// The metadata server (`http://host:port`), for requests and detection.
    pub metadata_base: Option<Endpoint>,
    /// Lifetime of impersonated access tokens (default 1 h, at most 12 h).
    pub lifetime: Option<Lifetime>,
    /// Delegation chain of impersonation, replacing the document's.
    pub delegates: Option<Vec<ServiceAccountId>>,
    /// Quota project, replacing the document's `quota_project_id`.
    pub quota_project_id: Option<String>,
    /// The user a service account acts for (domain-wide delegation, `sub`).
    pub subject: Option<String>,
    /// Seed of the backoff jitter (reproducible retry schedules in tests).
    pub jitter_seed: Option<u64>,
    /// The host signs: a service-account key in the document (or in an
    /// impersonated document's source) is read for the host's keystore, not
    /// loaded for signing here, and every assertion it signs is a
    /// [`crate::Step::Sign`] (WebCrypto in JavaScript). See
    /// [`super::Credentials::host_signing_key`].
    pub host_signs: bool,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid_argument(format!("credential options: {}", reason.into()))
}

fn text<'a>(doc: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(format!("\"{name}\" must be a string"))),
    }
}

fn texts(doc: &Map<String, Value>, name: &str) -> Result<Option<Vec<String>>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(format!("\"{name}\" must be a list of strings")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(_) => Err(bad(format!("\"{name}\" must be a list of strings"))),
    }
}

fn number(doc: &Map<String, Value>, name: &str) -> Result<Option<u64>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or_else(|| bad(format!("\"{name}\" must be a non-negative integer"))),
    }
}

fn endpoint(doc: &Map<String, Value>, name: &str) -> Result<Option<Endpoint>> {
    text(doc, name)?.map(Endpoint::new).transpose()
}

const KNOWN: [&str; 10] = [
    "scopes",
    "token_uri",
    "iam_endpoint",
    "metadata_base",
    "lifetime_secs",
    "delegates",
    "quota_project_id",
    "subject",
    "jitter_seed",
    "host_signs",
];

impl CredentialOptions {
    /// Reads options from a JSON object with the fields' names (`lifetime_secs`
    /// for the lifetime); unknown names are refused, so a typo does not pass silently.
    pub fn from_json(text_in: &str) -> Result<Self> {
        let doc = json::parse_object(text_in.as_bytes()).map_err(|err| match err {
            JsonError::NotAnObject => bad("not a JSON object"),
            JsonError::Syntax(reason) => bad(reason),
        })?;
        if let Some(unknown) = doc.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(bad(format!(
                "unknown option {}",
                crate::error::quoted(unknown)
            )));
        }
        let metadata_base = text(&doc, "metadata_base")?
            .map(Endpoint::insecure)
            .transpose()?;
        let delegates = texts(&doc, "delegates")?
            .map(|ids| {
                ids.into_iter()
                    .map(ServiceAccountId::new)
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?;
        Ok(CredentialOptions {
            scopes: texts(&doc, "scopes")?,
            token_uri: endpoint(&doc, "token_uri")?,
            iam_endpoint: endpoint(&doc, "iam_endpoint")?,
            metadata_base,
            lifetime: number(&doc, "lifetime_secs")?
                .map(Lifetime::from_secs)
                .transpose()?,
            delegates,
            quota_project_id: text(&doc, "quota_project_id")?.map(str::to_owned),
            subject: text(&doc, "subject")?.map(str::to_owned),
            jitter_seed: number(&doc, "jitter_seed")?,
            host_signs: match doc.get("host_signs") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(host_signs)) => *host_signs,
                Some(_) => return Err(bad("\"host_signs\" must be true or false")),
            },
        })
    }
}
