//! Conversations as state machines the host drives.
//!
//! ```text
//! loop {
//!     match flow.poll(now())? {
//!         Step::Send(request) => match http(request) {
//!             Ok(response) => flow.feed_response(response)?,
//!             Err(e) => flow.feed_transport_error(&e.to_string())?,
//!         },
//!         Step::Sign(request) => flow.feed_signature(&sign(request.payload()))?,
//!         Step::Wait(until) => sleep_until(until),
//!         Step::ReadFile(read) => flow.feed_host(read_file(read))?,
//!         Step::ReadEnv(name) => flow.feed_host(HostAnswer::Env(env(&name)))?,
//!         Step::Run(command) => flow.feed_host(run(command))?,
//!         Step::Done(result) => break result,
//!     }
//! }
//! ```
//! The loop holds no protocol decision: URLs, bodies, retries, backoff and
//! parsing are all the flow's.

use crate::error::{Error, Result};
use crate::google::ExecutableInvocation;
use crate::host::{FileRead, HostAnswer};
use crate::http::{HttpRequest, HttpResponse};
use crate::jws::UnsignedJws;
use crate::key::SigningKey;
use crate::remote::{Dialect, error_from_response};
use crate::retry::{Jitter, RetryPolicy};
use crate::secret::SecretString;
use crate::time::UnixTime;
use std::fmt;
use std::sync::Arc;

/// What the host must do next.
#[derive(Debug)]
pub enum Step<T> {
    /// Send this request, then call [`Flow::feed_response`] (or
    /// [`Flow::feed_transport_error`] if it could not be sent).
    Send(HttpRequest),
    /// Sign these bytes with RSASSA-PKCS1-v1_5 SHA-256 using the named key,
    /// then call [`Flow::feed_signature`].
    Sign(SignRequest),
    /// Wait until this time (a backoff), then poll again.
    Wait(UnixTime),
    /// Read this file (at most [`FileRead::max_bytes`]), then call
    /// [`Flow::feed_host`] with [`HostAnswer::File`], [`HostAnswer::FileMissing`]
    /// or [`HostAnswer::FileUnreadable`].
    ReadFile(FileRead),
    /// Look up this environment variable, then call [`Flow::feed_host`] with
    /// [`HostAnswer::Env`].
    ReadEnv(String),
    /// Run this command (no shell; its `env` added to the host's; killed at
    /// its `timeout_millis`), then call [`Flow::feed_host`] with
    /// [`HostAnswer::Exited`], [`HostAnswer::NotStarted`] or [`HostAnswer::TimedOut`].
    Run(ExecutableInvocation),
    /// The conversation is over.
    Done(T),
}

impl<T> Step<T> {
    /// The same step, its result (if done) passed through `map`.
    pub fn map<U>(self, map: impl FnOnce(T) -> U) -> Step<U> {
        match pending(self) {
            Ok(step) => step,
            Err(output) => Step::Done(map(output)),
        }
    }
}

/// A step of an inner flow re-typed for an outer one; `Err` carries the inner
/// flow's result when it is done.
pub(crate) fn pending<A, B>(step: Step<A>) -> std::result::Result<Step<B>, A> {
    match step {
        Step::Send(request) => Ok(Step::Send(request)),
        Step::Sign(request) => Ok(Step::Sign(request)),
        Step::Wait(until) => Ok(Step::Wait(until)),
        Step::ReadFile(read) => Ok(Step::ReadFile(read)),
        Step::ReadEnv(name) => Ok(Step::ReadEnv(name)),
        Step::Run(command) => Ok(Step::Run(command)),
        Step::Done(output) => Err(output),
    }
}

/// Bytes an external signer must sign (WebCrypto, a KMS, a Keychain key).
#[derive(Clone, PartialEq, Eq)]
pub struct SignRequest {
    key_id: String,
    payload: Vec<u8>,
}

impl SignRequest {
    /// The key to sign with.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The exact bytes to sign (a JWS signing input).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

impl fmt::Debug for SignRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignRequest")
            .field("key_id", &self.key_id)
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// A conversation the host drives with [`Flow::poll`] and the `feed_*` methods.
pub trait Flow {
    /// What the conversation produces.
    type Output;

