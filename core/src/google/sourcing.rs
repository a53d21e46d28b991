//! An `external_account`'s whole conversation: its subject token fetched as
//! the credential source says, then traded at STS (and impersonation).
//!
//! Every decision of the sourcing is here, so that every language sources
//! alike; the host only reads, looks up, runs and sends:
//! - `file`: [`Step::ReadFile`] of the path (missing: `credentials_not_found`).
//! - `url`: a `GET` with the file's headers, retried like a metadata call.
//! - `executable`: [`Step::ReadEnv`] of [`ALLOW_EXECUTABLES_VAR`] (it must be
//!   `1`); the `output_file`, if named, is read first and used while its
//!   answer is valid and unexpired; otherwise [`Step::Run`] of the command.
//! - `aws`: [`Step::ReadEnv`] of `AWS_REGION`, `AWS_DEFAULT_REGION`,
//!   `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`; what is
//!   missing comes from the EC2 metadata server; then a signed `GetCallerIdentity`.

use super::aws::{AwsCredentials, AwsMetadataFlow, raw_body};
use super::executable::{ALLOW_EXECUTABLES_VAR, ExecutableInvocation};
use super::sts::{CredentialSource, ExternalAccount, ExternalAccountFlow};
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Step, pending};
use crate::host::{FileRead, HostAnswer};
use crate::http::{HttpResponse, MAX_RESPONSE_BODY};
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::AccessToken;

