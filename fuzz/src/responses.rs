//! Every conversation fed arbitrary answers in arbitrary order: token
//! endpoints (Google, STS, IBM, OAuth), IAM Credentials, the metadata server,
//! k0rdent's pages and key endpoints behind a verifier, each answer a status,
//! a few headers and a body, or a transport failure, or a hostile server that
//! echoes the request back inside an error.
//!
//! Checked for every script: each request has a time limit; each wait is
//! bounded; the conversation ends within a bounded number of steps; an error
//! quotes no secret of the request it answers (its bearer token, Basic
//! secret, assertion, refresh token, API key, subject token) and no line of
//! a private key. (A server that was sent a secret in one request and echoes
//! it in the answer to a later one already holds it; that is not checked.)

use crate::documents::secrets_in;
use crate::input::Input;
use crate::properties::{assert_bounded_request, assert_no_secret, request_secrets};
use credmint::k0rdent::ListCredentials;
use credmint::{
    AccessToken, CredentialOptions, Credentials, Endpoint, Error, Flow, HostAnswer, HttpRequest,
    HttpResponse, SecretString, Step, TokenLifetime, TokenVerifier, UnixTime,
};

const NOW: i64 = 1_700_000_000;
/// Steps a conversation may take between two results; retries and
/// impersonation chains stay far below it.
const MAX_STEPS: usize = 64;
/// Results a paging conversation may give before the script stops it.
const MAX_RESULTS: usize = 16;
/// The longest back-off any flow may ask for (Retry-After is capped at 60 s).
const MAX_WAIT_SECS: i64 = 3_600;

const SERVICE_ACCOUNT: &str = include_str!("../../tests/vectors/keys/google_service_account.json");
const AUTHORIZED_USER: &str = r#"{"type": "authorized_user", "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com", "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gUSERREFRESH-fuzz", "quota_project_id": "user-quota"}"#;
const IMPERSONATED: &str = r#"{"type": "impersonated_service_account", "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/target@credmint-vectors.iam.gserviceaccount.com:generateAccessToken", "source_credentials": {"type": "authorized_user", "client_id": "764086051850-6qr4p6gpi6hn506pt8ejuq83di341hur.apps.googleusercontent.com", "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty", "refresh_token": "1//0gUSERREFRESH-fuzz"}, "delegates": ["projects/-/serviceAccounts/middle@credmint-vectors.iam.gserviceaccount.com"]}"#;
const WORKFORCE_USER: &str = r#"{"type": "external_account_authorized_user", "audience": "//iam.googleapis.com/locations/global/workforcePools/pool/providers/oidc", "refresh_token": "wf-refresh-fuzz-2", "token_url": "https://sts.googleapis.com/v1/oauthtoken", "client_id": "wf-client", "client_secret": "wf-secret-fuzz-7"}"#;
const EXTERNAL_ACCOUNT: &str = r#"{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x","subject_token_type":"urn:ietf:params:oauth:token-type:id_token","token_url":"https://sts.googleapis.com/v1/token","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken","credential_source":{"file":"/var/run/token"}}"#;
const METADATA: &str = r#"{"type": "gce_metadata"}"#;
const IBM: &str = r#"{"type": "ibm_api_key", "apikey": "MY_APIKEY-fuzz-1"}"#;
const CLIENT: &str = r#"{"type": "oauth_client_credentials", "token_url": "https://auth.k0rdent.example/oauth/token", "client_id": "sa-pipeline", "client_secret": "s3cret-fuzz", "scopes": ["credentials.read"]}"#;
const SUBJECT_TOKEN: &str = "subject-token-fuzz-3";
const BEARER: &str = "ya29.bearer-fuzz";

/// Documents whose access-token conversation the script can pick.
const DOCUMENTS: &[&str] = &[
    SERVICE_ACCOUNT,
    AUTHORIZED_USER,
    IMPERSONATED,
    WORKFORCE_USER,
    EXTERNAL_ACCOUNT,
    METADATA,
    IBM,
    CLIENT,
];

