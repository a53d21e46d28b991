//! A core flow as a JavaScript object the host drives. `poll(now)` returns an
//! array: `["send", method, url, headers, body, timeoutMillis]`, `["wait", until]`,
//! `["sign", keyId, payload]`, `["read_file", path, maxBytes]`, `["read_env", name]`,
//! `["run", program, args, env, timeoutMillis]` or `["done", value]`. `timeoutMillis` is the
//! request's time limit (connect, send and read the whole answer): the host
//! abandons the request after it and calls `feedTransportError`.

use crate::credentials::Credentials;
use crate::errors::IntoJs;
use crate::keys::{PendingVerification, now_of};
use crate::tokens::{AccessToken, IdToken};
use credmint::k0rdent::CredentialPage;
use credmint::{Flow, FlowOutput as Output, HostAnswer, HttpRequest, HttpResponse, Step, UnixTime};
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

/// A conversation in progress.
#[wasm_bindgen]
pub struct Conversation {
    flow: Box<dyn Flow<Output = Output>>,
}

impl Conversation {
    /// Wraps a core flow.
    pub fn new<F>(flow: F) -> Self
    where
        F: Flow + 'static,
        F::Output: Into<Output>,
    {
        Conversation {
            flow: Box::new(flow.map_output(Into::into)),
        }
    }
}

fn pair(a: impl Into<JsValue>, b: impl Into<JsValue>) -> JsValue {
    Array::of2(&a.into(), &b.into()).into()
}

#[wasm_bindgen]
impl Conversation {
    /// The next step at `now` (Unix seconds).
    pub fn poll(&mut self, now: f64) -> Result<Array, JsValue> {
        let step = self.flow.poll(now_of(now)?).js_err()?;
        Ok(match step {
            Step::Send(request) => send_step(&request),
            Step::Wait(until) => Array::of2(&"wait".into(), &(until.as_secs() as f64).into()),
            Step::Sign(request) => Array::of3(
                &"sign".into(),
                &request.key_id().into(),
                &Uint8Array::from(request.payload()),
            ),
            Step::ReadFile(read) => Array::of3(
                &"read_file".into(),
                &read.path().into(),
                &(read.max_bytes() as f64).into(),
            ),
            Step::ReadEnv(name) => Array::of2(&"read_env".into(), &name.into()),
            Step::Run(run) => {
                let env = Array::new();
                for (name, value) in &run.env {
                    env.push(&pair(name.as_str(), value.as_str()));
                }
                let args: Array = run
                    .args
                    .iter()
                    .map(|arg| JsValue::from(arg.as_str()))
                    .collect();
                Array::of5(
                    &"run".into(),
                    &run.program.into(),
                    &args,
                    &env,
                    &(run.timeout_millis as f64).into(),
                )
            }
            Step::Done(output) => Array::of2(&"done".into(), &output_value(output)?),
        })
    }

    /// What the host found for the last `read_file`, `read_env` or `run` step:
    /// `kind` is `file` (`bytes`), `missing`, `unreadable` (`text`: the reason),
    /// `env` (`text`, undefined when unset), `exited` (`status`, `bytes`: stdout),
    /// `not_started` (`text`) or `timed_out`.
    #[wasm_bindgen(js_name = feedHost)]
    pub fn feed_host(
        &mut self,
        kind: &str,
        text: Option<String>,
        bytes: Option<Vec<u8>>,
        status: Option<i32>,
    ) -> Result<(), JsValue> {
        let answer = HostAnswer::from_kind(kind, text, bytes, status).js_err()?;
        self.flow.feed_host(answer).js_err()
    }

    /// The response to the last `send` step; `headers` is an array of `[name, value]`.
    #[wasm_bindgen(js_name = feedResponse)]
    pub fn feed_response(
        &mut self,
        status: u16,
        headers: Array,
        body: &[u8],
    ) -> Result<(), JsValue> {
        self.flow
            .feed_response(response(status, &headers, body)?)
            .js_err()
    }

