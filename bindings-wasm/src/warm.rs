//! A warm-up for V8's lazy WebAssembly compilation. V8 compiles each wasm
//! function the first time it runs, so the first token in a fresh isolate pays
//! for compiling the key-file, JWT and token-response code (about 5–15 ms of
//! CPU in workerd). `warmUp()` runs that code once on placeholder data, at
//! module load, so the compiling happens at isolate startup instead of in the
//! first request. Nothing it makes is kept or can sign: the placeholder key is
//! not an RSA key (its "primes" are 3 and 5), and no RSA arithmetic runs.

use crate::credentials::Credentials;
use crate::keys::{KeySet, ServiceAccountKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use js_sys::Array;
use wasm_bindgen::prelude::*;

const NOW: f64 = 1_700_000_000.0;

/// Runs the first-token path once on placeholder data; never throws. `true`
/// when the whole path ran (a failure only means less was warmed).
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up() -> bool {
    warm_token_path().is_ok()
}

fn warm_token_path() -> Result<(), JsValue> {
    let key = ServiceAccountKey::from_json_for_keystore(placeholder_key_file().as_bytes())?;
    let mut conversation =
        Credentials::from_service_account_key(&key, true, None)?.access_token(None)?;
    conversation.poll(NOW)?;
    conversation.feed_signature(&[0; 256])?;
    conversation.poll(NOW)?;
    let headers = Array::of1(&Array::of2(
        &"content-type".into(),
        &"application/json".into(),
    ));
    let body = br#"{"access_token":"warm-up","expires_in":3599,"token_type":"Bearer"}"#;
    conversation.feed_response(200, headers, body)?;
    conversation.poll(NOW)?;
    warm_verify_path(&key)
}

fn warm_verify_path(key: &ServiceAccountKey) -> Result<(), JsValue> {
    let keys = KeySet::new(key.jwks_json().as_bytes())?;
    let mut unsigned = key.unsigned_jwt(r#"{"aud":"warm-up","sub":"warm-up"}"#, NOW)?;
    let token = unsigned.attach(&[0; 256])?;
    keys.prepare(token.as_bytes(), "[]", "[]", None, None)?;
    Ok(())
}

/// A service-account key file shaped like Google's, whose key is a 2048-bit
/// odd modulus with e = 65537 and tiny, meaningless private components.
fn placeholder_key_file() -> String {
    let mut modulus = vec![0xC5; 256];
    modulus[255] = 0x01;
    let pkcs1 = sequence(&[
        integer(&[0]),
        integer(&modulus),
        integer(&[0x01, 0x00, 0x01]),
        integer(&[7]),
        integer(&[3]),
        integer(&[5]),
        integer(&[1]),
        integer(&[1]),
        integer(&[2]),
    ]);
    let rsa_encryption = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let pkcs8 = sequence(&[integer(&[0]), rsa_encryption.to_vec(), tagged(0x04, &pkcs1)]);
    let lines: Vec<String> = STANDARD
        .encode(pkcs8)
        .as_bytes()
        .chunks(64)
        .map(|line| String::from_utf8_lossy(line).into_owned())
        .collect();
    let label = "PRIVATE KEY";
    let pem = format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    );
    serde_json::json!({
        "type": "service_account",
        "project_id": "warm-up",
        "private_key_id": "warm-up",
        "private_key": pem,
        "client_email": "warm-up@warm-up.iam.gserviceaccount.com",
        "token_uri": "https://oauth2.googleapis.com/token",
    })
    .to_string()
}

fn integer(big_endian: &[u8]) -> Vec<u8> {
    let mut content = Vec::with_capacity(big_endian.len() + 1);
    if big_endian.first().is_some_and(|top| top & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(big_endian);
    tagged(0x02, &content)
}

fn sequence(items: &[Vec<u8>]) -> Vec<u8> {
    tagged(0x30, &items.concat())
}

/// DER tag, definite length (short or long form), content.
fn tagged(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let length = content.len();
    if length < 0x80 {
        out.push(length as u8);
    } else {
        let bytes: Vec<u8> = length
            .to_be_bytes()
            .into_iter()
            .skip_while(|byte| *byte == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}
