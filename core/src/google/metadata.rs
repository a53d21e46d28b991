//! The metadata server of Compute Engine, GKE (Workload Identity), Cloud Run,
//! Cloud Functions and App Engine: tokens, ID tokens and facts about the
//! workload, over plain HTTP on a link-local address.
//!
//! ```text
//! GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token
//! Metadata-Flavor: Google
//! ```
//! Every request carries `Metadata-Flavor: Google` and every answer must carry
//! it too: an answer without it comes from something else (a proxy, a captive
//! portal) and is refused with `invalid_response`, whatever its status.

use super::account::ServiceAccountId;
use crate::error::{Error, Result};
use crate::flow::{Exchange, Flow, FlowOptions, Progress, Step};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::oauth::parse_access_token;
use crate::remote::Dialect;
use crate::retry::RetryPolicy;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::{AccessToken, IdToken};
use crate::url::{Endpoint, Query};

/// The metadata server's host name.
pub const METADATA_HOST: &str = "metadata.google.internal";
/// The metadata server's link-local address (detection pings it: no DNS).
pub const METADATA_IP: &str = "169.254.169.254";
/// Environment variable naming the metadata host (`host[:port]`), as Google's libraries read it.
pub const METADATA_HOST_VAR: &str = "GCE_METADATA_HOST";
/// The legacy name of [`METADATA_HOST_VAR`].
pub const METADATA_ROOT_VAR: &str = "GCE_METADATA_ROOT";
/// Environment variable naming the metadata address (`ip[:port]`).
pub const METADATA_IP_VAR: &str = "GCE_METADATA_IP";
/// The universe of a metadata server that has no `universe/universe-domain` (404).
pub const DEFAULT_UNIVERSE_DOMAIN: &str = "googleapis.com";

const FLAVOR: &str = "Metadata-Flavor";
const GOOGLE: &str = "Google";
/// Time limit of one metadata request once the server is known to be there (10 s).
pub const METADATA_TIMEOUT_MILLIS: u64 = 10_000;
/// Retries of metadata requests: the server is local but answers late at a
/// GKE pod's start; 5 attempts, 1 s doubling to 8 s (google-auth retries 5 times).
pub const METADATA_RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 5,
    initial_delay_secs: 1,
    max_delay_secs: 8,
    max_retry_after_secs: 30,
};

/// How a detection ping behaves: quick where nothing says "Google Cloud",
/// patient where the environment says it is (a GKE pod's metadata server may
/// answer only seconds after the pod starts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PingPatience {
    /// 2 attempts of 1.5 s, no wait between them: a refused connection ends
    /// detection at once, a black-holed address within 3 s.
    Quick,
    /// 5 attempts of 3 s with 1, 2, 4, 8 s between them (at most ≈ 30 s).
    Patient,
}

impl PingPatience {
    fn timeout_millis(self) -> u64 {
        match self {
            PingPatience::Quick => 1_500,
            PingPatience::Patient => 3_000,
        }
    }

    fn retry(self) -> RetryPolicy {
        match self {
            PingPatience::Quick => RetryPolicy {
                max_attempts: 2,
                initial_delay_secs: 0,
                max_delay_secs: 0,
                max_retry_after_secs: 0,
            },
            PingPatience::Patient => RetryPolicy {
                max_attempts: 5,
                initial_delay_secs: 1,
                max_delay_secs: 8,
                max_retry_after_secs: 0,
            },
        }
    }
}

/// Where the metadata server is: its host for requests, its address for the
/// detection ping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataServer {
    base: Endpoint,
    ping_base: Endpoint,
}

impl Default for MetadataServer {
    /// `http://metadata.google.internal`, pinged at `http://169.254.169.254`.
    #[allow(clippy::expect_used)]
    fn default() -> Self {
        // Invariant: the built-in host and address are valid authorities.
        Self::from_env(None, None).expect("the built-in metadata host is valid")
    }
}

fn authority(what: &str, value: &str) -> Result<Endpoint> {
    let valid = !value.is_empty()
        && value.len() <= 253
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b));
    if !valid {
        return Err(Error::invalid_argument(format!(
            "{what} must be host[:port] (letters, digits, '-', '.', ':', '[', ']')"
        )));
    }
    Endpoint::insecure(&format!("http://{value}"))
}

