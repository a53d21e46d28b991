//! Credential documents of every type and the option documents beside them:
//! a document either builds credentials whose flows start with a bounded
//! request, or fails with a typed error that quotes none of its secrets.

use crate::properties::{SECRET_FIELDS, assert_bounded_request, assert_no_secret, shown_secret};
use credmint::{
    CredentialOptions, Credentials, SecretString, SharedCacheOptions, Step, TokenVerifier, UnixTime,
};
use serde_json::Value;

const NOW: i64 = 1_700_000_000;

/// The `documents` target: the first byte picks the parser, the rest is the document.
pub fn documents(data: &[u8]) {
    let Some((selector, document)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(document);
    let secrets = secrets_in(&text);
    let outcome = match selector % 4 {
        0 => credentials(&text, &secrets),
        1 => CredentialOptions::from_json(&text).map(drop),
        2 => SharedCacheOptions::from_json(&text).map(drop),
        _ => TokenVerifier::from_options("google_id_token", &text).map(drop),
    };
    if let Err(error) = outcome {
        assert_no_secret(&error, &secrets, "credential document");
    }
}

fn credentials(text: &str, secrets: &[String]) -> credmint::Result<()> {
    let options = CredentialOptions {
        jitter_seed: Some(1),
        ..CredentialOptions::default()
    };
    let credentials = Credentials::from_json_with(text, &options)?;
    let shown = format!("{credentials:?}");
    if shown_secret(&shown, secrets).is_some() {
        panic!("credentials' Debug shows a secret");
    }
    let subject = SecretString::from("fuzz-subject-token".to_owned());
    let flows = [
        credentials
            .access_token_flow_with_subject_token(&subject)
            .map(|mut f| f.poll(UnixTime::from_secs(NOW)).map(|s| first_request(&s))),
        credentials
            .id_token_flow("https://svc.example")
            .map(|mut f| f.poll(UnixTime::from_secs(NOW)).map(|s| first_request(&s))),
    ];
    for flow in flows {
        match flow {
            Ok(Ok(())) => {}
            Ok(Err(error)) | Err(error) => assert_no_secret(&error, secrets, "first step"),
        }
    }
    Ok(())
}

fn first_request<T>(step: &Step<T>) {
    match step {
        Step::Send(request) => assert_bounded_request(request),
        // An external account sources its subject token first.
        Step::Sign(_) | Step::ReadFile(_) | Step::ReadEnv(_) | Step::Run(_) => {}
        Step::Wait(_) | Step::Done(_) => panic!("a new flow did not start with a request"),
    }
}

/// The values of secret members anywhere in a JSON document, and each line
/// of a PEM among them.
/// A value that also occurs outside secret members (the fuzzer copies a
/// refresh token into `type`, which an error may quote) is left out.
pub(crate) fn secrets_in(text: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    let mut others = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        collect(&value, &mut secrets, &mut others);
    }
    secrets.retain(|secret| !others.iter().any(|other| other.contains(secret.as_str())));
    secrets
}

/// Whether a PEM line could be key material: base64 only. The fuzzer writes
/// phrases of messages into a key's lines (`1 column `, which serde_json's
/// "at line 1 column 959" then shows); a leaked key line is base64.
fn is_key_material(line: &str) -> bool {
    !line.is_empty()
        && line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

fn collect(value: &Value, secrets: &mut Vec<String>, others: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (name, member) in members {
                others.push(format!("{name:?}"));
                others.push(name.clone());
                match member {
                    Value::String(secret) if SECRET_FIELDS.contains(&name.as_str()) => {
                        secrets.push(secret.clone());
                        secrets.extend(
                            secret
                                .lines()
                                .filter(|line| is_key_material(line))
                                .map(str::to_owned),
                        );
                    }
                    _ => collect(member, secrets, others),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, secrets, others)),
        Value::String(text) => {
            // Messages quote values escaped (`{:?}`): compare both forms.
            others.push(format!("{text:?}"));
            others.push(text.clone());
        }
        _ => {}
    }
}
