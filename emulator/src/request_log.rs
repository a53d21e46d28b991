//! `credmint serve --log FILE`: one JSON line per request, for users
//! debugging their clients: what was asked (method, path, the headers that
//! matter, form fields, JSON member names), what was answered (status) and
//! how long it took. Credentials never reach the file: secret form fields and
//! query parameters are `[redacted]`, `Authorization` keeps only its scheme,
//! and JSON bodies are logged by member name only.

use crate::error::SetupError;
use crate::reply;
use crate::request::MAX_BODY;
use crate::server::Shared;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value, json};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Form fields and query parameters whose values are credentials.
const SECRET_FIELDS: &[&str] = &[
    "access_token",
    "actor_token",
    "apikey",
    "assertion",
    "client_assertion",
    "client_secret",
    "code",
    "id_token",
    "password",
    "refresh_token",
    "subject_token",
    "token",
];

/// Request headers worth a line; `authorization` is reduced to its scheme.
const LOGGED_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "metadata-flavor",
    "user-agent",
    "x-goog-api-client",
    "x-goog-user-project",
];

const REDACTED: &str = "[redacted]";

/// The open log file.
pub struct RequestLog {
    file: Mutex<std::fs::File>,
}

impl RequestLog {
    /// Opens `path` for appending (created if missing, owner-only on Unix).
    pub fn open(path: &Path) -> Result<Self, SetupError> {
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|err| {
            SetupError::new(format!("cannot open the log {}: {err}", path.display()))
        })?;
        Ok(RequestLog {
            file: Mutex::new(file),
        })
    }

    fn write(&self, entry: &Value) {
        let mut line = entry.to_string();
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        // A full disk must not fail the request being served.
        let _ = file.write_all(line.as_bytes());
    }
}

/// Middleware: logs each request once its answer is ready.
pub async fn record(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(log) = &shared.log else {
        return next.run(request).await;
    };
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let mut entry = json!({
        "time": credmint::format_rfc3339(crate::clock::now()),
        "method": parts.method.as_str(),
        "path": redacted_path(&parts.uri),
        "headers": headers(&parts.headers),
    });
    let response = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            describe_body(&mut entry, &parts.headers, &bytes);
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => reply::google(
            413,
            "INVALID_ARGUMENT",
            "the request body is larger than the emulator accepts",
        ),
    };
    entry["status"] = response.status().as_u16().into();
    entry["millis"] = (started.elapsed().as_secs_f64() * 1000.0).into();
    log.write(&entry);
    response
}

fn is_secret(name: &str) -> bool {
    SECRET_FIELDS.contains(&name.to_ascii_lowercase().as_str())
}

/// The path with each secret query parameter's value redacted.
fn redacted_path(uri: &axum::http::Uri) -> String {
    let Some(query) = uri.query() else {
        return uri.path().to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(&decode(name)) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{}?{}", uri.path(), pairs.join("&"))
}

fn headers(headers: &axum::http::HeaderMap) -> Value {
    let mut out = Map::new();
    for name in LOGGED_HEADERS {
        let Some(value) = headers.get(*name).and_then(|v| v.to_str().ok()) else {
            continue;
        };
        let shown = if *name == "authorization" {
            match value.split_once(' ') {
                Some((scheme, _)) => format!("{scheme} {REDACTED}"),
                None => REDACTED.to_owned(),
            }
        } else {
            value.to_owned()
        };
        out.insert((*name).to_owned(), shown.into());
    }
    Value::Object(out)
}

/// Form fields (secret ones redacted) or JSON member names, by content type.
fn describe_body(entry: &mut Value, headers: &axum::http::HeaderMap, body: &[u8]) {
    if body.is_empty() {
        return;
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut form = Map::new();
        for pair in String::from_utf8_lossy(body).split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            let shown = if is_secret(&name) {
                REDACTED.to_owned()
            } else {
                decode(value)
            };
            form.insert(name, shown.into());
        }
        entry["form"] = Value::Object(form);
    } else if let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) {
        entry["json_members"] = members.keys().cloned().collect::<Vec<_>>().into();
    } else {
        entry["body_bytes"] = body.len().into();
    }
}

/// Percent-decoding of one form component (`+` is a space).
fn decode(text: &str) -> String {
    form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map_or_else(|| text.to_owned(), |(_, value)| value.into_owned())
}