    /// The next step at time `now`. Errors are final: a retryable failure is
    /// answered with [`Step::Wait`] until the retry policy gives up.
    fn poll(&mut self, now: UnixTime) -> Result<Step<Self::Output>>;

    /// The response to the request of the last [`Step::Send`].
    fn feed_response(&mut self, response: HttpResponse) -> Result<()>;

    /// The request of the last [`Step::Send`] could not be completed
    /// (connection refused, timeout, TLS failure). Retried like a server error.
    fn feed_transport_error(&mut self, reason: &str) -> Result<()>;

    /// The signature over the payload of the last [`Step::Sign`].
    fn feed_signature(&mut self, _signature: &[u8]) -> Result<()> {
        Err(Error::invalid_argument(
            "this flow did not ask for a signature",
        ))
    }

    /// What the host found for the last [`Step::ReadFile`], [`Step::ReadEnv`]
    /// or [`Step::Run`].
    fn feed_host(&mut self, _answer: HostAnswer) -> Result<()> {
        Err(Error::invalid_argument(
            "this flow did not ask the host for a file, a variable or a command",
        ))
    }

    /// This flow with its result passed through `map` (bindings use it to give
    /// every conversation one output type).
    fn map_output<T, G>(self, map: G) -> MapOutput<Self, G>
    where
        Self: Sized,
        G: FnMut(Self::Output) -> T,
    {
        MapOutput { flow: self, map }
    }
}

/// A boxed flow is a flow (so `Box<dyn Flow<…>>` composes like any other).
impl<F: Flow + ?Sized> Flow for Box<F> {
    type Output = F::Output;

    fn poll(&mut self, now: UnixTime) -> Result<Step<Self::Output>> {
        (**self).poll(now)
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        (**self).feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        (**self).feed_transport_error(reason)
    }

    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        (**self).feed_signature(signature)
    }

    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        (**self).feed_host(answer)
    }
}

/// A flow whose result is mapped; see [`Flow::map_output`].
pub struct MapOutput<F, G> {
    flow: F,
    map: G,
}

impl<F, G, T> Flow for MapOutput<F, G>
where
    F: Flow,
    G: FnMut(F::Output) -> T,
{
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        Ok(self.flow.poll(now)?.map(&mut self.map))
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.flow.feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.flow.feed_transport_error(reason)
    }

    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        self.flow.feed_signature(signature)
    }

    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        self.flow.feed_host(answer)
    }
}

/// Who signs the assertions of a flow.
#[derive(Clone)]
pub enum Signer {
    /// credmint signs in-process with this key.
    Local(Arc<SigningKey>),
    /// The host signs: the flow yields [`Step::Sign`] for the key `key_id`.
    External {
        /// The key id written as `kid` in the JWS header.
        key_id: String,
    },
}

impl Signer {
    /// The key id written as `kid`.
    pub fn key_id(&self) -> &str {
        match self {
            Signer::Local(key) => key.key_id(),
            Signer::External { key_id } => key_id,
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signer::Local(key) => f.debug_tuple("Local").field(key).finish(),
            Signer::External { key_id } => {
                f.debug_struct("External").field("key_id", key_id).finish()
            }
        }
    }
}

/// A JWS on its way to being signed, locally or by the host.
pub(crate) enum Signing {
    Awaiting(UnsignedJws, String),
    Signed(SecretString),
}

impl Signing {
    /// Signs at once with a local key, or waits for the host's signature.
    pub(crate) fn start(signer: &Signer, unsigned: UnsignedJws) -> Result<Self> {
        match signer {
            Signer::Local(key) => unsigned.sign(key).map(Signing::Signed),
            Signer::External { key_id } => Ok(Signing::Awaiting(unsigned, key_id.clone())),
        }
    }

    pub(crate) fn sign_request(&self) -> Option<SignRequest> {
        match self {
            Signing::Awaiting(unsigned, key_id) => Some(SignRequest {
                key_id: key_id.clone(),
                payload: unsigned.signing_input().to_vec(),
            }),
            Signing::Signed(_) => None,
        }
    }

