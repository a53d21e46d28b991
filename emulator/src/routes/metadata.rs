//! The Compute Engine metadata server (also what GKE and Cloud Run serve):
//! `GET /` (the ping of Google's libraries) and `/computeMetadata/v1/…` with
//! the attached service account's email, scopes, access tokens and ID tokens,
//! and the project id.
//!
//! As on Google Cloud: every answer carries `Metadata-Flavor: Google`; a
//! request under `/computeMetadata/` without the request header
//! `Metadata-Flavor: Google`, or with `X-Forwarded-For` (a proxied request),
//! is refused with 403; only `GET` is served; errors are short `text/html`
//! bodies, not JSON; directories answer listings (or JSON with
//! `?recursive=true`) and redirect when named without their trailing slash.
//! Only the attached account exists here, as `default` and by email: any other
//! account is a 404, as on a VM.

use super::oauth::{expires_in, mint};
use crate::request;
use crate::server::Shared;
use crate::world::{Account, World, project_number};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use credmint::{ClaimsTemplate, OidcIdToken};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

const FLAVOR: &str = "metadata-flavor";
const MISSING_FLAVOR: &str = "Missing required header \"Metadata-Flavor\": \"Google\"";
const TEXT: &str = "application/text";
const HTML: &str = "text/html; charset=UTF-8";
/// Scopes of the instance's service account (and of tokens asked without `scopes`).
const INSTANCE_SCOPES: &[&str] = &["https://www.googleapis.com/auth/cloud-platform"];
/// Where the pretend instance runs (in `format=full` ID tokens).
const ZONE: &str = "us-central1-a";
const INSTANCE_NAME: &str = "credmint-emulator";

/// A metadata answer: the body with the metadata server's headers.
fn answer(status: StatusCode, content_type: &str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE.as_str(), content_type),
        ("metadata-flavor", "Google"),
        ("server", "Metadata Server for VM"),
        ("x-xss-protection", "0"),
        ("x-frame-options", "SAMEORIGIN"),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    response
}

fn text(body: impl Into<String>) -> Response {
    answer(StatusCode::OK, TEXT, body.into())
}

fn json_answer(body: &Value) -> Response {
    answer(StatusCode::OK, "application/json", body.to_string())
}

fn error(status: StatusCode, message: &str) -> Response {
    answer(status, HTML, message.to_owned())
}

fn not_found() -> Response {
    answer(
        StatusCode::NOT_FOUND,
        HTML,
        "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n  <title>Error 404 (Not Found)!!1</title>\n  <p><b>404.</b> <ins>That\u{2019}s an error.</ins>\n  <p>The requested URL was not found on this server.  <ins>That\u{2019}s all we know.</ins>\n".to_owned(),
    )
}

