//! Credentials as data: one type for every credential document credmint reads
//! (Google's `service_account`, `authorized_user`, `impersonated_service_account`,
//! `external_account`, `external_account_authorized_user`; credmint's forms for
//! the metadata server, IBM API keys and OAuth clients), handing out the flow
//! for an access token or an ID token. Every default — token endpoint, IAM
//! endpoint, scopes, lifetime, retry, refresh policy — is chosen here, once, so
//! that no binding chooses one.
//!
//! ```
//! use credmint::{Credentials, Flow, Step, UnixTime};
//! # fn main() -> Result<(), credmint::Error> {
//! let creds = Credentials::from_json(r#"{"type":"authorized_user","client_id":"c.apps.googleusercontent.com",
//!     "client_secret":"s","refresh_token":"1//r"}"#)?;
//! assert_eq!(creds.kind().as_str(), "authorized_user");
//! let mut flow = creds.access_token_flow()?;
//! let Step::Send(request) = flow.poll(UnixTime::from_secs(1_700_000_000))? else { unreachable!() };
//! assert_eq!(request.url(), "https://oauth2.googleapis.com/token");
//! assert!(creds.id_token_flow("https://svc.example").is_err()); // users mint no ID tokens
//! # Ok(()) }
//! ```

mod adc;
mod cache_identity;
mod document;
mod options;

pub use adc::{
    ADC_VARIABLES, AdcSource, DefaultCredentials, DefaultCredentialsFlow, Environment,
    WELL_KNOWN_FILE,
};
pub use document::MAX_CREDENTIAL_FILE_SIZE;
pub use options::CredentialOptions;

use crate::error::{Error, Result};
use crate::flow::Signer;
use crate::flow::{Flow, FlowOptions};
use crate::google::metadata::{METADATA_RETRY, MetadataAccount, MetadataServer};
use crate::google::{
    AuthorizedUser, ExternalAccount, IamCredentials, ImpersonatedFlow, ServiceAccountId,
    SourceToken, SourcedExternalAccountFlow, WorkforceUser,
};
use crate::ibm::IbmIam;
use crate::key::ServiceAccountKey;
use crate::lifetime::RefreshPolicy;
use crate::oauth::ClientCredentials;
use crate::retry::{Jitter, RetryPolicy};
use crate::secret::SecretString;
use crate::token::{AccessToken, IdToken};
use crate::{IdTokenAssertion, JwtBearerAssertion, JwtGrantFlow, ServiceAccountIdentity};
use std::sync::Arc;

/// The scope Google's APIs accept for everything, and the one IAM needs.
pub const CLOUD_PLATFORM_SCOPE: &str = "https://www.googleapis.com/auth/cloud-platform";
/// The universe of Google's public cloud.
pub const GOOGLE_UNIVERSE: &str = "googleapis.com";

/// A conversation that ends with an access token.
pub type AccessTokenFlow = Box<dyn Flow<Output = AccessToken> + Send>;
/// A conversation that ends with an ID token.
pub type IdTokenFlow = Box<dyn Flow<Output = IdToken> + Send>;

/// Which kind of credential a document describes (its `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialKind {
    /// A service-account key (`service_account`).
    ServiceAccount,
    /// A person's refresh token from `gcloud auth application-default login` (`authorized_user`).
    AuthorizedUser,
    /// Another service account through IAM Credentials (`impersonated_service_account`).
    ImpersonatedServiceAccount,
    /// Workload identity federation (`external_account`).
    ExternalAccount,
    /// A workforce identity user (`external_account_authorized_user`).
    ExternalAccountAuthorizedUser,
    /// The metadata server of the Google Cloud workload (`gce_metadata`).
    Metadata,
    /// An IBM Cloud API key (`ibm_api_key`).
    IbmApiKey,
    /// An OAuth 2.0 client (`oauth_client_credentials`; k0rdent service-account credentials).
    OAuthClientCredentials,
}

impl CredentialKind {
    /// The document's `type` for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::ServiceAccount => "service_account",
            CredentialKind::AuthorizedUser => "authorized_user",
            CredentialKind::ImpersonatedServiceAccount => "impersonated_service_account",
            CredentialKind::ExternalAccount => "external_account",
            CredentialKind::ExternalAccountAuthorizedUser => "external_account_authorized_user",
            CredentialKind::Metadata => "gce_metadata",
            CredentialKind::IbmApiKey => "ibm_api_key",
            CredentialKind::OAuthClientCredentials => "oauth_client_credentials",
        }
    }
}

#[derive(Clone)]
enum Source {
    ServiceAccount {
        identity: ServiceAccountIdentity,
        signer: Signer,
        key: Option<Arc<ServiceAccountKey>>,
        subject: Option<String>,
    },
    AuthorizedUser(AuthorizedUser),
    Impersonated {
        source: Box<Credentials>,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
    },
    ExternalAccount(Box<ExternalAccount>),
    WorkforceUser(WorkforceUser),
    Metadata {
        server: MetadataServer,
        account: MetadataAccount,
    },
    IbmApiKey {
        iam: IbmIam,
        api_key: SecretString,
    },
    ClientCredentials(ClientCredentials),
}

