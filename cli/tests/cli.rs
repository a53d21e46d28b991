//! The `credmint` binary end to end: real processes, real files, real exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn key_file(name: &str) -> String {
    vectors()
        .join("keys")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn credmint(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_credmint"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = credmint(args, None);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], stdin: Option<&[u8]>) -> (i32, String) {
    let out = credmint(args, stdin);
    assert!(!out.status.success(), "{args:?} should fail");
    assert!(
        out.stdout.is_empty(),
        "{args:?} printed to stdout on failure"
    );
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn vector_cases(file: &str) -> Vec<Value> {
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors().join(file)).unwrap()).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

#[test]
fn sign_jwt_matches_every_file_based_vector() {
    let mut checked = 0;
    for case in vector_cases("sign.json") {
        if case["op"] != "sign_jwt" || case["key"].get("file").is_none() {
            continue;
        }
        let key = vectors().join(case["key"]["file"].as_str().unwrap());
        let now = case["now"].as_i64().unwrap().to_string();
        let args = [
            "sign-jwt",
            "--key",
            key.to_str().unwrap(),
            "--claims",
            case["claims_json"].as_str().unwrap(),
            "--now",
            &now,
        ];
        match case["expect"].get("error") {
            None => {
                assert_eq!(
                    ok(&args).trim_end(),
                    case["expect"]["json"].as_str().unwrap()
                );
            }
            Some(code) => {
                let (status, stderr) = fails(&args, None);
                assert_eq!(status, 1);
                assert!(
                    stderr.starts_with(&format!("error[{}]: ", code.as_str().unwrap())),
                    "{stderr}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10);
}

#[test]
fn sign_blob_matches_vectors_and_reads_stdin() {
    let case = vector_cases("sign.json")
        .into_iter()
        .find(|case| {
            case["op"] == "sign_blob"
                && case["name"]
                    .as_str()
                    .unwrap()
                    .contains("hello, service account")
        })
        .unwrap();
    let sa = key_file("sa_2048_pkcs8.json");
    let out = credmint(&["sign-blob", "--key", &sa, "--input", "-"], Some(b"hello"));
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        case["expect"]["json"].as_str().unwrap()
    );
}

#[test]
fn verify_matches_vectors() {
    let mut checked = 0;
    for case in vector_cases("verify.json") {
        let Some(file) = case["keys"].get("file") else {
            continue;
        };
        let validation = &case["validation"];
        if validation.get("max_token_size").is_some() {
            continue; // not a CLI option
        }
        let keys = vectors().join(file.as_str().unwrap());
        let now = case["now"].as_i64().unwrap().to_string();
        // The token goes in as an exact argument: stdin input has its trailing newline removed.
        let token = case["token"].as_str().unwrap();
        let mut args: Vec<String> = [
            "verify",
            token,
            "--keys",
            keys.to_str().unwrap(),
            "--now",
            &now,
        ]
        .map(String::from)
        .into();
        for aud in validation["audiences"].as_array().into_iter().flatten() {
            args.extend(["--aud".into(), aud.as_str().unwrap().into()]);
        }
        for iss in validation["issuers"].as_array().into_iter().flatten() {
            args.extend(["--iss".into(), iss.as_str().unwrap().into()]);
        }
        for (flag, name) in [("--leeway", "leeway"), ("--max-lifetime", "max_lifetime")] {
            if let Some(value) = validation.get(name) {
                args.extend([flag.into(), value.to_string()]);
            }
        }
        if let Some(typ) = validation.get("typ") {
            args.extend(["--typ".into(), typ.as_str().unwrap().into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = credmint(&args, None);
        match case["expect"].get("error") {
            None => {
                assert!(
                    out.status.success(),
                    "{}: {}",
                    case["name"],
                    String::from_utf8_lossy(&out.stderr)
                );
                let claims: Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(claims, case["expect"]["claims"], "{}", case["name"]);
            }
            Some(code) => {
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(1), "{}", case["name"]);
                assert!(
                    stderr.starts_with(&format!("error[{}]: ", code.as_str().unwrap())),
                    "{}: {stderr}",
                    case["name"]
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} cases");
}

#[test]
fn keygen_sign_verify_pipeline() {
    let dir = std::env::temp_dir().join(format!("credmint-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key_path = dir.join("key.json");
    let key_json = ok(&[
        "keygen",
        "--email",
        "demo@demo-project.iam.gserviceaccount.com",
    ]);
    std::fs::write(&key_path, &key_json).unwrap();
    let key = key_path.to_str().unwrap();

    let jwks_path = dir.join("jwks.json");
    std::fs::write(&jwks_path, ok(&["jwks", "--key", key])).unwrap();
    let signed: Value = serde_json::from_str(&ok(&[
        "sign-jwt",
        "--key",
        key,
        "--claims",
        r#"{"aud":"https://svc.example","sub":"42"}"#,
    ]))
    .unwrap();
    let token = signed["signedJwt"].as_str().unwrap();
    let claims: Value = serde_json::from_str(&ok(&[
        "verify",
        token,
        "--keys",
        jwks_path.to_str().unwrap(),
        "--aud",
        "https://svc.example",
    ]))
    .unwrap();
    assert_eq!(claims["sub"], "42");
    let piped = credmint(
        &["verify", "-", "--keys", jwks_path.to_str().unwrap()],
        Some(format!("{token}\n").as_bytes()),
    );
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );

    let (status, stderr) = fails(
        &[
            "verify",
            token,
            "--keys",
            jwks_path.to_str().unwrap(),
            "--aud",
            "https://other.example",
        ],
        None,
    );
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error[audience_mismatch]: "), "{stderr}");
    assert!(
        !stderr.contains(token.split('.').nth(2).unwrap()),
        "stderr leaks the signature"
    );

    let inspected: Value = serde_json::from_str(&ok(&["inspect", token])).unwrap();
    assert_eq!(inspected["verified"], false);
    assert_eq!(inspected["claims"]["sub"], "42");
    assert_eq!(inspected["header"]["kid"], signed["keyId"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pem_keys_get_a_thumbprint_key_id_unless_given() {
    let pem = key_file("rsa_3072_pkcs8.pem");
    let jwks: Value = serde_json::from_str(&ok(&["jwks", "--key", &pem])).unwrap();
    assert_eq!(jwks["keys"][0]["kid"].as_str().unwrap().len(), 43);
    let jwks: Value =
        serde_json::from_str(&ok(&["jwks", "--key", &pem, "--key-id", "mine"])).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "mine");
    let (status, stderr) = fails(
        &[
            "jwks",
            "--key",
            &key_file("sa_2048_pkcs8.json"),
            "--key-id",
            "x",
        ],
        None,
    );
    assert_eq!(status, 2);
    assert!(stderr.starts_with("error[usage]: "), "{stderr}");
}

#[test]
fn errors_are_typed_and_exit_codes_fixed() {
    let (status, stderr) = fails(&["jwks", "--key", &key_file("rsa_1024_pkcs8.pem")], None);
    assert_eq!(
        (status, stderr.split(':').next().unwrap()),
        (1, "error[unsupported_key]")
    );
    let (status, stderr) = fails(&["jwks", "--key", "/nonexistent/key.json"], None);
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error[io_error]: "), "{stderr}");
    let (status, stderr) = fails(&["inspect", "-"], Some(b"not.a.token"));
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error[malformed_token]: "), "{stderr}");
    let (status, _) = fails(&["sign-jwt", "--key", "x"], None);
    assert_eq!(status, 2, "missing required argument is a usage error");
    let (status, _) = fails(&["no-such-command"], None);
    assert_eq!(status, 2);
    let (status, stderr) = fails(&["keygen", "--email", "a@b.c", "--bits", "1024"], None);
    assert_eq!(status, 1);
    assert!(stderr.starts_with("error[invalid_argument]: "), "{stderr}");
}

#[test]
fn every_command_has_help() {
    for command in [
        "keygen",
        "sign-jwt",
        "sign-blob",
        "verify",
        "jwks",
        "inspect",
    ] {
        let help = ok(&[command, "--help"]);
        assert!(help.contains("Usage: credmint"), "{command}: {help}");
    }
    assert!(ok(&["--help"]).contains("verify"));
}
