//! The offline commands: each reads its inputs, calls the core, and writes one result.

use crate::failure::Failure;
use crate::input::{self, LoadedKey};
use base64::Engine as _;
use credmint::{Claims, KeyFileOptions, KeySet, Validation};
use serde_json::{Value, json};
use std::io::Write;

/// Writes `text` and a newline to stdout.
pub fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|err| Failure::io(format!("cannot write to stdout: {err}")))
}

/// `credmint keygen`: a new service-account-shaped key file on stdout.
pub fn keygen(
    email: &str,
    project: Option<String>,
    bits: usize,
    token_uri: Option<String>,
) -> Result<(), Failure> {
    let mut options = KeyFileOptions::new(email);
    options.project_id = project;
    options.bits = bits;
    options.token_uri = token_uri;
    let file = credmint::generate_service_account_key(&options)?;
    let mut out = std::io::stdout().lock();
    out.write_all(file.expose_secret().as_bytes())
        .and_then(|()| out.flush())
        .map_err(|err| Failure::io(format!("cannot write to stdout: {err}")))
}

/// `credmint sign-jwt`: IAM `signJwt` locally; prints `{"keyId":..,"signedJwt":..}`.
pub fn sign_jwt(
    key: &str,
    key_id: Option<&str>,
    claims: &str,
    now: Option<i64>,
) -> Result<(), Failure> {
    let key = input::load_key(key, key_id)?;
    let claims_text = match claims.strip_prefix('@') {
        Some(path) => input::read_text(path)?,
        None => zeroize::Zeroizing::new(claims.to_owned()),
    };
    let claims = Claims::from_json(&claims_text)?;
    let signed = key.signing_key().sign_jwt(&claims, input::now(now)?)?;
    emit(signed.to_json().expose_secret())
}

/// `credmint sign-blob`: IAM `signBlob` locally; prints `{"keyId":..,"signedBlob":..}`.
pub fn sign_blob(key: &str, key_id: Option<&str>, input_path: &str) -> Result<(), Failure> {
    let key = input::load_key(key, key_id)?;
    let blob = input::read_bytes(input_path)?;
    emit(&key.signing_key().sign_blob(&blob)?.to_json())
}

/// Options of `credmint verify`.
pub struct VerifyArgs {
    /// The token, or `-` for stdin.
    pub token: String,
    /// Key set file.
    pub keys: String,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// Accepted issuers.
    pub issuers: Vec<String>,
    /// Leeway in seconds.
    pub leeway: u64,
    /// Maximum `exp - iat`.
    pub max_lifetime: Option<u64>,
    /// Required header `typ`.
    pub typ: Option<String>,
    /// Time to verify at.
    pub now: Option<i64>,
}

/// `credmint verify`: prints the verified claims as JSON.
pub fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let token = input::read_token(&args.token)?;
    let keys = KeySet::parse(&input::read_text(&args.keys)?)?;
    let mut validation = Validation::new().leeway(args.leeway)?;
    for audience in args.audiences {
        validation = validation.audience(audience);
    }
    for issuer in args.issuers {
        validation = validation.issuer(issuer);
    }
    if let Some(max) = args.max_lifetime {
        validation = validation.max_lifetime(max)?;
    }
    if let Some(typ) = args.typ {
        validation = validation.typ(typ);
    }
    let verified = credmint::verify(&token, &keys, &validation, input::now(args.now)?)?;
    emit(&verified.claims().to_json())
}

/// `credmint jwks`: the public JWK Set of a key.
pub fn jwks(key: &str, key_id: Option<&str>) -> Result<(), Failure> {
    let key = input::load_key(key, key_id)?;
    let jwks = match &key {
        LoadedKey::ServiceAccount(key) => key.jwks(),
        LoadedKey::Pem(key) => key.jwks(),
    };
    emit(&jwks.to_json())
}

/// `credmint inspect`: header and claims, marked unverified.
pub fn inspect(token: &str) -> Result<(), Failure> {
    let token = input::read_token(token)?;
    let decoded = credmint::decode_unverified(&token)?;
    let signature_len = token
        .rsplit('.')
        .next()
        .and_then(|sig| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(sig)
                .ok()
        })
        .map_or(0, |sig| sig.len());
    let report = json!({
        "verified": false,
        "warning": "signature and claims NOT verified; use `credmint verify` before trusting any of this",
        "header": Value::Object(decoded.header.members().clone()),
        "claims": Value::Object(decoded.claims.into_map()),
        "signature_bytes": signature_len,
    });
    let text = serde_json::to_string_pretty(&report).map_err(|err| Failure::io(err.to_string()))?;
    emit(&text)
}
