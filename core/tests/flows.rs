//! Runs the conversation vectors (`tests/vectors/flows.json`, `cache.json`):
//! scripted exchanges with a fixed clock: exact requests, responses fed back,
//! waits, signatures, and the final result or typed error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use credmint::google::{ExternalAccount, IamCredentials, ServiceAccountId};
use credmint::ibm::IbmIam;
use credmint::k0rdent::{CredentialPage, CredentialStatus, ListCredentials, StatusFilter};
use credmint::{
    AccessToken, AllowedLocations, Backend, Claims, ClientAuth, ClientCredentials, Endpoint, Error,
    Expiring, Flow, FlowOptions, HttpResponse, IdToken, IdTokenAssertion, ImpersonatedFlow, Jitter,
    JwtBearerAssertion, JwtGrantFlow, Lifetime, Lookup, RefreshPolicy, RetryPolicy, SecretString,
    ServiceAccountKey, SignedBlob, SignedJwt, Signer, SourceToken, Step, TokenCache, TokenLifetime,
    UnixTime,
};
use serde_json::{Value, json};
mod common;

use common::{cases, text_of};

fn s(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().map(s).collect())
        .unwrap_or_default()
}

fn time(value: &Value) -> UnixTime {
    UnixTime::from_secs(value.as_i64().unwrap())
}

// ------------------------------------------------------------ outputs as JSON

fn access_token_json(token: &AccessToken) -> Value {
    json!({
        "token": token.token().expose_secret(),
        "obtained_at": token.obtained_at().as_secs(),
        "expires_at": token.expires_at().as_secs(),
        "refresh_token": token.refresh_token().map(|t| t.expose_secret().to_owned()),
        "scope": token.scope(),
    })
}

fn id_token_json(token: &IdToken) -> Value {
    json!({ "token": token.token().expose_secret(), "expires_at": token.expires_at().as_secs() })
}

fn signed_blob_json(blob: &SignedBlob) -> Value {
    json!({ "key_id": blob.key_id(), "signed_blob": STANDARD.encode(blob.signature()) })
}

fn signed_jwt_json(jwt: &SignedJwt) -> Value {
    json!({ "key_id": jwt.key_id(), "signed_jwt": jwt.signed_jwt().expose_secret() })
}

fn locations_json(locations: &AllowedLocations) -> Value {
    json!({ "locations": locations.locations, "encoded_locations": locations.encoded_locations })
}

fn page_json(page: &Option<CredentialPage>) -> Value {
    let Some(page) = page else { return Value::Null };
    let secs = |t: Option<UnixTime>| t.map(UnixTime::as_secs);
    let credentials: Vec<Value> = page
        .credentials
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "service_account_id": c.service_account_id,
                "status": match &c.status {
                    CredentialStatus::Active => "active".to_owned(),
                    CredentialStatus::Expired => "expired".to_owned(),
                    CredentialStatus::Other(other) => other.clone(),
                },
                "uid": c.uid, "self_link": c.self_link, "expires_at": secs(c.expires_at),
                "created_by": c.created_by, "created_at": secs(c.created_at),
                "last_used_at": secs(c.last_used_at), "last_used_ip": c.last_used_ip,
            })
        })
        .collect();
    json!({ "credentials": credentials, "next_page_token": page.next_page_token, "total": page.total })
}

fn error_json(err: &Error) -> Value {
    let mut out =
        json!({ "code": err.code(), "retryable": err.is_retryable(), "status": err.http_status() });
    if let Error::Remote(remote) = err {
        out["provider_code"] = json!(remote.provider_code);
        out["reason"] = json!(remote.reason);
        out["permission"] = json!(remote.permission);
        out["retry_after"] = json!(remote.retry_after);
    }
    out
}

// ------------------------------------------------------------ flows

/// Any flow, with its output rendered as JSON.
trait Runner {
    fn poll(&mut self, now: UnixTime) -> credmint::Result<Step<Value>>;
    fn feed_response(&mut self, response: HttpResponse) -> credmint::Result<()>;
    fn feed_transport_error(&mut self, reason: &str) -> credmint::Result<()>;
    fn feed_signature(&mut self, signature: &[u8]) -> credmint::Result<()>;
}

