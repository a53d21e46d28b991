//! The CLI's network commands: each builds a core flow and drives it over the
//! blocking transport. Output is JSON on stdout.

use crate::commands::emit;
use crate::failure::Failure;
use crate::input;
use crate::transport::Transport;
use credmint::ibm::IbmIam;
use credmint::k0rdent::{ListCredentials, StatusFilter};
use credmint::{
    AccessToken, ClientCredentials, Endpoint, Flow, FlowOptions, IamCredentials, IdTokenAssertion,
    ImpersonatedFlow, JwtBearerAssertion, JwtGrantFlow, Lifetime, SecretString, ServiceAccountId,
    ServiceAccountIdentity, ServiceAccountKey, SourceToken, TokenLifetime, format_rfc3339,
};
use serde_json::json;

/// Where a command's services are: one base URL (an emulator), a universe
/// domain, or the defaults (the key file's `token_uri`, googleapis.com).
#[derive(Clone, Debug, Default)]
pub struct Target {
    /// `--endpoint`: base URL serving every API the command calls.
    pub endpoint: Option<String>,
    /// `--universe-domain`.
    pub universe_domain: Option<String>,
}

impl Target {
    fn base(&self) -> Result<Option<Endpoint>, Failure> {
        Ok(self.endpoint.as_deref().map(Endpoint::new).transpose()?)
    }

    /// The OAuth token endpoint for `key`.
    fn token_uri(&self, key: &ServiceAccountKey) -> Result<Endpoint, Failure> {
        if let Some(base) = self.base()? {
            return Ok(Endpoint::new(&format!("{}/token", base.as_str()))?);
        }
        if let Some(domain) = &self.universe_domain {
            return Ok(Endpoint::new(&format!(
                "{}/token",
                Endpoint::google("oauth2", domain)?.as_str()
            ))?);
        }
        Ok(Endpoint::new(key.token_uri())?)
    }

    /// The IAM Credentials client.
    fn iam(&self) -> Result<IamCredentials, Failure> {
        if let Some(base) = self.base()? {
            return Ok(IamCredentials::with_endpoint(base));
        }
        let domain = self
            .universe_domain
            .as_deref()
            .unwrap_or(credmint::key::DEFAULT_UNIVERSE_DOMAIN);
        Ok(IamCredentials::new(domain)?)
    }
}

fn load_service_account(path: &str) -> Result<ServiceAccountKey, Failure> {
    let text = input::read_text(path)?;
    Ok(ServiceAccountKey::from_json(&text)?)
}

fn identity(key: &ServiceAccountKey, target: &Target) -> Result<ServiceAccountIdentity, Failure> {
    Ok(ServiceAccountIdentity::new(
        key.client_email(),
        key.key_id(),
        target.token_uri(key)?,
    )?)
}

fn access_token_flow(
    key: &ServiceAccountKey,
    scopes: &[String],
    target: &Target,
) -> Result<impl Flow<Output = AccessToken> + Send + use<>, Failure> {
    let identity = identity(key, target)?;
    let assertion = JwtBearerAssertion::for_identity(&identity, scopes.iter().cloned())?;
    let flow = JwtGrantFlow::new(
        identity.token_uri().clone(),
        key.signer(),
        assertion,
        FlowOptions::default(),
    );
    Ok(flow)
}

fn access_token_json(token: &AccessToken) -> serde_json::Value {
    json!({
        "access_token": token.token().expose_secret(),
        "token_type": "Bearer",
        "expires_at": format_rfc3339(token.expires_at()),
    })
}

fn default_scopes(scopes: Vec<String>) -> Vec<String> {
    if scopes.is_empty() {
        vec!["https://www.googleapis.com/auth/cloud-platform".to_owned()]
    } else {
        scopes
    }
}

/// `credmint token`: an access token through the JWT-bearer grant.
pub fn token(key: &str, scopes: Vec<String>, target: &Target) -> Result<(), Failure> {
    let key = load_service_account(key)?;
    let mut flow = access_token_flow(&key, &default_scopes(scopes), target)?;
    let token = Transport::new().drive(&mut flow)?;
    emit(&access_token_json(&token).to_string())
}

/// `credmint id-token`: an ID token for `audience` through the JWT-bearer grant.
pub fn id_token(key: &str, audience: &str, target: &Target) -> Result<(), Failure> {
    let key = load_service_account(key)?;
    let identity = identity(&key, target)?;
    let assertion = IdTokenAssertion::for_identity(&identity, audience)?;
    let mut flow: credmint::ServiceAccountIdTokenFlow = JwtGrantFlow::new(
        identity.token_uri().clone(),
        key.signer(),
        assertion,
        FlowOptions::default(),
    );
    let token = Transport::new().drive(&mut flow)?;
    emit(
        &json!({
            "id_token": token.token().expose_secret(),
            "expires_at": format_rfc3339(token.expires_at()),
        })
        .to_string(),
    )
}

