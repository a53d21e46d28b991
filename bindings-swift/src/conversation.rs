//! A core flow as an object the host drives: `poll(now)` gives a [`Step`],
//! and the host feeds back what it did (a response, a transport failure, a
//! signature). The host layers' `drive` loops are the only callers.

use crate::credentials::CoreCredentials;
use crate::errors::Result;
use crate::keys::{SignedBlob, SignedJwt};
use crate::tokens::{AccessToken, IdToken};
use credmint::k0rdent::Credential;
use credmint::{Flow, FlowOutput, HttpResponse, UnixTime};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

type BoxedFlow = Box<dyn Flow<Output = FlowOutput> + Send>;

/// A conversation in progress (any of the core's flows).
#[derive(uniffi::Object)]
pub struct Conversation {
    flow: Mutex<BoxedFlow>,
}

impl Conversation {
    /// Wraps a core flow.
    pub(crate) fn new<F>(flow: F) -> Arc<Self>
    where
        F: Flow + Send + 'static,
        F::Output: Into<FlowOutput>,
    {
        Arc::new(Conversation {
            flow: Mutex::new(Box::new(flow.map_output(Into::into))),
        })
    }

    fn with_flow<R>(&self, f: impl FnOnce(&mut BoxedFlow) -> R) -> R {
        let mut flow = self
            .flow
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut flow)
    }
}

#[uniffi::export]
impl Conversation {
    /// The next step at `now` (Unix seconds).
    pub fn poll(&self, now: i64) -> Result<Step> {
        let step = self.with_flow(|flow| flow.poll(UnixTime::from_secs(now)))?;
        Ok(match step {
            credmint::Step::Send(request) => Step::Send {
                request: Arc::new(HttpRequest { inner: request }),
            },
            credmint::Step::Wait(until) => Step::Wait {
                until: until.as_secs(),
            },
            credmint::Step::Sign(request) => Step::Sign {
                key_id: request.key_id().to_owned(),
                payload: request.payload().to_vec(),
            },
            credmint::Step::ReadFile(read) => Step::ReadFile {
                path: read.path().to_owned(),
                max_bytes: read.max_bytes() as u64,
            },
            credmint::Step::ReadEnv(name) => Step::ReadEnv { name },
            credmint::Step::Run(run) => Step::Run {
                run: ExecutableRun {
                    program: run.program,
                    args: run.args,
                    env: run.env.into_iter().collect(),
                    timeout_millis: run.timeout_millis,
                },
            },
            credmint::Step::Done(output) => Step::Done {
                output: Output::try_from(output)?,
            },
        })
    }

    /// What the host found for the last `ReadFile`, `ReadEnv` or `Run` step.
    pub fn feed_host(&self, answer: HostAnswer) -> Result<()> {
        let answer = match answer {
            HostAnswer::File { contents } => credmint::HostAnswer::File(contents),
            HostAnswer::FileMissing => credmint::HostAnswer::FileMissing,
            HostAnswer::FileUnreadable { reason } => credmint::HostAnswer::FileUnreadable(reason),
            HostAnswer::Env { value } => credmint::HostAnswer::Env(value),
            HostAnswer::Exited { status, stdout } => {
                credmint::HostAnswer::Exited { status, stdout }
            }
            HostAnswer::NotStarted { reason } => credmint::HostAnswer::NotStarted(reason),
            HostAnswer::TimedOut => credmint::HostAnswer::TimedOut,
        };
        Ok(self.with_flow(|flow| flow.feed_host(answer))?)
    }

    /// The response to the last `Send` step (`headers` as name/value pairs, flattened).
    pub fn feed_response(&self, status: u16, headers: Vec<String>, body: Vec<u8>) -> Result<()> {
        let response = response(status, headers, body);
        Ok(self.with_flow(|flow| flow.feed_response(response))?)
    }

    /// The last `Send` step could not be completed (connection refused, timeout, …).
    pub fn feed_transport_error(&self, reason: String) -> Result<()> {
        Ok(self.with_flow(|flow| flow.feed_transport_error(&reason))?)
    }

    /// The signature the last `Sign` step asked for.
    pub fn feed_signature(&self, signature: Vec<u8>) -> Result<()> {
        Ok(self.with_flow(|flow| flow.feed_signature(&signature))?)
    }
}

/// A response from its parts, `headers` flattened as `[name0, value0, …]`.
pub(crate) fn response(status: u16, headers: Vec<String>, body: Vec<u8>) -> HttpResponse {
    let headers = headers
        .chunks_exact(2)
        .map(|pair| (pair[0].clone(), pair[1].clone()))
        .collect();
    HttpResponse::new(status, headers, body)
}