/// The refusals every metadata request goes through, in the real server's order.
fn refused(method: &Method, headers: &HeaderMap, needs_flavor: bool) -> Option<Response> {
    if headers.contains_key("x-forwarded-for") {
        return Some(error(StatusCode::FORBIDDEN, "Forbidden"));
    }
    let flavored = headers
        .get_all(FLAVOR)
        .iter()
        .any(|value| value.as_bytes() == b"Google");
    if needs_flavor && !flavored {
        return Some(error(StatusCode::FORBIDDEN, MISSING_FLAVOR));
    }
    if method != Method::GET {
        return Some(error(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed"));
    }
    None
}

/// `GET /`: what Google's libraries ping (any answer with `Metadata-Flavor:
/// Google` means "on Google Cloud"). Like the real server it needs no header.
pub async fn root(method: Method, headers: HeaderMap) -> Response {
    refused(&method, &headers, false).unwrap_or_else(|| text("computeMetadata/\n"))
}

/// Everything under `/computeMetadata/`.
pub async fn tree(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = refused(&method, &headers, true) {
        return refusal;
    }
    let query = match request::query(uri.query()) {
        Ok(query) => query,
        Err(bad) => return error(StatusCode::BAD_REQUEST, &bad.0),
    };
    let path = match uri.path().strip_prefix("/computeMetadata") {
        Some("") => return redirect(&uri),
        Some(rest) => match rest.strip_prefix('/') {
            Some(path) => path,
            None => return not_found(),
        },
        None => return not_found(),
    };
    let Some(segments) = path
        .split('/')
        .map(percent_decode)
        .collect::<Option<Vec<_>>>()
    else {
        return not_found();
    };
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    // A trailing slash names a directory: ["v1", ""] is `v1/`.
    let (names, directory) = match segments.split_last() {
        Some((&"", rest)) => (rest, true),
        _ => (segments.as_slice(), false),
    };
    let recursive = query
        .get("recursive")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let world = &shared.world;
    let node = match lookup(world, names) {
        Some(node) => node,
        None => return not_found(),
    };
    match (node, directory) {
        (Node::Directory(_), false) => redirect(&uri),
        (Node::Directory(listing), true) if recursive => json_answer(&listing.recursive),
        (Node::Directory(listing), true) => text(listing.entries),
        (Node::Leaf(_), true) => not_found(),
        (Node::Leaf(leaf), false) => serve_leaf(&shared, leaf, &query),
    }
}

/// A directory's plain listing and its `?recursive=true` JSON.
struct Listing {
    entries: String,
    recursive: Value,
}

/// A leaf that needs more than a constant.
enum Leaf<'a> {
    Text(String),
    Token(&'a Account),
    Identity(&'a Account),
}

enum Node<'a> {
    Directory(Listing),
    Leaf(Leaf<'a>),
}

fn listing(entries: &[&str], recursive: Value) -> Node<'static> {
    let entries = entries.iter().map(|e| format!("{e}\n")).collect();
    Node::Directory(Listing { entries, recursive })
}

fn account_info(account: &Account) -> Value {
    json!({"aliases": ["default"], "email": account.email, "scopes": INSTANCE_SCOPES})
}

fn project_info(account: &Account) -> Value {
    json!({
        "numericProjectId": project_number(&account.project_id),
        "projectId": account.project_id,
    })
}

/// The node at `names` (below `/computeMetadata/`), if it exists.
fn lookup<'a>(world: &'a World, names: &[&str]) -> Option<Node<'a>> {
    let attached = world.instance_account();
    let universe = world.instance.universe_domain.as_deref();
    let node = match names {
        [] => listing(&["v1/"], json!({"v1": v1_recursive(world)})),
        ["v1"] => Node::Directory(Listing {
            entries: v1_entries(world),
            recursive: v1_recursive(world),
        }),
        ["v1", "instance"] => listing(
            &["service-accounts/"],
            json!({"serviceAccounts": accounts_recursive(attached)}),
        ),
        ["v1", "instance", "service-accounts"] => {
            let mut names = Vec::new();
            if let Some(account) = attached {
                names.push("default/".to_owned());
                names.push(format!("{}/", account.email));
            }
            Node::Directory(Listing {
                entries: names.iter().map(|n| format!("{n}\n")).collect(),
                recursive: accounts_recursive(attached),
            })
        }
        ["v1", "instance", "service-accounts", name, rest @ ..] => {
            let account = attached.filter(|a| *name == "default" || *name == a.email)?;
            match rest {
                [] => listing(
                    &["aliases", "email", "identity", "scopes", "token"],
                    account_info(account),
                ),
                ["aliases"] => Node::Leaf(Leaf::Text("default".to_owned())),
                ["email"] => Node::Leaf(Leaf::Text(account.email.clone())),
                ["scopes"] => Node::Leaf(Leaf::Text(
                    INSTANCE_SCOPES.iter().map(|s| format!("{s}\n")).collect(),
                )),
                ["token"] => Node::Leaf(Leaf::Token(account)),
                ["identity"] => Node::Leaf(Leaf::Identity(account)),
                _ => return None,
            }
        }
        ["v1", "project"] => {
            let account = attached?;
            listing(&["numeric-project-id", "project-id"], project_info(account))
        }
        ["v1", "project", "project-id"] => Node::Leaf(Leaf::Text(attached?.project_id.clone())),
        ["v1", "project", "numeric-project-id"] => Node::Leaf(Leaf::Text(
            project_number(&attached?.project_id).to_string(),
        )),
        ["v1", "universe"] => listing(&["universe-domain"], json!({"universeDomain": universe?})),
        ["v1", "universe", "universe-domain"] => Node::Leaf(Leaf::Text(universe?.to_owned())),
        _ => return None,
    };
    Some(node)
}

fn v1_entries(world: &World) -> String {
    let mut entries = String::from("instance/\n");
    if world.instance_account().is_some() {
        entries.push_str("project/\n");
    }
    if world.instance.universe_domain.is_some() {
        entries.push_str("universe/\n");
    }
    entries
}

