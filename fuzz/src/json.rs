//! Strict JSON: credmint's one-pass reader (header members, registered claims,
//! duplicate names) against the reference it must agree with, a serde_json
//! `Value` visitor that refuses a repeated member name as it reads it.

use crate::reference;
use credmint::{Claims, UnixTime, Validation, decode_unverified, fuzzing};
use serde_json::Value;

/// The time the claims are checked at, inside the range fuzzed claims reach.
const NOW: i64 = 1_700_000_000;

/// The `json` target: input is a JSON text, read as claims and as a header.
pub fn json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let reference = reference::parse_object(&text);

    // The claims map: accepted exactly when the reference accepts an object, equal to it.
    match (Claims::from_json(&text), &reference) {
        (Ok(claims), Ok(map)) if claims.as_map() == map => {}
        (Err(_), Err(_)) => {}
        (ours, theirs) => panic!(
            "the claims map and the reference disagree: {:?} against {:?}",
            ours.map(|_| "ok").map_err(|e| e.to_string()),
            theirs.as_ref().map(|_| "ok")
        ),
    }

    // The checks verification makes, over the one-pass read and over the map.
    let validation = Validation::new()
        .audience("https://svc.example")
        .issuer("https://issuer.example");
    let now = UnixTime::from_secs(NOW);
    let (one_pass, map) = fuzzing::registered_claims_both_ways(&text, &validation, now);
    if one_pass != map {
        panic!("the registered claims read differently: {one_pass:?} against {map:?}");
    }

    // The pass's fast scanner, when it reads the text, reads it as serde_json does.
    if let Some((scanned, passed)) = fuzzing::json_scan_both_ways(&text)
        && passed.as_ref() != Ok(&scanned)
    {
        panic!("the scanner and serde_json read differently: {scanned} against {passed:?}");
    }

    // The same text as a token's header.
    let token = format!("{}.e30.AA", base64url(text.as_bytes()));
    if let Ok(decoded) = decode_unverified(&token) {
        let Ok(members) = &reference else {
            panic!("a header the reference refuses was accepted");
        };
        let header = &decoded.header;
        if header.members() != members {
            panic!("the header's members differ from the reference's");
        }
        let member = |name: &str| members.get(name).and_then(Value::as_str);
        if header.kid() != member("kid") || header.typ() != member("typ") {
            panic!("the header's kid or typ differs from its members");
        }
        if Some(header.alg()) != member("alg") {
            panic!("the header's alg differs from its members");
        }
    }
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