/// What the host does next.
#[derive(uniffi::Enum)]
pub enum Step {
    /// Send this request with the platform's HTTP client within its
    /// `timeoutMillis()`, then `feedResponse` (or `feedTransportError`).
    Send {
        /// The request (headers and body may hold secrets).
        request: Arc<HttpRequest>,
    },
    /// Wait until this Unix time (a retry's back-off), then poll again.
    Wait {
        /// Unix seconds.
        until: i64,
    },
    /// Sign `payload` (RS256) with the key `key_id` names, then `feedSignature`.
    Sign {
        /// The key asked for.
        key_id: String,
        /// The bytes to sign.
        payload: Vec<u8>,
    },
    /// Read this file (at most `max_bytes`: one more than the core accepts),
    /// then `feedHost` with `File`, `FileMissing` or `FileUnreadable`.
    ReadFile {
        /// The path.
        path: String,
        /// The most bytes to read.
        max_bytes: u64,
    },
    /// Look up this environment variable, then `feedHost` with `Env`.
    ReadEnv {
        /// The variable's name.
        name: String,
    },
    /// Run this command, then `feedHost` with `Exited`, `NotStarted` or `TimedOut`.
    Run {
        /// What to run.
        run: ExecutableRun,
    },
    /// The conversation is over.
    Done {
        /// What it produced.
        output: Output,
    },
}

/// A command to run (an executable credential source): `program` with `args`
/// (no shell), `env` added to the environment, killed after `timeout_millis`.
#[derive(uniffi::Record)]
pub struct ExecutableRun {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables to add.
    pub env: HashMap<String, String>,
    /// How long it may run.
    pub timeout_millis: u64,
}

/// What the host found when it did what a step asked.
#[derive(uniffi::Enum)]
pub enum HostAnswer {
    /// The file's bytes.
    File {
        /// At most the step's `max_bytes`.
        contents: Vec<u8>,
    },
    /// There is no such file.
    FileMissing,
    /// The file exists but cannot be read.
    FileUnreadable {
        /// The platform's words.
        reason: String,
    },
    /// The variable's value.
    Env {
        /// None when unset.
        value: Option<String>,
    },
    /// The command ran to its end.
    Exited {
        /// Its exit status.
        status: i32,
        /// What it wrote to standard output.
        stdout: Vec<u8>,
    },
    /// The command could not be started.
    NotStarted {
        /// The platform's words.
        reason: String,
    },
    /// The command was killed at its time limit.
    TimedOut,
}

/// An HTTP request to send. An object, since its headers and body carry secrets.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct HttpRequest {
    pub(crate) inner: credmint::HttpRequest,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HttpRequest({} {})",
            self.inner.method().as_str(),
            self.inner.url()
        )
    }
}

#[uniffi::export]
impl HttpRequest {
    /// `GET`, `POST`, …
    pub fn method(&self) -> String {
        self.inner.method().as_str().to_owned()
    }

    /// The absolute URL.
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    /// Header names and values, flattened: `[name0, value0, name1, value1, …]`.
    pub fn headers(&self) -> Vec<String> {
        self.inner
            .headers()
            .iter()
            .flat_map(|(name, value)| [name.clone(), value.clone()])
            .collect()
    }

    /// The body (empty for `GET`).
    pub fn body(&self) -> Vec<u8> {
        self.inner.body().to_vec()
    }

    /// How long the host may spend on this request, in milliseconds: connect,
    /// send and read the whole answer. Past it, abandon the request and call
    /// `feedTransportError`. The core's limit; a transport never picks its own.
    pub fn timeout_millis(&self) -> u64 {
        self.inner.timeout_millis()
    }
}

/// What a conversation produced.
#[derive(uniffi::Enum)]
pub enum Output {
    /// An access token.
    AccessToken {
        /// The token.
        token: Arc<AccessToken>,
    },
    /// An ID token.
    IdToken {
        /// The token.
        token: Arc<IdToken>,
    },
    /// A `signBlob` answer.
    SignedBlob {
        /// The signature and its key.
        blob: SignedBlob,
    },
    /// A `signJwt` answer.
    SignedJwt {
        /// The JWT and its key.
        jwt: Arc<SignedJwt>,
    },
    /// An `allowedLocations` answer.
    AllowedLocations {
        /// Location names; empty when unrestricted.
        locations: Vec<String>,
        /// The `x-allowed-locations` header value.
        encoded: String,
    },
    /// A page of a credential listing, or none after the last.
    Page {
        /// The page.
        page: Option<CredentialPage>,
    },
    /// A conformance vector's result, JSON text.
    Json {
        /// The result.
        json: String,
    },
    /// A verified token's claims, JSON object text.
    Claims {
        /// The claims.
        json: String,
    },
    /// What Application Default Credentials found.
    DefaultCredentials {
        /// The credentials.
        credentials: Arc<CoreCredentials>,
        /// `environment_variable`, `well_known_file` or `metadata_server`.
        source: String,
        /// The file read, for file sources.
        path: Option<String>,
        /// The project the environment, the file or the metadata server names.
        project_id: Option<String>,
    },
}

