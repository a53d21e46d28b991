//! The Compute Engine metadata server of the emulator: headers, refusals,
//! tokens the IAM routes accept, ID tokens, directories.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use credmint::{KeySet, Validation};
use serde_json::json;
use std::sync::OnceLock;

const ROOT: &str = "/computeMetadata/v1";
const FLAVOR: (&str, &str) = ("metadata-flavor", "Google");
const MISSING: &str = "Missing required header \"Metadata-Flavor\": \"Google\"";

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| start(None))
}

/// `GET` with `Metadata-Flavor: Google`, as Google's libraries send it.
fn md(path: &str) -> Answer {
    md_with(path, &[FLAVOR])
}

fn md_with(path: &str, headers: &[(&str, &str)]) -> Answer {
    send(
        "GET",
        &server().url(&format!("{ROOT}/{path}")),
        headers,
        b"",
    )
}

fn assert_flavored(answer: &Answer) {
    assert_eq!(
        answer.header("metadata-flavor"),
        Some("Google"),
        "{}",
        answer.text
    );
}

#[test]
fn the_ping_at_the_root_answers_with_the_flavor_header() {
    let s = server();
    for headers in [&[FLAVOR][..], &[]] {
        let answer = send("GET", &s.url("/"), headers, b"");
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_flavored(&answer);
        assert_eq!(answer.text, "computeMetadata/\n");
    }
    // The emulator's other routes are untouched.
    let health = s.get("/healthz", None);
    assert_eq!(health.json()["status"], "ok");
    assert_eq!(health.header("metadata-flavor"), None);
    assert_eq!(s.get("/nowhere", None).json()["error"]["code"], 404);
}

#[test]
fn requests_without_the_flavor_header_are_refused_like_google() {
    for path in [
        "instance/service-accounts/default/token",
        "instance/service-accounts/default/identity?audience=https://svc.example",
        "project/project-id",
        "",
        "no/such/path",
    ] {
        let answer = md_with(path, &[]);
        assert_eq!(answer.status, 403, "{path}");
        assert_eq!(answer.text, MISSING, "{path}");
        assert!(answer.content_type.starts_with("text/html"), "{path}");
        assert_flavored(&answer);
        // A wrong value is no better.
        let answer = md_with(path, &[("metadata-flavor", "google")]);
        assert_eq!((answer.status, answer.text.as_str()), (403, MISSING));
    }
    // The legacy root without the header is refused as well.
    let answer = send("GET", &server().url("/computeMetadata/"), &[], b"");
    assert_eq!(answer.status, 403);
}

#[test]
fn proxied_requests_are_refused() {
    let proxied = [FLAVOR, ("x-forwarded-for", "203.0.113.7")];
    let answer = md_with("instance/service-accounts/default/token", &proxied);
    assert_eq!(answer.status, 403);
    assert_flavored(&answer);
    assert!(!answer.text.contains("access_token"));
    let answer = send("GET", &server().url("/"), &proxied[1..], b"");
    assert_eq!(answer.status, 403);
}

#[test]
fn only_get_is_served() {
    let s = server();
    let url = s.url(&format!("{ROOT}/instance/service-accounts/default/token"));
    for method in ["POST", "PUT", "DELETE"] {
        let answer = send(method, &url, &[FLAVOR], b"");
        assert_eq!(answer.status, 405, "{method}");
        assert_flavored(&answer);
    }
}

#[test]
fn the_access_token_acts_as_the_attached_account_on_iam() {
    let s = server();
    let answer = md("instance/service-accounts/default/token");
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_flavored(&answer);
    assert!(answer.content_type.starts_with("application/json"));
    let body = answer.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");
    let token = body["access_token"].as_str().unwrap();
    assert!(token.starts_with("ya29."));

    // ci-runner (the attached account) is a token creator on deployer…
    let request = json!({"scope": [CLOUD_PLATFORM]}).to_string();
    let minted = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(token),
        &request,
    );
    assert_eq!(minted.status, 200, "{}", minted.text);
    // …and not on storage-signer, so the token is ci-runner's and nobody else's.
    let denied = s.post_json(
        &iam_path(SIGNER, "generateAccessToken"),
        Some(token),
        &request,
    );
    assert_eq!(denied.status, 403, "{}", denied.text);

    // By email it is the same account; scopes narrow the token.
    let answer = md(&format!(
        "instance/service-accounts/{CI}/token?scopes=https://www.googleapis.com/auth/devstorage.read_only,openid"
    ));
    assert_eq!(answer.status, 200, "{}", answer.text);
    let narrow = answer.json()["access_token"].as_str().unwrap().to_owned();
    let refused = s.post_json(
        &iam_path(DEPLOYER, "generateAccessToken"),
        Some(&narrow),
        &request,
    );
    assert_eq!(refused.status, 403);
    assert!(refused.text.contains("insufficient authentication scopes"));
    // Percent-encoded emails are the same path.
    let encoded = CI.replace('@', "%40");
    assert_eq!(
        md(&format!("instance/service-accounts/{encoded}/email")).text,
        CI
    );
}

