//! Reading credential documents: the JSON files Google's tools write, and
//! credmint's own forms for its other credentials. Errors name the type and
//! the field, never a value (refresh tokens and client secrets are secrets).

use super::{CredentialOptions, Credentials, GOOGLE_UNIVERSE, Source};
use crate::error::{Error, Result, quoted};
use crate::flow::Signer;
use crate::google::ServiceAccountIdentity;
use crate::google::metadata::{MetadataAccount, MetadataServer};
use crate::google::user::{GOOGLE_TOKEN_URI, STS_OAUTHTOKEN_URL};
use crate::google::{
    AuthorizedUser, ExternalAccount, IamCredentials, ServiceAccountId, WorkforceUser,
};
use crate::ibm::IbmIam;
use crate::json::{self, JsonError};
use crate::key::ServiceAccountKey;
use crate::oauth::{ClientAuth, ClientCredentials};
use crate::secret::SecretString;
use crate::url::Endpoint;
use serde_json::{Map, Value};
use std::sync::Arc;

/// Largest credential document read (64 KiB; a key file is about 2.3 KiB).
/// Hosts read at most one byte more of any file ADC names.
pub const MAX_CREDENTIAL_FILE_SIZE: usize = 64 * 1024;
/// Longest impersonation URL accepted (as Google's Node library caps it).
const MAX_IMPERSONATION_URL: usize = 256;
/// How deep `source_credentials` may nest (an impersonated source of an impersonated source…).
const MAX_NESTING: usize = 4;

struct Doc<'a> {
    kind: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Doc<'a> {
    fn error(&self, reason: impl std::fmt::Display) -> Error {
        Error::invalid_key(format!("{} credentials: {reason}", self.kind))
    }

    fn text(&self, name: &str) -> Result<Option<&'a str>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(format!("\"{name}\" must be a string"))),
        }
    }

    fn required(&self, name: &str) -> Result<&'a str> {
        self.text(name)?
            .ok_or_else(|| self.error(format!("\"{name}\" is missing")))
    }

    fn secret(&self, name: &str) -> Result<SecretString> {
        self.required(name)
            .map(|s| SecretString::from(s.to_owned()))
    }

    fn endpoint(&self, name: &str, default: &str) -> Result<Endpoint> {
        let url = self.text(name)?.unwrap_or(default);
        Endpoint::new(url).map_err(|err| self.error(format!("\"{name}\": {err}")))
    }

    fn texts(&self, name: &str) -> Result<Vec<String>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| self.error(format!("\"{name}\" must be a list of strings")))
                })
                .collect(),
            Some(_) => Err(self.error(format!("\"{name}\" must be a list of strings"))),
        }
    }

    fn universe(&self) -> Result<String> {
        Ok(self
            .text("universe_domain")?
            .unwrap_or(GOOGLE_UNIVERSE)
            .to_owned())
    }
}

fn parse_object(text: &str) -> Result<Map<String, Value>> {
    if text.len() > MAX_CREDENTIAL_FILE_SIZE {
        return Err(Error::invalid_key("credential file is over 64 KiB"));
    }
    json::parse_object(text.as_bytes()).map_err(|err| match err {
        JsonError::NotAnObject => Error::invalid_key("credential file is not a JSON object"),
        JsonError::Syntax(reason) => Error::invalid_key(format!("credential file: {reason}")),
    })
}

/// Parses a credential document of any known `type`.
pub(super) fn parse(text: &str, options: &CredentialOptions) -> Result<Credentials> {
    let map = parse_object(text)?;
    from_map(text, &map, options, 0)
}

fn unknown_kind(kind: &str) -> Error {
    if kind == "gdch_service_account" {
        return Error::unsupported_key(
            "gdch_service_account credentials (Distributed Cloud Hosted) are not supported",
        );
    }
    Error::invalid_key(format!(
        "credential file type {} is not one credmint knows",
        quoted(kind)
    ))
}

fn kind_of(map: &Map<String, Value>) -> Result<&str> {
    match map.get("type") {
        Some(Value::String(kind)) => Ok(kind),
        None | Some(Value::Null) => Err(Error::invalid_key(
            "credential file has no \"type\" (expected service_account, authorized_user, \
             impersonated_service_account, external_account, external_account_authorized_user, \
             gce_metadata, ibm_api_key or oauth_client_credentials)",
        )),
        Some(_) => Err(Error::invalid_key(
            "credential file: \"type\" must be a string",
        )),
    }
}

