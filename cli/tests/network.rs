//! The network commands end to end against `credmint serve` over loopback:
//! every conversation, success and error paths, and a SIGKILL restart.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const CI: &str = "ci-runner@demo-project.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@demo-project.iam.gserviceaccount.com";
const SIGNER: &str = "storage-signer@demo-project.iam.gserviceaccount.com";

fn credmint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_credmint"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Value {
    let out = credmint(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs a command expected to fail; returns its error code from `error[code]: …`.
fn fails(args: &[&str]) -> String {
    let out = credmint(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    stderr
        .strip_prefix("error[")
        .and_then(|rest| rest.split_once(']'))
        .map(|(code, _)| code.to_owned())
        .unwrap_or_else(|| panic!("unexpected stderr: {stderr}"))
}

/// `credmint serve` in a child process, killed on drop.
struct Serve {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Serve {
    fn start(dir: &Path) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_credmint"))
            .args(["serve", "--port", "0", "--state"])
            .arg(dir.join("state.json"))
            .arg("--keys-dir")
            .arg(dir.join("keys"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line.trim().to_owned();
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "first line: {line:?}"
        );
        Serve {
            child,
            base,
            dir: dir.to_owned(),
        }
    }

    fn key(&self, email: &str) -> String {
        self.path(&format!("keys/{email}.json"))
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// SIGKILL: no graceful shutdown, no chance to flush anything.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("credmint-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn expires_in(value: &Value) -> i64 {
    let at = credmint::parse_rfc3339(value["expires_at"].as_str().unwrap()).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    at.as_secs() - now
}

#[test]
fn every_google_conversation_through_the_cli() {
    let dir = temp_dir("google");
    let s = Serve::start(&dir);
    let e = ["--endpoint", s.base.as_str()];

    let token = ok(&[&["token", "--key", &s.key(CI)][..], &e].concat());
    assert!(token["access_token"].as_str().unwrap().starts_with("ya29."));
    assert!((3500..=3600).contains(&expires_in(&token)));

    // The key file's token_uri already points at the emulator: no --endpoint needed.
    let token = ok(&[
        "token",
        "--key",
        &s.key(CI),
        "--scope",
        "https://www.googleapis.com/auth/iam",
    ]);
    assert_eq!(token["token_type"], "Bearer");

    let id = ok(&[
        &[
            "id-token",
            "--key",
            &s.key(CI),
            "--audience",
            "https://svc.example",
        ][..],
        &e,
    ]
    .concat());
    let jwks = s.write("oidc.json", &fetch(&format!("{}/oauth2/v3/certs", s.base)));
    let claims = ok(&[
        "verify",
        id["id_token"].as_str().unwrap(),
        "--keys",
        &jwks,
        "--aud",
        "https://svc.example",
        "--iss",
        "https://accounts.google.com",
    ]);
    assert_eq!(claims["email"], CI);

    let deployer = ok(&[
        &[
            "impersonate",
            "--source-key",
            &s.key(CI),
            "--target",
            DEPLOYER,
            "--lifetime",
            "600s",
        ][..],
        &e,
    ]
    .concat());
    assert!((590..=600).contains(&expires_in(&deployer)));
    let chained = ok(&[
        &[
            "impersonate",
            "--source-key",
            &s.key(CI),
            "--target",
            SIGNER,
            "--delegate",
            DEPLOYER,
        ][..],
        &e,
    ]
    .concat());
    assert!(chained["access_token"].is_string());

    // Error paths: no permission, over the lifetime limit, a key the server does not know.
    let code = fails(
        &[
            &[
                "impersonate",
                "--source-key",
                &s.key(CI),
                "--target",
                SIGNER,
            ][..],
            &e,
        ]
        .concat(),
    );
    assert_eq!(code, "permission_denied");
    let code = fails(
        &[
            &[
                "impersonate",
                "--source-key",
                &s.key(CI),
                "--target",
                DEPLOYER,
                "--lifetime",
                "7200s",
            ][..],
            &e,
        ]
        .concat(),
    );
    assert_eq!(code, "remote_error");
    let unknown =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/keys/sa_2048_pkcs8.json");
    let code = fails(&[&["token", "--key", unknown.to_str().unwrap()][..], &e].concat());
    assert_eq!(code, "credential_rejected");
    let code = fails(
        &[
            &[
                "impersonate",
                "--source-key",
                &s.key(CI),
                "--target",
                "ghost@demo-project.iam.gserviceaccount.com",
            ][..],
            &e,
        ]
        .concat(),
    );
    assert_eq!(code, "not_found");
    // Plain http to a non-loopback host is refused before anything is sent.
    let code = fails(&[
        "token",
        "--key",
        &s.key(CI),
        "--endpoint",
        "http://example.com",
    ]);
    assert_eq!(code, "invalid_argument");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ibm_and_k0rdent_through_the_cli() {
    let dir = temp_dir("ibm-k0rdent");
    let s = Serve::start(&dir);
    let e = ["--endpoint", s.base.as_str()];

    let apikey = s.write("apikey.txt", "demo-ibm-apikey-0123456789\n");
    let ibm = ok(&[&["ibm-token", "--apikey-file", &apikey][..], &e].concat());
    assert!(ibm["access_token"].as_str().unwrap().starts_with("eyJ"));
    assert!(ibm["refresh_token"].is_string());
    let wrong = s.write("wrong.txt", "not-a-key");
    assert_eq!(
        fails(&[&["ibm-token", "--apikey-file", &wrong][..], &e].concat()),
        "credential_rejected"
    );

    let secret = s.write("admin.secret", "demo-admin-secret-0123456789");
    let admin = ok(&[
        &[
            "client-token",
            "--client-id",
            "cred-admin",
            "--client-secret-file",
            &secret,
        ][..],
        &e,
    ]
    .concat());
    let token = s.write("admin.token", admin["access_token"].as_str().unwrap());
    let all = ok(&[
        &[
            "list-credentials",
            "--account",
            "sa-pipeline-prod",
            "--token-file",
            &token,
            "--page-size",
            "1",
        ][..],
        &e,
    ]
    .concat());
    assert_eq!(all["pages"], 2);
    let ids: Vec<&str> = all["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["cred-001", "cred-000"]);
    let expired = ok(&[
        &[
            "list-credentials",
            "--account",
            "sa-pipeline-prod",
            "--token-file",
            &token,
            "--status",
            "expired",
        ][..],
        &e,
    ]
    .concat());
    assert_eq!(expired["credentials"].as_array().unwrap().len(), 1);

    // A non-admin is refused; bad arguments never reach the server.
    let pipeline_secret = s.write("pipeline.secret", "demo-pipeline-secret-001");
    let pipeline = ok(&[
        &[
            "client-token",
            "--client-id",
            "cred-001",
            "--client-secret-file",
            &pipeline_secret,
        ][..],
        &e,
    ]
    .concat());
    let pipeline = s.write("pipeline.token", pipeline["access_token"].as_str().unwrap());
    assert_eq!(
        fails(
            &[
                &[
                    "list-credentials",
                    "--account",
                    "sa-pipeline-prod",
                    "--token-file",
                    &pipeline
                ][..],
                &e
            ]
            .concat()
        ),
        "permission_denied"
    );
    assert_eq!(
        fails(
            &[
                &[
                    "list-credentials",
                    "--account",
                    "sa-pipeline-prod",
                    "--token-file",
                    &token,
                    "--page-size",
                    "0"
                ][..],
                &e
            ]
            .concat()
        ),
        "invalid_argument"
    );
    assert_eq!(
        fails(
            &[
                &[
                    "client-token",
                    "--client-id",
                    "cred-001",
                    "--client-secret-file",
                    &secret
                ][..],
                &e
            ]
            .concat()
        ),
        "credential_rejected"
    );
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn serve_survives_sigkill_with_its_state_file() {
    let dir = temp_dir("restart");
    let s = Serve::start(&dir);
    let e = ["--endpoint", s.base.as_str()];
    let apikey = s.write("apikey.txt", "demo-ibm-apikey-0123456789");
    let ibm = ok(&[&["ibm-token", "--apikey-file", &apikey][..], &e].concat());
    let refresh = ibm["refresh_token"].as_str().unwrap().to_owned();
    let secret = s.write("admin.secret", "demo-admin-secret-0123456789");
    let admin = ok(&[
        &[
            "client-token",
            "--client-id",
            "cred-admin",
            "--client-secret-file",
            &secret,
        ][..],
        &e,
    ]
    .concat());
    let admin = admin["access_token"].as_str().unwrap().to_owned();
    let created = post(
        &format!(
            "{}/v1/regions/global/iam/service-accounts/sa-pipeline-prod/credentials",
            s.base
        ),
        &admin,
    );
    let kid_before = key_id(&s.key(CI));
    s.kill();

    let s = Serve::start(&dir);
    let e = ["--endpoint", s.base.as_str()];
    assert_eq!(key_id(&s.key(CI)), kid_before);
    // The created credential authenticates and is listed with its last use.
    let new_secret = s.write("new.secret", created["client_secret"].as_str().unwrap());
    ok(&[
        &[
            "client-token",
            "--client-id",
            created["id"].as_str().unwrap(),
            "--client-secret-file",
            &new_secret,
        ][..],
        &e,
    ]
    .concat());
    // The token issued before the kill still lists credentials.
    let token = s.write("admin.token", &admin);
    let all = ok(&[
        &[
            "list-credentials",
            "--account",
            "sa-pipeline-prod",
            "--token-file",
            &token,
        ][..],
        &e,
    ]
    .concat());
    let item = all["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == created["id"])
        .unwrap()
        .clone();
    assert!(item["lastUsedAt"].is_string());
    // The refresh token issued before the kill still works.
    let answer = form(
        &format!("{}/identity/token", s.base),
        &format!("grant_type=refresh_token&refresh_token={refresh}"),
    );
    assert!(answer["access_token"].is_string(), "{answer}");
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn key_id(path: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["private_key_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn fetch(url: &str) -> String {
    ureq::get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

fn post(url: &str, bearer: &str) -> Value {
    let mut response = ureq::post(url)
        .header("authorization", &format!("Bearer {bearer}"))
        .header("content-type", "application/json")
        .send("{}")
        .unwrap();
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}

fn form(url: &str, body: &str) -> Value {
    let mut response = ureq::post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(body)
        .unwrap();
    serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
}
