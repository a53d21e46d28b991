//! Hooks for credmint's fuzz targets (feature `fuzzing`): an internal pass
//! next to what it must agree with. Not part of the API; no other use.

use crate::claims::Claims;
use crate::registered_claims::RegisteredClaims;
use crate::time::UnixTime;
use crate::verify::{Validation, check_claims};

/// Verification's claim checks over `text`, read in one pass (as verification
/// reads a token's claims) and as a claims map: each result as the error's
/// code and message, which must be the same for every input.
pub fn registered_claims_both_ways(
    text: &str,
    validation: &Validation,
    now: UnixTime,
) -> (Result<(), String>, Result<(), String>) {
    let shown = |err: crate::Error| format!("{}: {err}", err.code());
    let one_pass = RegisteredClaims::read(text)
        .and_then(|claims| check_claims(&claims, validation, now))
        .map_err(shown);
    let map = Claims::from_json(text)
        .and_then(|claims| check_claims(&claims, validation, now))
        .map_err(shown);
    (one_pass, map)
}

#[cfg(not(target_arch = "wasm32"))]
/// The members the scanner hook picks: header and claims names together.
const SCANNED: &[&str] = &["alg", "kid", "typ", "crit", "exp", "aud", "iss", "sub"];

/// The JSON pass's fast scanner and its serde_json reading over `text`, each
/// result shown as text: `None` when the scanner leaves `text` to serde_json,
/// else both readings, which must be equal (serde_json's must be `Ok`).
#[cfg(not(target_arch = "wasm32"))]
pub fn json_scan_both_ways(text: &str) -> Option<(String, Result<String, String>)> {
    let (scanned, passed) = crate::json_pass::scan_and_serde(text, SCANNED)?;
    let shown = passed
        .map(|reading| format!("{reading:?}"))
        .map_err(|err| err.to_string());
    Some((format!("{scanned:?}"), shown))
}

/// A base64url segment decoded by the native (SIMD) decoder and by the
/// portable one WebAssembly uses: the two must agree on every input.
pub fn b64url_both_ways(text: &str) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    (
        crate::encoding::b64url_decode(text),
        crate::encoding::b64url_decode_portable(text),
    )
}