fn from_map(
    text: &str,
    map: &Map<String, Value>,
    options: &CredentialOptions,
    depth: usize,
) -> Result<Credentials> {
    let kind = kind_of(map)?;
    let doc = Doc { kind, map };
    let quota = doc.text("quota_project_id")?.map(str::to_owned);
    let mut credentials = match kind {
        "service_account" => service_account(text, options)?,
        "authorized_user" => authorized_user(&doc, options)?,
        "impersonated_service_account" => impersonated(&doc, options, depth)?,
        "external_account" => external_account(text, &doc, options)?,
        "external_account_authorized_user" => workforce_user(&doc, options)?,
        "gce_metadata" => {
            let server = match (&options.metadata_base, doc.text("metadata_base")?) {
                (Some(base), _) => MetadataServer::at(base.clone()),
                (None, Some(base)) => MetadataServer::at(
                    Endpoint::insecure(base)
                        .map_err(|e| doc.error(format!("\"metadata_base\": {e}")))?,
                ),
                (None, None) => MetadataServer::default(),
            };
            let account = MetadataAccount::new(doc.text("service_account")?.unwrap_or("default"))
                .map_err(|e| doc.error(format!("\"service_account\": {e}")))?;
            metadata(server, account, options)?
        }
        "ibm_api_key" => ibm_api_key(&doc, options)?,
        "oauth_client_credentials" => client_credentials(&doc, options)?,
        other => return Err(unknown_kind(other)),
    };
    if credentials.quota_project_id.is_none() {
        credentials.quota_project_id = quota;
    }
    if let Some(project) = &options.quota_project_id {
        credentials.quota_project_id = Some(project.clone());
    }
    Ok(credentials)
}

fn base(source: Source, options: &CredentialOptions, universe: String) -> Credentials {
    Credentials {
        source,
        scopes: options.scopes.clone(),
        lifetime: options.lifetime.unwrap_or_default(),
        quota_project_id: None,
        universe_domain: universe,
        project_id: None,
        jitter_seed: options.jitter_seed,
    }
}

fn service_account(text: &str, options: &CredentialOptions) -> Result<Credentials> {
    if options.host_signs {
        let key = ServiceAccountKey::from_json_for_keystore(text, crate::Backend::default())?;
        return service_account_key(key, true, options);
    }
    service_account_key(ServiceAccountKey::from_json(text)?, false, options)
}

pub(super) fn service_account_key(
    key: ServiceAccountKey,
    external_signer: bool,
    options: &CredentialOptions,
) -> Result<Credentials> {
    let token_uri = match &options.token_uri {
        Some(uri) => uri.clone(),
        None => Endpoint::new(key.token_uri())?,
    };
    let identity = ServiceAccountIdentity::new(key.client_email(), key.key_id(), token_uri)?;
    let signer = if external_signer {
        Signer::External {
            key_id: key.key_id().to_owned(),
        }
    } else {
        key.signer()
    };
    let universe = key.universe_domain().to_owned();
    let project = key.project_id().map(str::to_owned);
    let quota = options
        .quota_project_id
        .clone()
        .or_else(|| key.quota_project_id().map(str::to_owned));
    let mut credentials = base(
        Source::ServiceAccount {
            identity,
            signer,
            key: Some(Arc::new(key)),
            subject: options.subject.clone(),
        },
        options,
        universe,
    );
    credentials.project_id = project;
    credentials.quota_project_id = quota;
    Ok(credentials)
}

pub(super) fn external_signer(
    client_email: &str,
    key_id: &str,
    options: &CredentialOptions,
) -> Result<Credentials> {
    let token_uri = match &options.token_uri {
        Some(uri) => uri.clone(),
        None => Endpoint::new(GOOGLE_TOKEN_URI)?,
    };
    let identity = ServiceAccountIdentity::new(client_email, key_id, token_uri)?;
    let mut credentials = base(
        Source::ServiceAccount {
            identity,
            signer: Signer::External {
                key_id: key_id.to_owned(),
            },
            key: None,
            subject: options.subject.clone(),
        },
        options,
        GOOGLE_UNIVERSE.to_owned(),
    );
    credentials.quota_project_id = options.quota_project_id.clone();
    Ok(credentials)
}

