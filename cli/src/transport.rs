//! The CLI's transport: the core's HTTP requests sent with ureq (blocking),
//! the system clock, and `thread::sleep` for the core's backoff.

use crate::failure::Failure;
use crate::input;
use credmint::{Flow, HttpRequest, HttpResponse, MAX_RESPONSE_BODY, Method, SignRequest, UnixTime};
use std::time::Duration;

/// A blocking HTTP client with timeouts; HTTP errors are responses, not failures.
pub struct Transport {
    agent: ureq::Agent,
}

impl Transport {
    /// A client with a 10 s connect and 30 s overall timeout.
    pub fn new() -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Transport { agent }
    }

    /// Sends one request; `Err` is a transport failure (the core decides on retries).
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

    /// Drives `flow` to the end over this transport with the system clock.
    pub fn drive<F: Flow>(&self, flow: &mut F) -> Result<F::Output, Failure> {
        let clock = || input::now(None).unwrap_or(UnixTime::from_secs(0));
        let sign = |_: &SignRequest| {
            Err(credmint::Error::SigningFailed {
                reason: "this flow asked for an external signature; the CLI signs locally".into(),
            })
        };
        let sleep = |until: UnixTime| {
            let now = clock();
            let secs = until.as_secs().saturating_sub(now.as_secs()).clamp(0, 60);
            std::thread::sleep(Duration::from_secs(u64::try_from(secs).unwrap_or(0)));
        };
        Ok(credmint::drive(flow, clock, |r| self.send(r), sign, sleep)?)
    }
}
