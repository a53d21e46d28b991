//! The emulator's fixed world, built once at start from the configuration and
//! the saved state: accounts with their keys, providers, API keys, tenants.

use crate::bearer::TokenMinter;
use crate::config::{Config, IdentityProviderConfig, ServiceAccountConfig};
use crate::error::SetupError;
use crate::random;
use crate::state::{CredentialRecord, Persisted, hash_secret};
use crate::users::{User, WorkforceUser, load_users, load_workforce_users};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credmint::{
    KeyFileOptions, KeySet, SecretString, ServiceAccountKey, UnixTime,
    generate_service_account_key, parse_rfc3339,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Default `iss` of emulator-signed ID tokens, as Google's carry.
pub const DEFAULT_OIDC_ISSUER: &str = "https://accounts.google.com";
/// `iss` of emulator-signed IBM access tokens.
pub const IBM_ISSUER: &str = "https://iam.cloud.ibm.com/identity";
/// Default `max-age` of the key endpoints' `Cache-Control`, as Google's.
pub const DEFAULT_KEY_MAX_AGE_SECS: u64 = 3600;
/// Longest `key_max_age_secs` accepted: a year.
const MAX_KEY_MAX_AGE_SECS: u64 = 365 * 86_400;

/// A Google service account with its key.
pub struct Account {
    /// `client_email`.
    pub email: String,
    /// 21-digit unique id (`sub`/`azp` of its ID tokens).
    pub unique_id: String,
    /// Its project (the metadata server's `project/project-id`).
    pub project_id: String,
    /// The private key, for signBlob/signJwt and to verify its assertions.
    pub key: ServiceAccountKey,
    /// The key file text (for `--keys-dir` and in-process hosts).
    pub key_file: SecretString,
    /// Members with token-creator on it.
    pub token_creators: Vec<String>,
    /// `allowedLocations`.
    pub allowed_locations: Vec<String>,
    /// Longest `generateAccessToken` lifetime.
    pub max_token_lifetime_secs: u64,
    /// Self-signed X.509 certificate (PEM) of its key.
    pub certificate: String,
}

impl Account {
    /// The IAM member naming this account.
    pub fn member(&self) -> String {
        format!("serviceAccount:{}", self.email)
    }
}

/// A workload identity provider.
pub struct Provider {
    /// STS audience.
    pub audience: String,
    /// Subject token `iss`.
    pub issuer: String,
    /// Subject token verification keys.
    pub keys: KeySet,
    /// Accepted subject token `aud` values.
    pub allowed_audiences: Vec<String>,
    /// `//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL`.
    pub pool: String,
    /// A generated signing key file, when the configuration gave no keys.
    pub key_file: Option<SecretString>,
}

/// The identity behind an IBM API key.
pub struct IbmIdentity {
    /// `iam_id`.
    pub iam_id: String,
    /// Account id.
    pub account_id: String,
}

/// A k0rdent service account's place.
pub struct K0rdentAccount {
    /// Tenant.
    pub tenant: String,
    /// Whether it administers the tenant.
    pub tenant_admin: bool,
}

/// What the metadata server knows about the instance it pretends to run on.
pub struct Instance {
    /// Index into `World::accounts` of the attached service account, if any.
    pub account: Option<usize>,
    /// `universe/universe-domain`, if configured.
    pub universe_domain: Option<String>,
    /// Numeric instance id (derived from the account).
    pub id: String,
    /// When the emulator started, as the instance's creation time.
    pub created_at: i64,
}

/// Everything fixed for the life of the server (the emulator's own signing
/// keys rotate, so they live in [`crate::keyring::Keyring`]).
pub struct World {
    /// `iss` of ID tokens.
    pub oidc_issuer: String,
    /// `max-age` of the key endpoints' `Cache-Control`, in seconds.
    pub key_max_age_secs: u64,
    /// Lifetime of minted access tokens, in seconds (1 to 43200).
    pub access_token_lifetime_secs: i64,
    /// Service accounts.
    pub accounts: Vec<Account>,
    /// Identity providers.
    pub providers: Vec<Provider>,
    /// IBM identities by API-key hash.
    pub ibm_keys: HashMap<String, IbmIdentity>,
    /// k0rdent accounts by id.
    pub k0rdent: HashMap<String, K0rdentAccount>,
    /// Access-token minter.
    pub minter: TokenMinter,
    /// The metadata server's instance.
    pub instance: Instance,
    /// Google users with refresh tokens.
    pub users: Vec<User>,
    /// Workforce identity federation users.
    pub workforce_users: Vec<WorkforceUser>,
}

impl World {
    /// Builds the world, generating what the state lacks (keys, the token
    /// secret, configured credentials) and recording it in `state`.
    pub fn build(config: &Config, state: &mut Persisted) -> Result<World, SetupError> {
        if state.token_secret.is_empty() {
            state.token_secret = random::token(32)
                .ok_or_else(|| SetupError::new("the system random generator failed"))?;
        }
        let secret = URL_SAFE_NO_PAD
            .decode(&state.token_secret)
            .map_err(|_| SetupError::new("state token_secret is not base64url"))?;
        let minter = TokenMinter::new(&secret)
            .ok_or_else(|| SetupError::new("state token_secret is empty"))?;

        let key_max_age_secs = config.key_max_age_secs.unwrap_or(DEFAULT_KEY_MAX_AGE_SECS);
        if key_max_age_secs > MAX_KEY_MAX_AGE_SECS {
            return Err(SetupError::new(format!(
                "key_max_age_secs must be at most {MAX_KEY_MAX_AGE_SECS} (a year)"
            )));
        }
        let access_token_lifetime_secs = config.access_token_lifetime_secs.unwrap_or(3600);
        if !(1..=43_200).contains(&access_token_lifetime_secs) {
            return Err(SetupError::new(format!(
                "access_token_lifetime_secs of {access_token_lifetime_secs} must be 1 to 43200"
            )));
        }
        let mut accounts = Vec::new();
        for account in &config.service_accounts {
            if accounts.iter().any(|a: &Account| a.email == account.email) {
                return Err(SetupError::new(format!(
                    "service account {} is configured twice",
                    account.email
                )));
            }
            accounts.push(load_account(account, state)?);
        }
        let providers = config
            .identity_providers
            .iter()
            .enumerate()
            .map(|(i, provider)| load_provider(i, provider, state))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ibm_keys = HashMap::new();
        for key in &config.ibm_api_keys {
            let identity = IbmIdentity {
                iam_id: key.iam_id.clone(),
                account_id: key.account_id.clone(),
            };
            ibm_keys.insert(hash_secret(key.apikey.expose_secret()), identity);
        }
        let mut k0rdent = HashMap::new();
        for account in &config.k0rdent_service_accounts {
            let place = K0rdentAccount {
                tenant: account.tenant.clone(),
                tenant_admin: account.tenant_admin,
            };
            if k0rdent.insert(account.id.clone(), place).is_some() {
                return Err(SetupError::new(format!(
                    "k0rdent service account {} is configured twice",
                    account.id
                )));
            }
            if !state.k0rdent_credentials.contains_key(&account.id) {
                let mut records = Vec::new();
                for credential in &account.credentials {
                    let sequence = state.next_sequence;
                    state.next_sequence += 1;
                    records.push(CredentialRecord {
                        sequence,
                        id: credential.id.clone(),
                        uid: random::uuid()
                            .ok_or_else(|| SetupError::new("the system random generator failed"))?,
                        secret_sha256: hash_secret(credential.client_secret.expose_secret()),
                        expires_at: optional_time(credential.expires_at.as_deref())?,
                        created_by: credential.created_by.clone(),
                        created_at: optional_time(credential.created_at.as_deref())?
                            .unwrap_or_else(|| crate::clock::now().as_secs()),
                        last_used_at: None,
                        last_used_ip: None,
                    });
                }
                state
                    .k0rdent_credentials
                    .insert(account.id.clone(), records);
            }
        }
        let account = match &config.metadata_service_account {
            Some(email) => Some(accounts.iter().position(|a| &a.email == email).ok_or_else(
                || {
                    SetupError::new(format!(
                        "metadata_service_account {email} is not a configured service account"
                    ))
                },
            )?),
            None => (!accounts.is_empty()).then_some(0),
        };
        let instance = Instance {
            id: account
                .map(|i| derived_unique_id(&format!("instance:{}", accounts[i].email)))
                .unwrap_or_else(|| derived_unique_id("instance")),
            account,
            universe_domain: config.metadata_universe_domain.clone(),
            created_at: crate::clock::now().as_secs(),
        };
        if instance
            .universe_domain
            .as_deref()
            .is_some_and(|d| d.is_empty() || d.contains(['/', ' ']))
        {
            return Err(SetupError::new(
                "metadata_universe_domain must be a domain name",
            ));
        }
        Ok(World {
            instance,
            users: load_users(&config.authorized_users, derived_unique_id)?,
            workforce_users: load_workforce_users(&config.workforce_users)?,
            oidc_issuer: config
                .oidc_issuer
                .clone()
                .unwrap_or_else(|| DEFAULT_OIDC_ISSUER.to_owned()),
            key_max_age_secs,
            access_token_lifetime_secs: i64::try_from(access_token_lifetime_secs).unwrap_or(3600),
            accounts,
            providers,
            ibm_keys,
            k0rdent,
            minter,
        })
    }

    /// The account named by an email or a unique id.
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts
            .iter()
            .find(|a| a.email == id || a.unique_id == id)
    }

    /// The service account attached to the metadata server's instance.
    pub fn instance_account(&self) -> Option<&Account> {
        self.instance.account.and_then(|i| self.accounts.get(i))
    }
}

