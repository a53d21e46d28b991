//! Application Default Credentials: where Google's libraries look for
//! credentials when the code names none, decided here and driven by the host.
//!
//! Order (Google's): the file named by `GOOGLE_APPLICATION_CREDENTIALS` (set
//! but missing is an error naming the variable, never a fall-through); the
//! gcloud well-known file (`$CLOUDSDK_CONFIG/…`, `~/.config/gcloud/…`,
//! `%APPDATA%\gcloud\…`); then the metadata server.
//!
//! Metadata detection is fast where nothing says "Google Cloud" and patient
//! where something does:
//! - `METADATA_SERVER_DETECTION` (Google's Node library): `assume-present`
//!   skips detection, `none` skips the server, `bios-only` trusts the BIOS
//!   alone, `ping-only` pings without reading the BIOS.
//! - `NO_GCE_CHECK=true` (Google's Python library): the server is assumed absent.
//! - Residency hints: `K_SERVICE`, `FUNCTION_NAME`, `CLOUD_RUN_JOB`,
//!   `GAE_SERVICE` (Cloud Run, Cloud Functions, App Engine), or a BIOS product
//!   name starting with `Google` (`/sys/class/dmi/id/product_name`, Compute
//!   Engine and GKE nodes). With a hint the ping is patient (5 attempts of 3 s,
//!   backoff between them: a GKE pod's metadata server may answer late);
//!   without one it is quick (2 attempts of 1.5 s, no wait: a refused
//!   connection ends detection at once, a black-holed address within 3 s).
//!
//! The host answers three kinds of question: the environment (the variables of
//! [`ADC_VARIABLES`], given up front), the bytes of a file ([`Step::ReadFile`],
//! answered with [`Flow::feed_host`]), and HTTP exchanges ([`Step::Send`]).

use super::{CredentialOptions, Credentials, MAX_CREDENTIAL_FILE_SIZE};
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, Step, pending};
use crate::google::metadata::{
    METADATA_HOST_VAR, METADATA_IP_VAR, METADATA_ROOT_VAR, MetadataFlow, MetadataServer, PingFlow,
    PingPatience,
};
use crate::host::{FileRead, HostAnswer};
use crate::http::HttpResponse;
use crate::retry::{Jitter, RetryPolicy};
use crate::time::UnixTime;

/// The gcloud well-known file's name.
pub const WELL_KNOWN_FILE: &str = "application_default_credentials.json";
const BIOS_PRODUCT_FILE: &str = "/sys/class/dmi/id/product_name";
const CREDENTIALS_VAR: &str = "GOOGLE_APPLICATION_CREDENTIALS";
const DETECTION_VAR: &str = "METADATA_SERVER_DETECTION";
const HINT_VARS: [&str; 4] = ["K_SERVICE", "FUNCTION_NAME", "CLOUD_RUN_JOB", "GAE_SERVICE"];
const SET_UP_ADC: &str = "https://cloud.google.com/docs/authentication/external/set-up-adc";

/// Every environment variable ADC reads: a host passes the ones that are set.
pub const ADC_VARIABLES: &[&str] = &[
    CREDENTIALS_VAR,
    "CLOUDSDK_CONFIG",
    "HOME",
    "APPDATA",
    METADATA_HOST_VAR,
    METADATA_ROOT_VAR,
    METADATA_IP_VAR,
    "NO_GCE_CHECK",
    DETECTION_VAR,
    "K_SERVICE",
    "FUNCTION_NAME",
    "CLOUD_RUN_JOB",
    "GAE_SERVICE",
    "GOOGLE_CLOUD_QUOTA_PROJECT",
    "GOOGLE_CLOUD_PROJECT",
    "GCLOUD_PROJECT",
];

/// The host's environment as ADC sees it: the variables of [`ADC_VARIABLES`]
/// that are set, and whether the host runs Windows (paths and the BIOS check).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    vars: Vec<(String, String)>,
    windows: bool,
}

impl Environment {
    /// An empty environment of a Windows host or not.
    pub fn new(windows: bool) -> Self {
        Environment {
            vars: Vec::new(),
            windows,
        }
    }