impl MetadataServer {
    /// The server named by the environment as Google's libraries read it:
    /// `GCE_METADATA_HOST` (or the legacy `GCE_METADATA_ROOT`) for requests,
    /// `GCE_METADATA_IP` for the ping. With only a host given, the ping goes to
    /// that host too (an emulator on `127.0.0.1:PORT`).
    pub fn from_env(host: Option<&str>, ip: Option<&str>) -> Result<Self> {
        let host = host.filter(|h| !h.is_empty());
        let ip = ip.filter(|i| !i.is_empty());
        let base = authority(METADATA_HOST_VAR, host.unwrap_or(METADATA_HOST))?;
        let ping_base = match (ip, host) {
            (Some(ip), _) => authority(METADATA_IP_VAR, ip)?,
            (None, Some(_)) => base.clone(),
            (None, None) => authority(METADATA_IP_VAR, METADATA_IP)?,
        };
        Ok(MetadataServer { base, ping_base })
    }

    /// A server at `base` (`http://host:port`) for requests and the ping alike.
    pub fn at(base: Endpoint) -> Self {
        MetadataServer {
            ping_base: base.clone(),
            base,
        }
    }

    /// The base URL requests go to (`http://metadata.google.internal`).
    pub fn base(&self) -> &Endpoint {
        &self.base
    }

    fn get(&self, path: &str, query: Option<Query>) -> HttpRequest {
        let mut url = self.base.join(&format!("/computeMetadata/v1/{path}"));
        if let Some(query) = query {
            url = query.append_to(url);
        }
        HttpRequest::new(Method::Get, url)
            .header(FLAVOR, GOOGLE)
            .with_timeout_millis(METADATA_TIMEOUT_MILLIS)
    }

    fn exchange(request: HttpRequest, options: &FlowOptions) -> Exchange {
        Exchange::new(request, Dialect::Metadata, options).require_header(FLAVOR, GOOGLE)
    }

    /// `GET …/instance/service-accounts/{account}/token[?scopes=a,b]`: an
    /// access token of `account` (`default`, or an email); without scopes the
    /// server's own (the instance's, or `cloud-platform` on Cloud Run).
    pub fn access_token_flow(
        &self,
        account: &MetadataAccount,
        scopes: &[String],
        options: &FlowOptions,
    ) -> MetadataFlow<AccessToken> {
        let query = (!scopes.is_empty()).then(|| {
            let mut query = Query::default();
            query.push("scopes", scopes.join(","));
            query
        });
        let path = format!("instance/service-accounts/{}/token", account.segment());
        MetadataFlow::new(
            Self::exchange(self.get(&path, query), options),
            parse_access_token,
        )
    }

    /// `GET …/identity?audience=AUD&format=full`: an ID token of `account` for
    /// `audience` (with `email`; `format=full` adds the instance's details on GCE).
    pub fn id_token_flow(
        &self,
        account: &MetadataAccount,
        audience: &str,
        options: &FlowOptions,
    ) -> Result<MetadataFlow<IdToken>> {
        if audience.is_empty() || audience.chars().any(char::is_control) {
            return Err(Error::invalid_argument("audience must be non-empty text"));
        }
        let mut query = Query::default();
        query.push("audience", audience);
        query.push("format", "full");
        let path = format!("instance/service-accounts/{}/identity", account.segment());
        Ok(MetadataFlow::new(
            Self::exchange(self.get(&path, Some(query)), options),
            parse_identity,
        ))
    }

    /// `GET …/instance/service-accounts/{account}/email`.
    pub fn email_flow(
        &self,
        account: &MetadataAccount,
        options: &FlowOptions,
    ) -> MetadataFlow<String> {
        let path = format!("instance/service-accounts/{}/email", account.segment());
        MetadataFlow::new(Self::exchange(self.get(&path, None), options), parse_text)
    }

    /// `GET …/project/project-id`.
    pub fn project_id_flow(&self, options: &FlowOptions) -> MetadataFlow<String> {
        MetadataFlow::new(
            Self::exchange(self.get("project/project-id", None), options),
            parse_text,
        )
    }

    /// `GET …/universe/universe-domain`; a 404 (from the server itself) means
    /// [`DEFAULT_UNIVERSE_DOMAIN`].
    pub fn universe_domain_flow(&self, options: &FlowOptions) -> MetadataFlow<String> {
        let mut flow = MetadataFlow::new(
            Self::exchange(self.get("universe/universe-domain", None), options),
            parse_text,
        );
        flow.not_found = Some(|| DEFAULT_UNIVERSE_DOMAIN.to_owned());
        flow
    }