fn authorized_user(doc: &Doc<'_>, options: &CredentialOptions) -> Result<Credentials> {
    let token_uri = match &options.token_uri {
        Some(uri) => uri.clone(),
        None => doc.endpoint("token_uri", GOOGLE_TOKEN_URI)?,
    };
    let mut user = AuthorizedUser::new(
        token_uri,
        doc.required("client_id")?,
        doc.secret("client_secret")?,
        doc.secret("refresh_token")?,
    );
    if let Some(scopes) = &options.scopes {
        user = user.scopes(scopes.iter().cloned())?;
    }
    Ok(base(Source::AuthorizedUser(user), options, doc.universe()?))
}

fn workforce_user(doc: &Doc<'_>, options: &CredentialOptions) -> Result<Credentials> {
    let token_url = match &options.token_uri {
        Some(uri) => uri.clone(),
        None => doc.endpoint("token_url", STS_OAUTHTOKEN_URL)?,
    };
    let user = WorkforceUser::new(
        token_url,
        doc.text("audience")?.map(str::to_owned),
        doc.required("client_id")?,
        doc.secret("client_secret")?,
        doc.secret("refresh_token")?,
    );
    Ok(base(Source::WorkforceUser(user), options, doc.universe()?))
}

/// `{origin}/v1/projects/-/serviceAccounts/{target}:generateAccessToken` (or
/// `:generateIdToken`): the IAM endpoint and the target it names.
fn impersonation_target(doc: &Doc<'_>, url: &str) -> Result<(Endpoint, ServiceAccountId)> {
    if url.len() > MAX_IMPERSONATION_URL {
        return Err(doc.error(format!(
            "\"service_account_impersonation_url\" is over {MAX_IMPERSONATION_URL} characters"
        )));
    }
    let not_iam = || {
        doc.error(
            "\"service_account_impersonation_url\" must be an IAM Credentials \
             …/v1/projects/-/serviceAccounts/{email}:generateAccessToken URL",
        )
    };
    let rest = url
        .strip_suffix(":generateAccessToken")
        .or_else(|| url.strip_suffix(":generateIdToken"))
        .ok_or_else(not_iam)?;
    let (origin, target) = rest
        .split_once("/v1/projects/-/serviceAccounts/")
        .ok_or_else(not_iam)?;
    if target.contains('/') {
        return Err(not_iam());
    }
    let endpoint =
        Endpoint::new(origin).map_err(|e| doc.error(format!("impersonation URL: {e}")))?;
    if endpoint.as_str().matches('/').count() != 2 {
        return Err(not_iam());
    }
    let target = ServiceAccountId::new(target).map_err(|_| not_iam())?;
    Ok((endpoint, target))
}

fn delegate_id(doc: &Doc<'_>, delegate: &str) -> Result<ServiceAccountId> {
    let email = delegate
        .strip_prefix("projects/-/serviceAccounts/")
        .unwrap_or(delegate);
    ServiceAccountId::new(email).map_err(|_| {
        doc.error("each of \"delegates\" must be a service account (email or projects/-/serviceAccounts/…)")
    })
}

