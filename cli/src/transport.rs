//! The CLI's transport: the core's HTTP requests sent with ureq (blocking),
//! the system clock, `thread::sleep` for the core's backoff, and the local
//! machine's answers to its host steps.

use crate::failure::Failure;
use crate::{host, input};
use credmint::{
    DEFAULT_TIMEOUT_MILLIS, Flow, HttpRequest, HttpResponse, MAX_RESPONSE_BODY, Method, Step,
    UnixTime,
};
use std::time::Duration;

/// A blocking HTTP client; HTTP errors are responses, not failures. Each core
/// request is bounded as a whole (connect, send, read the whole answer) by its
/// own time limit, [`HttpRequest::timeout`]; the CLI picks none.
pub struct Transport {
    agent: ureq::Agent,
}

impl Transport {
    /// A client whose requests other than the core's (key documents) get the
    /// core's default limit.
    pub fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(DEFAULT_TIMEOUT_MILLIS)))
            .build()
            .into();
        Transport { agent }
    }

    /// Sends one request within its time limit; `Err` is a transport failure
    /// (the core decides on retries).
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let mut builder = ureq::http::Request::builder()
            .method(match request.method() {
                Method::Get => "GET",
                Method::Post => "POST",
                Method::Put => "PUT",
            })
            .uri(request.url());
        for (name, value) in request.headers() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let outgoing = builder
            .body(request.body().to_vec())
            .map_err(|err| format!("cannot build the request: {err}"))?;
        // ureq's global timeout covers the body read that follows too.
        let outgoing = self
            .agent
            .configure_request(outgoing)
            .timeout_global(Some(request.timeout()))
            .build();
        let mut response = self.agent.run(outgoing).map_err(|err| format!("{err}"))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BODY as u64)
            .read_to_vec()
            .map_err(|err| format!("cannot read the response: {err}"))?;
        Ok(HttpResponse::new(status, headers, body))
    }

    /// `GET url` for a public document (key sets); the body as text.
    pub fn get_text(&self, url: &str) -> Result<String, Failure> {
        let mut response = self
            .agent
            .get(url)
            .call()
            .map_err(|err| Failure::io(format!("GET {url}: {err}")))?;
        if !response.status().is_success() {
            return Err(Failure::io(format!(
                "GET {url}: HTTP {}",
                response.status()
            )));
        }
        response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BODY as u64)
            .read_to_string()
            .map_err(|err| Failure::io(format!("GET {url}: {err}")))
    }

    /// Drives `flow` to the end with the system clock: requests over this
    /// transport, waits with `thread::sleep`, files, variables and commands
    /// from this machine ([`crate::host`]).
    pub fn drive<F: Flow>(&self, flow: &mut F) -> Result<F::Output, Failure> {
        let clock = || input::now(None).unwrap_or(UnixTime::from_secs(0));
        loop {
            match flow.poll(clock())? {
                Step::Send(request) => match self.send(&request) {
                    Ok(response) => flow.feed_response(response)?,
                    Err(reason) => flow.feed_transport_error(&reason)?,
                },
                Step::Sign(_) => {
                    return Err(credmint::Error::SigningFailed {
                        reason: "this flow asked for an external signature; the CLI signs locally"
                            .into(),
                    }
                    .into());
                }
                Step::Wait(until) => {
                    let secs = until
                        .as_secs()
                        .saturating_sub(clock().as_secs())
                        .clamp(0, 60);
                    std::thread::sleep(Duration::from_secs(u64::try_from(secs).unwrap_or(0)));
                }
                Step::ReadFile(read) => flow.feed_host(host::read_file(&read))?,
                Step::ReadEnv(name) => flow.feed_host(host::read_env(&name))?,
                Step::Run(invocation) => flow.feed_host(host::run(&invocation))?,
                Step::Done(output) => return Ok(output),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::Transport;
    use credmint::{ClientCredentials, Endpoint, FlowOptions, Jitter, RetryPolicy, SecretString};
    use std::net::TcpListener;
    use std::time::Instant;

    /// A loopback endpoint that accepts connections and never answers ends
    /// each attempt at the request's own limit (here 300 ms, from the flow's
    /// options), then the flow's retries end in `transport_error`.
    #[test]
    fn a_stalled_endpoint_ends_in_transport_error_within_the_limit() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let accepting = std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().take(2).map(Result::unwrap).collect();
            finished.recv().ok(); // hold the connections open, unanswered
            held.len()
        });
        let options = FlowOptions {
            retry: RetryPolicy {
                max_attempts: 2,
                initial_delay_secs: 1,
                max_delay_secs: 1,
                max_retry_after_secs: 60,
            },
            jitter: Jitter::from_seed(0),
            request_timeout_millis: Some(300),
        };
        let client = ClientCredentials::new(
            Endpoint::new(&format!("http://127.0.0.1:{port}/token")).unwrap(),
            "client".to_owned(),
            SecretString::from("secret".to_owned()),
        )
        .unwrap();
        let started = Instant::now();
        let failure = Transport::new()
            .drive(&mut client.flow(&options))
            .unwrap_err();
        let elapsed = started.elapsed().as_secs_f64();
        assert_eq!(failure.code, "transport_error", "{failure:?}");
        // 2 × 300 ms, and 0 to 1 s of back-off (whole seconds).
        assert!((0.55..3.0).contains(&elapsed), "{elapsed}");
        done.send(()).unwrap();
        assert_eq!(
            accepting.join().unwrap(),
            2,
            "both attempts reached the server"
        );
    }
}