#[test]
fn unknown_accounts_are_404() {
    for path in [
        "instance/service-accounts/ghost@demo-project.iam.gserviceaccount.com/token",
        // Configured, but not attached to this instance.
        &format!("instance/service-accounts/{DEPLOYER}/token"),
        &format!("instance/service-accounts/{DEPLOYER}/identity?audience=a"),
        "instance/service-accounts/default/nothing",
        "instance/nothing",
        "universe/universe-domain",
    ] {
        let answer = md(path);
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
        assert_flavored(&answer);
        assert!(answer.content_type.starts_with("text/html"), "{path}");
        assert!(!answer.text.contains("access_token"));
    }
}

fn verify_id_token(token: &str, audience: &str) -> credmint::Claims {
    let s = server();
    let keys = KeySet::parse(&s.get("/oauth2/v3/certs", None).text).unwrap();
    credmint::verify(
        token,
        &keys,
        &Validation::new()
            .audience(audience)
            .issuer("https://accounts.google.com"),
        now(),
    )
    .unwrap()
    .into_claims()
}

#[test]
fn the_identity_endpoint_signs_id_tokens_like_generate_id_token() {
    let aud = "https://svc.example";
    let answer = md(&format!(
        "instance/service-accounts/default/identity?audience={aud}&format=full&licenses=TRUE"
    ));
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_flavored(&answer);
    assert!(answer.content_type.starts_with("text/plain"));
    let claims = verify_id_token(&answer.text, aud);
    let ci_id = md("instance/service-accounts/default/?recursive=true");
    assert_eq!(ci_id.json()["email"], CI);
    assert_eq!(claims.get("email").unwrap(), CI);
    assert_eq!(claims.get("email_verified").unwrap(), true);
    let sub = claims.get("sub").unwrap().as_str().unwrap().to_owned();
    assert_eq!(sub.len(), 21);
    assert_eq!(claims.get("azp").unwrap(), sub.as_str());
    let engine = &claims.get("google").unwrap()["compute_engine"];
    assert_eq!(engine["project_id"], "demo-project");
    assert_eq!(engine["license_id"], json!([]));
    let exp = claims.get("exp").unwrap().as_i64().unwrap();
    let iat = claims.get("iat").unwrap().as_i64().unwrap();
    assert_eq!(exp - iat, 3600);

    // The same subject as IAM's generateIdToken gives for the account.
    let s = server();
    let body = json!({"audience": aud, "includeEmail": true}).to_string();
    let ci_token = s.token_of(CI);
    let iam = s.post_json(
        &iam_path(DEPLOYER, "generateIdToken"),
        Some(&ci_token),
        &body,
    );
    assert_eq!(iam.status, 200, "{}", iam.text);
    let iam_claims = verify_id_token(iam.json()["token"].as_str().unwrap(), aud);
    assert_eq!(iam_claims.get("iss").unwrap(), claims.get("iss").unwrap());

    // Standard format: no `google` claim; the default is standard.
    for path in [
        format!("instance/service-accounts/{CI}/identity?audience={aud}&format=standard"),
        format!("instance/service-accounts/default/identity?audience={aud}"),
    ] {
        let answer = md(&path);
        assert_eq!(answer.status, 200, "{}", answer.text);
        let claims = verify_id_token(&answer.text, aud);
        assert_eq!(claims.get("sub").unwrap(), sub.as_str());
        assert!(claims.get("google").is_none());
    }
    // Another audience does not verify.
    let keys = KeySet::parse(&s.get("/oauth2/v1/certs", None).text).unwrap();
    let other = Validation::new().audience("https://other.example");
    assert!(credmint::verify(&answer.text, &keys, &other, now()).is_err());
}