/// The `responses` target: a conversation selector, then frames (see [`feed`]).
pub fn responses(data: &[u8]) {
    let mut script = Script {
        input: Input::new(data),
        now: NOW,
        secrets: Vec::new(),
        answered: Vec::new(),
        last_request: None,
    };
    let selector = usize::from(script.input.byte());
    let documents = DOCUMENTS.len();
    match selector % (2 * documents + 2) {
        n if n < documents => {
            let document = DOCUMENTS[n];
            script.secrets.extend(private_key_lines(document));
            let credentials = credentials(document);
            let subject = SecretString::from(SUBJECT_TOKEN.to_owned());
            match credentials.access_token_flow_with_subject_token(&subject) {
                Ok(flow) => script.run(flow),
                Err(error) => panic!("a fixture document gave no flow: {}", error.code()),
            }
        }
        n if n < 2 * documents => {
            let document = DOCUMENTS[n - documents];
            script.secrets.extend(private_key_lines(document));
            // Kinds without ID tokens refuse here, before any request.
            if let Ok(flow) = credentials(document).id_token_flow("https://svc.example") {
                script.run(flow);
            }
        }
        n if n == 2 * documents => script.run(k0rdent_pages()),
        _ => {
            let token = script.input.text();
            script.run(verifier().verify(&token));
        }
    }
}

fn credentials(document: &str) -> Credentials {
    // The host signs (a `Sign` step the script answers): the fuzzer reaches
    // that path, and 4x more inputs per second than signing RSA in-process.
    let options = CredentialOptions {
        jitter_seed: Some(3),
        host_signs: true,
        ..CredentialOptions::default()
    };
    match Credentials::from_json_with(document, &options) {
        Ok(credentials) => credentials,
        Err(error) => panic!("a fixture document stopped parsing: {}", error.code()),
    }
}

fn k0rdent_pages() -> impl Flow {
    let (Ok(endpoint), Ok(lifetime)) = (
        Endpoint::new("https://k0rdent.example"),
        TokenLifetime::from_expires_in(UnixTime::from_secs(NOW), 3_600),
    ) else {
        panic!("the k0rdent fixture stopped building");
    };
    let Ok(list) = ListCredentials::new(endpoint, "sa-pipeline") else {
        panic!("the k0rdent listing stopped building");
    };
    let Ok(bearer) = AccessToken::new(SecretString::from(BEARER.to_owned()), lifetime) else {
        panic!("the k0rdent bearer stopped building");
    };
    list.pages(bearer, credmint::FlowOptions::default())
}

fn verifier() -> TokenVerifier {
    match TokenVerifier::from_options(
        "google_id_token",
        r#"{"audience": "https://svc.example", "keys_url": "https://keys.example/certs"}"#,
    ) {
        Ok(verifier) => verifier,
        Err(error) => panic!("the verifier fixture stopped building: {}", error.code()),
    }
}

/// The lines of a document's private key (never sent anywhere).
fn private_key_lines(document: &str) -> Vec<String> {
    secrets_in(document)
        .into_iter()
        .filter(|line| line.len() >= 40 && !line.contains(' '))
        .collect()
}

struct Script<'a> {
    input: Input<'a>,
    now: i64,
    /// Secrets no error may ever show (private-key lines).
    secrets: Vec<String>,
    /// Secrets of the request being answered.
    answered: Vec<String>,
    last_request: Option<HttpRequest>,
}

