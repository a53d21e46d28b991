//! The emulator's configuration file (TOML or JSON): who exists, with which
//! keys, and who may act as whom. See `emulator/examples/emulator.toml`.

use crate::error::SetupError;
use credmint::SecretString;
use serde::{Deserialize, Deserializer};
use std::path::{Path, PathBuf};

/// Everything the emulator serves, as read from the configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The address clients reach the emulator at when it is not the bound
    /// one (`https://emulator.internal`); `credmint serve --public-url` wins.
    #[serde(default)]
    pub public_url: Option<String>,
    /// `iss` of the ID tokens the emulator signs (default `https://accounts.google.com`,
    /// as Google's own ID tokens carry).
    #[serde(default)]
    pub oidc_issuer: Option<String>,
    /// `max-age` of the `Cache-Control` every public-key endpoint sends, in
    /// seconds (default 3600; at most a year). Each answer's `Age` counts from
    /// when its key set was last published (start, or the last rotation).
    #[serde(default)]
    pub key_max_age_secs: Option<u64>,
    /// How long every access token the emulator mints lives, in seconds
    /// (default 3600, as Google's and IBM's; 1 to 43200): seconds-long refresh
    /// windows for tests of caches and refresh. `generateAccessToken` keeps
    /// the lifetime its caller asks for.
    #[serde(default)]
    pub access_token_lifetime_secs: Option<u64>,
    /// The service account the metadata server (`/computeMetadata/v1/`) speaks
    /// for, as `default` (default: the first service account).
    #[serde(default)]
    pub metadata_service_account: Option<String>,
    /// What `universe/universe-domain` answers; without it the path is a 404,
    /// which clients read as `googleapis.com`, as on Google Cloud.
    #[serde(default)]
    pub metadata_universe_domain: Option<String>,
    /// Google service accounts.
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountConfig>,
    /// Workload identity federation providers (STS).
    #[serde(default)]
    pub identity_providers: Vec<IdentityProviderConfig>,
    /// IBM Cloud API keys.
    #[serde(default)]
    pub ibm_api_keys: Vec<IbmApiKeyConfig>,
    /// k0rdent service accounts.
    #[serde(default)]
    pub k0rdent_service_accounts: Vec<K0rdentAccountConfig>,
    /// Google users with an OAuth client and a refresh token (what
    /// `gcloud auth application-default login` writes).
    #[serde(default)]
    pub authorized_users: Vec<AuthorizedUserConfig>,
    /// Workforce identity federation users with an STS refresh token (what
    /// `gcloud auth login --login-config` writes).
    #[serde(default)]
    pub workforce_users: Vec<WorkforceUserConfig>,
}

/// A Google service account.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountConfig {
    /// `name@project.iam.gserviceaccount.com`.
    pub email: String,
    /// `project_id` written into a generated key file (default: taken from the email).
    #[serde(default)]
    pub project: Option<String>,
    /// The 21-digit unique id (default: derived from the email).
    #[serde(default)]
    pub unique_id: Option<String>,
    /// A service-account JSON key file for this account (relative to the config
    /// file); without one, a key is generated at first start.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// IAM members holding `roles/iam.serviceAccountTokenCreator` on this account:
    /// `serviceAccount:EMAIL`, `user:EMAIL`, `principal://…` or `principalSet://…/*`.
    #[serde(default)]
    pub token_creators: Vec<String>,
    /// Regions for `allowedLocations` (empty: unrestricted).
    #[serde(default)]
    pub allowed_locations: Vec<String>,
    /// Longest `generateAccessToken` lifetime, in seconds: 3600, or up to 43200
    /// where the `iam.allowServiceAccountCredentialLifetimeExtension` policy applies.
    #[serde(default = "default_max_lifetime")]
    pub max_token_lifetime_secs: u64,
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
    String::deserialize(deserializer).map(SecretString::from)
}

fn default_max_lifetime() -> u64 {
    3600
}

/// A Google user: the `authorized_user` credential of an OAuth client.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizedUserConfig {
    /// The user's email; its tokens act as the IAM member `user:EMAIL`.
    pub email: String,
    /// The OAuth client (several users may share one, as gcloud's users do).
    pub client_id: String,
    /// The client's secret (never printed).
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// The user's refresh token for that client (never printed).
    #[serde(deserialize_with = "secret")]
    pub refresh_token: SecretString,
    /// Scopes the user consented to (default: gcloud's `openid`, `userinfo.email`
    /// and `cloud-platform`); `openid` adds an `id_token` to each refresh.
    #[serde(default = "default_user_scopes")]
    pub scopes: Vec<String>,
    /// `quota_project_id` written into the credential file.
    #[serde(default)]
    pub quota_project_id: Option<String>,
}

fn default_user_scopes() -> Vec<String> {
    [
        "openid",
        "https://www.googleapis.com/auth/userinfo.email",
        "https://www.googleapis.com/auth/cloud-platform",
    ]
    .map(str::to_owned)
    .to_vec()
}