struct Typed<F: Flow>(F, fn(&F::Output) -> Value);

impl<F: Flow> Runner for Typed<F> {
    fn poll(&mut self, now: UnixTime) -> credmint::Result<Step<Value>> {
        Ok(match self.0.poll(now)? {
            Step::Send(request) => Step::Send(request),
            Step::Sign(request) => Step::Sign(request),
            Step::Wait(until) => Step::Wait(until),
            Step::Done(output) => Step::Done((self.1)(&output)),
        })
    }
    fn feed_response(&mut self, response: HttpResponse) -> credmint::Result<()> {
        self.0.feed_response(response)
    }
    fn feed_transport_error(&mut self, reason: &str) -> credmint::Result<()> {
        self.0.feed_transport_error(reason)
    }
    fn feed_signature(&mut self, signature: &[u8]) -> credmint::Result<()> {
        self.0.feed_signature(signature)
    }
}

/// A computation without I/O, presented as a flow that is done at once.
struct Ready(Option<credmint::Result<Value>>);

impl Runner for Ready {
    fn poll(&mut self, _now: UnixTime) -> credmint::Result<Step<Value>> {
        match self.0.take() {
            Some(result) => result.map(Step::Done),
            None => panic!("polled twice"),
        }
    }
    fn feed_response(&mut self, _: HttpResponse) -> credmint::Result<()> {
        panic!("no request")
    }
    fn feed_transport_error(&mut self, _: &str) -> credmint::Result<()> {
        panic!("no request")
    }
    fn feed_signature(&mut self, _: &[u8]) -> credmint::Result<()> {
        panic!("no signature")
    }
}

fn aws_credentials(spec: &Value) -> credmint::Result<credmint::google::AwsCredentials> {
    credmint::google::AwsCredentials::new(
        s(&spec["access_key_id"]),
        SecretString::from(s(&spec["secret_access_key"])),
        spec.get("session_token").map(|t| SecretString::from(s(t))),
    )
}

fn boxed<F: Flow + 'static>(flow: F, render: fn(&F::Output) -> Value) -> Box<dyn Runner> {
    Box::new(Typed(flow, render))
}

fn options(spec: &Value) -> FlowOptions {
    let mut retry = RetryPolicy::default();
    if let Some(r) = spec.get("retry") {
        retry = RetryPolicy {
            max_attempts: r["max_attempts"].as_u64().unwrap() as u32,
            initial_delay_secs: r["initial_delay_secs"].as_u64().unwrap(),
            max_delay_secs: r["max_delay_secs"].as_u64().unwrap(),
            max_retry_after_secs: r["max_retry_after_secs"].as_u64().unwrap(),
        };
    }
    FlowOptions {
        retry,
        jitter: Jitter::from_seed(spec["jitter_seed"].as_u64().unwrap_or(0)),
    }
}

fn source_token(spec: &Value) -> AccessToken {
    let lifetime =
        TokenLifetime::new(time(&spec["obtained_at"]), time(&spec["expires_at"])).unwrap();
    AccessToken::new(SecretString::from(s(&spec["token"])), lifetime).unwrap()
}

fn service_account(spec: &Value, backend: Backend) -> credmint::Result<ServiceAccountKey> {
    ServiceAccountKey::from_json_with_backend(&text_of(spec), backend)
}

fn iam(spec: &Value) -> credmint::Result<IamCredentials> {
    let iam = IamCredentials::with_endpoint(Endpoint::new(&s(&spec["endpoint"]))?);
    match spec.get("quota_project") {
        Some(project) => iam.quota_project(s(project)),
        None => Ok(iam),
    }
}

fn accounts(spec: &Value) -> credmint::Result<Vec<ServiceAccountId>> {
    strings(spec)
        .into_iter()
        .map(ServiceAccountId::new)
        .collect()
}

