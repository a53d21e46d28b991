//! People, as opposed to service accounts: Google users holding an OAuth
//! client's refresh token (`authorized_user`) and workforce identity
//! federation users holding an STS refresh token
//! (`external_account_authorized_user`). Secrets are compared by SHA-256
//! digest in constant time; the plain values are kept only to write the
//! credential files of `--keys-dir`.

use crate::config::{AuthorizedUserConfig, WorkforceUserConfig};
use crate::error::SetupError;
use crate::routes::same_digest;
use crate::state::hash_secret;
use credmint::SecretString;

/// A Google user with a refresh token for one OAuth client.
pub struct User {
    /// `email`.
    pub email: String,
    /// 21-digit `sub` of its ID tokens (derived from the email).
    pub subject: String,
    /// OAuth client id.
    pub client_id: String,
    /// The client secret (for the credential file).
    pub client_secret: SecretString,
    /// The refresh token (for the credential file).
    pub refresh_token: SecretString,
    /// Consented scopes.
    pub scopes: Vec<String>,
    /// `quota_project_id` of the credential file.
    pub quota_project_id: Option<String>,
    secret_sha256: String,
    refresh_sha256: String,
}

impl User {
    /// The IAM member its tokens act as.
    pub fn member(&self) -> String {
        format!("user:{}", self.email)
    }
}

/// A workforce pool user with an STS refresh token.
pub struct WorkforceUser {
    /// The provider audience.
    pub audience: String,
    /// `principal://…/subject/SUBJECT`.
    pub principal: String,
    /// OAuth client id.
    pub client_id: String,
    /// The client secret (for the credential file).
    pub client_secret: SecretString,
    /// The refresh token (for the credential file).
    pub refresh_token: SecretString,
    /// Scopes of its access tokens.
    pub scopes: Vec<String>,
    secret_sha256: String,
    refresh_sha256: String,
}

impl WorkforceUser {
    /// The IAM member its tokens act as (`principal://…`, stored as the
    /// emulator's grants store federated principals).
    pub fn member(&self) -> &str {
        &self.principal
    }
}

/// What a client presented, checked against the configured clients.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientCheck {
    /// No configured user has this client id.
    UnknownClient,
    /// The client exists; the secret is wrong.
    WrongSecret,
    /// The client authenticated.
    Authenticated,
}

/// Client id and secret digest of a user, for [`check_client`].
pub trait HasClient {
    /// `client_id`.
    fn client_id(&self) -> &str;
    /// SHA-256 hex of the client secret.
    fn secret_sha256(&self) -> &str;
    /// SHA-256 hex of the refresh token.
    fn refresh_sha256(&self) -> &str;
}

impl HasClient for User {
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn secret_sha256(&self) -> &str {
        &self.secret_sha256
    }
    fn refresh_sha256(&self) -> &str {
        &self.refresh_sha256
    }
}

impl HasClient for WorkforceUser {
    fn client_id(&self) -> &str {
        &self.client_id
    }
    fn secret_sha256(&self) -> &str {
        &self.secret_sha256
    }
    fn refresh_sha256(&self) -> &str {
        &self.refresh_sha256
    }
}

/// Does `client_id` exist among `users`, and does `secret` match it?
pub fn check_client<U: HasClient>(users: &[U], client_id: &str, secret: &str) -> ClientCheck {
    let digest = hash_secret(secret);
    let mut known = false;
    for user in users.iter().filter(|u| u.client_id() == client_id) {
        known = true;
        if same_digest(user.secret_sha256(), &digest) {
            return ClientCheck::Authenticated;
        }
    }
    if known {
        ClientCheck::WrongSecret
    } else {
        ClientCheck::UnknownClient
    }
}

/// The user whose refresh token is `token`, whatever its client.
pub fn by_refresh_token<'a, U: HasClient>(users: &'a [U], token: &str) -> Option<&'a U> {
    let digest = hash_secret(token);
    users
        .iter()
        .find(|u| same_digest(u.refresh_sha256(), &digest))
}

fn checked_scopes(scopes: &[String], who: &str) -> Result<Vec<String>, SetupError> {
    if scopes.is_empty()
        || scopes
            .iter()
            .any(|s| s.trim().is_empty() || s.contains(' '))
    {
        return Err(SetupError::new(format!(
            "scopes of {who} must be a non-empty list of scopes without spaces"
        )));
    }
    Ok(scopes.to_vec())
}