/// A stable 12-digit project number for `project_id` (the emulator has no
/// resource manager to ask).
pub fn project_number(project_id: &str) -> u64 {
    let digest = Sha256::digest(format!("project:{project_id}").as_bytes());
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    100_000_000_000 + u64::from_be_bytes(n) % 900_000_000_000
}

fn optional_time(text: Option<&str>) -> Result<Option<i64>, SetupError> {
    text.map(|t| {
        parse_rfc3339(t)
            .map(UnixTime::as_secs)
            .map_err(|_| SetupError::new(format!("{t:?} is not an RFC 3339 time")))
    })
    .transpose()
}

/// The state's generated key `name`, generating and recording it if absent.
pub(crate) fn generated_key(
    state: &mut Persisted,
    name: &str,
    email: &str,
    project: Option<&str>,
) -> Result<SecretString, SetupError> {
    if let Some(text) = state.generated_keys.get(name) {
        return Ok(SecretString::from(text.clone()));
    }
    let mut options = KeyFileOptions::new(email);
    options.project_id = project.map(str::to_owned);
    let text = generate_service_account_key(&options)?;
    state
        .generated_keys
        .insert(name.to_owned(), text.expose_secret().to_owned());
    Ok(text)
}

/// A self-signed certificate like Google's: valid from a day ago for ten years.
pub(crate) fn certificate(key: &ServiceAccountKey) -> Result<String, SetupError> {
    let now = crate::clock::now();
    let serial =
        random::bytes(16).ok_or_else(|| SetupError::new("the system random generator failed"))?;
    Ok(key.signing_key().self_signed_certificate(
        key.client_email(),
        &serial,
        UnixTime::from_secs(now.as_secs() - 86_400),
        UnixTime::from_secs(now.as_secs() + 3650 * 86_400),
    )?)
}

