//! Constructors of conversations: each builds one of the core's flows from
//! uniffi values. The host layers drive the result with their transport.

use crate::conversation::{Conversation, HttpRequest};
use crate::errors::Result;
use crate::keys::ServiceAccountKey;
use crate::tokens::AccessToken;
use credmint::google::{CredentialSource, ExternalAccount as CoreExternalAccount, IamCall};
use credmint::ibm::IbmIam;
use credmint::k0rdent::{ListCredentials, StatusFilter};
use credmint::key::DEFAULT_TOKEN_URI;
use credmint::{
    Claims, ClientAuth, ClientCredentials, Endpoint, FlowOptions, IamCredentials, IdTokenAssertion,
    JwtBearerAssertion, JwtGrantFlow, Lifetime, SecretString, ServiceAccountId,
    ServiceAccountIdentity, Signer, SourceToken,
};
use std::fmt;
use std::sync::Arc;

fn endpoint(url: &str) -> Result<Endpoint> {
    Ok(Endpoint::new(url)?)
}

/// Who signs a service account's assertions.
#[derive(uniffi::Enum)]
pub enum AssertionSigner {
    /// The key file's key, in credmint.
    Key {
        /// The key.
        key: Arc<ServiceAccountKey>,
    },
    /// A key held by the platform (Keychain, Secure Enclave, Android Keystore):
    /// the conversation asks the host to sign with a `Sign` step.
    External {
        /// The service account's email.
        client_email: String,
        /// The key id Google knows the key by (`kid`).
        key_id: String,
    },
}

impl AssertionSigner {
    /// The account's identity (at `token_uri`, else the key file's, else Google's) and the signer.
    fn parts(&self, token_uri: Option<String>) -> Result<(ServiceAccountIdentity, Signer)> {
        let (email, key_id, default_uri, signer) = match self {
            AssertionSigner::Key { key } => (
                key.inner.client_email(),
                key.inner.key_id(),
                key.inner.token_uri(),
                key.inner.signer(),
            ),
            AssertionSigner::External {
                client_email,
                key_id,
            } => (
                client_email.as_str(),
                key_id.as_str(),
                DEFAULT_TOKEN_URI,
                Signer::External {
                    key_id: key_id.clone(),
                },
            ),
        };
        let uri = endpoint(token_uri.as_deref().unwrap_or(default_uri))?;
        Ok((ServiceAccountIdentity::new(email, key_id, uri)?, signer))
    }
}

/// JWT-bearer grant: an access token for `scopes` (`subject`: domain-wide delegation).
#[uniffi::export(default(subject = None, token_uri = None))]
pub fn service_account_token(
    signer: AssertionSigner,
    scopes: Vec<String>,
    subject: Option<String>,
    token_uri: Option<String>,
) -> Result<Arc<Conversation>> {
    let (identity, signer) = signer.parts(token_uri)?;
    let mut assertion = JwtBearerAssertion::for_identity(&identity, scopes)?;
    if let Some(subject) = subject {
        assertion = assertion.subject(subject)?;
    }
    let flow: credmint::ServiceAccountTokenFlow = JwtGrantFlow::new(
        identity.token_uri().clone(),
        signer,
        assertion,
        FlowOptions::default(),
    );
    Ok(Conversation::new(flow))
}

/// JWT-bearer grant with `target_audience`: an ID token for `audience`.
#[uniffi::export(default(token_uri = None))]
pub fn service_account_id_token(
    signer: AssertionSigner,
    audience: String,
    token_uri: Option<String>,
) -> Result<Arc<Conversation>> {
    let (identity, signer) = signer.parts(token_uri)?;
    let assertion = IdTokenAssertion::for_identity(&identity, audience)?;
    let flow: credmint::ServiceAccountIdTokenFlow = JwtGrantFlow::new(
        identity.token_uri().clone(),
        signer,
        assertion,
        FlowOptions::default(),
    );
    Ok(Conversation::new(flow))
}

/// One IAM Service Account Credentials method.
#[derive(uniffi::Enum)]
pub enum IamMethod {
    /// `generateAccessToken`.
    GenerateAccessToken {
        /// OAuth scopes.
        scopes: Vec<String>,
        /// Lifetime, seconds (up to 3600, or 43200 where the organisation allows).
        lifetime_secs: u64,
    },
    /// `generateIdToken`.
    GenerateIdToken {
        /// The `aud` of the ID token.
        audience: String,
        /// Whether to include `email` and `email_verified`.
        include_email: bool,
    },
    /// `signBlob`.
    SignBlob {
        /// The bytes to sign.
        payload: Vec<u8>,
    },
    /// `signJwt`.
    SignJwt {
        /// The claims, JSON object text.
        claims_json: String,
    },
    /// `allowedLocations`.
    AllowedLocations,
}