    pub(crate) fn feed(&mut self, signature: &[u8]) -> Result<()> {
        match self {
            Signing::Awaiting(unsigned, _) => {
                *self = Signing::Signed(unsigned.clone().attach_signature(signature)?);
                Ok(())
            }
            Signing::Signed(_) => Err(Error::invalid_argument("no signature was asked for")),
        }
    }
}

/// One HTTP request with retries: the building block of every flow.
pub(crate) struct Exchange {
    request: HttpRequest,
    dialect: Dialect,
    retry: RetryPolicy,
    jitter: Jitter,
    attempts: u32,
    required_header: Option<(&'static str, &'static str)>,
    state: ExchangeState,
}

enum ExchangeState {
    Ready,
    InFlight {
        sent_at: UnixTime,
    },
    Retry(Error),
    Waiting {
        until: UnixTime,
    },
    Answered {
        response: HttpResponse,
        sent_at: UnixTime,
    },
    Failed(Error),
    Finished,
}

/// What an exchange needs next.
pub(crate) enum Progress {
    Send(HttpRequest),
    Wait(UnixTime),
    /// A 2xx response, and the time its request was sent.
    Answered(HttpResponse, UnixTime),
}

/// How a flow retries and jitters; shared by all flows.
#[derive(Clone, Debug)]
pub struct FlowOptions {
    /// Retry policy for rate limits, server errors and transport failures.
    pub retry: RetryPolicy,
    /// Source of backoff jitter (seed it for reproducible schedules).
    pub jitter: Jitter,
    /// The time limit of every request of the flow, in milliseconds, in place
    /// of each request's own ([`HttpRequest::timeout_millis`], by default
    /// [`crate::DEFAULT_TIMEOUT_MILLIS`]); `None` keeps the request's own.
    /// For callers that must fail fast, and for tests of hosts' timeouts.
    pub request_timeout_millis: Option<u64>,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            retry: RetryPolicy::default(),
            jitter: Jitter::from_entropy(),
            request_timeout_millis: None,
        }
    }
}

impl Exchange {
    pub(crate) fn new(request: HttpRequest, dialect: Dialect, options: &FlowOptions) -> Self {
        let request = match options.request_timeout_millis {
            Some(millis) => request.with_timeout_millis(millis),
            None => request,
        };
        Exchange {
            request,
            dialect,
            retry: options.retry,
            jitter: options.jitter.clone(),
            attempts: 0,
            required_header: None,
            state: ExchangeState::Ready,
        }
    }

