//! The IAM Service Account Credentials API: `generateAccessToken`,
//! `generateIdToken`, `signBlob`, `signJwt` and `allowedLocations`, with the
//! caller's bearer token checked and the token-creator relation enforced along
//! the whole `delegates` chain.

use super::caller;
use crate::bearer::Grant;
use crate::server::Shared;
use crate::world::{Account, World};
use crate::{random, reply, request};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use credmint::{Claims, ClaimsTemplate, Lifetime, OidcIdToken, UnixTime, format_rfc3339};
use serde_json::{Map, Value, json};
use std::sync::Arc;

const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
const IAM_SCOPE: &str = "https://www.googleapis.com/auth/iam";

/// Regions in the order `encodedLocations` numbers them.
const REGIONS: &[&str] = &[
    "us-central1",
    "us-east1",
    "us-east4",
    "us-west1",
    "europe-west1",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "asia-east1",
    "asia-northeast1",
    "asia-southeast1",
    "australia-southeast1",
];

/// `POST /v1/projects/{project}/serviceAccounts/{account}:{method}`.
pub async fn call(
    State(shared): State<Arc<Shared>>,
    Path((_project, call)): Path<(String, String)>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some((account_id, method)) = call.rsplit_once(':') else {
        return reply::google(
            404,
            "NOT_FOUND",
            "The requested URL was not found on this server.",
        );
    };
    let permission = match method {
        "generateAccessToken" => "iam.serviceAccounts.getAccessToken",
        "generateIdToken" => "iam.serviceAccounts.getOpenIdToken",
        "signBlob" => "iam.serviceAccounts.signBlob",
        "signJwt" => "iam.serviceAccounts.signJwt",
        _ => {
            return reply::google(
                404,
                "NOT_FOUND",
                "The requested URL was not found on this server.",
            );
        }
    };
    let Some(grant) = caller(&shared, &headers) else {
        return reply::unauthenticated();
    };
    if !grant
        .scopes
        .iter()
        .any(|s| s == CLOUD_PLATFORM || s == IAM_SCOPE)
    {
        return reply::google(
            403,
            "PERMISSION_DENIED",
            "Request had insufficient authentication scopes.",
        );
    }
    let body = match request::body(body).and_then(|b| request::json_object(&b)) {
        Ok(body) => body,
        Err(bad) => return reply::invalid_argument(&bad.0),
    };
    let world = &shared.world;
    let Some(target) = world.account(account_id) else {
        return reply::account_not_found(account_id);
    };
    let allowed: &[&str] = match method {
        "generateAccessToken" => &["delegates", "scope", "lifetime"],
        "generateIdToken" => &["delegates", "audience", "includeEmail", "useEmailAzp"],
        _ => &["delegates", "payload"],
    };
    if let Some(unknown) = body.keys().find(|k| !allowed.contains(&k.as_str())) {
        return reply::invalid_argument(&format!(
            "Invalid JSON payload received. Unknown name {unknown:?}: Cannot find field."
        ));
    }
    if let Err(response) = authorize(world, &grant, &body, target, permission) {
        return response;
    }
    let now = crate::clock::now();
    match method {
        "generateAccessToken" => generate_access_token(&shared, target, &body, now),
        "generateIdToken" => generate_id_token(&shared, target, &body, now),
        "signBlob" => sign_blob(target, &body),
        _ => sign_jwt(target, &body, now),
    }
}

/// Does `member` hold token-creator on `account`?
fn is_token_creator(account: &Account, member: &str) -> bool {
    account.token_creators.iter().any(|creator| {
        creator == member
            || creator
                .strip_prefix("principalSet:")
                .and_then(|set| set.strip_suffix('*'))
                .zip(member.strip_prefix("principal:"))
                .is_some_and(|(prefix, principal)| principal.starts_with(prefix))
    })
}