#[test]
fn the_identity_endpoint_needs_an_audience() {
    for path in [
        "instance/service-accounts/default/identity",
        "instance/service-accounts/default/identity?audience=",
        "instance/service-accounts/default/identity?format=full",
        "instance/service-accounts/default/identity?audience=a&format=compact",
        "instance/service-accounts/default/identity?audience=a&licenses=maybe",
        "instance/service-accounts/default/identity?audience=a&audience=b",
    ] {
        let answer = md(path);
        assert_eq!(answer.status, 400, "{path}: {}", answer.text);
        assert_flavored(&answer);
        assert!(answer.content_type.starts_with("text/html"), "{path}");
        assert!(!answer.text.starts_with("eyJ"));
    }
    assert!(
        md("instance/service-accounts/default/identity")
            .text
            .contains("audience")
    );
}

#[test]
fn account_and_project_leaves_and_directories() {
    let email = md("instance/service-accounts/default/email");
    assert_eq!((email.status, email.text.as_str()), (200, CI));
    assert_eq!(email.content_type, "application/text");
    assert_eq!(
        md("instance/service-accounts/default/aliases").text,
        "default"
    );
    assert_eq!(
        md("instance/service-accounts/default/scopes").text,
        format!("{CLOUD_PLATFORM}\n")
    );
    let project = md("project/project-id");
    assert_eq!(
        (project.status, project.text.as_str()),
        (200, "demo-project")
    );
    let number = md("project/numeric-project-id").text;
    assert_eq!(number.len(), 12, "{number}");
    assert!(number.bytes().all(|b| b.is_ascii_digit()));

    let info = md("instance/service-accounts/default/?recursive=true");
    assert!(info.content_type.starts_with("application/json"));
    assert_eq!(
        info.json(),
        json!({"aliases": ["default"], "email": CI, "scopes": [CLOUD_PLATFORM]})
    );
    assert_eq!(
        md(&format!("instance/service-accounts/{CI}/?recursive=true")).json(),
        info.json()
    );
    assert_eq!(
        md("instance/service-accounts/default/").text,
        "aliases\nemail\nidentity\nscopes\ntoken\n"
    );
    assert_eq!(
        md("instance/service-accounts/").text,
        format!("default/\n{CI}/\n")
    );
    let all = md("instance/service-accounts/?recursive=true").json();
    assert_eq!(all["default"]["email"], CI);
    assert_eq!(all[CI]["email"], CI);
    let project = md("project/?recursive=true").json();
    assert_eq!(project["projectId"], "demo-project");
    assert_eq!(project["numericProjectId"].to_string(), number);
    assert_eq!(md("").text, "instance/\nproject/\n");

    // A directory named without its slash redirects, keeping the query.
    let answer = md("instance/service-accounts/default?recursive=true");
    assert_eq!(answer.status, 301);
    assert_flavored(&answer);
    assert_eq!(
        answer.header("location"),
        Some("/computeMetadata/v1/instance/service-accounts/default/?recursive=true")
    );
    // A leaf named with a slash does not exist.
    assert_eq!(md("project/project-id/").status, 404);
}

#[test]
fn the_metadata_account_and_universe_are_configurable() {
    let toml = format!(
        r#"
metadata_service_account = "{DEPLOYER}"
metadata_universe_domain = "example-universe.test"
[[service_accounts]]
email = "{CI}"
[[service_accounts]]
email = "{DEPLOYER}"
project = "other-project"
"#
    );
    let s = start_with(&toml, None);
    let get = |path: &str| send("GET", &s.url(&format!("{ROOT}/{path}")), &[FLAVOR], b"");
    assert_eq!(
        get("instance/service-accounts/default/email").text,
        DEPLOYER
    );
    assert_eq!(get("project/project-id").text, "other-project");
    assert_eq!(
        get(&format!("instance/service-accounts/{CI}/email")).status,
        404
    );
    let universe = get("universe/universe-domain");
    assert_eq!(
        (universe.status, universe.text.as_str()),
        (200, "example-universe.test")
    );

    // Without accounts there is nothing to serve but the directories.
    let empty = start_with("", None);
    let answer = send(
        "GET",
        &empty.url(&format!("{ROOT}/instance/service-accounts/default/token")),
        &[FLAVOR],
        b"",
    );
    assert_eq!(answer.status, 404);
    let listing = send(
        "GET",
        &empty.url(&format!("{ROOT}/instance/service-accounts/")),
        &[FLAVOR],
        b"",
    );
    assert_eq!((listing.status, listing.text.as_str()), (200, ""));

    // An unknown metadata account is a configuration error.
    let config = credmint_emulator::Config::from_toml(&format!(
        "metadata_service_account = \"ghost@p.iam.gserviceaccount.com\"\n[[service_accounts]]\nemail = \"{CI}\"\n"
    ))
    .unwrap();
    let err = credmint_emulator::Emulator::bind(&config, &credmint_emulator::Options::default())
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("metadata_service_account"),
        "{err}"
    );
}