    /// Refuses every answer (success or error) that lacks header `name: value`:
    /// the metadata server's `Metadata-Flavor: Google`, which a proxy or a
    /// captive portal posing as the server does not send.
    pub(crate) fn require_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.required_header = Some((name, value));
        self
    }

    /// How many requests this exchange has sent.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn poll(&mut self, now: UnixTime) -> Result<Progress> {
        match std::mem::replace(&mut self.state, ExchangeState::Finished) {
            ExchangeState::Ready => self.send(now),
            ExchangeState::Waiting { until } if now >= until => self.send(now),
            ExchangeState::Waiting { until } => {
                self.state = ExchangeState::Waiting { until };
                Ok(Progress::Wait(until))
            }
            ExchangeState::Retry(error) => {
                let retry_after = match &error {
                    Error::Remote(remote) => remote.retry_after,
                    _ => None,
                };
                match self
                    .retry
                    .delay_after(self.attempts, retry_after, &mut self.jitter)
                {
                    Some(0) => self.send(now),
                    Some(delay) => {
                        let until = now.saturating_add(delay);
                        self.state = ExchangeState::Waiting { until };
                        Ok(Progress::Wait(until))
                    }
                    None => Err(error),
                }
            }
            ExchangeState::Answered { response, sent_at } => {
                Ok(Progress::Answered(response, sent_at))
            }
            ExchangeState::Failed(error) => Err(error),
            ExchangeState::InFlight { sent_at } => {
                self.state = ExchangeState::InFlight { sent_at };
                Err(Error::invalid_argument(
                    "poll called while a request is in flight: feed its response first",
                ))
            }
            ExchangeState::Finished => Err(Error::invalid_argument("the exchange is already over")),
        }
    }

    fn send(&mut self, now: UnixTime) -> Result<Progress> {
        self.attempts += 1;
        self.state = ExchangeState::InFlight { sent_at: now };
        Ok(Progress::Send(self.request.clone()))
    }

    pub(crate) fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        let ExchangeState::InFlight { sent_at } = self.state else {
            return Err(Error::invalid_argument(
                "no request is waiting for a response",
            ));
        };
        let impostor = self
            .required_header
            .filter(|(name, value)| response.header_value(name).map(str::trim) != Some(*value));
        self.state = if let Some((name, value)) = impostor {
            ExchangeState::Failed(Error::invalid_response(
                response.status(),
                format!("the answer lacks the header {name}: {value}"),
            ))
        } else if response.is_success() {
            ExchangeState::Answered { response, sent_at }
        } else {
            let error = error_from_response(
                &response,
                self.dialect,
                sent_at,
                &self.request.secret_values(),
            );
            if error.is_retryable() {
                ExchangeState::Retry(error)
            } else {
                ExchangeState::Failed(error)
            }
        };
        Ok(())
    }

    pub(crate) fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        let ExchangeState::InFlight { .. } = self.state else {
            return Err(Error::invalid_argument(
                "no request is waiting for a response",
            ));
        };
        let reason: String = reason.chars().take(256).collect();
        self.state = ExchangeState::Retry(Error::Transport { reason });
        Ok(())
    }
}

/// A conversation of one request (with retries) whose answer is parsed into `T`.
pub struct RequestFlow<T> {
    exchange: Exchange,
    parse: fn(&HttpResponse, UnixTime) -> Result<T>,
}

impl<T> RequestFlow<T> {
    pub(crate) fn new(
        request: HttpRequest,
        dialect: Dialect,
        options: &FlowOptions,
        parse: fn(&HttpResponse, UnixTime) -> Result<T>,
    ) -> Self {
        RequestFlow {
            exchange: Exchange::new(request, dialect, options),
            parse,
        }
    }
}

impl<T> Flow for RequestFlow<T> {
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        Ok(match self.exchange.poll(now)? {
            Progress::Send(request) => Step::Send(request),
            Progress::Wait(until) => Step::Wait(until),
            Progress::Answered(response, sent_at) => Step::Done((self.parse)(&response, sent_at)?),
        })
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.exchange.feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.exchange.feed_transport_error(reason)
    }
}

/// Drives a flow to completion with host-supplied effects: `clock` reads the
/// time, `send` performs HTTP (`Err` = transport failure), `sign` signs for
/// [`Step::Sign`], `sleep` waits until a time. credmint's tests use it;
/// bindings write the same few lines in their own language. A flow that asks
/// for a file, a variable or a command ends in `not_supported`: such flows need
/// a host that answers [`Flow::feed_host`].
pub fn drive<F: Flow>(
    flow: &mut F,
    mut clock: impl FnMut() -> UnixTime,
    mut send: impl FnMut(&HttpRequest) -> std::result::Result<HttpResponse, String>,
    mut sign: impl FnMut(&SignRequest) -> Result<Vec<u8>>,
    mut sleep: impl FnMut(UnixTime),
) -> Result<F::Output> {
    loop {
        match flow.poll(clock())? {
            Step::Send(request) => match send(&request) {
                Ok(response) => flow.feed_response(response)?,
                Err(reason) => flow.feed_transport_error(&reason)?,
            },
            Step::Sign(request) => flow.feed_signature(&sign(&request)?)?,
            Step::Wait(until) => sleep(until),
            Step::ReadFile(_) | Step::ReadEnv(_) | Step::Run(_) => {
                return Err(Error::NotSupported {
                    reason: "this flow reads files, variables or commands: \
                             drive it with a host that answers them"
                        .into(),
                });
            }
            Step::Done(output) => return Ok(output),
        }
    }
}