fn jwt_bearer_flow(
    spec: &Value,
    backend: Backend,
) -> credmint::Result<JwtGrantFlow<JwtBearerAssertion, AccessToken>> {
    let key = service_account(&spec["key"], backend)?;
    let identity = key.identity()?;
    let mut assertion = JwtBearerAssertion::for_identity(&identity, strings(&spec["scopes"]))?;
    if let Some(subject) = spec.get("subject") {
        assertion = assertion.subject(s(subject))?;
    }
    let signer = if spec["signer"] == "external" {
        Signer::External {
            key_id: key.key_id().to_owned(),
        }
    } else {
        key.signer()
    };
    Ok(JwtGrantFlow::new(
        identity.token_uri().clone(),
        signer,
        assertion,
        options(spec),
    ))
}

fn build(spec: &Value, backend: Backend) -> credmint::Result<Box<dyn Runner>> {
    let opts = options(spec);
    Ok(match spec["kind"].as_str().unwrap() {
        "jwt_bearer" => boxed(jwt_bearer_flow(spec, backend)?, access_token_json),
        "id_token_grant" => {
            let key = service_account(&spec["key"], backend)?;
            let assertion = IdTokenAssertion::for_identity(&key.identity()?, s(&spec["audience"]))?;
            boxed(
                JwtGrantFlow::<_, IdToken>::new(
                    key.identity()?.token_uri().clone(),
                    key.signer(),
                    assertion,
                    opts,
                ),
                id_token_json,
            )
        }
        "iam_access_token" | "impersonation_chain" => {
            let source = if spec["kind"] == "impersonation_chain" {
                SourceToken::Flow(Box::new(jwt_bearer_flow(&spec["source"], backend)?))
            } else {
                SourceToken::Token(source_token(&spec["source_token"]))
            };
            let lifetime = Lifetime::parse(&s(&spec["lifetime"]))?;
            let flow = ImpersonatedFlow::access_token(
                source,
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"]))?,
                accounts(&spec["delegates"])?,
                strings(&spec["scopes"]),
                lifetime,
                opts,
            )?;
            boxed(flow, access_token_json)
        }
        "iam_id_token" => {
            let flow = ImpersonatedFlow::id_token(
                SourceToken::Token(source_token(&spec["source_token"])),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"]))?,
                accounts(&spec["delegates"])?,
                s(&spec["audience"]),
                spec["include_email"].as_bool().unwrap(),
                opts,
            )?;
            boxed(flow, id_token_json)
        }
        "iam_sign_blob" => {
            let payload = STANDARD.decode(s(&spec["payload_b64"])).unwrap();
            let flow = ImpersonatedFlow::sign_blob(
                SourceToken::Token(source_token(&spec["source_token"])),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"]))?,
                accounts(&spec["delegates"])?,
                payload,
                opts,
            );
            boxed(flow, signed_blob_json)
        }
        "iam_sign_jwt" => {
            let flow = ImpersonatedFlow::sign_jwt(
                SourceToken::Token(source_token(&spec["source_token"])),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"]))?,
                accounts(&spec["delegates"])?,
                Claims::from_json(&s(&spec["claims_json"]))?,
                opts,
            );
            boxed(flow, signed_jwt_json)
        }
        "iam_allowed_locations" => {
            let flow = ImpersonatedFlow::allowed_locations(
                SourceToken::Token(source_token(&spec["source_token"])),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"]))?,
                opts,
            );
            boxed(flow, locations_json)
        }
        "sts" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"]))?;
            let account = match spec.get("scopes") {
                Some(scopes) => account.scopes(strings(scopes))?,
                None => account,
            };
            boxed(
                account.flow(&SecretString::from(s(&spec["subject_token"])), opts)?,
                access_token_json,
            )
        }
        "aws_subject_token" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"]))?;
            let token = account.aws_subject_token(
                &aws_credentials(&spec["credentials"])?,
                &s(&spec["region"]),
                time(&spec["now"]),
            );
            Box::new(Ready(Some(
                token.map(|t| json!({ "token": t.expose_secret() })),
            )))
        }
        "aws_metadata" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"]))?;
            let credentials = spec.get("credentials").map(aws_credentials).transpose()?;
            let flow = account.aws_metadata_flow(spec.get("region").map(s), credentials, opts)?;
            boxed(
                flow,
                |(region, credentials)| json!({ "region": region, "access_key_id": credentials.access_key_id() }),
            )
        }
        "ibm_api_key" | "ibm_refresh" => {
            let mut ibm = match spec.get("endpoint") {
                Some(endpoint) => IbmIam::with_endpoint(&Endpoint::new(&s(endpoint))?),
                None => IbmIam::new(),
            };
            if let Some(client) = spec.get("client") {
                ibm = ibm.client(s(&client["id"]), SecretString::from(s(&client["secret"])))?;
            }
            if let Some(scopes) = spec.get("scopes") {
                ibm = ibm.scopes(strings(scopes))?;
            }
            let secret = SecretString::from(s(&spec["secret"]));
            let flow = if spec["kind"] == "ibm_api_key" {
                ibm.api_key_flow(&secret, &opts)?
            } else {
                ibm.refresh_flow(&secret, &opts)?
            };
            boxed(flow, access_token_json)
        }
        "client_credentials" => {
            let mut client = ClientCredentials::new(
                Endpoint::new(&s(&spec["token_endpoint"]))?,
                s(&spec["client_id"]),
                SecretString::from(s(&spec["client_secret"])),
            )?;
            if let Some(scopes) = spec.get("scopes") {
                client = client.scopes(strings(scopes))?;
            }
            if spec["auth"] == "form" {
                client = client.auth(ClientAuth::Form);
            }
            boxed(client.flow(&opts), access_token_json)
        }
        "k0rdent_pages" => {
            let mut list = ListCredentials::new(
                Endpoint::new(&s(&spec["endpoint"]))?,
                s(&spec["service_account_id"]),
            )?;
            match spec.get("status").and_then(Value::as_str) {
                Some("active") => list = list.status(StatusFilter::Active),
                Some("expired") => list = list.status(StatusFilter::Expired),
                _ => {}
            }
            if let Some(size) = spec.get("page_size") {
                list = list.page_size(size.as_u64().unwrap() as u32)?;
            }
            list = list.start_at(
                spec.get("page_token").map(s),
                spec.get("offset").and_then(Value::as_u64),
            )?;
            boxed(list.pages(source_token(&spec["bearer"]), opts), page_json)
        }
        other => panic!("unknown flow kind {other}"),
    })
}

