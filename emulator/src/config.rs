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
    /// `iss` of the ID tokens the emulator signs (default `https://accounts.google.com`,
    /// as Google's own ID tokens carry).
    #[serde(default)]
    pub oidc_issuer: Option<String>,
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
    /// `serviceAccount:EMAIL`, `principal://…` or `principalSet://…/*`.
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
