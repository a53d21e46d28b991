//! Runs `tests/vectors/credentials.json` (credential documents and the
//! conversations they start) and `adc.json` (Application Default Credentials
//! decisions) against the core.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use credmint::{
    CredentialOptions, Credentials, DefaultCredentialsFlow, Environment, Flow, HostAnswer,
    HttpRequest, HttpResponse, Step, UnixTime,
};
use serde_json::{Value, json};
mod common;

use common::cases;

const NOW: i64 = 1_700_000_000;

fn s(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

fn pairs(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| items.iter().map(|p| (s(&p[0]), s(&p[1]))).collect())
        .unwrap_or_default()
}

fn response(spec: &Value) -> HttpResponse {
    HttpResponse::new(
        u16::try_from(spec["status"].as_u64().unwrap()).unwrap(),
        pairs(&spec["headers"]),
        s(&spec["body"]).into_bytes(),
    )
}

/// Checks a request against the vector's expectation (every member it names).
fn check_request(name: &str, expect: &Value, got: &HttpRequest) {
    assert_eq!(
        got.method().as_str(),
        s(&expect["method"]),
        "{name}: method"
    );
    assert_eq!(got.url(), s(&expect["url"]), "{name}: url");
    assert_eq!(
        got.headers(),
        pairs(&expect["headers"]).as_slice(),
        "{name}: headers"
    );
    assert_eq!(
        got.timeout_millis(),
        expect["timeout_millis"].as_u64().unwrap(),
        "{name}: timeout"
    );
    let body = String::from_utf8(got.body().to_vec()).unwrap();
    if let Some(exact) = expect.get("body") {
        assert_eq!(body, s(exact), "{name}: body");
    }
    if let Some(prefix) = expect.get("body_starts_with") {
        assert!(body.starts_with(&s(prefix)), "{name}: body {body}");
    }
}

fn options(case: &Value) -> Result<CredentialOptions, credmint::Error> {
    match case.get("options") {
        Some(options) => CredentialOptions::from_json(&options.to_string()),
        None => Ok(CredentialOptions::default()),
    }
}

/// Drives a flow through the vector's scripted steps; the output rendered as JSON.
fn run<F>(
    name: &str,
    flow: &mut F,
    script: &Value,
    render: impl Fn(F::Output) -> Value,
) -> Result<Value, credmint::Error>
where
    F: Flow,
    F::Output: std::fmt::Debug,
{
    let now = UnixTime::from_secs(NOW);
    for step in script["steps"].as_array().unwrap() {
        match flow.poll(now)? {
            Step::Send(request) => {
                check_request(name, &step["expect"], &request);
                flow.feed_response(response(&step["respond"]))?;
            }
            other => panic!("{name}: expected a request, got {other:?}"),
        }
    }
    match flow.poll(now)? {
        Step::Done(output) => Ok(render(output)),
        other => panic!("{name}: expected the end, got {other:?}"),
    }
}

fn outcome(name: &str, result: Result<Value, credmint::Error>, script: &Value) {
    match (result, script.get("done"), script.get("error")) {
        (Ok(got), Some(done), None) => assert_eq!(&got, done, "{name}"),
        (Err(err), None, Some(code)) => assert_eq!(err.code(), s(code), "{name}: {err}"),
        (got, _, _) => panic!("{name}: unexpected outcome {got:?}"),
    }
}

#[test]
fn credential_documents() {
    let cases = cases("credentials.json");
    assert!(cases.len() >= 30);
    for case in cases {
        let name = s(&case["name"]);
        let parsed = options(&case)
            .and_then(|options| Credentials::from_json_with(&s(&case["document"]), &options));
        let creds = match (parsed, case.get("error")) {
            (Ok(creds), None) => creds,
            (Err(err), Some(code)) => {
                assert_eq!(err.code(), s(code), "{name}: {err}");
                continue;
            }
            (got, _) => panic!("{name}: unexpected {got:?}"),
        };
        let expect = &case["expect"];
        let facts = json!({
            "kind": creds.kind().as_str(),
            "refresh_policy": creds.refresh_policy().name(),
            "universe_domain": creds.universe_domain(),
            "project_id": creds.project_id(),
            "quota_project_id": creds.quota_project_id(),
            "service_account_email": creds.service_account_email(),
        });
        assert_eq!(&facts, expect, "{name}");
        if let Some(script) = case.get("access_token") {
            let result = creds.access_token_flow().and_then(|mut flow| {
                run(&name, &mut flow, script, |token| {
                    json!({"token": token.token().expose_secret(),
                           "obtained_at": token.obtained_at().as_secs(),
                           "expires_at": token.expires_at().as_secs()})
                })
            });
            outcome(&name, result, script);
        }
        if let Some(script) = case.get("id_token") {
            let result = creds
                .id_token_flow(&s(&script["audience"]))
                .and_then(|mut flow| {
                    run(&name, &mut flow, script, |token| {
                        json!({"token": token.token().expose_secret(),
                           "expires_at": token.expires_at().as_secs()})
                    })
                });
            outcome(&name, result, script);
        }
    }
}

