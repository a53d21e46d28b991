//! Reading requests: bodies within limits, forms without duplicate fields,
//! JSON objects, bearer tokens and Basic client authentication.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Largest request body any endpoint accepts.
pub const MAX_BODY: usize = 64 * 1024;

/// Why a request could not be read (the message is safe to return).
#[derive(Debug)]
pub struct BadRequest(pub String);

/// The body, or why it could not be read (too large, broken stream).
pub fn body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, BadRequest> {
    body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            BadRequest(format!("request body is larger than {MAX_BODY} bytes"))
        } else {
            BadRequest("request body could not be read".to_owned())
        }
    })
}

/// An `application/x-www-form-urlencoded` body as a map; a repeated field is an error.
pub fn form(bytes: &[u8]) -> Result<HashMap<String, String>, BadRequest> {
    pairs(bytes)
}

/// A query string as a map; a repeated parameter is an error.
pub fn query(query: Option<&str>) -> Result<HashMap<String, String>, BadRequest> {
    pairs(query.unwrap_or("").as_bytes())
}

fn pairs(bytes: &[u8]) -> Result<HashMap<String, String>, BadRequest> {
    let mut map = HashMap::new();
    for (name, value) in form_urlencoded::parse(bytes) {
        if map.insert(name.to_string(), value.into_owned()).is_some() {
            return Err(BadRequest(format!("parameter {name:?} is repeated")));
        }
    }
    Ok(map)
}

/// A JSON object body.
pub fn json_object(bytes: &[u8]) -> Result<Map<String, Value>, BadRequest> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(BadRequest("request body must be a JSON object".to_owned())),
        Err(err) => Err(BadRequest(format!(
            "Invalid JSON payload received. {}",
            err.to_string()
                .split(" at line")
                .next()
                .unwrap_or("syntax error")
        ))),
    }
}

/// The bearer token of the `Authorization` header.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("authorization")?.to_str().ok()?;
    crate::bearer::from_authorization(Some(value))
}

/// `client_id` and `client_secret` from `Authorization: Basic` (RFC 6749 §2.3.1,
/// form-urlencoded inside) or from the form.
pub fn client_credentials(
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Option<(String, String)> {
    if let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let (scheme, encoded) = value.split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            form_urlencoded::parse(format!("v={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    Some((
        form.get("client_id")?.clone(),
        form.get("client_secret")?.clone(),
    ))
}
