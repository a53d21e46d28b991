//! Runs the conversation vectors (`tests/vectors/flows.json`, `cache.json`):
//! scripted exchanges with a fixed clock: exact requests (with their time
//! limits), responses fed back,
//! waits, signatures, and the final result or typed error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credmint::conformance::{VectorFlow, error_json};
use credmint::{
    Backend, Expiring, Flow, HostAnswer, HttpResponse, Jitter, Lookup, RefreshPolicy, Step,
    TokenCache, TokenLifetime, UnixTime,
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

fn time(value: &Value) -> UnixTime {
    UnixTime::from_secs(value.as_i64().unwrap())
}

/// The vector's flow spec with every `{"file": …}` reference inlined as text
/// (the core reads no files; hosts do).
fn inlined(spec: &Value) -> Value {
    match spec {
        Value::Object(map) if map.contains_key("file") => {
            let mut map = map.clone();
            map.remove("file");
            map.insert("text".into(), json!(text_of(spec)));
            Value::Object(map)
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), inlined(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(inlined).collect()),
        other => other.clone(),
    }
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

/// A host step as the vectors write it: `{"read_file": {path, max_bytes}}`,
/// `{"read_env": name}` or `{"run": {program, args, env, timeout_millis}}`.
fn host_step_json<T>(step: &Step<T>) -> Value {
    match step {
        Step::ReadFile(read) => {
            json!({"read_file": {"path": read.path(), "max_bytes": read.max_bytes()}})
        }
        Step::ReadEnv(name) => json!({ "read_env": name }),
        Step::Run(run) => json!({"run": {
            "program": run.program, "args": run.args, "timeout_millis": run.timeout_millis,
            "env": run.env.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        }}),
        _ => Value::Null,
    }
}

/// The vector's answer to a host step: `{"file": text}`, `{"missing": true}`,
/// `{"unreadable": reason}`, `{"env": value or null}`, `{"exited": {status, stdout}}`,
/// `{"not_started": reason}` or `{"timed_out": true}`.
fn host_answer(answer: &Value) -> HostAnswer {
    let (kind, value) = answer.as_object().unwrap().iter().next().unwrap();
    match kind.as_str() {
        "file" => HostAnswer::File(s(value).into_bytes()),
        "missing" => HostAnswer::FileMissing,
        "unreadable" => HostAnswer::FileUnreadable(s(value)),
        "env" => HostAnswer::Env(value.as_str().map(str::to_owned)),
        "exited" => HostAnswer::Exited {
            status: value["status"].as_i64().unwrap() as i32,
            stdout: s(&value["stdout"]).into_bytes(),
        },
        "not_started" => HostAnswer::NotStarted(s(value)),
        "timed_out" => HostAnswer::TimedOut,
        other => panic!("no host answer {other}"),
    }
}

fn run_case(case: &Value, backend: Backend) -> Result<(), String> {
    let name = s(&case["name"]);
    let mut runner = match VectorFlow::from_spec(&inlined(&case["flow"]), backend) {
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
                    "timeout_millis": request.timeout_millis(),
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
            (Ok(host @ (Step::ReadFile(_) | Step::ReadEnv(_) | Step::Run(_))), kind) => {
                let got = host_step_json(&host);
                if got.get(kind) != Some(&expect[kind]) {
                    return fail(format!("expected {expect}, got {got}"));
                }
                runner
                    .feed_host(host_answer(&step["host"]))
                    .map_err(|e| format!("{name}: feed host: {e}"))?;
            }
            (Ok(Step::Done(value)), "done") if value == expect["done"] => {}
            (Err(err), "error") if subset(&expect["error"], &error_json(&err)) => {}
            (got, _) => {
                let got = match got {
                    Ok(Step::Done(v)) => format!("done {v}"),
                    Ok(Step::Wait(t)) => format!("wait {t}"),
                    Ok(Step::Send(r)) => format!("send {} {}", r.method().as_str(), r.url()),
                    Ok(Step::Sign(r)) => format!("sign {r:?}"),
                    Ok(host) => host_step_json(&host).to_string(),
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
        let policy = RefreshPolicy::named(&s(&case["policy"])).unwrap();
        let mut cache = TokenCache::<Lived>::with_jitter(
            policy,
            case["max_jitter_secs"].as_u64().unwrap(),
            Jitter::from_seed(case["jitter_seed"].as_u64().unwrap()),
        );
        let mut generation = 0;
        let rendered = |lookup: Lookup<Lived>| match lookup {
            Lookup::Fresh(t) => json!({"fresh": t.0.expires_at().as_secs()}),
            Lookup::RefreshInBackground(t) => {
                json!({"refresh_in_background": t.0.expires_at().as_secs()})
            }
            Lookup::MustRefresh => json!("must_refresh"),
            Lookup::WaitForRefresh => json!("wait_for_refresh"),
            Lookup::RefreshFailed => json!("refresh_failed"),
        };
        for (i, op) in case["ops"].as_array().unwrap().iter().enumerate() {
            let got = match s(&op["op"]).as_str() {
                "get" => Some(rendered(cache.get(time(&op["now"])))),
                "get_after_wait" => {
                    Some(rendered(cache.get_after_wait(time(&op["now"]), generation)))
                }
                "note_generation" => {
                    generation = cache.refresh_generation();
                    None
                }
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