    /// Whether the metadata server is there: `GET /` on its address, answered
    /// with `Metadata-Flavor: Google` (any status). Never an error: `false`
    /// after the attempts `patience` allows.
    pub fn ping_flow(&self, patience: PingPatience, options: &FlowOptions) -> PingFlow {
        let request = HttpRequest::new(Method::Get, self.ping_base.join("/"))
            .header(FLAVOR, GOOGLE)
            .with_timeout_millis(patience.timeout_millis());
        let options = FlowOptions {
            retry: patience.retry(),
            jitter: options.jitter.clone(),
            request_timeout_millis: None,
        };
        PingFlow {
            exchange: Exchange::new(request, Dialect::Metadata, &options),
            answered: None,
        }
    }
}

/// Which of the instance's service accounts: `default`, or one by email.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataAccount(Option<ServiceAccountId>);

impl MetadataAccount {
    /// The instance's default service account.
    pub const DEFAULT: MetadataAccount = MetadataAccount(None);

    /// `default`, or a service account's email.
    pub fn new(account: &str) -> Result<Self> {
        if account == "default" {
            return Ok(Self::DEFAULT);
        }
        Ok(MetadataAccount(Some(ServiceAccountId::new(account)?)))
    }

    /// `default` or the email, as written in paths.
    pub fn as_str(&self) -> &str {
        self.0.as_ref().map_or("default", ServiceAccountId::as_str)
    }

    fn segment(&self) -> String {
        crate::url::encode_path_segment(self.as_str())
    }
}

fn body_text(response: &HttpResponse) -> Result<&str> {
    let bytes = response.checked_body()?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid_response(response.status(), "body is not UTF-8 text"))?
        .trim();
    if text.is_empty() || text.chars().any(char::is_control) {
        return Err(Error::invalid_response(
            response.status(),
            "body is not one line of text",
        ));
    }
    Ok(text)
}

fn parse_text(response: &HttpResponse, _sent_at: UnixTime) -> Result<String> {
    body_text(response).map(str::to_owned)
}

fn parse_identity(response: &HttpResponse, sent_at: UnixTime) -> Result<IdToken> {
    let jwt = body_text(response)?;
    IdToken::from_jwt(SecretString::from(jwt.to_owned()), sent_at).map_err(|err| {
        Error::invalid_response(
            response.status(),
            format!("the ID token is unusable: {err}"),
        )
    })
}

/// One metadata request (with retries), its answer parsed into `T`.
pub struct MetadataFlow<T> {
    exchange: Exchange,
    parse: fn(&HttpResponse, UnixTime) -> Result<T>,
    not_found: Option<fn() -> T>,
}

impl<T> MetadataFlow<T> {
    fn new(exchange: Exchange, parse: fn(&HttpResponse, UnixTime) -> Result<T>) -> Self {
        MetadataFlow {
            exchange,
            parse,
            not_found: None,
        }
    }
}

impl<T> Flow for MetadataFlow<T> {
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        match self.exchange.poll(now) {
            Ok(Progress::Send(request)) => Ok(Step::Send(request)),
            Ok(Progress::Wait(until)) => Ok(Step::Wait(until)),
            Ok(Progress::Answered(response, sent_at)) => {
                Ok(Step::Done((self.parse)(&response, sent_at)?))
            }
            Err(err) => match (self.not_found, err.http_status()) {
                (Some(default), Some(404)) if err.code() == "not_found" => {
                    Ok(Step::Done(default()))
                }
                _ => Err(err),
            },
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.exchange.feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.exchange.feed_transport_error(reason)
    }
}

/// The detection ping: `Done(true)` once an answer carries `Metadata-Flavor:
/// Google`, `Done(false)` after an answer without it or when the attempts run out.
pub struct PingFlow {
    exchange: Exchange,
    answered: Option<bool>,
}

impl PingFlow {
    /// Requests sent so far.
    pub fn attempts(&self) -> u32 {
        self.exchange.attempts()
    }
}

impl Flow for PingFlow {
    type Output = bool;

    fn poll(&mut self, now: UnixTime) -> Result<Step<bool>> {
        if let Some(present) = self.answered {
            return Ok(Step::Done(present));
        }
        match self.exchange.poll(now) {
            Ok(Progress::Send(request)) => Ok(Step::Send(request)),
            Ok(Progress::Wait(until)) => Ok(Step::Wait(until)),
            Ok(Progress::Answered(..)) => Ok(Step::Done(true)),
            Err(err) if err.code() == "invalid_argument" => Err(err),
            Err(_) => Ok(Step::Done(false)),
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        let genuine = response.header_value(FLAVOR).map(str::trim) == Some(GOOGLE);
        self.exchange.feed_response(response.clone())?;
        self.answered = Some(genuine);
        Ok(())
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.exchange.feed_transport_error(reason)
    }
}