/// The AWS variables read, in this order: region (two names), then credentials.
const AWS_VARS: [&str; 5] = [
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

enum Stage {
    Start,
    ReadingSource(String, Option<HostAnswer>),
    Fetching(RequestFlow<Vec<u8>>),
    Allowing(Option<HostAnswer>),
    ReadingOutput(ExecutableInvocation, Option<HostAnswer>),
    Running(u64, Option<HostAnswer>),
    ReadingAws(Vec<Option<String>>, Option<HostAnswer>),
    AwsMetadata(AwsMetadataFlow),
    Exchanging(ExternalAccountFlow),
    Over,
}

/// The conversation of an `external_account` document from its credential
/// source to an access token ([`crate::Credentials::access_token_flow`]).
pub struct SourcedExternalAccountFlow {
    account: ExternalAccount,
    options: FlowOptions,
    stage: Stage,
}

impl SourcedExternalAccountFlow {
    /// Sources `account`'s subject token, then exchanges it.
    pub fn new(account: ExternalAccount, options: FlowOptions) -> Self {
        SourcedExternalAccountFlow {
            account,
            options,
            stage: Stage::Start,
        }
    }

    /// Trades `token` at STS from here on.
    fn exchange(&mut self, token: &SecretString) -> Result<()> {
        self.stage = Stage::Exchanging(self.account.flow(token, self.options.clone())?);
        Ok(())
    }

    /// The first stage the credential source calls for.
    fn first_stage(&self) -> Result<Stage> {
        Ok(match self.account.credential_source() {
            CredentialSource::File { path, .. } => Stage::ReadingSource(path.clone(), None),
            CredentialSource::Url { .. } => {
                let request = self
                    .account
                    .subject_token_request()
                    .ok_or_else(|| Error::invalid_argument("a URL source has a request"))?;
                Stage::Fetching(RequestFlow::new(
                    request,
                    Dialect::Metadata,
                    &self.options,
                    raw_body,
                ))
            }
            CredentialSource::Executable { .. } => Stage::Allowing(None),
            CredentialSource::Aws { .. } => Stage::ReadingAws(Vec::new(), None),
        })
    }

    fn step(&mut self, now: UnixTime) -> Result<Step<AccessToken>> {
        loop {
            match std::mem::replace(&mut self.stage, Stage::Over) {
                Stage::Start => self.stage = self.first_stage()?,
                Stage::ReadingSource(path, None) => {
                    self.stage = Stage::ReadingSource(path.clone(), None);
                    return Ok(Step::ReadFile(FileRead::new(path, MAX_RESPONSE_BODY)));
                }
                Stage::ReadingSource(path, Some(answer)) => {
                    let token = match answer {
                        HostAnswer::File(bytes) => self.account.subject_token_from(&bytes)?,
                        HostAnswer::FileMissing => {
                            return Err(Error::CredentialsNotFound {
                                reason: format!(
                                    "the credential source file {path:?} does not exist"
                                ),
                            });
                        }
                        other => {
                            return Err(Error::CredentialsNotFound {
                                reason: format!(
                                    "the credential source file {path:?} cannot be read: {}",
                                    other.unreadable_reason()
                                ),
                            });
                        }
                    };
                    self.exchange(&token)?;
                }
                Stage::Fetching(mut fetch) => match pending(fetch.poll(now)?) {
                    Ok(step) => {
                        self.stage = Stage::Fetching(fetch);
                        return Ok(step);
                    }
                    Err(body) => {
                        let token = self.account.subject_token_from(&body)?;
                        self.exchange(&token)?;
                    }
                },
                Stage::Allowing(None) => {
                    self.stage = Stage::Allowing(None);
                    return Ok(Step::ReadEnv(ALLOW_EXECUTABLES_VAR.to_owned()));
                }
                Stage::Allowing(Some(answer)) => {
                    let allow = env_value(answer)?;
                    let invocation = self
                        .account
                        .executable_invocation(allow.as_deref())?
                        .ok_or_else(|| Error::invalid_argument("not an executable source"))?;
                    match invocation.output_file.clone() {
                        Some(path) => {
                            self.stage = Stage::ReadingOutput(invocation, None);
                            return Ok(Step::ReadFile(FileRead::new(path, MAX_RESPONSE_BODY)));
                        }
                        None => return Ok(self.run(invocation)),
                    }
                }
                Stage::ReadingOutput(invocation, None) => {
                    let read = invocation.output_file.clone().unwrap_or_default();
                    self.stage = Stage::ReadingOutput(invocation, None);
                    return Ok(Step::ReadFile(FileRead::new(read, MAX_RESPONSE_BODY)));
                }
                Stage::ReadingOutput(invocation, Some(answer)) => {
                    // A cached answer that is missing, unreadable, failed or
                    // expired is no error: the command is run instead.
                    let cached = match answer {
                        HostAnswer::File(bytes) => {
                            self.account.subject_token_from_executable(&bytes, now).ok()
                        }
                        _ => None,
                    };
                    match cached {
                        Some(token) => self.exchange(&token)?,
                        None => return Ok(self.run(invocation)),
                    }
                }
                Stage::Running(timeout_millis, None) => {
                    self.stage = Stage::Running(timeout_millis, None);
                    return Err(Error::invalid_argument(
                        "poll called while the command runs: feed its outcome first",
                    ));
                }
                Stage::Running(timeout_millis, Some(answer)) => {
                    let token = self.ran(timeout_millis, answer, now)?;
                    self.exchange(&token)?;
                }
                Stage::ReadingAws(values, None) => {
                    let name = AWS_VARS[values.len()];
                    self.stage = Stage::ReadingAws(values, None);
                    return Ok(Step::ReadEnv(name.to_owned()));
                }
                Stage::ReadingAws(mut values, Some(answer)) => {
                    values.push(env_value(answer)?);
                    if values.len() < AWS_VARS.len() {
                        self.stage = Stage::ReadingAws(values, None);
                        continue;
                    }
                    let (region, credentials) = aws_environment(values)?;
                    self.stage = Stage::AwsMetadata(self.account.aws_metadata_flow(
                        region,
                        credentials,
                        self.options.clone(),
                    )?);
                }
                Stage::AwsMetadata(mut metadata) => match pending(metadata.poll(now)?) {
                    Ok(step) => {
                        self.stage = Stage::AwsMetadata(metadata);
                        return Ok(step);
                    }
                    Err((region, credentials)) => {
                        let token = self.account.aws_subject_token(&credentials, &region, now)?;
                        self.exchange(&token)?;
                    }
                },
                Stage::Exchanging(mut exchange) => {
                    let step = exchange.poll(now);
                    self.stage = Stage::Exchanging(exchange);
                    return step;
                }
                Stage::Over => {
                    return Err(Error::invalid_argument("the conversation is already over"));
                }
            }
        }
    }

    fn run(&mut self, invocation: ExecutableInvocation) -> Step<AccessToken> {
        self.stage = Stage::Running(invocation.timeout_millis, None);
        Step::Run(invocation)
    }

    /// The subject token in what the command did.
    fn ran(&self, timeout_millis: u64, answer: HostAnswer, now: UnixTime) -> Result<SecretString> {
        match answer {
            HostAnswer::Exited { status: 0, stdout } => {
                self.account.subject_token_from_executable(&stdout, now)
            }
            HostAnswer::Exited { status, .. } => Err(Error::invalid_argument(format!(
                "the credential executable exited with status {status}"
            ))),
            HostAnswer::TimedOut => Err(Error::invalid_argument(format!(
                "the credential executable did not finish within {timeout_millis} ms"
            ))),
            HostAnswer::NotStarted(why) => Err(Error::invalid_argument(format!(
                "the credential executable could not start: {}",
                HostAnswer::short(&why)
            ))),
            other => Err(Error::invalid_argument(format!(
                "a command was run, not {other:?}"
            ))),
        }
    }

    fn slot(&mut self) -> Option<&mut Option<HostAnswer>> {
        match &mut self.stage {
            Stage::ReadingSource(_, slot @ None)
            | Stage::Allowing(slot @ None)
            | Stage::ReadingOutput(_, slot @ None)
            | Stage::Running(_, slot @ None)
            | Stage::ReadingAws(_, slot @ None) => Some(slot),
            _ => None,
        }
    }
}

fn no_request() -> Error {
    Error::invalid_argument("no request is waiting for a response")
}

/// A variable's value from a [`Step::ReadEnv`] answer.
fn env_value(answer: HostAnswer) -> Result<Option<String>> {
    match answer {
        HostAnswer::Env(value) => Ok(value.filter(|value| !value.is_empty())),
        other => Err(Error::invalid_argument(format!(
            "a variable was asked for, not {other:?}"
        ))),
    }
}

/// Region and credentials from [`AWS_VARS`]' values, as far as they go.
fn aws_environment(
    values: Vec<Option<String>>,
) -> Result<(Option<String>, Option<AwsCredentials>)> {
    let [region, default_region, key_id, secret, session]: [Option<String>; 5] = values
        .try_into()
        .map_err(|_| Error::invalid_argument("five AWS variables"))?;
    let credentials = match (key_id, secret) {
        (Some(key_id), Some(secret)) => Some(AwsCredentials::new(
            key_id,
            SecretString::from(secret),
            session.map(SecretString::from),
        )?),
        _ => None,
    };
    Ok((region.or(default_region), credentials))
}

impl Flow for SourcedExternalAccountFlow {
    type Output = AccessToken;

    fn poll(&mut self, now: UnixTime) -> Result<Step<AccessToken>> {
        self.step(now)
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.stage {
            Stage::Fetching(flow) => flow.feed_response(response),
            Stage::AwsMetadata(flow) => flow.feed_response(response),
            Stage::Exchanging(flow) => flow.feed_response(response),
            _ => Err(no_request()),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.stage {
            Stage::Fetching(flow) => flow.feed_transport_error(reason),
            Stage::AwsMetadata(flow) => flow.feed_transport_error(reason),
            Stage::Exchanging(flow) => flow.feed_transport_error(reason),
            _ => Err(no_request()),
        }
    }

    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        match self.slot() {
            Some(slot) => {
                *slot = Some(answer);
                Ok(())
            }
            None => Err(Error::invalid_argument(
                "no file, variable or command was asked for",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;
    use crate::retry::Jitter;

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
    const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

    fn flow(source: &str) -> SourcedExternalAccountFlow {
        let account = ExternalAccount::from_json(&format!(
            r#"{{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x","subject_token_type":"{ID_TOKEN_TYPE}","token_url":"https://sts.googleapis.com/v1/token","credential_source":{source}}}"#
        ))
        .unwrap();
        let options = FlowOptions {
            jitter: Jitter::from_seed(1),
            ..FlowOptions::default()
        };
        SourcedExternalAccountFlow::new(account, options)
    }

    fn poll(flow: &mut SourcedExternalAccountFlow) -> Step<AccessToken> {
        flow.poll(NOW).unwrap()
    }

    /// The STS request's `subject_token`, once sourcing is over.
    fn exchanged_token(flow: &mut SourcedExternalAccountFlow) -> String {
        let Step::Send(request) = poll(flow) else {
            panic!("no STS request")
        };
        assert_eq!(request.url(), "https://sts.googleapis.com/v1/token");
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        let token = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("subject_token="))
            .unwrap();
        token.to_owned()
    }

    fn executable_output(expiration: i64) -> Vec<u8> {
        format!(
            r#"{{"version":1,"success":true,"token_type":"{ID_TOKEN_TYPE}","id_token":"from-exe-{expiration}","expiration_time":{expiration}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn a_file_source_is_read_then_exchanged() {
        let mut flow = flow(r#"{"file":"/var/run/token"}"#);
        let Step::ReadFile(read) = poll(&mut flow) else {
            panic!("no read")
        };
        assert_eq!(read.path(), "/var/run/token");
        assert_eq!(read.max_bytes(), MAX_RESPONSE_BODY + 1);
        flow.feed_host(HostAnswer::File(b"eyJ.a.b\n".to_vec()))
            .unwrap();
        assert_eq!(exchanged_token(&mut flow), "eyJ.a.b");
        assert!(flow.feed_host(HostAnswer::FileMissing).is_err());
    }

    #[test]
    fn a_missing_or_unreadable_source_file_names_its_path() {
        for (answer, words) in [
            (HostAnswer::FileMissing, "does not exist"),
            (HostAnswer::FileUnreadable("EACCES".into()), "EACCES"),
        ] {
            let mut flow = flow(r#"{"file":"/var/run/token"}"#);
            poll(&mut flow);
            flow.feed_host(answer).unwrap();
            let err = flow.poll(NOW).unwrap_err();
            assert_eq!(err.code(), "credentials_not_found");
            assert!(err.to_string().contains("/var/run/token"), "{err}");
            assert!(err.to_string().contains(words), "{err}");
        }
    }

    #[test]
    fn a_url_source_is_fetched_with_retries_then_exchanged() {
        let mut flow = flow(
            r#"{"url":"http://169.254.169.254/token","headers":{"Metadata":"true"},"format":{"type":"json","subject_token_field_name":"value"}}"#,
        );
        let Step::Send(get) = poll(&mut flow) else {
            panic!("no GET")
        };
        assert_eq!(get.method(), Method::Get);
        assert_eq!(get.header_value("Metadata"), Some("true"));
        flow.feed_response(HttpResponse::new(503, vec![], b"busy".to_vec()))
            .unwrap();
        let again = match poll(&mut flow) {
            Step::Wait(until) => flow.poll(until).unwrap(),
            step => step,
        };
        assert!(matches!(again, Step::Send(_)), "{again:?}");
        flow.feed_response(HttpResponse::new(
            200,
            vec![],
            br#"{"value":"tok"}"#.to_vec(),
        ))
        .unwrap();
        assert_eq!(exchanged_token(&mut flow), "tok");
    }

    #[test]
    fn a_url_source_that_fails_is_typed_by_its_status_without_its_headers() {
        for (status, code) in [
            (404, "not_found"),
            (302, "invalid_response"),
            (403, "permission_denied"),
        ] {
            let mut flow = flow(
                r#"{"url":"http://169.254.169.254/token","headers":{"Authorization":"Bearer url-secret-123"}}"#,
            );
            poll(&mut flow);
            let echo = b"denied: Bearer url-secret-123".to_vec();
            flow.feed_response(HttpResponse::new(status, vec![], echo))
                .unwrap();
            let err = flow.poll(NOW).unwrap_err();
            assert_eq!((err.code(), err.is_retryable()), (code, false), "{status}");
            assert!(!err.to_string().contains("url-secret-123"), "{err}");
        }
    }

    #[test]
    fn an_executable_needs_the_opt_in_variable() {
        let mut flow = flow(r#"{"executable":{"command":"/bin/token"}}"#);
        let Step::ReadEnv(name) = poll(&mut flow) else {
            panic!("no env")
        };
        assert_eq!(name, ALLOW_EXECUTABLES_VAR);
        flow.feed_host(HostAnswer::Env(None)).unwrap();
        let err = flow.poll(NOW).unwrap_err();
        assert!(err.to_string().contains(ALLOW_EXECUTABLES_VAR), "{err}");
    }

    #[test]
    fn a_valid_output_file_spares_the_run_and_an_expired_one_does_not() {
        let source = r#"{"executable":{"command":"/bin/token --x","timeout_millis":5000,"output_file":"/tmp/out.json"}}"#;
        let mut cached = flow(source);
        poll(&mut cached);
        cached.feed_host(HostAnswer::Env(Some("1".into()))).unwrap();
        let Step::ReadFile(read) = poll(&mut cached) else {
            panic!("no output file read")
        };
        assert_eq!(read.path(), "/tmp/out.json");
        let valid = NOW.as_secs() + 600;
        cached
            .feed_host(HostAnswer::File(executable_output(valid)))
            .unwrap();
        assert_eq!(exchanged_token(&mut cached), format!("from-exe-{valid}"));

        let mut expired = flow(source);
        poll(&mut expired);
        expired
            .feed_host(HostAnswer::Env(Some("1".into())))
            .unwrap();
        poll(&mut expired);
        expired
            .feed_host(HostAnswer::File(executable_output(NOW.as_secs() - 1)))
            .unwrap();
        let Step::Run(run) = poll(&mut expired) else {
            panic!("no run")
        };
        assert_eq!(
            (run.program.as_str(), run.timeout_millis),
            ("/bin/token", 5000)
        );
        assert!(expired.poll(NOW).is_err(), "polled while running");
        expired
            .feed_host(HostAnswer::Exited {
                status: 0,
                stdout: executable_output(valid),
            })
            .unwrap();
        assert_eq!(exchanged_token(&mut expired), format!("from-exe-{valid}"));
    }

    #[test]
    fn a_failed_run_is_a_typed_error_without_its_output() {
        let cases = [
            (
                HostAnswer::Exited {
                    status: 3,
                    stdout: b"secret-out".to_vec(),
                },
                "status 3",
            ),
            (HostAnswer::TimedOut, "within 30000 ms"),
            (HostAnswer::NotStarted("ENOENT".into()), "ENOENT"),
        ];
        for (answer, words) in cases {
            let mut flow = flow(r#"{"executable":{"command":"/bin/token"}}"#);
            poll(&mut flow);
            flow.feed_host(HostAnswer::Env(Some("1".into()))).unwrap();
            assert!(matches!(poll(&mut flow), Step::Run(_)));
            flow.feed_host(answer).unwrap();
            let err = flow.poll(NOW).unwrap_err();
            assert_eq!(err.code(), "invalid_argument");
            assert!(err.to_string().contains(words), "{err}");
            assert!(!err.to_string().contains("secret-out"), "{err}");
        }
    }

    const AWS: &str = r#"{"environment_id":"aws1","region_url":"http://169.254.169.254/latest/meta-data/placement/availability-zone","url":"http://169.254.169.254/latest/meta-data/iam/security-credentials","regional_cred_verification_url":"https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}"#;

    fn answer_aws_env(flow: &mut SourcedExternalAccountFlow, values: [Option<&str>; 5]) {
        for (name, value) in AWS_VARS.iter().zip(values) {
            let Step::ReadEnv(asked) = poll(flow) else {
                panic!("no env")
            };
            assert_eq!(&asked, name);
            flow.feed_host(HostAnswer::Env(value.map(str::to_owned)))
                .unwrap();
        }
    }

    #[test]
    fn aws_credentials_from_the_environment_sign_the_subject_token() {
        let mut flow = flow(AWS);
        answer_aws_env(
            &mut flow,
            [
                None,
                Some("eu-west-1"),
                Some("AKIDEXAMPLE"),
                Some("aws-secret"),
                None,
            ],
        );
        let token = exchanged_token(&mut flow);
        let token = crate::url::form_decode(&token);
        assert!(token.contains("sts.eu-west-1.amazonaws.com"), "{token}");
        assert!(token.contains("AKIDEXAMPLE"), "{token}");
        assert!(!token.contains("aws-secret"), "{token}");
    }

    #[test]
    fn what_the_aws_environment_lacks_comes_from_the_metadata_server() {
        let mut flow = flow(AWS);
        answer_aws_env(&mut flow, [Some("us-east-1"), None, None, None, None]);
        let Step::Send(role) = poll(&mut flow) else {
            panic!("no metadata request")
        };
        assert!(
            role.url().ends_with("/security-credentials"),
            "{}",
            role.url()
        );
    }
}