fn v1_recursive(world: &World) -> Value {
    let attached = world.instance_account();
    let mut v1 = json!({"instance": {"serviceAccounts": accounts_recursive(attached)}});
    if let Some(account) = attached {
        v1["project"] = project_info(account);
    }
    if let Some(domain) = &world.instance.universe_domain {
        v1["universe"] = json!({"universeDomain": domain});
    }
    v1
}

fn accounts_recursive(attached: Option<&Account>) -> Value {
    match attached {
        Some(account) => json!({
            "default": account_info(account),
            account.email.as_str(): account_info(account),
        }),
        None => json!({}),
    }
}

/// `301` to the same path with a trailing slash, as the real server answers
/// for a directory named without one.
fn redirect(uri: &Uri) -> Response {
    let location = match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    let mut response = answer(
        StatusCode::MOVED_PERMANENTLY,
        "text/html",
        format!("{}/\n", uri.path()),
    );
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn serve_leaf(shared: &Shared, leaf: Leaf<'_>, query: &HashMap<String, String>) -> Response {
    match leaf {
        Leaf::Text(body) => text(body),
        Leaf::Token(account) => token(shared, account, query),
        Leaf::Identity(account) => identity(shared, account, query),
    }
}

/// `…/token[?scopes=a,b]`: an hour's access token of the account, one the
/// emulator's IAM routes accept as `serviceAccount:EMAIL`.
fn token(shared: &Shared, account: &Account, query: &HashMap<String, String>) -> Response {
    let scopes: Vec<String> = match query.get("scopes") {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => INSTANCE_SCOPES.iter().map(|s| (*s).to_owned()).collect(),
    };
    if scopes.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "scopes parameter must not be empty",
        );
    }
    let now = crate::clock::now();
    match mint(shared, account.member(), scopes, now) {
        Ok(token) => json_answer(&json!({
            "access_token": token,
            "expires_in": expires_in(shared),
            "token_type": "Bearer",
        })),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

/// `…/identity?audience=AUD[&format=standard|full][&licenses=TRUE|FALSE]`: an
/// ID token signed by the emulator's Google key (as `generateIdToken`'s), as text.
fn identity(shared: &Shared, account: &Account, query: &HashMap<String, String>) -> Response {
    let world = &shared.world;
    let Some(audience) = query.get("audience").filter(|a| !a.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "non-empty audience parameter required",
        );
    };
    let full = match query.get("format").map(String::as_str) {
        None | Some("standard") => false,
        Some("full") => true,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "format parameter must be \"standard\" or \"full\"",
            );
        }
    };
    let licenses = match query.get("licenses") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "licenses parameter must be TRUE or FALSE",
            );
        }
    };
    let now = crate::clock::now();
    let template = OidcIdToken::new(&world.oidc_issuer, &account.unique_id, audience.as_str())
        .and_then(|template| template.email(&account.email));
    let mut claims = match template {
        Ok(template) => template.claims(now),
        Err(err) => return error(StatusCode::BAD_REQUEST, &err.to_string()),
    };
    claims.insert("azp", account.unique_id.as_str());
    if full {
        let mut engine = json!({
            "instance_creation_timestamp": world.instance.created_at,
            "instance_id": world.instance.id,
            "instance_name": INSTANCE_NAME,
            "project_id": account.project_id,
            "project_number": project_number(&account.project_id),
            "zone": ZONE,
        });
        if licenses {
            engine["license_id"] = json!([]);
        }
        claims.insert("google", json!({"compute_engine": engine}));
    }
    match shared.keys.sign_oidc(&claims) {
        Ok(token) => answer(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            token.expose_secret().to_owned(),
        ),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
    }
}

/// Percent-decodes one path segment; `None` if it is not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let hex = |b: Option<&u8>| {
        b.and_then(|b| char::from(*b).to_digit(16))
            .and_then(|d| u8::try_from(d).ok())
    };
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        if let (b'%', Some(high), Some(low)) = (byte, hex(bytes.get(i + 1)), hex(bytes.get(i + 2)))
        {
            out.push(high * 16 + low);
            i += 3;
            continue;
        }
        out.push(byte);
        i += 1;
    }
    String::from_utf8(out).ok()
}