fn check_unique<U: HasClient>(users: &[U], what: &str) -> Result<(), SetupError> {
    for (i, user) in users.iter().enumerate() {
        if users[..i]
            .iter()
            .any(|other| other.refresh_sha256() == user.refresh_sha256())
        {
            return Err(SetupError::new(format!(
                "two {what} are configured with the same refresh token"
            )));
        }
        if users[..i].iter().any(|other| {
            other.client_id() == user.client_id() && other.secret_sha256() != user.secret_sha256()
        }) {
            return Err(SetupError::new(format!(
                "{what}: client {} is configured with two different secrets",
                user.client_id()
            )));
        }
    }
    Ok(())
}

/// Builds the configured Google users.
pub fn load_users(
    configs: &[AuthorizedUserConfig],
    subject_of: impl Fn(&str) -> String,
) -> Result<Vec<User>, SetupError> {
    let mut users = Vec::new();
    for config in configs {
        let email = config.email.trim();
        if email.is_empty() || !email.contains('@') {
            return Err(SetupError::new(format!(
                "authorized user email {:?} is not an email",
                config.email
            )));
        }
        if config.client_id.is_empty()
            || config.client_secret.expose_secret().is_empty()
            || config.refresh_token.expose_secret().is_empty()
        {
            return Err(SetupError::new(format!(
                "authorized user {email} needs a client_id, client_secret and refresh_token"
            )));
        }
        users.push(User {
            email: email.to_owned(),
            subject: subject_of(email),
            client_id: config.client_id.clone(),
            secret_sha256: hash_secret(config.client_secret.expose_secret()),
            refresh_sha256: hash_secret(config.refresh_token.expose_secret()),
            client_secret: config.client_secret.clone(),
            refresh_token: config.refresh_token.clone(),
            scopes: checked_scopes(&config.scopes, email)?,
            quota_project_id: config.quota_project_id.clone(),
        });
    }
    check_unique(&users, "authorized users")?;
    Ok(users)
}

/// Builds the configured workforce users; each principal must be a subject of
/// its audience's pool.
pub fn load_workforce_users(
    configs: &[WorkforceUserConfig],
) -> Result<Vec<WorkforceUser>, SetupError> {
    let mut users = Vec::new();
    for config in configs {
        let pool = config
            .audience
            .split_once("/providers/")
            .map(|(pool, _)| pool)
            .filter(|pool| {
                pool.starts_with("//iam.googleapis.com/locations/global/workforcePools/")
                    && !pool.ends_with('/')
            })
            .ok_or_else(|| {
                SetupError::new(format!(
                    "workforce audience {} is not //iam.googleapis.com/locations/global/workforcePools/POOL/providers/ID",
                    config.audience
                ))
            })?;
        let subject = config
            .principal
            .strip_prefix("principal:")
            .and_then(|rest| rest.strip_prefix(pool))
            .and_then(|rest| rest.strip_prefix("/subject/"))
            .filter(|subject| !subject.is_empty() && !subject.contains('/'));
        if subject.is_none() {
            return Err(SetupError::new(format!(
                "workforce principal {} is not principal:{pool}/subject/SUBJECT",
                config.principal
            )));
        }
        if config.client_id.is_empty()
            || config.client_secret.expose_secret().is_empty()
            || config.refresh_token.expose_secret().is_empty()
        {
            return Err(SetupError::new(format!(
                "workforce user {} needs a client_id, client_secret and refresh_token",
                config.principal
            )));
        }
        users.push(WorkforceUser {
            audience: config.audience.clone(),
            principal: config.principal.clone(),
            client_id: config.client_id.clone(),
            secret_sha256: hash_secret(config.client_secret.expose_secret()),
            refresh_sha256: hash_secret(config.refresh_token.expose_secret()),
            client_secret: config.client_secret.clone(),
            refresh_token: config.refresh_token.clone(),
            scopes: checked_scopes(&config.scopes, &config.principal)?,
        });
    }
    check_unique(&users, "workforce users")?;
    Ok(users)
}