impl TryFrom<FlowOutput> for Output {
    type Error = crate::errors::CredmintError;

    fn try_from(output: FlowOutput) -> Result<Self> {
        Ok(match output {
            FlowOutput::Access(inner) => Output::AccessToken {
                token: Arc::new(AccessToken { inner }),
            },
            FlowOutput::Id(inner) => Output::IdToken {
                token: Arc::new(IdToken { inner }),
            },
            FlowOutput::Blob(blob) => Output::SignedBlob {
                blob: SignedBlob {
                    key_id: blob.key_id().to_owned(),
                    signed_blob: blob.signature().to_vec(),
                },
            },
            FlowOutput::Jwt(jwt) => Output::SignedJwt {
                jwt: Arc::new(SignedJwt {
                    key_id: jwt.key_id().to_owned(),
                    jwt: jwt.signed_jwt().expose_secret().to_owned(),
                }),
            },
            FlowOutput::Locations(locations) => Output::AllowedLocations {
                locations: locations.locations,
                encoded: locations.encoded_locations,
            },
            FlowOutput::Page(page) => Output::Page {
                page: page.map(|page| CredentialPage {
                    credentials: page.credentials.into_iter().map(Into::into).collect(),
                    next_page_token: page.next_page_token,
                    total: page.total,
                }),
            },
            FlowOutput::Claims(claims) => Output::Claims {
                json: claims.json().to_owned(),
            },
            FlowOutput::Prepared(_) => {
                return Err(crate::errors::CredmintError::invalid_argument(
                    "Swift and Kotlin check signatures in the core",
                ));
            }
            FlowOutput::Json(value) => Output::Json {
                json: value.to_string(),
            },
            FlowOutput::Default(found) => Output::DefaultCredentials {
                source: found.source.as_str().to_owned(),
                path: found.source.path().map(str::to_owned),
                project_id: found.project_id,
                credentials: Arc::new(CoreCredentials {
                    inner: found.credentials,
                }),
            },
        })
    }
}

/// One page of a k0rdent credential listing.
#[derive(uniffi::Record)]
pub struct CredentialPage {
    /// The credentials on this page (secrets are never listed).
    pub credentials: Vec<AccountCredential>,
    /// The cursor of the next page, if any.
    pub next_page_token: Option<String>,
    /// The total count, for offset paging.
    pub total: Option<u64>,
}

/// A credential of a k0rdent service account (no secret: it is shown once, at creation).
#[derive(uniffi::Record)]
pub struct AccountCredential {
    /// Its id (the OAuth client id).
    pub id: String,
    /// The service account it belongs to.
    pub service_account_id: String,
    /// `active`, `expired`, or a status this version does not know.
    pub status: String,
    /// Server-side unique id.
    pub uid: Option<String>,
    /// The resource path.
    pub self_link: Option<String>,
    /// Expiry, Unix seconds.
    pub expires_at: Option<i64>,
    /// Who created it.
    pub created_by: Option<String>,
    /// Creation time, Unix seconds.
    pub created_at: Option<i64>,
    /// Last use, Unix seconds.
    pub last_used_at: Option<i64>,
    /// The address it was last used from.
    pub last_used_ip: Option<String>,
}

impl From<Credential> for AccountCredential {
    fn from(credential: Credential) -> Self {
        let secs = |time: Option<UnixTime>| time.map(UnixTime::as_secs);
        AccountCredential {
            id: credential.id,
            service_account_id: credential.service_account_id,
            status: credential.status.as_str().to_owned(),
            uid: credential.uid,
            self_link: credential.self_link,
            expires_at: secs(credential.expires_at),
            created_by: credential.created_by,
            created_at: secs(credential.created_at),
            last_used_at: secs(credential.last_used_at),
            last_used_ip: credential.last_used_ip,
        }
    }
}

/// The most response body a conversation reads; transports read at most one byte
/// more, so that the core can refuse an oversized answer.
#[uniffi::export]
pub fn max_response_body() -> u64 {
    credmint::MAX_RESPONSE_BODY as u64
}
