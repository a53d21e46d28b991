//! Naming service accounts on the wire.

use crate::error::{Error, Result};
use crate::key::check_email;
use crate::url::{Endpoint, encode_path_segment};
use std::fmt;

/// A service account as IAM Credentials paths name it: its email, or its
/// numeric unique id. Validated once; written as `projects/-/serviceAccounts/{id}`.
///
/// ```
/// use credmint::ServiceAccountId;
/// let id = ServiceAccountId::new("sa@p.iam.gserviceaccount.com").unwrap();
/// assert_eq!(id.resource_name(), "projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com");
/// assert!(ServiceAccountId::new("103271949540120710052").is_ok());
/// assert!(ServiceAccountId::new("../../x").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceAccountId(String);

impl ServiceAccountId {
    /// An email address, or a unique id of 1 to 30 digits.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        let unique_id = !id.is_empty() && id.len() <= 30 && id.bytes().all(|b| b.is_ascii_digit());
        if unique_id {
            return Ok(ServiceAccountId(id));
        }
        check_email(id).map(ServiceAccountId).map_err(|_| {
            Error::invalid_argument(
                "service account must be an email address or a numeric unique id",
            )
        })
    }

    /// The email or unique id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `projects/-/serviceAccounts/{id}` (the `-` wildcard project that delegation requires).
    pub fn resource_name(&self) -> String {
        format!("projects/-/serviceAccounts/{}", self.0)
    }

    /// The resource name with the id path-escaped, for URLs.
    pub(crate) fn path(&self) -> String {
        format!(
            "projects/-/serviceAccounts/{}",
            encode_path_segment(&self.0)
        )
    }
}

impl fmt::Debug for ServiceAccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ServiceAccountId").field(&self.0).finish()
    }
}

/// Who a service-account key speaks for: its email, key id and token endpoint.
/// What an external signer needs besides the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceAccountIdentity {
    client_email: String,
    key_id: String,
    token_uri: Endpoint,
}

impl ServiceAccountIdentity {
    /// An identity; `token_uri` is where JWT-bearer grants go.
    pub fn new(
        client_email: impl Into<String>,
        key_id: impl Into<String>,
        token_uri: Endpoint,
    ) -> Result<Self> {
        let client_email = check_email(client_email.into())
            .map_err(|_| Error::invalid_argument("client_email is not an email address"))?;
        let key_id = crate::key::check_key_id(key_id.into())?;
        Ok(ServiceAccountIdentity {
            client_email,
            key_id,
            token_uri,
        })
    }

    /// The account's email: `iss` of its assertions.
    pub fn client_email(&self) -> &str {
        &self.client_email
    }

    /// The key id: `kid` of its assertions.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The OAuth 2.0 token endpoint.
    pub fn token_uri(&self) -> &Endpoint {
        &self.token_uri
    }
}
