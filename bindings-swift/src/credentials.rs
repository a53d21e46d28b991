//! The core's `Credentials` (any credential document, a loaded key, a key the
//! host holds) and Application Default Credentials as uniffi objects. Only
//! conversions: every default, path, order and time limit is the core's.

use crate::conversation::Conversation;
use crate::errors::Result;
use crate::keys::ServiceAccountKey;
use credmint::{CredentialOptions, Credentials, DefaultCredentialsFlow, Environment, SecretString};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The core's `CredentialOptions` from their JSON (`scopes`, `token_uri`,
/// `iam_endpoint`, `metadata_base`, `lifetime_secs`, `delegates`,
/// `quota_project_id`, `subject`, `jitter_seed`); none: every default.
fn options(json: Option<String>) -> Result<CredentialOptions> {
    Ok(match json {
        Some(json) => CredentialOptions::from_json(&json)?,
        None => CredentialOptions::default(),
    })
}

/// Credentials of any kind, validated, every default decided by the core;
/// they hand out the conversations for tokens. `toString`/`description`:
/// the kind and account, never a secret.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct CoreCredentials {
    pub(crate) inner: Credentials,
}

impl fmt::Debug for CoreCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl CoreCredentials {
    /// Reads a credential document of any `type` (`service_account`,
    /// `authorized_user`, `impersonated_service_account`, `external_account`,
    /// `external_account_authorized_user`, `gce_metadata`, `ibm_api_key`,
    /// `oauth_client_credentials`), with `options_json` applied over it.
    #[uniffi::constructor(default(options_json = None))]
    pub fn from_json(text: String, options_json: Option<String>) -> Result<Self> {
        let options = options(options_json)?;
        Ok(CoreCredentials {
            inner: Credentials::from_json_with(&text, &options)?,
        })
    }

    /// A loaded service-account key; with `external_signer`, the conversations
    /// ask the host to sign each assertion (`Step.Sign`) instead of the key here.
    #[uniffi::constructor(default(options_json = None))]
    pub fn from_service_account_key(
        key: Arc<ServiceAccountKey>,
        external_signer: bool,
        options_json: Option<String>,
    ) -> Result<Self> {
        let options = options(options_json)?;
        Ok(CoreCredentials {
            inner: Credentials::from_service_account_key(&key.inner, external_signer, &options)?,
        })
    }

    /// A service account whose key never enters credmint (Keystore, Keychain):
    /// the host signs every assertion (`Step.Sign` for `key_id`).
    #[uniffi::constructor(default(options_json = None))]
    pub fn from_signer(
        client_email: String,
        key_id: String,
        options_json: Option<String>,
    ) -> Result<Self> {
        let options = options(options_json)?;
        Ok(CoreCredentials {
            inner: Credentials::from_signer(&client_email, &key_id, &options)?,
        })
    }

    /// The document's `type` (`gce_metadata` for the metadata server).
    pub fn kind(&self) -> String {
        self.inner.kind().as_str().to_owned()
    }

    /// How early tokens are refreshed: `google`, `ibm` or `metadata`.
    pub fn refresh_policy(&self) -> Option<String> {
        self.inner.refresh_policy().name().map(str::to_owned)
    }

    /// The project billed for quota, if any.
    pub fn quota_project_id(&self) -> Option<String> {
        self.inner.quota_project_id().map(str::to_owned)
    }

    /// The universe domain (`googleapis.com` unless the document says).
    pub fn universe_domain(&self) -> String {
        self.inner.universe_domain().to_owned()
    }

    /// The project the document names, if any.
    pub fn project_id(&self) -> Option<String> {
        self.inner.project_id().map(str::to_owned)
    }

    /// The service account these credentials act as, where known.
    pub fn service_account_email(&self) -> Option<String> {
        self.inner.service_account_email().map(str::to_owned)
    }

    /// The conversation that obtains an access token; an `external_account`
    /// sources its subject token as its document says, unless one is given.
    #[uniffi::method(default(subject_token = None))]
    pub fn access_token(&self, subject_token: Option<String>) -> Result<Arc<Conversation>> {
        let flow = match subject_token {
            Some(token) => self
                .inner
                .access_token_flow_with_subject_token(&SecretString::from(token))?,
            None => self.inner.access_token_flow()?,
        };
        Ok(Conversation::new(flow))
    }

    /// The conversation that obtains an ID token for `audience`
    /// (`not_supported` for kinds that have none).
    pub fn id_token(&self, audience: String) -> Result<Arc<Conversation>> {
        Ok(Conversation::new(self.inner.id_token_flow(&audience)?))
    }
}

/// The most bytes of a credential file the core reads; hosts read at most one
/// byte more, so that the core can refuse an oversized file.
#[uniffi::export]
pub fn max_credential_file_size() -> u64 {
    credmint::MAX_CREDENTIAL_FILE_SIZE as u64
}

/// Every environment variable Application Default Credentials reads; a host
/// passes those that are set to [`default_credentials`].
#[uniffi::export]
pub fn adc_variables() -> Vec<String> {
    credmint::ADC_VARIABLES
        .iter()
        .map(|name| (*name).to_owned())
        .collect()
}

/// Application Default Credentials over `env` (the variables of
/// `adcVariables()` that are set) on a Windows host or not, with
/// `options_json` applied to what is found: a conversation that ends with
/// `Output.DefaultCredentials` (`credentials_not_found` when there is nothing).
#[uniffi::export(default(options_json = None))]
pub fn default_credentials(
    env: HashMap<String, String>,
    windows: bool,
    options_json: Option<String>,
) -> Result<Arc<Conversation>> {
    let mut environment = Environment::new(windows);
    for (name, value) in env {
        environment.set(&name, value);
    }
    Ok(Conversation::new(DefaultCredentialsFlow::new(
        environment,
        options(options_json)?,
    )))
}