    /// Sets one variable (names outside [`ADC_VARIABLES`] are ignored).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        if ADC_VARIABLES.contains(&name) {
            self.vars.retain(|(n, _)| n != name);
            self.vars.push((name.to_owned(), value.into()));
        }
    }

    /// The value of `name`, if set and not empty (an empty variable counts as unset).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn join(&self, dir: &str, parts: &[&str]) -> String {
        let sep = if self.windows { '\\' } else { '/' };
        let mut path = dir.trim_end_matches(['/', '\\']).to_owned();
        for part in parts {
            path.push(sep);
            path.push_str(part);
        }
        path
    }

    fn well_known_file(&self) -> Option<String> {
        if let Some(dir) = self.get("CLOUDSDK_CONFIG") {
            return Some(self.join(dir, &[WELL_KNOWN_FILE]));
        }
        if self.windows {
            return self
                .get("APPDATA")
                .map(|dir| self.join(dir, &["gcloud", WELL_KNOWN_FILE]));
        }
        self.get("HOME")
            .map(|dir| self.join(dir, &[".config", "gcloud", WELL_KNOWN_FILE]))
    }
}

/// Where ADC found the credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdcSource {
    /// The file `GOOGLE_APPLICATION_CREDENTIALS` names.
    EnvironmentVariable(String),
    /// gcloud's well-known file.
    WellKnownFile(String),
    /// The metadata server.
    MetadataServer,
}

impl AdcSource {
    /// `environment_variable`, `well_known_file` or `metadata_server`.
    pub fn as_str(&self) -> &'static str {
        match self {
            AdcSource::EnvironmentVariable(_) => "environment_variable",
            AdcSource::WellKnownFile(_) => "well_known_file",
            AdcSource::MetadataServer => "metadata_server",
        }
    }

    /// The file read, for file sources.
    pub fn path(&self) -> Option<&str> {
        match self {
            AdcSource::EnvironmentVariable(path) | AdcSource::WellKnownFile(path) => Some(path),
            AdcSource::MetadataServer => None,
        }
    }
}

/// What ADC found: the credentials, where, and the project the environment,
/// the file or the metadata server names.
#[derive(Clone, Debug)]
pub struct DefaultCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they came from.
    pub source: AdcSource,
    /// `GOOGLE_CLOUD_PROJECT`/`GCLOUD_PROJECT`, else the file's, else the metadata server's.
    pub project_id: Option<String>,
}

enum State {
    Start,
    ReadingExplicit(String, Option<HostAnswer>),
    ReadingWellKnown(String, Option<HostAnswer>),
    Metadata,
    ReadingBios(Option<HostAnswer>, Detection),
    Pinging(PingFlow),
    Project(MetadataFlow<String>, Box<Credentials>),
    Over,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Detection {
    Auto,
    BiosOnly,
}

/// ADC as a conversation: poll, answer, until [`Step::Done`] or an error
/// (`credentials_not_found` when there is nothing to find).
pub struct DefaultCredentialsFlow {
    env: Environment,
    options: CredentialOptions,
    state: State,
}

impl DefaultCredentialsFlow {
    /// ADC over `env`, with `options` applied to whatever is found.
    pub fn new(env: Environment, options: CredentialOptions) -> Self {
        DefaultCredentialsFlow {
            env,
            options,
            state: State::Start,
        }
    }

    fn jitter(&self) -> Jitter {
        self.options
            .jitter_seed
            .map_or_else(Jitter::from_entropy, Jitter::from_seed)
    }

    fn server(&self) -> Result<MetadataServer> {
        if let Some(base) = &self.options.metadata_base {
            return Ok(MetadataServer::at(base.clone()));
        }
        let host = self
            .env
            .get(METADATA_HOST_VAR)
            .or_else(|| self.env.get(METADATA_ROOT_VAR));
        MetadataServer::from_env(host, self.env.get(METADATA_IP_VAR))
    }

