//! Conversations no credential document describes: IAM calls authorized by
//! any access token, k0rdent listings, the conformance vectors; and an
//! external account's credential source. Conversions only (credential
//! documents, keys and their conversations are in `credentials.rs`).

use crate::conversation::{Conversation, HttpRequest};
use crate::errors::Result;
use crate::tokens::AccessToken;
use credmint::google::{CredentialSource, ExternalAccount as CoreExternalAccount, IamCall};
use credmint::k0rdent::ListCredentials;
use credmint::{Claims, FlowOptions};
use std::fmt;
use std::sync::Arc;

/// One IAM Service Account Credentials method.
#[derive(uniffi::Enum)]
pub enum IamMethod {
    /// `generateAccessToken`.
    GenerateAccessToken {
        /// OAuth scopes; none: `cloud-platform`.
        scopes: Option<Vec<String>>,
        /// Lifetime, seconds (up to 3600, or 43200 where the organisation
        /// allows); none: the core's default, one hour.
        lifetime_secs: Option<u64>,
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

/// One IAM Credentials call for `target` (through `delegates`), authorized by
/// `source`, at `endpoint`, else at IAM in `universe_domain` (none: Google's).
#[uniffi::export(default(delegates = [], endpoint = None, universe_domain = None))]
pub fn iam_call(
    method: IamMethod,
    source: Arc<AccessToken>,
    target: String,
    delegates: Vec<String>,
    endpoint: Option<String>,
    universe_domain: Option<String>,
) -> Result<Arc<Conversation>> {
    let call = match method {
        IamMethod::GenerateAccessToken {
            scopes,
            lifetime_secs,
        } => IamCall::generate_access_token(scopes, lifetime_secs)?,
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
    let flow = call.flow_for(
        source.inner.clone(),
        target,
        delegates,
        endpoint.as_deref(),
        universe_domain.as_deref(),
    )?;
    Ok(Conversation::new(flow))
}

/// Which k0rdent credentials to list (all of them without a filter).
#[derive(uniffi::Enum)]
pub enum CredentialFilter {
    /// Only credentials in use.
    Active,
    /// Only expired ones.
    Expired,
}

/// k0rdent: every page of `account_id`'s credentials, `page_size` (1–500; none:
/// the core's default) at a time.
#[uniffi::export(default(filter = None, page_size = None))]
pub fn credential_pages(
    base_url: String,
    account_id: String,
    bearer: Arc<AccessToken>,
    filter: Option<CredentialFilter>,
    page_size: Option<u32>,
) -> Result<Arc<Conversation>> {
    let status = filter.map(|filter| match filter {
        CredentialFilter::Active => "active",
        CredentialFilter::Expired => "expired",
    });
    let list = ListCredentials::with_options(&base_url, account_id, status, page_size)?;
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

/// Throws the core's sample error of `code` (`tests/vectors/errors.json`), as
/// every binding raises it; `invalid_argument` for an unknown code. For the test suites.
#[uniffi::export]
pub fn conformance_error(code: String) -> Result<()> {
    Err(credmint::conformance::sample_error(&code)
        .unwrap_or_else(|| credmint::Error::InvalidArgument {
            reason: format!("no error code {code:?}"),
        })
        .into())
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

/// The federation configuration of an `external_account` document
/// (`CoreCredentials.externalAccount()`): where its subject token comes from.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ExternalAccount {
    pub(crate) inner: CoreExternalAccount,
}

impl fmt::Debug for ExternalAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExternalAccount({})", self.inner.audience())
    }
}

#[uniffi::export]
impl ExternalAccount {
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

    /// The subject token in the URL source's answer (`headers` flattened) to
    /// `subjectTokenRequest()` sent at `sent_at`; a non-2xx status is the core's
    /// typed error for it.
    pub fn subject_token_from_response(
        &self,
        status: u16,
        headers: Vec<String>,
        body: Vec<u8>,
        sent_at: i64,
    ) -> Result<String> {
        let response = crate::conversation::response(status, headers, body);
        let sent_at = credmint::UnixTime::from_secs(sent_at);
        Ok(self
            .inner
            .subject_token_from_response(&response, sent_at)?
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
}