/// A credential of any kind, validated, with every default decided.
#[derive(Clone)]
pub struct Credentials {
    source: Source,
    scopes: Option<Vec<String>>,
    lifetime: crate::Lifetime,
    quota_project_id: Option<String>,
    universe_domain: String,
    project_id: Option<String>,
    jitter_seed: Option<u64>,
}

impl Credentials {
    /// Reads a credential document (any `type` of [`CredentialKind`]).
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_json_with(text, &CredentialOptions::default())
    }

    /// Reads a credential document and applies `options` over it.
    pub fn from_json_with(text: &str, options: &CredentialOptions) -> Result<Self> {
        document::parse(text, options)
    }

    /// The metadata server's default service account (or the one `options`
    /// name), at `GCE_METADATA_HOST` or `options.metadata_base`.
    pub fn metadata(server: MetadataServer, options: &CredentialOptions) -> Result<Self> {
        document::metadata(server, MetadataAccount::DEFAULT, options)
    }

    /// A service-account key already loaded. With `external_signer`, the flows
    /// ask the host to sign each assertion ([`crate::Step::Sign`]: WebCrypto, a
    /// Keychain or Keystore key) instead of signing with the key in-process.
    pub fn from_service_account_key(
        key: &ServiceAccountKey,
        external_signer: bool,
        options: &CredentialOptions,
    ) -> Result<Self> {
        document::service_account_key(key.clone(), external_signer, options)
    }

    /// A service account whose private key never enters credmint: every
    /// assertion is signed by the host ([`crate::Step::Sign`] for `key_id`).
    pub fn from_signer(
        client_email: &str,
        key_id: &str,
        options: &CredentialOptions,
    ) -> Result<Self> {
        document::external_signer(client_email, key_id, options)
    }

    /// Which kind of credential this is.
    pub fn kind(&self) -> CredentialKind {
        match &self.source {
            Source::ServiceAccount { .. } => CredentialKind::ServiceAccount,
            Source::AuthorizedUser(_) => CredentialKind::AuthorizedUser,
            Source::Impersonated { .. } => CredentialKind::ImpersonatedServiceAccount,
            Source::ExternalAccount(_) => CredentialKind::ExternalAccount,
            Source::WorkforceUser(_) => CredentialKind::ExternalAccountAuthorizedUser,
            Source::Metadata { .. } => CredentialKind::Metadata,
            Source::IbmApiKey { .. } => CredentialKind::IbmApiKey,
            Source::ClientCredentials(_) => CredentialKind::OAuthClientCredentials,
        }
    }

    /// How early this credential's tokens are refreshed: IBM's 80 % rule for IBM
    /// keys, extra slack on the metadata server (it hands out tokens it cached
    /// itself), Google's 3 min 45 s elsewhere.
    pub fn refresh_policy(&self) -> RefreshPolicy {
        match &self.source {
            Source::IbmApiKey { .. } => RefreshPolicy::IBM,
            Source::Metadata { .. } => RefreshPolicy::METADATA,
            _ => RefreshPolicy::GOOGLE,
        }
    }

    /// The project billed for quota (`quota_project_id`, or the override).
    pub fn quota_project_id(&self) -> Option<&str> {
        self.quota_project_id.as_deref()
    }

    /// The universe domain of Google credentials (`googleapis.com` unless the document says).
    pub fn universe_domain(&self) -> &str {
        &self.universe_domain
    }

    /// The project the document names (a key's `project_id`), if any.
    pub fn project_id(&self) -> Option<&str> {
        self.project_id.as_deref()
    }

    /// The service account these credentials act as, where the document says.
    pub fn service_account_email(&self) -> Option<&str> {
        match &self.source {
            Source::ServiceAccount { identity, .. } => Some(identity.client_email()),
            Source::Impersonated { target, .. } => Some(target.as_str()),
            _ => None,
        }
    }

    /// The service-account key inside a `service_account` document.
    pub fn service_account_key(&self) -> Option<&ServiceAccountKey> {
        match &self.source {
            Source::ServiceAccount { key, .. } => key.as_deref(),
            _ => None,
        }
    }

    /// The key whose signatures these credentials' flows ask the host for
    /// ([`crate::Step::Sign`]): a `service_account` document read with
    /// [`CredentialOptions::host_signs`], or an impersonated document's source
    /// read so. The host imports it into its keystore ([`crate::SigningKey::pkcs8_der`]).
    pub fn host_signing_key(&self) -> Option<&ServiceAccountKey> {
        match &self.source {
            Source::ServiceAccount {
                signer: Signer::External { .. },
                key,
                ..
            } => key.as_deref(),
            Source::Impersonated { source, .. } => source.host_signing_key(),
            _ => None,
        }
    }

    /// The federation configuration inside an `external_account` document:
    /// its subject token is the host's to fetch (a file, a URL, a command).
    pub fn external_account(&self) -> Option<&ExternalAccount> {
        match &self.source {
            Source::ExternalAccount(account) => Some(account),
            _ => None,
        }
    }

    /// The source credentials of an `impersonated_service_account` document.
    pub fn impersonation_source(&self) -> Option<&Credentials> {
        match &self.source {
            Source::Impersonated { source, .. } => Some(source),
            _ => None,
        }
    }

    fn flow_options(&self) -> FlowOptions {
        let retry = match &self.source {
            Source::Metadata { .. } => METADATA_RETRY,
            _ => RetryPolicy::default(),
        };
        let jitter = self
            .jitter_seed
            .map_or_else(Jitter::from_entropy, Jitter::from_seed);
        FlowOptions {
            retry,
            jitter,
            request_timeout_millis: None,
        }
    }

    fn scopes_or(&self, default: &[&str]) -> Vec<String> {
        self.scopes
            .clone()
            .unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
    }

    /// The conversation that obtains an access token. An `external_account`
    /// document's flow first sources its subject token as the document says
    /// (the host answers [`crate::Step::ReadFile`], [`crate::Step::ReadEnv`]
    /// and [`crate::Step::Run`]); a token from elsewhere (a supplier) goes to
    /// [`Credentials::access_token_flow_with_subject_token`].
    pub fn access_token_flow(&self) -> Result<AccessTokenFlow> {
        let options = self.flow_options();
        Ok(match &self.source {
            Source::ServiceAccount {
                identity,
                signer,
                subject,
                ..
            } => {
                let mut assertion = JwtBearerAssertion::for_identity(
                    identity,
                    self.scopes_or(&[CLOUD_PLATFORM_SCOPE]),
                )?;
                if let Some(subject) = subject {
                    assertion = assertion.subject(subject.clone())?;
                }
                let flow: crate::ServiceAccountTokenFlow = JwtGrantFlow::new(
                    identity.token_uri().clone(),
                    signer.clone(),
                    assertion,
                    options,
                );
                Box::new(flow)
            }
            Source::AuthorizedUser(user) => Box::new(user.flow(&options)),
            Source::WorkforceUser(user) => Box::new(user.flow(&options)),
            Source::Impersonated {
                source,
                iam,
                target,
                delegates,
            } => Box::new(ImpersonatedFlow::access_token(
                SourceToken::Flow(source.access_token_flow()?),
                iam.clone(),
                target.clone(),
                delegates.clone(),
                self.scopes_or(&[CLOUD_PLATFORM_SCOPE]),
                self.lifetime,
                options,
            )?),
            Source::ExternalAccount(account) => Box::new(SourcedExternalAccountFlow::new(
                (**account).clone(),
                options,
            )),
            Source::Metadata { server, account } => Box::new(server.access_token_flow(
                account,
                self.scopes.as_deref().unwrap_or_default(),
                &options,
            )),
            Source::IbmApiKey { iam, api_key } => Box::new(iam.api_key_flow(api_key, &options)?),
            Source::ClientCredentials(client) => Box::new(client.flow(&options)),
        })
    }

    /// The conversation that trades an `external_account` document's subject
    /// token (read by the host from the credential source) for an access token.
    pub fn access_token_flow_with_subject_token(
        &self,
        subject_token: &SecretString,
    ) -> Result<AccessTokenFlow> {
        match &self.source {
            Source::ExternalAccount(account) => {
                Ok(Box::new(account.flow(subject_token, self.flow_options())?))
            }
            _ => self.access_token_flow(),
        }
    }

    /// The conversation that obtains an ID token for `audience` (with the
    /// account's `email`). Only service accounts have ID tokens: a key, an
    /// impersonated account or the metadata server's; other kinds fail with
    /// `not_supported`.
    pub fn id_token_flow(&self, audience: &str) -> Result<IdTokenFlow> {
        let options = self.flow_options();
        Ok(match &self.source {
            Source::ServiceAccount {
                identity, signer, ..
            } => {
                let assertion = IdTokenAssertion::for_identity(identity, audience)?;
                let flow: crate::ServiceAccountIdTokenFlow = JwtGrantFlow::new(
                    identity.token_uri().clone(),
                    signer.clone(),
                    assertion,
                    options,
                );
                Box::new(flow)
            }
            Source::Impersonated {
                source,
                iam,
                target,
                delegates,
            } => Box::new(ImpersonatedFlow::id_token(
                SourceToken::Flow(source.access_token_flow()?),
                iam.clone(),
                target.clone(),
                delegates.clone(),
                audience.to_owned(),
                true,
                options,
            )?),
            Source::Metadata { server, account } => {
                Box::new(server.id_token_flow(account, audience, &options)?)
            }
            _ => {
                return Err(Error::NotSupported {
                    reason: format!(
                        "{} credentials cannot mint ID tokens: impersonate a service account \
                         (impersonated_service_account) to get one",
                        self.kind().as_str()
                    ),
                });
            }
        })
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("kind", &self.kind().as_str())
            .field("service_account", &self.service_account_email())
            .field("quota_project_id", &self.quota_project_id)
            .field("universe_domain", &self.universe_domain)
            .finish_non_exhaustive()
    }
}