#[test]
fn application_default_credentials() {
    let cases = cases("adc.json");
    assert!(cases.len() >= 15);
    for case in cases {
        let name = s(&case["name"]);
        let mut env = Environment::new(case["windows"].as_bool().unwrap());
        for (var, value) in case["env"].as_object().unwrap() {
            env.set(var, s(value));
        }
        let mut adc = DefaultCredentialsFlow::new(env, CredentialOptions::default());
        let files = case["files"].as_object().unwrap();
        let mut exchanges = case["exchanges"].as_array().unwrap().iter();
        let mut files_read = Vec::new();
        let mut now = UnixTime::from_secs(NOW);
        let mut waited = false;
        let result = loop {
            match adc.poll(now) {
                Err(err) => break Err(err),
                Ok(Step::ReadFile(read)) => {
                    let path = read.path().to_owned();
                    files_read.push(path.clone());
                    let answer = match files.get(&path) {
                        None => HostAnswer::FileMissing,
                        Some(Value::String(text)) => HostAnswer::File(text.clone().into_bytes()),
                        Some(other) => HostAnswer::FileUnreadable(s(&other["error"])),
                    };
                    adc.feed_host(answer).unwrap();
                }
                Ok(Step::Send(request)) => {
                    let exchange = exchanges
                        .next()
                        .unwrap_or_else(|| panic!("{name}: unexpected request {request:?}"));
                    check_request(&name, &exchange["expect"], &request);
                    match exchange.get("transport_error") {
                        Some(reason) => adc.feed_transport_error(&s(reason)).unwrap(),
                        None => adc.feed_response(response(&exchange["respond"])).unwrap(),
                    }
                }
                Ok(Step::Wait(until)) => {
                    assert!(until > now, "{name}: wait into the past");
                    waited = true;
                    now = until;
                }
                Ok(Step::Done(found)) => break Ok(found),
                Ok(other) => panic!("{name}: ADC asked for {other:?}"),
            }
        };
        assert!(exchanges.next().is_none(), "{name}: requests left unsent");
        match (result, case.get("expect"), case.get("error")) {
            (Ok(found), Some(expect), None) => {
                let mut got = json!({
                    "source": found.source.as_str(),
                    "path": found.source.path(),
                    "kind": found.credentials.kind().as_str(),
                    "project_id": found.project_id,
                    "quota_project_id": found.credentials.quota_project_id(),
                    "files_read": files_read,
                });
                if waited {
                    got["waited"] = json!(true);
                }
                assert_eq!(&got, expect, "{name}");
            }
            (Err(err), None, Some(error)) => {
                assert_eq!(err.code(), s(&error["code"]), "{name}: {err}");
                let text = err.to_string();
                for word in error["mentions"].as_array().unwrap() {
                    assert!(text.contains(&s(word)), "{name}: {text} lacks {word}");
                }
            }
            (got, _, _) => panic!("{name}: unexpected outcome {got:?}"),
        }
    }
}

#[test]
fn errors_and_debug_never_show_secrets() {
    let doc = r#"{"type":"authorized_user","client_id":"c","client_secret":"hunter2-secret","refresh_token":"1//refresh-secret"}"#;
    let creds = Credentials::from_json(doc).unwrap();
    let shown = format!("{creds:?}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("refresh-secret"),
        "{shown}"
    );
    let mut flow = creds.access_token_flow().unwrap();
    let Step::Send(request) = flow.poll(UnixTime::from_secs(NOW)).unwrap() else {
        panic!("expected a request")
    };
    assert!(!format!("{request:?}").contains("hunter2"));
    let broken = r#"{"type":"authorized_user","client_id":7,"client_secret":"hunter2-secret","refresh_token":"1//refresh-secret"}"#;
    let err = Credentials::from_json(broken).unwrap_err().to_string();
    assert!(
        !err.contains("hunter2") && !err.contains("refresh-secret"),
        "{err}"
    );
    assert!(err.contains("client_id"), "{err}");
}

#[test]
fn host_signs_reads_keys_for_the_host() {
    let key_file = common::fixture("sa_2048_pkcs8.json");
    let key: Value = serde_json::from_str(&key_file).unwrap();
    let impersonated = json!({
        "type": "impersonated_service_account",
        "service_account_impersonation_url": "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/target@p.iam.gserviceaccount.com:generateAccessToken",
        "source_credentials": key,
    })
    .to_string();
    let host = CredentialOptions::from_json(r#"{"host_signs":true}"#).unwrap();
    let now = UnixTime::from_secs(NOW);
    for document in [&key_file, &impersonated] {
        let signed_here = Credentials::from_json(document).unwrap();
        assert!(signed_here.host_signing_key().is_none());
        let first = signed_here.access_token_flow().unwrap().poll(now).unwrap();
        assert!(
            matches!(first, Step::Send(_)),
            "signed in-process: {first:?}"
        );

        let creds = Credentials::from_json_with(document, &host).unwrap();
        let signing_key = creds.host_signing_key().expect("a key for the host");
        assert_eq!(
            signing_key.key_id(),
            key["private_key_id"].as_str().unwrap()
        );
        let mut flow = creds.access_token_flow().unwrap();
        let Step::Sign(request) = flow.poll(now).unwrap() else {
            panic!("the host is asked to sign");
        };
        assert_eq!(request.key_id(), signing_key.key_id());
        let signature = signing_key.signing_key().sign(request.payload()).unwrap();
        flow.feed_signature(&signature).unwrap();
        let Step::Send(exchange) = flow.poll(now).unwrap() else {
            panic!("then the assertion is exchanged");
        };
        let body = String::from_utf8(exchange.body().to_vec()).unwrap();
        assert!(body.contains("assertion="), "{body}");
    }
    let refused = CredentialOptions::from_json(r#"{"host_signs":"yes"}"#).unwrap_err();
    assert_eq!(refused.code(), "invalid_argument");
}