    fn step(&mut self, now: UnixTime) -> Result<Step<Box<DefaultCredentials>>> {
        loop {
            match std::mem::replace(&mut self.state, State::Over) {
                State::Start => match self.env.get(CREDENTIALS_VAR) {
                    Some(path) => self.state = State::ReadingExplicit(path.to_owned(), None),
                    None => self.well_known(),
                },
                State::ReadingExplicit(path, None) => {
                    self.state = State::ReadingExplicit(path.clone(), None);
                    return Ok(credential_file(path));
                }
                State::ReadingExplicit(path, Some(answer)) => {
                    let text = match answer {
                        HostAnswer::File(bytes) => bytes,
                        HostAnswer::FileMissing => {
                            return Err(Error::CredentialsNotFound {
                                reason: format!(
                                    "{CREDENTIALS_VAR} names {path:?}, which does not exist"
                                ),
                            });
                        }
                        unreadable => {
                            return Err(Error::CredentialsNotFound {
                                reason: format!(
                                    "{CREDENTIALS_VAR} names {path:?}, which cannot be read: {}",
                                    unreadable.unreadable_reason()
                                ),
                            });
                        }
                    };
                    return self.found(&text, AdcSource::EnvironmentVariable(path));
                }
                State::ReadingWellKnown(path, None) => {
                    self.state = State::ReadingWellKnown(path.clone(), None);
                    return Ok(credential_file(path));
                }
                State::ReadingWellKnown(path, Some(answer)) => match answer {
                    HostAnswer::File(bytes) => {
                        return self.found(&bytes, AdcSource::WellKnownFile(path));
                    }
                    HostAnswer::FileMissing => self.state = State::Metadata,
                    unreadable => {
                        return Err(Error::CredentialsNotFound {
                            reason: format!(
                                "the gcloud file {path:?} cannot be read: {}",
                                unreadable.unreadable_reason()
                            ),
                        });
                    }
                },
                State::Metadata => {
                    if let Some(step) = self.detect(now)? {
                        return Ok(step);
                    }
                }
                State::ReadingBios(None, detection) => {
                    self.state = State::ReadingBios(None, detection);
                    return Ok(Step::ReadFile(FileRead::new(BIOS_PRODUCT_FILE, 256)));
                }
                State::ReadingBios(Some(answer), detection) => {
                    let google = matches!(&answer, HostAnswer::File(bytes)
                        if String::from_utf8_lossy(bytes).trim().starts_with("Google"));
                    match (google, detection) {
                        (true, Detection::BiosOnly) => return self.metadata_found(now),
                        (false, Detection::BiosOnly) => {
                            return Err(self.not_found("the BIOS does not name Google"));
                        }
                        (true, Detection::Auto) => self.ping(PingPatience::Patient)?,
                        (false, Detection::Auto) => self.ping(PingPatience::Quick)?,
                    }
                }
                State::Pinging(mut ping) => match pending(ping.poll(now)?) {
                    Ok(step) => {
                        self.state = State::Pinging(ping);
                        return Ok(step);
                    }
                    Err(true) => return self.metadata_found(now),
                    Err(false) => {
                        let tries = ping.attempts();
                        return Err(self.not_found(&format!(
                            "the metadata server did not answer ({tries} attempt{})",
                            if tries == 1 { "" } else { "s" }
                        )));
                    }
                },
                State::Project(mut flow, credentials) => match flow.poll(now).map(pending) {
                    Ok(Ok(step)) => {
                        self.state = State::Project(flow, credentials);
                        return Ok(step);
                    }
                    Ok(Err(project)) => {
                        return Ok(self.done(
                            *credentials,
                            AdcSource::MetadataServer,
                            Some(project),
                        ));
                    }
                    Err(_) => {
                        return Ok(self.done(*credentials, AdcSource::MetadataServer, None));
                    }
                },
                State::Over => return Err(Error::invalid_argument("ADC is already over")),
            }
        }
    }

    fn well_known(&mut self) {
        self.state = match self.env.well_known_file() {
            Some(path) => State::ReadingWellKnown(path, None),
            None => State::Metadata,
        };
    }

    fn not_found(&self, why: &str) -> Error {
        let checked = match self.env.well_known_file() {
            Some(path) => format!("{CREDENTIALS_VAR} is not set, {path:?} does not exist"),
            None => format!("{CREDENTIALS_VAR} is not set, no home directory for gcloud's file"),
        };
        Error::CredentialsNotFound {
            reason: format!(
                "default credentials were not found ({checked}, {why}); see {SET_UP_ADC}"
            ),
        }
    }

    /// The first metadata step, or `None` after moving to another state.
    fn detect(&mut self, now: UnixTime) -> Result<Option<Step<Box<DefaultCredentials>>>> {
        if self
            .env
            .get("NO_GCE_CHECK")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        {
            return Err(self.not_found("NO_GCE_CHECK=true rules out the metadata server"));
        }
        let hinted = HINT_VARS.iter().any(|name| self.env.get(name).is_some());
        match self.env.get(DETECTION_VAR) {
            Some("assume-present") => return self.metadata_found(now).map(Some),
            Some("none") => {
                return Err(self.not_found(&format!(
                    "{DETECTION_VAR}=none rules out the metadata server"
                )));
            }
            Some("ping-only") => self.ping(PingPatience::Quick)?,
            Some("bios-only") if self.env.windows => {
                return Err(self.not_found("no BIOS check on Windows"));
            }
            Some("bios-only") => self.state = State::ReadingBios(None, Detection::BiosOnly),
            Some(other) => {
                return Err(Error::invalid_argument(format!(
                    "{DETECTION_VAR} must be assume-present, none, bios-only or ping-only, not {}",
                    crate::error::quoted(other)
                )));
            }
            None if hinted => self.ping(PingPatience::Patient)?,
            None if self.env.windows => self.ping(PingPatience::Quick)?,
            None => self.state = State::ReadingBios(None, Detection::Auto),
        }
        Ok(None)
    }