fn headers_of(value: &Value) -> Vec<(String, String)> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|pair| (s(&pair[0]), s(&pair[1])))
                .collect()
        })
        .unwrap_or_default()
}

/// Compares `got` with `expected`, where `expected` may name only some members.
fn subset(expected: &Value, got: &Value) -> bool {
    match (expected, got) {
        (Value::Object(e), Value::Object(g)) => e
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| subset(v, gv))),
        _ => expected == got,
    }
}

fn run_case(case: &Value, backend: Backend) -> Result<(), String> {
    let name = s(&case["name"]);
    let mut runner = match build(&case["flow"], backend) {
        Ok(runner) => runner,
        Err(err) => {
            return match case.get("construct_error") {
                Some(code) if code == err.code() => Ok(()),
                _ => Err(format!("{name}: construction failed: {err}")),
            };
        }
    };
    if case.get("construct_error").is_some() {
        return Err(format!("{name}: construction should have failed"));
    }
    for (i, step) in case["steps"].as_array().unwrap().iter().enumerate() {
        let expect = &step["expect"];
        let got = runner.poll(time(&step["now"]));
        let fail = |what: String| Err(format!("{name}, step {i}: {what}"));
        match (
            got,
            expect.as_object().unwrap().keys().next().unwrap().as_str(),
        ) {
            (Ok(Step::Send(request)), "send") => {
                let want = &expect["send"];
                let got = json!({
                    "method": request.method().as_str(), "url": request.url(),
                    "headers": request.headers().iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
                    "body": String::from_utf8(request.body().to_vec()).unwrap(),
                });
                if &got != want {
                    return fail(format!(
                        "request differs:\n  expected {want}\n  got      {got}"
                    ));
                }
                if let Some(response) = step.get("respond") {
                    let response = HttpResponse::new(
                        response["status"].as_u64().unwrap() as u16,
                        headers_of(&response["headers"]),
                        s(&response["body"]).into_bytes(),
                    );
                    runner
                        .feed_response(response)
                        .map_err(|e| format!("{name}: feed: {e}"))?;
                } else if let Some(reason) = step.get("transport_error") {
                    runner
                        .feed_transport_error(&s(reason))
                        .map_err(|e| format!("{name}: feed: {e}"))?;
                }
            }
            (Ok(Step::Sign(request)), "sign") => {
                let got = json!({
                    "key_id": request.key_id(),
                    "payload": String::from_utf8(request.payload().to_vec()).unwrap(),
                });
                if got != expect["sign"] {
                    return fail(format!(
                        "sign request differs: expected {}, got {got}",
                        expect["sign"]
                    ));
                }
                let signature = URL_SAFE_NO_PAD
                    .decode(s(&step["signature_b64url"]))
                    .unwrap();
                runner
                    .feed_signature(&signature)
                    .map_err(|e| format!("{name}: feed signature: {e}"))?;
            }
            (Ok(Step::Wait(until)), "wait") if expect["wait"].as_i64() == Some(until.as_secs()) => {
            }
            (Ok(Step::Done(value)), "done") if value == expect["done"] => {}
            (Err(err), "error") if subset(&expect["error"], &error_json(&err)) => {}
            (got, _) => {
                let got = match got {
                    Ok(Step::Done(v)) => format!("done {v}"),
                    Ok(Step::Wait(t)) => format!("wait {t}"),
                    Ok(Step::Send(r)) => format!("send {} {}", r.method().as_str(), r.url()),
                    Ok(Step::Sign(r)) => format!("sign {r:?}"),
                    Err(e) => format!("error {}", error_json(&e)),
                };
                return fail(format!("expected {expect}, got {got}"));
            }
        }
    }
    Ok(())
}

