//! Shared test helpers: an in-process emulator and a small HTTP client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{ClaimsTemplate, JwtBearerAssertion, ServiceAccountKey, UnixTime};
use credmint_emulator::{Config, Emulator, Options, Running};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

pub const CI: &str = "ci-runner@demo-project.iam.gserviceaccount.com";
pub const DEPLOYER: &str = "deployer@demo-project.iam.gserviceaccount.com";
pub const SIGNER: &str = "storage-signer@demo-project.iam.gserviceaccount.com";
pub const PROVIDER: &str = "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/ci-pool/providers/ci-oidc";
pub const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";

/// A running emulator plus the key files tests sign with.
pub struct Server {
    pub running: Running,
    pub base: String,
    pub keys: std::collections::HashMap<String, ServiceAccountKey>,
    pub provider_key: Option<ServiceAccountKey>,
}

pub fn now() -> UnixTime {
    UnixTime::from_secs(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    )
}

/// Starts the example configuration (optionally with a state file).
pub fn start(state: Option<PathBuf>) -> Server {
    start_with(credmint_emulator::EXAMPLE_CONFIG, state)
}

pub fn start_with(toml: &str, state: Option<PathBuf>) -> Server {
    start_with_options(
        toml,
        Options {
            state,
            ..Options::default()
        },
    )
}

/// Starts `toml` with `options`; requests go to the bound address.
pub fn start_with_options(toml: &str, options: Options) -> Server {
    let config = Config::from_toml(toml).unwrap();
    let emulator = Emulator::bind(&config, &options).unwrap();
    let mut keys = std::collections::HashMap::new();
    for email in emulator.service_accounts() {
        let text = emulator.key_file(&email).unwrap();
        keys.insert(
            email,
            ServiceAccountKey::from_json(text.expose_secret()).unwrap(),
        );
    }
    let provider_key = config.identity_providers.first().and_then(|p| {
        emulator
            .provider_key_file(&p.audience)
            .map(|t| ServiceAccountKey::from_json(t.expose_secret()).unwrap())
    });
    let running = emulator.spawn().unwrap();
    Server {
        base: running.bound_url().to_owned(),
        running,
        keys,
        provider_key,
    }
}

/// An HTTP answer: status, headers, body text.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub text: String,
    /// Every response header, names lowercase (last value wins).
    pub headers: std::collections::HashMap<String, String>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text))
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut response = agent().run(builder.body(body.to_vec()).unwrap()).unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                value.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    Answer {
        status: response.status().as_u16(),
        content_type,
        headers,
        text: response.body_mut().read_to_string().unwrap(),
    }
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str, bearer: Option<&str>) -> Answer {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("authorization", a.as_str())).collect();
        send("GET", &self.url(path), &headers, b"")
    }

    pub fn form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        self.form_with(path, fields, &[])
    }

    pub fn form_with(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        send("POST", &self.url(path), &all, body.as_bytes())
    }

    pub fn post_json(&self, path: &str, bearer: Option<&str>, body: &str) -> Answer {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth.as_str()));
        }
        send("POST", &self.url(path), &headers, body.as_bytes())
    }

    pub fn key(&self, email: &str) -> &ServiceAccountKey {
        &self.keys[email]
    }

    /// A JWT-bearer assertion for `email` (aud = this emulator's token endpoint).
    pub fn assertion(&self, email: &str, scopes: &[&str]) -> String {
        let key = self.key(email);
        JwtBearerAssertion::for_identity(&key.identity().unwrap(), scopes.iter().copied())
            .unwrap()
            .sign(key.signing_key(), now())
            .unwrap()
            .expose_secret()
            .to_owned()
    }

    /// An access token of `email` from the JWT-bearer grant.
    pub fn token_of(&self, email: &str) -> String {
        let answer = self.form(
            "/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", &self.assertion(email, &[CLOUD_PLATFORM])),
            ],
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// A k0rdent access token from the client-credentials grant.
    pub fn k0rdent_token(&self, id: &str, secret: &str) -> String {
        let answer = self.form(
            "/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ],
        );
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()["access_token"].as_str().unwrap().to_owned()
    }
}

/// Sleeps until the whole-second clock reads at least `secs`.
pub fn wait_until(secs: i64) {
    while now().as_secs() < secs {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The `kid`s of a JWK Set answer, in order.
pub fn kids(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

/// The `Age` header of an answer, in seconds.
pub fn age(answer: &Answer) -> i64 {
    answer
        .header("age")
        .unwrap_or_else(|| panic!("no Age header: {:?}", answer.headers))
        .parse()
        .unwrap()
}

impl Server {
    /// `POST /_emulator/rotate-keys` (`?set=` when given): the new kids by set.
    pub fn rotate(&self, set: Option<&str>) -> Value {
        let path = match set {
            Some(set) => format!("/_emulator/rotate-keys?set={set}"),
            None => "/_emulator/rotate-keys".to_owned(),
        };
        let answer = send("POST", &self.url(&path), &[], b"");
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()
    }
}

/// `projects/-/serviceAccounts/{email}` path of an IAM call.
pub fn iam_path(email: &str, method: &str) -> String {
    format!("/v1/projects/-/serviceAccounts/{email}:{method}")
}
