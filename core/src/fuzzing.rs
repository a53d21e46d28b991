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