/// Options of `credmint impersonate`.
pub struct ImpersonateArgs {
    /// Key file of the caller.
    pub source_key: String,
    /// The account to act as.
    pub target: String,
    /// The delegation chain.
    pub delegates: Vec<String>,
    /// Scopes of the new token.
    pub scopes: Vec<String>,
    /// `lifetime` as a Google duration.
    pub lifetime: String,
}

/// `credmint impersonate`: the source key's token, then `generateAccessToken`.
pub fn impersonate(args: ImpersonateArgs, target: &Target) -> Result<(), Failure> {
    let key = load_service_account(&args.source_key)?;
    let source = access_token_flow(
        &key,
        &["https://www.googleapis.com/auth/cloud-platform".to_owned()],
        target,
    )?;
    let delegates = args
        .delegates
        .into_iter()
        .map(ServiceAccountId::new)
        .collect::<Result<Vec<_>, _>>()?;
    let mut flow = ImpersonatedFlow::access_token(
        SourceToken::Flow(Box::new(source)),
        target.iam()?,
        ServiceAccountId::new(args.target)?,
        delegates,
        default_scopes(args.scopes),
        Lifetime::parse(&args.lifetime)?,
        FlowOptions::default(),
    )?;
    let token = Transport::new().drive(&mut flow)?;
    emit(&access_token_json(&token).to_string())
}

/// `credmint ibm-token`: an IBM Cloud IAM token for the API key in `apikey_file`.
pub fn ibm_token(apikey_file: &str, target: &Target) -> Result<(), Failure> {
    let text = input::read_text(apikey_file)?;
    let apikey = SecretString::from(text.trim().to_owned());
    let iam = match target.base()? {
        Some(base) => IbmIam::with_endpoint(&base),
        None => IbmIam::new(),
    };
    let mut flow = iam.api_key_flow(&apikey, &FlowOptions::default())?;
    let token = Transport::new().drive(&mut flow)?;
    let mut out = access_token_json(&token);
    if let Some(refresh) = token.refresh_token() {
        out["refresh_token"] = refresh.expose_secret().into();
    }
    emit(&out.to_string())
}

/// `credmint client-token`: the OAuth client-credentials grant (k0rdent credentials).
pub fn client_token(
    client_id: &str,
    secret_file: &str,
    scopes: Vec<String>,
    target: &Target,
) -> Result<(), Failure> {
    let base = target.base()?.ok_or_else(|| {
        Failure::usage("client-token needs --endpoint (the token server's base URL)")
    })?;
    let secret = input::read_text(secret_file)?;
    let token_uri = Endpoint::new(&format!("{}/token", base.as_str()))?;
    let mut client = ClientCredentials::new(
        token_uri,
        client_id,
        SecretString::from(secret.trim().to_owned()),
    )?;
    if !scopes.is_empty() {
        client = client.scopes(scopes)?;
    }
    let token = Transport::new().drive(&mut client.flow(&FlowOptions::default()))?;
    emit(&access_token_json(&token).to_string())
}

/// Options of `credmint list-credentials`.
pub struct ListArgs {
    /// The k0rdent service account.
    pub account: String,
    /// `active` or `expired`.
    pub status: Option<String>,
    /// Page size, 1–500.
    pub page_size: Option<u32>,
    /// File holding the bearer token.
    pub token_file: String,
}

/// `credmint list-credentials`: every page of a k0rdent credential listing.
pub fn list_credentials(args: ListArgs, target: &Target) -> Result<(), Failure> {
    let base = target.base()?.ok_or_else(|| {
        Failure::usage("list-credentials needs --endpoint (the k0rdent API base URL)")
    })?;
    let bearer_text = input::read_text(&args.token_file)?;
    let now = input::now(None)?;
    let bearer = AccessToken::new(
        SecretString::from(bearer_text.trim().to_owned()),
        // The listing API does not need the token's expiry; an hour is nominal.
        TokenLifetime::from_expires_in(now, 3600)?,
    )?;
    let mut list = ListCredentials::new(base, args.account)?;
    match args.status.as_deref() {
        None => {}
        Some("active") => list = list.status(StatusFilter::Active),
        Some("expired") => list = list.status(StatusFilter::Expired),
        Some(_) => return Err(Failure::usage("--status must be active or expired")),
    }
    if let Some(size) = args.page_size {
        list = list.page_size(size)?;
    }
    let transport = Transport::new();
    let mut pages = list.pages(bearer, FlowOptions::default());
    let mut items = Vec::new();
    let mut page_count = 0;
    // Each drive returns at the flow's next `Done`: one page, then `None`.
    while let Some(page) = transport.drive(&mut pages)? {
        page_count += 1;
        for credential in page.credentials {
            items.push(json!({
                "id": credential.id,
                "serviceAccountId": credential.service_account_id,
                "status": credential.status.as_str(),
                "expiresAt": credential.expires_at.map(format_rfc3339),
                "createdBy": credential.created_by,
                "createdAt": credential.created_at.map(format_rfc3339),
                "lastUsedAt": credential.last_used_at.map(format_rfc3339),
                "lastUsedIp": credential.last_used_ip,
            }));
        }
    }
    emit(&json!({"credentials": items, "pages": page_count}).to_string())
}