/// A workforce identity federation user: the `external_account_authorized_user`
/// credential, refreshed at STS `POST /v1/oauthtoken`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkforceUserConfig {
    /// `//iam.googleapis.com/locations/global/workforcePools/POOL/providers/PROVIDER`.
    pub audience: String,
    /// The IAM member its tokens act as:
    /// `principal://iam.googleapis.com/locations/global/workforcePools/POOL/subject/SUBJECT`.
    pub principal: String,
    /// The OAuth client gcloud signed in with.
    pub client_id: String,
    /// The client's secret (never printed).
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// The user's STS refresh token (never printed).
    #[serde(deserialize_with = "secret")]
    pub refresh_token: SecretString,
    /// Scopes of its access tokens (default `cloud-platform`).
    #[serde(default = "default_workforce_scopes")]
    pub scopes: Vec<String>,
}

fn default_workforce_scopes() -> Vec<String> {
    vec!["https://www.googleapis.com/auth/cloud-platform".to_owned()]
}

/// An external identity provider trusted by a workload identity pool.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderConfig {
    /// The STS audience naming the provider:
    /// `//iam.googleapis.com/projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV`.
    pub audience: String,
    /// The `iss` its subject tokens carry.
    pub issuer: String,
    /// Its verification keys: a JWKS, X.509 map or PEM file, or a
    /// service-account key file whose key signs subject tokens (relative to
    /// the config file). Without one, a key is generated at first start.
    #[serde(default)]
    pub keys_file: Option<PathBuf>,
    /// Accepted `aud` of subject tokens (default: the provider audience, with
    /// or without an `https:` prefix).
    #[serde(default)]
    pub allowed_audiences: Vec<String>,
}

/// An IBM Cloud API key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IbmApiKeyConfig {
    /// The API key itself (never printed; matched by hash at run time).
    #[serde(deserialize_with = "secret")]
    pub apikey: SecretString,
    /// The identity it authenticates (`IBMid-…` or `iam-ServiceId-…`).
    pub iam_id: String,
    /// The account id.
    #[serde(default = "default_ibm_account")]
    pub account_id: String,
}

fn default_ibm_account() -> String {
    "0123456789abcdef0123456789abcdef".to_owned()
}

/// A k0rdent service account.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K0rdentAccountConfig {
    /// Resource id, e.g. `sa-pipeline-prod`.
    pub id: String,
    /// The tenant it belongs to.
    #[serde(default = "default_tenant")]
    pub tenant: String,
    /// Whether it administers its tenant (may list, create and revoke credentials).
    #[serde(default)]
    pub tenant_admin: bool,
    /// Credentials present at first start.
    #[serde(default)]
    pub credentials: Vec<K0rdentCredentialConfig>,
}

fn default_tenant() -> String {
    "default".to_owned()
}

/// A k0rdent credential present at first start.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct K0rdentCredentialConfig {
    /// Credential id (the OAuth `client_id`).
    pub id: String,
    /// The secret (never printed; stored only as a hash at run time).
    #[serde(deserialize_with = "secret")]
    pub client_secret: SecretString,
    /// RFC 3339 expiry; none means it never expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// RFC 3339 creation time (default: first start).
    #[serde(default)]
    pub created_at: Option<String>,
    /// Who created it.
    #[serde(default = "default_creator")]
    pub created_by: String,
}

fn default_creator() -> String {
    "emulator-config".to_owned()
}

impl Config {
    /// Reads a `.toml` or `.json` file; relative key paths resolve against its folder.
    pub fn load(path: &Path) -> Result<Self, SetupError> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| SetupError::new(format!("cannot read {}: {err}", path.display())))?;
        let is_json = path.extension().is_some_and(|ext| ext == "json");
        let mut config = if is_json {
            Self::from_json(&text)?
        } else {
            Self::from_toml(&text)?
        };
        if let Some(folder) = path.parent() {
            config.resolve_paths(folder);
        }
        Ok(config)
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self, SetupError> {
        toml::from_str(text).map_err(|err| SetupError::new(format!("invalid configuration: {err}")))
    }

    /// Parses JSON text.
    pub fn from_json(text: &str) -> Result<Self, SetupError> {
        serde_json::from_str(text)
            .map_err(|err| SetupError::new(format!("invalid configuration: {err}")))
    }

    fn resolve_paths(&mut self, folder: &Path) {
        let resolve = |path: &mut Option<PathBuf>| {
            if let Some(p) = path.as_mut().filter(|p| p.is_relative()) {
                *p = folder.join(&*p);
            }
        };
        for account in &mut self.service_accounts {
            resolve(&mut account.key_file);
        }
        for provider in &mut self.identity_providers {
            resolve(&mut provider.keys_file);
        }
    }
}