/// A 21-digit id like Google's, stable for `email`.
pub fn derived_unique_id(email: &str) -> String {
    let digest = Sha256::digest(email.as_bytes());
    let mut n = [0u8; 8];
    n.copy_from_slice(&digest[..8]);
    format!("1{:020}", u64::from_be_bytes(n))
}

fn load_account(
    config: &ServiceAccountConfig,
    state: &mut Persisted,
) -> Result<Account, SetupError> {
    let key_file = match &config.key_file {
        Some(path) => SecretString::from(std::fs::read_to_string(path).map_err(|err| {
            SetupError::new(format!("cannot read key file {}: {err}", path.display()))
        })?),
        None => generated_key(
            state,
            &config.email,
            &config.email,
            config.project.as_deref(),
        )?,
    };
    let key = ServiceAccountKey::from_json(key_file.expose_secret())?;
    if key.client_email() != config.email {
        return Err(SetupError::new(format!(
            "the key file of {} belongs to {}",
            config.email,
            key.client_email()
        )));
    }
    if !(1..=43_200).contains(&config.max_token_lifetime_secs) {
        return Err(SetupError::new(format!(
            "max_token_lifetime_secs of {} must be 1 to 43200",
            config.email
        )));
    }
    let project_id = config
        .project
        .clone()
        .or_else(|| key.project_id().map(str::to_owned))
        .or_else(|| {
            config
                .email
                .split_once('@')
                .and_then(|(_, domain)| domain.strip_suffix(".iam.gserviceaccount.com"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "credmint-emulator".to_owned());
    Ok(Account {
        project_id,
        email: config.email.clone(),
        unique_id: config
            .unique_id
            .clone()
            .unwrap_or_else(|| derived_unique_id(&config.email)),
        key_file,
        token_creators: config.token_creators.clone(),
        allowed_locations: config.allowed_locations.clone(),
        max_token_lifetime_secs: config.max_token_lifetime_secs,
        certificate: certificate(&key)?,
        key,
    })
}

fn load_provider(
    index: usize,
    config: &IdentityProviderConfig,
    state: &mut Persisted,
) -> Result<Provider, SetupError> {
    let pool = config
        .audience
        .split_once("/providers/")
        .map(|(pool, _)| pool.to_owned())
        .filter(|pool| pool.starts_with("//iam.googleapis.com/") && pool.contains("/workloadIdentityPools/"))
        .ok_or_else(|| {
            SetupError::new(format!(
                "provider audience {} is not //iam.googleapis.com/…/workloadIdentityPools/POOL/providers/ID",
                config.audience
            ))
        })?;
    let (keys, key_file) = match &config.keys_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|err| {
                SetupError::new(format!("cannot read keys file {}: {err}", path.display()))
            })?;
            match ServiceAccountKey::from_json(&text) {
                Ok(key) => (KeySet::new(vec![key.public_key().clone()])?, None),
                Err(_) => (KeySet::parse(&text)?, None),
            }
        }
        None => {
            let email = format!("idp-{index}@credmint-emulator.iam.gserviceaccount.com");
            let text = generated_key(state, &format!("idp:{}", config.audience), &email, None)?;
            let key = ServiceAccountKey::from_json(text.expose_secret())?;
            (KeySet::new(vec![key.public_key().clone()])?, Some(text))
        }
    };
    let allowed_audiences = if config.allowed_audiences.is_empty() {
        vec![
            config.audience.clone(),
            format!("https:{}", config.audience),
        ]
    } else {
        config.allowed_audiences.clone()
    };
    Ok(Provider {
        audience: config.audience.clone(),
        issuer: config.issuer.clone(),
        keys,
        allowed_audiences,
        pool,
        key_file,
    })
}