/// One IAM Credentials call for `target` (through `delegates`), authorized by `source`.
#[uniffi::export(default(delegates = [], endpoint = None, universe_domain = "googleapis.com"))]
pub fn iam_call(
    method: IamMethod,
    source: Arc<AccessToken>,
    target: String,
    delegates: Vec<String>,
    endpoint: Option<String>,
    universe_domain: String,
) -> Result<Arc<Conversation>> {
    let iam = match endpoint {
        Some(url) => IamCredentials::with_endpoint(self::endpoint(&url)?),
        None => IamCredentials::new(&universe_domain)?,
    };
    let call = match method {
        IamMethod::GenerateAccessToken {
            scopes,
            lifetime_secs,
        } => IamCall::GenerateAccessToken {
            scopes,
            lifetime: Lifetime::from_secs(lifetime_secs)?,
        },
        IamMethod::GenerateIdToken {
            audience,
            include_email,
        } => IamCall::GenerateIdToken {
            audience,
            include_email,
        },
        IamMethod::SignBlob { payload } => IamCall::SignBlob(payload),
        IamMethod::SignJwt { claims_json } => IamCall::SignJwt(Claims::from_json(&claims_json)?),
        IamMethod::AllowedLocations => IamCall::AllowedLocations,
    };
    let delegates = delegates
        .into_iter()
        .map(ServiceAccountId::new)
        .collect::<credmint::Result<Vec<_>>>()?;
    let flow = call.flow(
        SourceToken::Token(source.inner.clone()),
        iam,
        ServiceAccountId::new(target)?,
        delegates,
        FlowOptions::default(),
    )?;
    Ok(Conversation::new(flow))
}

/// What IBM Cloud IAM trades for a token (the secret itself is a separate
/// argument, so that no generated record or enum ever prints it).
#[derive(uniffi::Enum)]
pub enum IbmGrant {
    /// An API key (`grant_type=urn:ibm:params:oauth:grant-type:apikey`).
    ApiKey,
    /// A refresh token from an earlier answer.
    RefreshToken,
}

/// IBM Cloud IAM `/identity/token`: trades `secret` (an API key or a refresh
/// token, as `grant` says) at `url` (default IBM's); `client_id` and
/// `client_secret` together, for clients registered with IAM.
#[uniffi::export(default(url = None, client_id = None, client_secret = None))]
pub fn ibm_token(
    grant: IbmGrant,
    secret: String,
    url: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
) -> Result<Arc<Conversation>> {
    let mut iam = match url {
        Some(url) => IbmIam::with_endpoint(&endpoint(&url)?),
        None => IbmIam::new(),
    };
    iam = iam.client_if_given(client_id, client_secret.map(SecretString::from))?;
    let options = FlowOptions::default();
    let secret = SecretString::from(secret);
    let flow = match grant {
        IbmGrant::ApiKey => iam.api_key_flow(&secret, &options),
        IbmGrant::RefreshToken => iam.refresh_flow(&secret, &options),
    }?;
    Ok(Conversation::new(flow))
}

/// OAuth 2.0 client credentials (k0rdent credentials, any RFC 6749 server);
/// `basic_auth = false` sends the secret in the form body.
#[uniffi::export(default(scopes = [], basic_auth = true))]
pub fn client_credentials(
    token_url: String,
    client_id: String,
    client_secret: String,
    scopes: Vec<String>,
    basic_auth: bool,
) -> Result<Arc<Conversation>> {
    let mut client = ClientCredentials::new(
        endpoint(&token_url)?,
        client_id,
        SecretString::from(client_secret),
    )?;
    if !scopes.is_empty() {
        client = client.scopes(scopes)?;
    }
    if !basic_auth {
        client = client.auth(ClientAuth::Form);
    }
    Ok(Conversation::new(client.flow(&FlowOptions::default())))
}

/// Which k0rdent credentials to list (all of them without a filter).
#[derive(uniffi::Enum)]
pub enum CredentialFilter {
    /// Only credentials in use.
    Active,
    /// Only expired ones.
    Expired,
}

/// k0rdent: every page of `account_id`'s credentials, `page_size` (1–500) at a time.
#[uniffi::export(default(filter = None, page_size = 50))]
pub fn credential_pages(
    base_url: String,
    account_id: String,
    bearer: Arc<AccessToken>,
    filter: Option<CredentialFilter>,
    page_size: u32,
) -> Result<Arc<Conversation>> {
    let mut list = ListCredentials::new(endpoint(&base_url)?, account_id)?.page_size(page_size)?;
    list = match filter {
        None => list,
        Some(CredentialFilter::Active) => list.status(StatusFilter::Active),
        Some(CredentialFilter::Expired) => list.status(StatusFilter::Expired),
    };
    Ok(Conversation::new(
        list.pages(bearer.inner.clone(), FlowOptions::default()),
    ))
}