fn impersonated(doc: &Doc<'_>, options: &CredentialOptions, depth: usize) -> Result<Credentials> {
    if depth >= MAX_NESTING {
        return Err(doc.error("\"source_credentials\" nest too deeply"));
    }
    let url = doc.required("service_account_impersonation_url")?;
    let (endpoint, target) = impersonation_target(doc, url)?;
    let source_map = match doc.map.get("source_credentials") {
        Some(Value::Object(map)) => map,
        None | Some(Value::Null) => return Err(doc.error("\"source_credentials\" is missing")),
        Some(_) => return Err(doc.error("\"source_credentials\" must be an object")),
    };
    let source_text = Value::Object(source_map.clone()).to_string();
    // The source hop keeps its own defaults (IAM needs cloud-platform) and
    // endpoints; only the test knobs carry over.
    let source_options = CredentialOptions {
        jitter_seed: options.jitter_seed,
        metadata_base: options.metadata_base.clone(),
        host_signs: options.host_signs,
        ..CredentialOptions::default()
    };
    let source = from_map(&source_text, source_map, &source_options, depth + 1)
        .map_err(|err| prefix_source(doc, err))?;
    if source.kind() == super::CredentialKind::ExternalAccount {
        return Err(Error::NotSupported {
            reason: "impersonated_service_account credentials with an external_account source: \
                     put service_account_impersonation_url in the external_account file instead"
                .into(),
        });
    }
    let delegates = match &options.delegates {
        Some(delegates) => delegates.clone(),
        None => doc
            .texts("delegates")?
            .iter()
            .map(|d| delegate_id(doc, d))
            .collect::<Result<Vec<_>>>()?,
    };
    let quota = doc.text("quota_project_id")?;
    let mut iam = IamCredentials::with_endpoint(options.iam_endpoint.clone().unwrap_or(endpoint));
    if let Some(project) = options.quota_project_id.as_deref().or(quota) {
        iam = iam.quota_project(project)?;
    }
    let universe = doc.universe()?;
    Ok(base(
        Source::Impersonated {
            source: Box::new(source),
            iam,
            target,
            delegates,
        },
        options,
        universe,
    ))
}

fn prefix_source(doc: &Doc<'_>, err: Error) -> Error {
    match err {
        Error::InvalidKey { reason } => doc.error(format!("source_credentials: {reason}")),
        other => other,
    }
}

fn external_account(text: &str, doc: &Doc<'_>, options: &CredentialOptions) -> Result<Credentials> {
    let mut account = ExternalAccount::from_json(text)?;
    if let Some(scopes) = &options.scopes {
        account = account.scopes(scopes.iter().cloned())?;
    }
    Ok(base(
        Source::ExternalAccount(Box::new(account)),
        options,
        doc.universe()?,
    ))
}

pub(super) fn metadata(
    server: MetadataServer,
    account: MetadataAccount,
    options: &CredentialOptions,
) -> Result<Credentials> {
    let server = match &options.metadata_base {
        Some(base) => MetadataServer::at(base.clone()),
        None => server,
    };
    Ok(base(
        Source::Metadata { server, account },
        options,
        GOOGLE_UNIVERSE.to_owned(),
    ))
}

fn ibm_api_key(doc: &Doc<'_>, options: &CredentialOptions) -> Result<Credentials> {
    let mut iam = match (&options.token_uri, doc.text("url")?) {
        (Some(url), _) => IbmIam::with_endpoint(url),
        (None, Some(url)) => IbmIam::with_endpoint(
            &Endpoint::new(url).map_err(|e| doc.error(format!("\"url\": {e}")))?,
        ),
        (None, None) => IbmIam::new(),
    };
    iam = iam.client_if_given(
        doc.text("client_id")?.map(str::to_owned),
        doc.text("client_secret")?
            .map(|s| SecretString::from(s.to_owned())),
    )?;
    if let Some(scopes) = &options.scopes {
        iam = iam.scopes(scopes.iter().cloned())?;
    }
    let api_key = doc.secret("apikey")?;
    Ok(base(
        Source::IbmApiKey { iam, api_key },
        options,
        GOOGLE_UNIVERSE.to_owned(),
    ))
}

fn client_credentials(doc: &Doc<'_>, options: &CredentialOptions) -> Result<Credentials> {
    let token_url = match &options.token_uri {
        Some(uri) => uri.clone(),
        None => Endpoint::new(doc.required("token_url")?)
            .map_err(|e| doc.error(format!("\"token_url\": {e}")))?,
    };
    let mut client = ClientCredentials::new(
        token_url,
        doc.required("client_id")?,
        doc.secret("client_secret")?,
    )?;
    let scopes = match &options.scopes {
        Some(scopes) => scopes.clone(),
        None => doc.texts("scopes")?,
    };
    if !scopes.is_empty() {
        client = client.scopes(scopes)?;
    }
    client = match doc.text("client_auth")? {
        None | Some("basic") => client.auth(ClientAuth::Basic),
        Some("form") => client.auth(ClientAuth::Form),
        Some(_) => return Err(doc.error("\"client_auth\" must be \"basic\" or \"form\"")),
    };
    Ok(base(
        Source::ClientCredentials(client),
        options,
        GOOGLE_UNIVERSE.to_owned(),
    ))
}
