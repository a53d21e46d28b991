//! Application Default Credentials discovery over an arbitrary environment,
//! arbitrary files and arbitrary metadata-server answers (structure-aware,
//! with `arbitrary`): discovery ends within a bounded number of steps, asks
//! only for files it derived from the environment, bounds every request and
//! wait, and quotes no secret of the files it read.

use crate::documents::secrets_in;
use crate::properties::{assert_bounded_request, assert_no_secret};
use arbitrary::{Arbitrary, Unstructured};
use credmint::{
    ADC_VARIABLES, CredentialOptions, DefaultCredentialsFlow, Environment, Flow, HostAnswer,
    HttpResponse, Step, UnixTime,
};

const NOW: i64 = 1_700_000_000;
const MAX_STEPS: usize = 64;

/// One host as the fuzzer imagines it.
#[derive(Arbitrary, Debug)]
struct Host {
    windows: bool,
    /// Index into [`ADC_VARIABLES`], and the value.
    variables: Vec<(u8, String)>,
    /// Answers to the file reads, in order: contents, or missing (`None`).
    files: Vec<Option<Vec<u8>>>,
    /// Answers to the metadata requests, in order; `None` fails the transport.
    answers: Vec<Option<Answer>>,
}

/// A metadata-server answer: status, `Metadata-Flavor` (if any), body.
#[derive(Arbitrary, Debug)]
struct Answer {
    status: u16,
    flavor: Option<String>,
    body: Vec<u8>,
}

/// The `adc` target.
pub fn adc(data: &[u8]) {
    let Ok(host) = Host::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let mut env = Environment::new(host.windows);
    for (index, value) in &host.variables {
        let name = ADC_VARIABLES[usize::from(*index) % ADC_VARIABLES.len()];
        env.set(name, value.clone());
    }
    let options = CredentialOptions {
        jitter_seed: Some(5),
        ..CredentialOptions::default()
    };
    let mut flow = DefaultCredentialsFlow::new(env, options);
    let mut files = host.files.into_iter();
    let mut answers = host.answers.into_iter();
    let mut secrets = Vec::new();
    let mut now = NOW;
    for _ in 0..MAX_STEPS {
        let fed = match flow.poll(UnixTime::from_secs(now)) {
            Ok(Step::ReadFile(read)) => {
                if read.path().is_empty() {
                    panic!("ADC asked for a file without a name");
                }
                match files.next().flatten() {
                    Some(contents) => {
                        secrets.extend(secrets_in(&String::from_utf8_lossy(&contents)));
                        flow.feed_host(HostAnswer::File(contents))
                    }
                    None => flow.feed_host(HostAnswer::FileMissing),
                }
            }
            Ok(Step::Send(request)) => {
                assert_bounded_request(&request);
                match answers.next().flatten() {
                    Some(Answer {
                        status,
                        flavor,
                        body,
                    }) => {
                        let headers = flavor
                            .map(|value| vec![("metadata-flavor".to_owned(), value)])
                            .unwrap_or_default();
                        flow.feed_response(HttpResponse::new(status, headers, body))
                    }
                    None => flow.feed_transport_error("connection refused"),
                }
            }
            Ok(Step::Wait(until)) => {
                let waited = until.as_secs() - now;
                if !(0..=60).contains(&waited) {
                    panic!("ADC asked to wait {waited} s");
                }
                now = until.as_secs();
                Ok(())
            }
            Ok(Step::Done(_)) => return,
            Ok(other) => panic!("ADC asked for {other:?}"),
            Err(error) => {
                assert_no_secret(&error, &secrets, "ADC");
                return;
            }
        };
        if let Err(error) = fed {
            assert_no_secret(&error, &secrets, "ADC");
            return;
        }
    }
    panic!("ADC did not end within {MAX_STEPS} steps");
}
