//! The registered claims a verification reads, picked from a token's claims
//! text in one strict pass ([`crate::json_pass`]) instead of a claims map.
//!
//! The host wants all claims in its own JSON type (a Python dict, a JavaScript
//! object), and a Rust caller may never read more than these; so the map
//! ([`Claims`]) is built only when asked for ([`crate::VerifiedClaims`]).

use crate::claims::{Claims, RegisteredSource};
use crate::error::{Error, Result};
use crate::json_pass::{self, Found, Picked};
use std::borrow::Cow;

/// The claims verification reads: `exp`, `nbf`, `iat`, `auth_time` (Firebase),
/// `iss`, `sub` and `aud`.
const REGISTERED: &[&str] = &["exp", "nbf", "iat", "auth_time", "iss", "sub", "aud"];

/// The registered claims of one claims text.
pub(crate) struct RegisteredClaims<'a>(Picked<'a>);

impl<'a> RegisteredClaims<'a> {
    /// Reads a claims set's JSON text: an object with no member name repeated
    /// at any depth, or the error [`Claims::from_json`] gives.
    pub(crate) fn read(text: &'a str) -> Result<Self> {
        json_pass::pick(text, REGISTERED)
            .map(RegisteredClaims)
            .map_err(Claims::refusal)
    }

    fn text(&self, name: &str) -> Result<Option<&str>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Found::Text(text)) => Ok(Some(text)),
            Some(_) => Err(Claims::not_a_string(name)),
        }
    }
}

impl RegisteredSource for RegisteredClaims<'_> {
    /// With [`Claims::numeric_date`]'s rules.
    fn numeric_date(&self, name: &str) -> Result<Option<i64>> {
        if !REGISTERED
            .iter()
            .any(|known| json_pass::same_name(known, name))
        {
            return Err(Error::invalid_argument("not a registered claim"));
        }
        match self.0.get(name) {
            None => Ok(None),
            Some(Found::Integer(secs)) if *secs >= 0 => Ok(Some(*secs)),
            Some(_) => Err(Claims::not_numeric_date(name)),
        }
    }

    /// With [`Claims::iss`]'s rules.
    fn iss(&self) -> Result<Option<&str>> {
        self.text("iss")
    }

    /// With [`Claims::sub`]'s rules.
    fn sub(&self) -> Result<Option<&str>> {
        self.text("sub")
    }

    /// With [`Claims::aud`]'s rules.
    fn audiences(&self) -> Result<impl Iterator<Item = &str>> {
        let items: &[Cow<'_, str>] = match self.0.get("aud") {
            None => &[],
            Some(Found::Text(one)) => std::slice::from_ref(one),
            Some(Found::Texts(items)) => items,
            Some(Found::MixedArray) => return Err(Claims::aud_members_not_strings()),
            Some(_) => return Err(Claims::aud_wrong_type()),
        };
        Ok(items.iter().map(|item| &**item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field verification reads, from the pass and from the map, as text.
    fn both(json: &str) -> (String, String) {
        let pass = match RegisteredClaims::read(json) {
            Ok(claims) => describe(
                ["exp", "nbf", "iat", "auth_time"].map(|name| claims.numeric_date(name)),
                claims.iss(),
                claims.sub(),
                claims.audiences().map(Iterator::collect),
            ),
            Err(err) => format!("{err}"),
        };
        let map = match Claims::from_json(json) {
            Ok(claims) => describe(
                ["exp", "nbf", "iat", "auth_time"].map(|name| claims.numeric_date(name)),
                claims.iss(),
                claims.sub(),
                claims.aud(),
            ),
            Err(err) => format!("{err}"),
        };
        (pass, map)
    }

    fn describe(
        times: [Result<Option<i64>>; 4],
        iss: Result<Option<&str>>,
        sub: Result<Option<&str>>,
        aud: Result<Vec<&str>>,
    ) -> String {
        format!("{times:?} {iss:?} {sub:?} {aud:?}")
    }

    #[test]
    fn accepts_and_refuses_what_the_map_does() {
        for json in [
            r#"{"exp":1700000000,"iat":0,"nbf":5,"iss":"i","sub":"s","aud":"a"}"#,
            r#"{"aud":["a","b"],"auth_time":3}"#,
            r#"{"aud":["a",1],"exp":"1"}"#,
            r#"{"aud":1,"iss":2,"sub":null,"exp":1.0,"iat":-1,"nbf":true}"#,
            r#"{"exp":9223372036854775807,"iat":9223372036854775808,"nbf":1e3}"#,
            r#"{"exp":{"a":1},"aud":[],"iss":"\u00e9\n","sub":"\ud83d\ude00"}"#,
            r#"{"nested":{"a":[1,{"b":2,"c":[{"d":null}]}],"e":"x"},"exp":1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"exp":1,"exp":2}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"{"a":[{"b":1,"b":2}]}"#,
            r#"{"aud":[{"b":1,"b":2}]}"#,
            r#"{"exp":{"b":1,"b":2}}"#,
            r#"{"\u0061":1,"a":2}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"aud":["\ud800"]}"#,
            r#"{"a":1e400}"#,
            r#"{"a":"x\u0001"}"#,
            "{\"a\":\"\x01\"}",
            r#"[{"a":1,"a":2}]"#,
            r#"[1,2]"#,
            r#""text""#,
            "1",
            "null",
            "{",
            "{}",
            "{} {}",
            " {\"exp\" : 1 } ",
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            "",
        ] {
            let (pass, map) = both(json);
            assert_eq!(pass, map, "{json}");
        }
    }

    #[test]
    fn many_names_are_checked_without_quadratic_time() {
        let members: Vec<String> = (0..400).map(|i| format!("\"m{i}\":{i}")).collect();
        let unique = format!("{{{}}}", members.join(","));
        assert_eq!(both(&unique).0, both(&unique).1);
        let repeated = format!("{{{},\"m7\":1}}", members.join(","));
        let (pass, map) = both(&repeated);
        assert!(pass.contains("duplicate member name"), "{pass}");
        assert_eq!(pass, map);
    }

    #[test]
    fn deep_nesting_is_refused_as_the_map_refuses_it() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let (pass, map) = both(&deep);
        assert!(pass.contains("nesting too deep"), "{pass}");
        assert_eq!(pass, map);
    }
}
