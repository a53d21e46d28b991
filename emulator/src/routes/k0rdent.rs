//! k0rdent IAM: list (seed 003), create and revoke a service account's
//! credentials. Tenant administrators only.
//!
//! Credentials are ordered by a creation sequence number that never repeats,
//! and a cursor names the last sequence number a page showed. The next page
//! starts after it, so credentials added or revoked between pages neither
//! shift nor duplicate the rest.

use super::caller;
use crate::server::Shared;
use crate::state::{CredentialRecord, hash_secret};
use crate::{random, reply, request};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use credmint::{UnixTime, format_rfc3339, parse_rfc3339};
use serde_json::{Value, json};
use std::sync::Arc;

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;
/// New credentials expire after 90 days unless the request says otherwise.
const DEFAULT_CREDENTIAL_SECS: i64 = 90 * 86_400;

/// Checks the caller is an administrator of the account's tenant.
fn authorize_admin(
    shared: &Shared,
    headers: &HeaderMap,
    account: &str,
) -> Result<String, Response> {
    let Some(target) = shared.world.k0rdent.get(account) else {
        return Err(reply::k0rdent(
            404,
            &format!("service account {account:?} not found"),
        ));
    };
    let grant = caller(shared, headers)
        .ok_or_else(|| reply::k0rdent(401, "missing or invalid bearer token"))?;
    let admin = grant
        .principal
        .strip_prefix("k0rdent:")
        .and_then(|id| shared.world.k0rdent.get(id).map(|place| (id, place)))
        .filter(|(_, place)| place.tenant_admin && place.tenant == target.tenant);
    match admin {
        Some((id, _)) => Ok(id.to_owned()),
        None => Err(reply::k0rdent(
            403,
            "only tenant administrators can manage service account credentials",
        )),
    }
}

fn status_of(record: &CredentialRecord, now: i64) -> &'static str {
    match record.expires_at {
        Some(exp) if exp <= now => "expired",
        _ => "active",
    }
}

fn time(secs: i64) -> String {
    format_rfc3339(UnixTime::from_secs(secs))
}

/// A list item: every field of seed 003, never the secret.
fn item(account: &str, record: &CredentialRecord, now: i64) -> Value {
    let mut item = json!({
        "selfLink": format!("/v1/iam/service-accounts/{account}/credentials/{}", record.id),
        "uid": record.uid,
        "id": record.id,
        "serviceAccountId": account,
        "status": status_of(record, now),
        "createdBy": record.created_by,
        "createdAt": time(record.created_at),
    });
    if let Some(exp) = record.expires_at {
        item["expiresAt"] = time(exp).into();
    }
    if let Some(used) = record.last_used_at {
        item["lastUsedAt"] = time(used).into();
    }
    if let Some(ip) = &record.last_used_ip {
        item["lastUsedIp"] = ip.as_str().into();
    }
    item
}

/// A cursor: the account, the status filter and the last sequence number shown.
fn cursor(account: &str, status: Option<&str>, after: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1\n{account}\n{}\n{after}", status.unwrap_or("*")))
}

fn parse_cursor(token: &str, account: &str, status: Option<&str>) -> Option<u64> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let mut parts = text.split('\n');
    let ok = parts.next() == Some("v1")
        && parts.next() == Some(account)
        && parts.next() == Some(status.unwrap_or("*"));
    let after = parts.next()?.parse().ok()?;
    (ok && parts.next().is_none()).then_some(after)
}

/// `GET …/service-accounts/{account}/credentials`.
pub async fn list(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize_admin(&shared, &headers, &account) {
        return response;
    }
    let query = match request::query(query.as_deref()) {
        Ok(query) => query,
        Err(bad) => return reply::k0rdent(400, &bad.0),
    };
    let status = match query.get("status").map(String::as_str) {
        None => None,
        Some(s @ ("active" | "expired")) => Some(s),
        Some(_) => return reply::k0rdent(400, "status must be \"active\" or \"expired\""),
    };
    let page_size = match query.get("pageSize").map(|s| s.parse::<usize>()) {
        None => DEFAULT_PAGE_SIZE,
        Some(Ok(n)) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => return reply::k0rdent(400, "pageSize must be an integer from 1 to 500"),
    };
    let offset = match query.get("offset").map(|s| s.parse::<usize>()) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(_)) => return reply::k0rdent(400, "offset must be a non-negative integer"),
    };
    let page_token = query.get("pageToken").filter(|t| !t.is_empty());
    if page_token.is_some() && offset.is_some() {
        return reply::k0rdent(400, "pageToken and offset are mutually exclusive");
    }
    let after = match page_token.map(|t| parse_cursor(t, &account, status)) {
        None => None,
        Some(Some(after)) => Some(after),
        Some(None) => return reply::k0rdent(400, "pageToken is not valid for this request"),
    };

    let now = crate::clock::now().as_secs();
    let state = shared.state();
    let matching: Vec<&CredentialRecord> = state
        .k0rdent_credentials
        .get(&account)
        .map(|records| {
            records
                .iter()
                .filter(|r| status.is_none_or(|s| status_of(r, now) == s))
                .collect()
        })
        .unwrap_or_default();
    let items = |page: &[&CredentialRecord]| -> Vec<Value> {
        page.iter().map(|r| item(&account, r, now)).collect()
    };
    if let Some(offset) = offset {
        let page: Vec<&CredentialRecord> = matching
            .iter()
            .skip(offset)
            .take(page_size)
            .copied()
            .collect();
        return reply::ok(&json!({"credentials": items(&page), "total": matching.len()}));
    }
    let rest: Vec<&CredentialRecord> = matching
        .iter()
        .filter(|r| after.is_none_or(|a| r.sequence > a))
        .copied()
        .collect();
    let page = &rest[..rest.len().min(page_size)];
    let mut body = json!({"credentials": items(page)});
    if let Some(last) = page.last().filter(|_| rest.len() > page.len()) {
        body["nextPageToken"] = cursor(&account, status, last.sequence).into();
    }
    reply::ok(&body)
}

