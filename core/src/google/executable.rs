//! Google's executable credential source ("pluggable auth"): what a host runs
//! to get a subject token. credmint starts no process; it says what to run,
//! with which environment and timeout, and reads the output
//! ([`super::ExternalAccount::subject_token_from_executable`]).

use crate::error::{Error, Result};

/// The variable that must be `1` in the host's environment before an
/// executable source runs (as in Google's libraries: running a command named
/// in a credential file is opt-in).
pub const ALLOW_EXECUTABLES_VAR: &str = "GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES";

/// Timeout when the file names none, in milliseconds.
pub const DEFAULT_TIMEOUT_MILLIS: u64 = 30_000;
/// Shortest and longest timeouts a file may name, in milliseconds.
pub const TIMEOUT_RANGE_MILLIS: (u64, u64) = (5_000, 120_000);

/// How to run an executable source: `program` with `args` (the file's command
/// split on whitespace; no shell), `env` added to the host's environment,
/// killed after `timeout_millis`. Its standard output goes to
/// `subject_token_from_executable`. When `output_file` is named, the host
/// first offers that file's content the same way and runs the command only if
/// it is refused (missing, failed, expired).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutableInvocation {
    /// The program (first word of the command).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables to add to the environment.
    pub env: Vec<(String, String)>,
    /// How long the command may run.
    pub timeout_millis: u64,
    /// Where the command caches its output, if anywhere.
    pub output_file: Option<String>,
}

/// The parts of the credential file an invocation is built from.
pub(crate) struct ExecutableSource<'a> {
    pub(crate) command: &'a str,
    pub(crate) timeout_millis: Option<u64>,
    pub(crate) output_file: Option<&'a str>,
    pub(crate) audience: &'a str,
    pub(crate) subject_token_type: &'a str,
    pub(crate) impersonation_url: Option<&'a str>,
}

impl ExecutableSource<'_> {
    /// The invocation, if `allow` (the value of [`ALLOW_EXECUTABLES_VAR`]) is `1`.
    pub(crate) fn invocation(&self, allow: Option<&str>) -> Result<ExecutableInvocation> {
        if allow != Some("1") {
            return Err(Error::invalid_argument(format!(
                "executable credential sources are disabled: set {ALLOW_EXECUTABLES_VAR}=1 to run them"
            )));
        }
        let timeout_millis = self.timeout_millis.unwrap_or(DEFAULT_TIMEOUT_MILLIS);
        let (shortest, longest) = TIMEOUT_RANGE_MILLIS;
        if !(shortest..=longest).contains(&timeout_millis) {
            return Err(Error::invalid_argument(format!(
                "executable timeout_millis must be {shortest} to {longest}"
            )));
        }
        let mut words = self.command.split_whitespace().map(str::to_owned);
        let program = words
            .next()
            .ok_or_else(|| Error::invalid_argument("the executable command is empty"))?;
        let mut env = vec![
            (
                "GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE".to_owned(),
                self.audience.to_owned(),
            ),
            (
                "GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE".to_owned(),
                self.subject_token_type.to_owned(),
            ),
            (
                "GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE".to_owned(),
                "0".to_owned(),
            ),
        ];
        if let Some(email) = self.impersonation_url.and_then(impersonated_email) {
            env.push((
                "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL".to_owned(),
                email.to_owned(),
            ));
        }
        if let Some(file) = self.output_file {
            env.push((
                "GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE".to_owned(),
                file.to_owned(),
            ));
        }
        Ok(ExecutableInvocation {
            program,
            args: words.collect(),
            env,
            timeout_millis,
            output_file: self.output_file.map(str::to_owned),
        })
    }
}

/// `{email}` in `…/serviceAccounts/{email}:generateAccessToken`.
fn impersonated_email(url: &str) -> Option<&str> {
    let (_, rest) = url.rsplit_once("/serviceAccounts/")?;
    rest.strip_suffix(":generateAccessToken")
}