    fn ping(&mut self, patience: PingPatience) -> Result<()> {
        let options = FlowOptions {
            retry: RetryPolicy::NONE,
            jitter: self.jitter(),
            request_timeout_millis: None,
        };
        self.state = State::Pinging(self.server()?.ping_flow(patience, &options));
        Ok(())
    }

    fn metadata_found(&mut self, now: UnixTime) -> Result<Step<Box<DefaultCredentials>>> {
        let server = self.server()?;
        let credentials = Credentials::metadata(server.clone(), &self.options)?;
        if let Some(project) = self.env_project() {
            return Ok(self.done(credentials, AdcSource::MetadataServer, Some(project)));
        }
        let options = FlowOptions {
            retry: RetryPolicy {
                max_attempts: 2,
                initial_delay_secs: 0,
                max_delay_secs: 0,
                max_retry_after_secs: 0,
            },
            jitter: self.jitter(),
            request_timeout_millis: None,
        };
        self.state = State::Project(server.project_id_flow(&options), Box::new(credentials));
        self.step(now)
    }

    fn env_project(&self) -> Option<String> {
        self.env
            .get("GOOGLE_CLOUD_PROJECT")
            .or_else(|| self.env.get("GCLOUD_PROJECT"))
            .map(str::to_owned)
    }

    fn found(&mut self, bytes: &[u8], source: AdcSource) -> Result<Step<Box<DefaultCredentials>>> {
        let path = source.path().unwrap_or_default().to_owned();
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Error::invalid_key(format!("credential file {path:?} is not UTF-8 text"))
        })?;
        let credentials =
            Credentials::from_json_with(text, &self.options).map_err(|err| match err {
                Error::InvalidKey { reason } => Error::invalid_key(format!("{path:?}: {reason}")),
                other => other,
            })?;
        let project = self
            .env_project()
            .or_else(|| credentials.project_id().map(str::to_owned));
        Ok(self.done(credentials, source, project))
    }

    fn done(
        &mut self,
        mut credentials: Credentials,
        source: AdcSource,
        project_id: Option<String>,
    ) -> Step<Box<DefaultCredentials>> {
        if let Some(quota) = self.env.get("GOOGLE_CLOUD_QUOTA_PROJECT")
            && self.options.quota_project_id.is_none()
        {
            credentials.quota_project_id = Some(quota.to_owned());
        }
        self.state = State::Over;
        Step::Done(Box::new(DefaultCredentials {
            credentials,
            source,
            project_id,
        }))
    }
}

/// The read of a credential file (at most [`MAX_CREDENTIAL_FILE_SIZE`] bytes).
fn credential_file(path: String) -> Step<Box<DefaultCredentials>> {
    Step::ReadFile(FileRead::new(path, MAX_CREDENTIAL_FILE_SIZE))
}

impl Flow for DefaultCredentialsFlow {
    type Output = Box<DefaultCredentials>;

    fn poll(&mut self, now: UnixTime) -> Result<Step<Self::Output>> {
        self.step(now)
    }

    /// The answer to a [`Step::ReadFile`]: the file's bytes, missing, or unreadable.
    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        if !matches!(
            answer,
            HostAnswer::File(_) | HostAnswer::FileMissing | HostAnswer::FileUnreadable(_)
        ) {
            return Err(Error::invalid_argument(format!(
                "ADC asked for a file, not {answer:?}"
            )));
        }
        match &mut self.state {
            State::ReadingExplicit(_, slot @ None)
            | State::ReadingWellKnown(_, slot @ None)
            | State::ReadingBios(slot @ None, _) => {
                *slot = Some(answer);
                Ok(())
            }
            _ => Err(Error::invalid_argument("no file was asked for")),
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.state {
            State::Pinging(ping) => ping.feed_response(response),
            State::Project(flow, _) => flow.feed_response(response),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.state {
            State::Pinging(ping) => ping.feed_transport_error(reason),
            State::Project(flow, _) => flow.feed_transport_error(reason),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }
}