/// Checks the chain caller → delegates… → target, one token-creator hop at a time.
fn authorize(
    world: &World,
    grant: &Grant,
    body: &Map<String, Value>,
    target: &Account,
    permission: &str,
) -> Result<(), Response> {
    let delegates = match body.get("delegates") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let name = item.as_str().ok_or_else(|| {
                    reply::invalid_argument("delegates must be a list of resource names")
                })?;
                // Full resource names, as documented; google-auth passes bare
                // emails through, which the service accepts too.
                let id = name
                    .strip_prefix("projects/-/serviceAccounts/")
                    .unwrap_or(name);
                if id.is_empty() || id.contains('/') {
                    return Err(reply::invalid_argument(&format!(
                        "Delegate {name:?} is not of the form projects/-/serviceAccounts/EMAIL"
                    )));
                }
                world
                    .account(id)
                    .ok_or_else(|| reply::account_not_found(id))
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(reply::invalid_argument(&format!(
                "Invalid value at 'delegates': expected a list, found {}",
                reply::kind_of(other)
            )));
        }
    };
    let mut member = grant.principal.clone();
    for delegate in &delegates {
        if !is_token_creator(delegate, &member) {
            return Err(reply::permission_denied(
                "iam.serviceAccounts.implicitDelegation",
                &format!("projects/-/serviceAccounts/{}", delegate.email),
            ));
        }
        member = delegate.member();
    }
    if !is_token_creator(target, &member) {
        return Err(reply::permission_denied(
            permission,
            &format!("projects/-/serviceAccounts/{}", target.email),
        ));
    }
    Ok(())
}

fn generate_access_token(
    shared: &Shared,
    target: &Account,
    body: &Map<String, Value>,
    now: UnixTime,
) -> Response {
    let scopes: Vec<String> = match body.get("scope") {
        Some(Value::Array(items)) if !items.is_empty() => {
            match items
                .iter()
                .map(|s| s.as_str().filter(|s| !s.is_empty()).map(str::to_owned))
                .collect()
            {
                Some(scopes) => scopes,
                None => return reply::invalid_argument("Scopes must be non-empty strings."),
            }
        }
        _ => return reply::invalid_argument("Scope required."),
    };
    let lifetime = match body.get("lifetime") {
        None | Some(Value::Null) => 3600,
        Some(Value::String(text)) => match Lifetime::parse(text) {
            Ok(lifetime) => lifetime.as_secs(),
            Err(_) => {
                return reply::invalid_argument(&format!(
                    "Invalid value at 'lifetime' (type.googleapis.com/google.protobuf.Duration), {text:?}"
                ));
            }
        },
        Some(other) => {
            return reply::invalid_argument(&format!(
                "Invalid value at 'lifetime': expected a duration string, found {}",
                reply::kind_of(other)
            ));
        }
    };
    if lifetime == 0 || lifetime > target.max_token_lifetime_secs {
        return reply::invalid_argument(&format!(
            "The lifetime of the access token must be between 1s and {}s.",
            target.max_token_lifetime_secs
        ));
    }
    let Some(nonce) = random::token(9) else {
        return reply::google(500, "INTERNAL", "random generator failed");
    };
    let expires_at = now.as_secs() + i64::try_from(lifetime).unwrap_or(3600);
    let grant = Grant {
        principal: target.member(),
        scopes,
        expires_at,
        nonce,
    };
    reply::ok(&json!({
        "accessToken": shared.world.minter.mint(&grant),
        "expireTime": format_rfc3339(UnixTime::from_secs(expires_at)),
    }))
}

/// A boolean field that also accepts `"true"`/`"false"` (google-auth sends strings).
fn flag(body: &Map<String, Value>, name: &str) -> Result<bool, Response> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" => Ok(false),
        Some(other) => Err(reply::invalid_argument(&format!(
            "Invalid value at '{name}' (TYPE_BOOL), found {}",
            reply::kind_of(other)
        ))),
    }
}