/// `POST …/service-accounts/{account}/credentials`: body `{}`, `{"expiresAt": RFC 3339}`
/// or `{"ttlSeconds": n}`. The answer carries `client_secret`, the only time it is shown.
pub async fn create(
    State(shared): State<Arc<Shared>>,
    Path(account): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let admin = match authorize_admin(&shared, &headers, &account) {
        Ok(admin) => admin,
        Err(response) => return response,
    };
    let bytes = match request::body(body) {
        Ok(bytes) => bytes,
        Err(bad) => return reply::k0rdent(400, &bad.0),
    };
    let body = if bytes.iter().all(u8::is_ascii_whitespace) {
        serde_json::Map::new()
    } else {
        match request::json_object(&bytes) {
            Ok(body) => body,
            Err(bad) => return reply::k0rdent(400, &bad.0),
        }
    };
    if let Some(unknown) = body
        .keys()
        .find(|k| !matches!(k.as_str(), "expiresAt" | "ttlSeconds"))
    {
        return reply::k0rdent(400, &format!("unknown field {unknown:?}"));
    }
    let now = crate::clock::now().as_secs();
    let expires_at = match (body.get("expiresAt"), body.get("ttlSeconds")) {
        (Some(_), Some(_)) => {
            return reply::k0rdent(400, "expiresAt and ttlSeconds are mutually exclusive");
        }
        (Some(Value::String(text)), None) => match parse_rfc3339(text) {
            Ok(t) => t.as_secs(),
            Err(_) => return reply::k0rdent(400, "expiresAt must be an RFC 3339 time"),
        },
        (None, Some(ttl)) => match ttl.as_i64().filter(|t| *t > 0) {
            Some(ttl) => now.saturating_add(ttl),
            None => return reply::k0rdent(400, "ttlSeconds must be a positive integer"),
        },
        (None, None) => now + DEFAULT_CREDENTIAL_SECS,
        _ => return reply::k0rdent(400, "expiresAt must be a string"),
    };
    let (Some(secret), Some(uid), Some(suffix)) =
        (random::token(32), random::uuid(), random::bytes(6))
    else {
        return reply::k0rdent(500, "random generator failed");
    };
    let id = format!(
        "cred-{}",
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let created = shared.mutate(|state| {
        let sequence = state.next_sequence;
        state.next_sequence += 1;
        let record = CredentialRecord {
            sequence,
            id: id.clone(),
            uid,
            secret_sha256: hash_secret(&secret),
            expires_at: Some(expires_at),
            created_by: admin,
            created_at: now,
            last_used_at: None,
            last_used_ip: None,
        };
        let value = item(&account, &record, now);
        state
            .k0rdent_credentials
            .entry(account.clone())
            .or_default()
            .push(record);
        value
    });
    match created {
        Ok(mut value) => {
            value["client_secret"] = secret.into();
            let mut response = reply::json(StatusCode::CREATED, &value);
            response.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            response
        }
        Err(response) => response,
    }
}

/// `DELETE …/service-accounts/{account}/credentials/{credential}`: revokes it.
pub async fn revoke(
    State(shared): State<Arc<Shared>>,
    Path((account, credential)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorize_admin(&shared, &headers, &account) {
        return response;
    }
    let removed = shared.mutate(|state| {
        let records = state
            .k0rdent_credentials
            .entry(account.clone())
            .or_default();
        let before = records.len();
        records.retain(|r| r.id != credential);
        records.len() < before
    });
    match removed {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => reply::k0rdent(404, &format!("credential {credential:?} not found")),
        Err(response) => response,
    }
}