#[test]
fn flows() {
    let mut failures = Vec::new();
    let cases = cases("flows.json");
    assert!(cases.len() > 20);
    for backend in Backend::ALL {
        for case in &cases {
            if let Err(failure) = run_case(case, *backend) {
                failures.push(format!("[{}] {failure}", backend.name()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A token in a cache vector: only its lifetime matters.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Lived(TokenLifetime);

impl Expiring for Lived {
    fn lifetime(&self) -> TokenLifetime {
        self.0
    }
}

#[test]
fn cache() {
    let mut failures = Vec::new();
    for case in cases("cache.json") {
        let policy = match s(&case["policy"]).as_str() {
            "google" => RefreshPolicy::GOOGLE,
            "ibm" => RefreshPolicy::IBM,
            other => panic!("unknown policy {other}"),
        };
        let mut cache = TokenCache::<Lived>::with_jitter(
            policy,
            case["max_jitter_secs"].as_u64().unwrap(),
            Jitter::from_seed(case["jitter_seed"].as_u64().unwrap()),
        );
        for (i, op) in case["ops"].as_array().unwrap().iter().enumerate() {
            let got = match s(&op["op"]).as_str() {
                "get" => Some(match cache.get(time(&op["now"])) {
                    Lookup::Fresh(t) => json!({"fresh": t.0.expires_at().as_secs()}),
                    Lookup::RefreshInBackground(t) => {
                        json!({"refresh_in_background": t.0.expires_at().as_secs()})
                    }
                    Lookup::MustRefresh => json!("must_refresh"),
                    Lookup::WaitForRefresh => json!("wait_for_refresh"),
                }),
                "complete" => {
                    cache.complete(Lived(
                        TokenLifetime::new(time(&op["obtained_at"]), time(&op["expires_at"]))
                            .unwrap(),
                    ));
                    None
                }
                "fail" => {
                    cache.fail();
                    None
                }
                "invalidate" => {
                    cache.invalidate();
                    None
                }
                "refresh_at" => Some(json!(cache.refresh_at().map(UnixTime::as_secs))),
                other => panic!("unknown op {other}"),
            };
            if let Some(got) = got
                && got != op["expect"]
            {
                failures.push(format!(
                    "{}, op {i}: expected {}, got {got}",
                    case["name"], op["expect"]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