/// A conformance vector's conversation (`tests/vectors/flows.json`, references
/// inlined as `{"text": …}`); it ends with `Output.Json`. For the test suites.
#[uniffi::export]
pub fn conformance_flow(spec_json: String) -> Result<Arc<Conversation>> {
    let flow =
        credmint::conformance::VectorFlow::from_json(&spec_json, credmint::Backend::default())?;
    Ok(Conversation::new(flow))
}

/// Where an external account's subject token comes from.
#[derive(uniffi::Enum)]
pub enum SubjectTokenSource {
    /// Read this file; pass its content to `subjectTokenFrom`.
    File {
        /// The path.
        path: String,
    },
    /// GET this URL with these headers; pass the body to `subjectTokenFrom`.
    Url {
        /// The URL.
        url: String,
        /// Header names and values, flattened.
        headers: Vec<String>,
    },
    /// A command (Google's executable source): the host must supply the token.
    Executable {
        /// The command line.
        command: String,
    },
    /// AWS: the host must supply the token.
    Aws,
}

/// How to run an executable credential source: `program` with `args` (no
/// shell), `env` added to the environment, killed after `timeout_millis`; its
/// stdout goes to `subjectTokenFromExecutable`. A valid `output_file` is used first.
#[derive(uniffi::Record)]
pub struct ExecutableRun {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables to add, flattened: `[name0, value0, …]`.
    pub env: Vec<String>,
    /// How long it may run.
    pub timeout_millis: u64,
    /// Where it caches its output, if anywhere.
    pub output_file: Option<String>,
}

/// The environment variable that must be `1` before an executable source runs.
#[uniffi::export]
pub fn allow_executables_var() -> String {
    credmint::google::ALLOW_EXECUTABLES_VAR.to_owned()
}

/// A workload identity federation credential file (`"type": "external_account"`).
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ExternalAccount {
    inner: CoreExternalAccount,
}

impl fmt::Debug for ExternalAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalAccount({})", self.inner.audience())
    }
}

#[uniffi::export]
impl ExternalAccount {
    /// Parses the file's JSON text; `scopes` apply when not impersonating.
    #[uniffi::constructor(default(scopes = []))]
    pub fn from_json(text: String, scopes: Vec<String>) -> Result<Self> {
        let mut inner = CoreExternalAccount::from_json(&text)?;
        if !scopes.is_empty() {
            inner = inner.scopes(scopes)?;
        }
        Ok(ExternalAccount { inner })
    }

    /// The provider audience.
    pub fn audience(&self) -> String {
        self.inner.audience().to_owned()
    }

    /// Where the subject token comes from.
    pub fn subject_token_source(&self) -> SubjectTokenSource {
        match self.inner.credential_source() {
            CredentialSource::File { path, .. } => SubjectTokenSource::File { path: path.clone() },
            CredentialSource::Url { url, headers, .. } => SubjectTokenSource::Url {
                url: url.clone(),
                headers: headers
                    .iter()
                    .flat_map(|(name, value)| [name.clone(), value.clone()])
                    .collect(),
            },
            CredentialSource::Executable { command, .. } => SubjectTokenSource::Executable {
                command: command.clone(),
            },
            CredentialSource::Aws { .. } => SubjectTokenSource::Aws,
        }
    }

    /// For a URL source, the request that fetches the subject token; send it
    /// and pass the body to `subjectTokenFrom`.
    pub fn subject_token_request(&self) -> Option<Arc<HttpRequest>> {
        self.inner
            .subject_token_request()
            .map(|inner| Arc::new(HttpRequest { inner }))
    }

    /// For an executable source, how to run it; `allow` is the host's
    /// GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES (it must be `1`). `None` for other sources.
    pub fn executable_invocation(&self, allow: Option<String>) -> Result<Option<ExecutableRun>> {
        Ok(self
            .inner
            .executable_invocation(allow.as_deref())?
            .map(|run| ExecutableRun {
                program: run.program,
                args: run.args,
                env: run
                    .env
                    .into_iter()
                    .flat_map(|(name, value)| [name, value])
                    .collect(),
                timeout_millis: run.timeout_millis,
                output_file: run.output_file,
            }))
    }

    /// The subject token in an executable's output (pluggable auth, version 1) at `now`.
    pub fn subject_token_from_executable(&self, output: Vec<u8>, now: i64) -> Result<String> {
        Ok(self
            .inner
            .subject_token_from_executable(&output, credmint::UnixTime::from_secs(now))?
            .expose_secret()
            .to_owned())
    }

    /// The subject token inside a file's or URL's content (text or JSON, as the file says).
    pub fn subject_token_from(&self, content: Vec<u8>) -> Result<String> {
        Ok(self
            .inner
            .subject_token_from(&content)?
            .expose_secret()
            .to_owned())
    }

    /// The STS exchange (then impersonation, if the file asks) for `subject_token`.
    pub fn flow(&self, subject_token: String) -> Result<Arc<Conversation>> {
        let flow = self
            .inner
            .flow(&SecretString::from(subject_token), FlowOptions::default())?;
        Ok(Conversation::new(flow))
    }
}
