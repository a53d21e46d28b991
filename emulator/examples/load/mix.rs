//! A bounded loopback load: `clients` threads, each looping for `duration`
//! over a mix of requests (mint a token by JWT-bearer grant, impersonate via
//! IAM, walk a k0rdent listing by cursor), recording every latency.

use credmint::{ClaimsTemplate, JwtBearerAssertion, ServiceAccountKey, UnixTime};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What a run measured.
pub struct Report {
    /// Requests answered as expected.
    pub ok: usize,
    /// Requests that failed (transport error or unexpected status).
    pub failed: usize,
    /// Latency of every request, microseconds, sorted.
    pub latencies_us: Vec<u64>,
    /// Wall time of the run.
    pub elapsed: Duration,
}

impl Report {
    /// The `q` quantile (0–1) of latency, in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let index = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[index] as f64 / 1000.0
    }

    /// Requests per second.
    pub fn rps(&self) -> f64 {
        (self.ok + self.failed) as f64 / self.elapsed.as_secs_f64()
    }
}

fn now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UnixTime::from_secs(i64::try_from(secs).unwrap_or(0))
}

/// Runs the mix against the example configuration served at `base`.
/// `ci_key` is ci-runner's key file (token_uri pointing at `base`).
pub fn run(base: &str, ci_key: &ServiceAccountKey, clients: usize, duration: Duration) -> Report {
    let assertion = JwtBearerAssertion::for_identity(
        &ci_key.identity().expect("identity"),
        ["https://www.googleapis.com/auth/cloud-platform"],
    )
    .expect("assertion")
    .sign(ci_key.signing_key(), now())
    .expect("signed")
    .expose_secret()
    .to_owned();
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|client| {
            let (base, assertion) = (base.to_owned(), assertion.clone());
            std::thread::spawn(move || client_loop(client, &base, &assertion, started + duration))
        })
        .collect();
    let mut report = Report {
        ok: 0,
        failed: 0,
        latencies_us: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for thread in threads {
        let (ok, failed, latencies) = thread.join().expect("client thread");
        report.ok += ok;
        report.failed += failed;
        report.latencies_us.extend(latencies);
    }
    report.elapsed = started.elapsed();
    report.latencies_us.sort_unstable();
    report
}

/// POSTs a form to a token endpoint; the `access_token` of a 200 answer.
fn token_from(agent: &ureq::Agent, url: &str, form: &str) -> Option<String> {
    let mut response = agent
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(form)
        .ok()
        .filter(|r| r.status() == 200)?;
    let text = response.body_mut().read_to_string().ok()?;
    let body: serde_json::Value = serde_json::from_str(&text).ok()?;
    body["access_token"].as_str().map(str::to_owned)
}

fn client_loop(
    client: usize,
    base: &str,
    assertion: &str,
    until: Instant,
) -> (usize, usize, Vec<u64>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
    let mut record = |started: Instant, good: bool| {
        latencies.push(started.elapsed().as_micros() as u64);
        if good { ok += 1 } else { failed += 1 }
    };
    let form = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
    );
    let mut round = client;
    while Instant::now() < until {
        round += 1;
        // Mint a Google token.
        let started = Instant::now();
        let token = token_from(&agent, &format!("{base}/token"), &form);
        record(started, token.is_some());
        let Some(token) = token else { continue };
        if round.is_multiple_of(2) {
            // Impersonate deployer.
            let started = Instant::now();
            let good = agent
                .post(&format!(
                    "{base}/v1/projects/-/serviceAccounts/deployer@demo-project.iam.gserviceaccount.com:generateAccessToken"
                ))
                .header("authorization", &format!("Bearer {token}"))
                .header("content-type", "application/json")
                .send(r#"{"scope":["https://www.googleapis.com/auth/cloud-platform"]}"#)
                .is_ok_and(|r| r.status() == 200);
            record(started, good);
        } else {
            // Get a k0rdent admin token, then walk the listing one item per page.
            let started = Instant::now();
            let admin = token_from(
                &agent,
                &format!("{base}/token"),
                "grant_type=client_credentials&client_id=cred-admin&client_secret=demo-admin-secret-0123456789",
            );
            record(started, admin.is_some());
            let Some(admin) = admin else { continue };
            let mut cursor: Option<String> = None;
            loop {
                let mut url = format!(
                    "{base}/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials?pageSize=1"
                );
                if let Some(c) = &cursor {
                    url.push_str("&pageToken=");
                    url.push_str(c);
                }
                let started = Instant::now();
                let page = agent
                    .get(&url)
                    .header("authorization", &format!("Bearer {admin}"))
                    .call()
                    .ok()
                    .filter(|r| r.status() == 200)
                    .and_then(|mut r| {
                        r.body_mut()
                            .read_to_string()
                            .ok()
                            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                    });
                record(started, page.is_some());
                cursor = page.and_then(|p| p["nextPageToken"].as_str().map(str::to_owned));
                if cursor.is_none() {
                    break;
                }
            }
        }
    }
    (ok, failed, latencies)
}