impl Script<'_> {
    fn run<F: Flow>(&mut self, mut flow: F) {
        let mut results = 0;
        let mut steps = 0;
        loop {
            steps += 1;
            if steps > MAX_STEPS {
                panic!("a conversation did not end within {MAX_STEPS} steps");
            }
            let polled = flow.poll(UnixTime::from_secs(self.now));
            if std::env::var_os("FUZZ_TRACE").is_some() {
                #[allow(clippy::print_stderr)]
                match &polled {
                    Ok(Step::Send(r)) => eprintln!("{} send {}", self.now, r.url()),
                    Ok(Step::Wait(u)) => eprintln!("{} wait {}", self.now, u.as_secs()),
                    Ok(Step::Sign(_)) => eprintln!("sign"),
                    Ok(Step::Done(_)) => eprintln!("done"),
                    Ok(_) => eprintln!("host step"),
                    Err(e) => eprintln!("err {e}"),
                }
            }
            let outcome = match polled {
                Ok(Step::Send(request)) => {
                    assert_bounded_request(&request);
                    self.answered = request_secrets(&request);
                    self.last_request = Some(request);
                    self.feed(&mut flow)
                }
                Ok(Step::Sign(_)) => {
                    let signature = self.input.chunk().to_vec();
                    flow.feed_signature(&signature)
                }
                Ok(Step::ReadFile(_)) => {
                    let contents = self.input.chunk().to_vec();
                    flow.feed_host(HostAnswer::File(contents))
                }
                Ok(Step::ReadEnv(_)) => {
                    let value = String::from_utf8_lossy(self.input.chunk()).into_owned();
                    flow.feed_host(HostAnswer::Env(Some(value)))
                }
                Ok(Step::Run(_)) => {
                    let stdout = self.input.chunk().to_vec();
                    flow.feed_host(HostAnswer::Exited { status: 0, stdout })
                }
                Ok(Step::Wait(until)) => {
                    let waited = until.as_secs() - self.now;
                    if !(0..=MAX_WAIT_SECS).contains(&waited) {
                        panic!("a flow asked to wait {waited} s");
                    }
                    self.now = until.as_secs();
                    Ok(())
                }
                Ok(Step::Done(_)) => {
                    results += 1;
                    steps = 0;
                    if results >= MAX_RESULTS {
                        return;
                    }
                    // A paging flow goes on; a finished one must keep
                    // answering Done or fail, never ask for more.
                    Ok(())
                }
                Err(error) => {
                    self.check(&error);
                    return;
                }
            };
            if let Err(error) = outcome {
                self.check(&error);
                return;
            }
            if results > 0 && self.input.is_empty() {
                return;
            }
        }
    }

    fn check(&self, error: &Error) {
        assert_no_secret(error, &self.secrets, "conversation (private key)");
        assert_no_secret(error, &self.answered, "conversation (the answered request)");
    }

    /// One frame: an op byte, then its fields.
    /// - `0`: a response: status (u16), header bits (u8), a value chunk per
    ///   set bit, then the body chunk;
    /// - `1`: a transport failure;
    /// - `2`: a hostile server: an error status (u16), then the request's
    ///   body and `Authorization` echoed inside an OAuth, google.rpc and IBM
    ///   error envelope;
    /// - `3`: time passes (u16 seconds), then a transport failure.
    ///
    /// An exhausted script fails the transport, so every conversation ends.
    fn feed<F: Flow>(&mut self, flow: &mut F) -> credmint::Result<()> {
        if self.input.is_empty() {
            return flow.feed_transport_error("the script ended");
        }
        match self.input.byte() % 4 {
            0 => {
                let status = self.input.u16();
                let headers = self.headers();
                let body = self.input.chunk().to_vec();
                flow.feed_response(HttpResponse::new(status, headers, body))
            }
            1 => flow.feed_transport_error("connection reset"),
            2 => {
                let status = self.input.u16();
                let echo = self.echo(status % 2 == 1);
                flow.feed_response(HttpResponse::new(
                    status,
                    vec![("content-type".to_owned(), "application/json".to_owned())],
                    echo.into_bytes(),
                ))
            }
            _ => {
                self.now += i64::from(self.input.u16());
                flow.feed_transport_error("timed out")
            }
        }
    }

    fn headers(&mut self) -> Vec<(String, String)> {
        const NAMES: [&str; 8] = [
            "content-type",
            "metadata-flavor",
            "retry-after",
            "cache-control",
            "date",
            "expires",
            "location",
            "age",
        ];
        let bits = self.input.byte();
        let mut headers = Vec::new();
        for (bit, name) in NAMES.iter().enumerate() {
            if bits & (1 << bit) != 0 {
                headers.push(((*name).to_owned(), self.input.text()));
            }
        }
        headers
    }

    fn echo(&self, google_rpc: bool) -> String {
        let Some(request) = &self.last_request else {
            return String::new();
        };
        let body = String::from_utf8_lossy(request.body()).into_owned();
        let authorization = request.header_value("authorization").unwrap_or_default();
        let quoted = serde_json::Value::String(format!("{body} {authorization}")).to_string();
        if google_rpc {
            format!(r#"{{"error":{{"code":400,"message":{quoted},"status":"INVALID_ARGUMENT"}}}}"#)
        } else {
            format!(
                r#"{{"error":"invalid_grant","error_description":{quoted},"errorCode":"BXNIM0415E","errorMessage":{quoted}}}"#
            )
        }
    }
}