fn generate_id_token(
    shared: &Shared,
    target: &Account,
    body: &Map<String, Value>,
    now: UnixTime,
) -> Response {
    let Some(audience) = body
        .get("audience")
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty())
    else {
        return reply::invalid_argument("Audience required.");
    };
    let (include_email, email_azp) = match (flag(body, "includeEmail"), flag(body, "useEmailAzp")) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(response), _) | (_, Err(response)) => return response,
    };
    let issuer = &shared.world.oidc_issuer;
    let mut template = match OidcIdToken::new(issuer, &target.unique_id, audience) {
        Ok(template) => template,
        Err(err) => return reply::invalid_argument(&err.to_string()),
    };
    if include_email {
        template = match template.email(&target.email) {
            Ok(template) => template,
            Err(err) => return reply::invalid_argument(&err.to_string()),
        };
    }
    let mut claims = template.claims(now);
    let azp = if email_azp {
        &target.email
    } else {
        &target.unique_id
    };
    claims.insert("azp", azp.as_str());
    match shared.keys.sign_oidc(&claims) {
        Ok(token) => reply::ok(&json!({"token": token.expose_secret()})),
        Err(err) => reply::google(500, "INTERNAL", &err.to_string()),
    }
}

fn payload_text(body: &Map<String, Value>) -> Result<&str, Response> {
    match body.get("payload") {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(reply::invalid_argument("Payload required.")),
        Some(other) => Err(reply::invalid_argument(&format!(
            "Invalid value at 'payload', found {}",
            reply::kind_of(other)
        ))),
    }
}

fn sign_blob(target: &Account, body: &Map<String, Value>) -> Response {
    let text = match payload_text(body) {
        Ok(text) => text,
        Err(response) => return response,
    };
    // proto3 JSON `bytes` accepts standard and URL-safe base64.
    let Ok(blob) = STANDARD.decode(text).or_else(|_| URL_SAFE.decode(text)) else {
        return reply::invalid_argument(
            "Invalid value at 'payload' (TYPE_BYTES), Base64 decoding failed",
        );
    };
    match target.key.sign_blob(&blob) {
        Ok(signed) => reply::ok(&json!({
            "keyId": signed.key_id(),
            "signedBlob": STANDARD.encode(signed.signature()),
        })),
        Err(err) => reply::google(500, "INTERNAL", &err.to_string()),
    }
}

fn sign_jwt(target: &Account, body: &Map<String, Value>, now: UnixTime) -> Response {
    let text = match payload_text(body) {
        Ok(text) => text,
        Err(response) => return response,
    };
    let claims = match Claims::from_json(text) {
        Ok(claims) => claims,
        Err(err) => {
            return reply::invalid_argument(&format!(
                "Payload is not a valid JWT claim set: {err}"
            ));
        }
    };
    match target.key.sign_jwt(&claims, now) {
        Ok(signed) => reply::ok(&json!({
            "keyId": signed.key_id(),
            "signedJwt": signed.signed_jwt().expose_secret(),
        })),
        Err(err) => reply::invalid_argument(&err.to_string()),
    }
}

/// `GET /v1/projects/{project}/serviceAccounts/{account}/allowedLocations`.
pub async fn allowed_locations(
    State(shared): State<Arc<Shared>>,
    Path((_project, account_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if caller(&shared, &headers).is_none() {
        return reply::unauthenticated();
    }
    let Some(account) = shared.world.account(&account_id) else {
        return reply::account_not_found(&account_id);
    };
    let mut bits: u128 = 0;
    for location in &account.allowed_locations {
        let index = REGIONS
            .iter()
            .position(|r| r == location)
            .unwrap_or(REGIONS.len());
        bits |= 1 << index.min(127);
    }
    reply::ok(&json!({
        "locations": account.allowed_locations,
        "encodedLocations": format!("{bits:#X}").replace("0X", "0x"),
    }))
}
