//! A verified token's claims, as the token carries them.

use crate::claims::Claims;
use std::fmt;
use std::sync::OnceLock;

/// The claims of a token that passed verification.
///
/// They are kept as the token's own JSON text, which passed the strict parse
/// (one object, no member name repeated at any depth), so that a host hands
/// it to its own JSON parser (a Python dict, a JavaScript object) without a
/// map being built and written out again in between. [`VerifiedClaims::claims`]
/// gives the same claims as a [`Claims`] map, built the first time it is asked for.
#[derive(Clone)]
pub struct VerifiedClaims {
    json: Box<str>,
    map: OnceLock<Claims>,
}

impl VerifiedClaims {
    /// Claims whose text passed the one-pass strict read (`claims_pass`).
    pub(crate) fn new(json: Box<str>) -> Self {
        VerifiedClaims {
            json,
            map: OnceLock::new(),
        }
    }

    /// The claims' JSON text, exactly as the token carries it (member order,
    /// spacing and escapes are the issuer's).
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The claims as a map (built once, at the first call).
    pub fn claims(&self) -> &Claims {
        self.map.get_or_init(|| self.parse())
    }

    /// The claims as a map, by value.
    pub fn into_claims(self) -> Claims {
        match self.map.into_inner() {
            Some(map) => map,
            None => Claims::from_json(&self.json).unwrap_or_default(),
        }
    }

    fn parse(&self) -> Claims {
        // The strict read that verification did accepts exactly what this
        // parse accepts (the same serde_json parse, the same duplicate rule;
        // unit-tested and fuzzed side by side), so this never falls back.
        Claims::from_json(&self.json).unwrap_or_default()
    }
}

impl PartialEq for VerifiedClaims {
    fn eq(&self, other: &Self) -> bool {
        self.json == other.json
    }
}

impl fmt::Debug for VerifiedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifiedClaims").field(&self.json).finish()
    }
}