    /// The last `send` step could not be completed.
    #[wasm_bindgen(js_name = feedTransportError)]
    pub fn feed_transport_error(&mut self, reason: &str) -> Result<(), JsValue> {
        self.flow.feed_transport_error(reason).js_err()
    }

    /// The signature asked for by the last `sign` step.
    #[wasm_bindgen(js_name = feedSignature)]
    pub fn feed_signature(&mut self, signature: &[u8]) -> Result<(), JsValue> {
        self.flow.feed_signature(signature).js_err()
    }
}

/// `["send", method, url, [[name, value], …], body, timeoutMillis]`.
pub(crate) fn send_step(request: &HttpRequest) -> Array {
    let headers = Array::new();
    for (name, value) in request.headers() {
        headers.push(&pair(name.as_str(), value.as_str()));
    }
    let step = Array::of3(
        &"send".into(),
        &request.method().as_str().into(),
        &request.url().into(),
    );
    step.push(&headers);
    step.push(&Uint8Array::from(request.body()));
    step.push(&(request.timeout_millis() as f64).into());
    step
}

/// `[[name, value], …]` string pairs (headers, environment variables).
pub(crate) fn string_pairs(pairs: &Array) -> Result<Vec<(String, String)>, JsValue> {
    pairs
        .iter()
        .map(|entry| {
            let entry = Array::from(&entry);
            match (entry.get(0).as_string(), entry.get(1).as_string()) {
                (Some(name), Some(value)) => Ok((name, value)),
                _ => Err(crate::errors::invalid_argument(
                    "expected [name, value] string pairs",
                )),
            }
        })
        .collect()
}

/// An answer to a `send` step.
pub(crate) fn response(status: u16, headers: &Array, body: &[u8]) -> Result<HttpResponse, JsValue> {
    Ok(HttpResponse::new(
        status,
        string_pairs(headers)?,
        body.to_vec(),
    ))
}

fn output_value(output: Output) -> Result<JsValue, JsValue> {
    Ok(match output {
        Output::Access(inner) => AccessToken { inner }.into(),
        Output::Id(inner) => IdToken { inner }.into(),
        Output::Blob(blob) => pair(blob.key_id(), Uint8Array::from(blob.signature())),
        Output::Jwt(jwt) => pair(jwt.key_id(), jwt.signed_jwt().expose_secret()),
        Output::Locations(locations) => {
            let list = Array::new();
            for location in &locations.locations {
                list.push(&location.into());
            }
            pair(list, locations.encoded_locations.as_str())
        }
        Output::Page(None) => JsValue::NULL,
        Output::Page(Some(page)) => JsValue::from_str(&page_json(&page).to_string()),
        Output::Json(value) => JsValue::from_str(&value.to_string()),
        Output::Claims(claims) => JsValue::from_str(claims.json()),
        Output::Prepared(prepared) => PendingVerification::from_core(prepared).into(),
        Output::Default(found) => {
            let value = Object::new();
            let credentials = Credentials::from_core(found.credentials);
            let optional = |text: Option<&str>| text.map_or(JsValue::UNDEFINED, Into::into);
            Reflect::set(&value, &"credentials".into(), &credentials.into())?;
            Reflect::set(&value, &"source".into(), &found.source.as_str().into())?;
            Reflect::set(&value, &"path".into(), &optional(found.source.path()))?;
            Reflect::set(
                &value,
                &"projectId".into(),
                &optional(found.project_id.as_deref()),
            )?;
            value.into()
        }
    })
}

fn page_json(page: &CredentialPage) -> Value {
    let secs = |t: Option<UnixTime>| t.map(UnixTime::as_secs);
    let credentials: Vec<Value> = page
        .credentials
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "serviceAccountId": c.service_account_id,
                "status": c.status.as_str().to_owned(),
                "uid": c.uid, "selfLink": c.self_link, "expiresAt": secs(c.expires_at),
                "createdBy": c.created_by, "createdAt": secs(c.created_at),
                "lastUsedAt": secs(c.last_used_at), "lastUsedIp": c.last_used_ip,
            })
        })
        .collect();
    json!({ "credentials": credentials, "nextPageToken": page.next_page_token, "total": page.total })
}
