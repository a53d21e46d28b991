//! JWT claims sets: parsed strictly, read with type checks, written canonically.

use crate::error::{Error, Result};
use crate::json::{self, JsonError};
use crate::time::UnixTime;
use serde_json::{Map, Value};

/// A JWT claims set: a JSON object with no duplicate member names.
///
/// Registered time claims are read as integer NumericDates; a claim of the
/// wrong JSON type is an error, never "absent". Serialization sorts members by
/// name, so equal claims always give byte-identical tokens.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let claims = credmint::Claims::from_json(r#"{"sub":"x","exp":1700003600}"#)?;
/// assert_eq!(claims.exp()?, Some(1_700_003_600));
/// assert_eq!(claims.to_json(), r#"{"exp":1700003600,"sub":"x"}"#);
/// assert!(credmint::Claims::from_json(r#"{"exp":"1700003600"}"#)?.exp().is_err());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Claims(Map<String, Value>);

impl Claims {
    /// An empty claims set.
    pub fn new() -> Self {
        Claims(Map::new())
    }

    /// Parses a claims set from JSON text: it must be an object with no duplicate
    /// member names at any depth.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_json_bytes(text.as_bytes())
    }

    pub(crate) fn from_json_bytes(bytes: &[u8]) -> Result<Self> {
        json::parse_object(bytes)
            .map(Claims)
            .map_err(Claims::refusal)
    }

    /// Why a claims set's JSON text was refused (shared with the one-pass
    /// reader of verified tokens, so that both say the same).
    pub(crate) fn refusal(err: JsonError) -> Error {
        match err {
            JsonError::NotAnObject => Error::invalid_claims("claims must be a JSON object"),
            JsonError::Syntax(reason) => {
                Error::invalid_claims(format!("claims are not JSON: {reason}"))
            }
        }
    }

    pub(crate) fn not_numeric_date(name: &str) -> Error {
        Error::invalid_claims(format!("{name} must be a non-negative integer NumericDate"))
    }

    pub(crate) fn not_a_string(name: &str) -> Error {
        Error::invalid_claims(format!("{name} must be a string"))
    }

    pub(crate) fn aud_members_not_strings() -> Error {
        Error::invalid_claims("aud array members must be strings")
    }

    pub(crate) fn aud_wrong_type() -> Error {
        Error::invalid_claims("aud must be a string or an array of strings")
    }

    /// Wraps an existing JSON object.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Claims(map)
    }

    /// The claims as a JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The claims as a JSON object, by value.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// One claim, if present.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// Sets a claim, replacing any previous value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(name.into(), value.into());
    }

    /// Canonical compact JSON: members sorted by name at every depth.
    pub fn to_json(&self) -> String {
        json::object_to_canonical_string(&self.0)
    }

    /// `exp` as an integer NumericDate, if present.
    pub fn exp(&self) -> Result<Option<i64>> {
        self.numeric_date("exp")
    }

    /// `iat` as an integer NumericDate, if present.
    pub fn iat(&self) -> Result<Option<i64>> {
        self.numeric_date("iat")
    }

    /// `nbf` as an integer NumericDate, if present.
    pub fn nbf(&self) -> Result<Option<i64>> {
        self.numeric_date("nbf")
    }

    /// `iss`, if present; any non-string is an error.
    pub fn iss(&self) -> Result<Option<&str>> {
        self.string("iss")
    }

    /// `sub`, if present; any non-string is an error.
    pub fn sub(&self) -> Result<Option<&str>> {
        self.string("sub")
    }

    /// `aud` as a list: a string gives one entry, an array of strings its entries,
    /// an absent claim none. Any other type is an error.
    pub fn aud(&self) -> Result<Vec<&str>> {
        Ok(self.audiences()?.collect())
    }

    /// `aud`'s entries, checked as [`Claims::aud`] does, without collecting them
    /// (verification only asks whether one is expected).
    pub(crate) fn audiences(&self) -> Result<impl Iterator<Item = &str>> {
        let items: &[Value] = match self.0.get("aud") {
            None => &[],
            Some(one @ Value::String(_)) => std::slice::from_ref(one),
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items,
            Some(Value::Array(_)) => return Err(Self::aud_members_not_strings()),
            Some(_) => return Err(Self::aud_wrong_type()),
        };
        Ok(items.iter().filter_map(Value::as_str))
    }

    /// A NumericDate claim: a non-negative integer number of seconds.
    /// Strings, floats, booleans, `null` and out-of-range numbers are errors.
    pub fn numeric_date(&self, name: &str) -> Result<Option<i64>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(value) => match value.as_i64() {
                Some(secs) if secs >= 0 => Ok(Some(secs)),
                _ => Err(Self::not_numeric_date(name)),
            },
        }
    }

    fn string(&self, name: &str) -> Result<Option<&str>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Self::not_a_string(name)),
        }
    }

    /// Sets a NumericDate claim.
    pub(crate) fn set_time(&mut self, name: &str, time: UnixTime) {
        self.0.insert(name.to_owned(), Value::from(time.as_secs()));
    }
}

/// The registered claims verification reads, with the same rules whether
/// they come from a [`Claims`] map or from a verified token's one-pass read
/// (`claims_pass`): the checks are written once, over this.
pub(crate) trait RegisteredSource {
    /// A NumericDate claim: a non-negative integer, if present.
    fn numeric_date(&self, name: &str) -> Result<Option<i64>>;
    /// `iss`, if present.
    fn iss(&self) -> Result<Option<&str>>;
    /// `sub`, if present.
    fn sub(&self) -> Result<Option<&str>>;
    /// `aud`'s entries.
    fn audiences(&self) -> Result<impl Iterator<Item = &str>>;
}

impl RegisteredSource for Claims {
    fn numeric_date(&self, name: &str) -> Result<Option<i64>> {
        Claims::numeric_date(self, name)
    }
    fn iss(&self) -> Result<Option<&str>> {
        Claims::iss(self)
    }
    fn sub(&self) -> Result<Option<&str>> {
        Claims::sub(self)
    }
    fn audiences(&self) -> Result<impl Iterator<Item = &str>> {
        Claims::audiences(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_claims_are_typed() {
        let ok = Claims::from_json(r#"{"exp":0,"iat":1700000000}"#).unwrap();
        assert_eq!(ok.exp().unwrap(), Some(0));
        assert_eq!(ok.iat().unwrap(), Some(1_700_000_000));
        assert_eq!(ok.nbf().unwrap(), None);
        for bad in [
            r#"{"exp":"1700000000"}"#,
            r#"{"exp":null}"#,
            r#"{"exp":true}"#,
            r#"{"exp":[1]}"#,
            r#"{"exp":1.5}"#,
            r#"{"exp":1700000000.0}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":99999999999999999999}"#,
            r#"{"exp":1e20}"#,
        ] {
            let err = Claims::from_json(bad).unwrap().exp().unwrap_err();
            assert_eq!(err.code(), "invalid_claims", "{bad}");
        }
        assert_eq!(
            Claims::from_json(r#"{"exp":1e400}"#).unwrap_err().code(),
            "invalid_claims"
        );
    }

    #[test]
    fn aud_forms() {
        let one = Claims::from_json(r#"{"aud":"a"}"#).unwrap();
        assert_eq!(one.aud().unwrap(), vec!["a"]);
        let many = Claims::from_json(r#"{"aud":["a","b"]}"#).unwrap();
        assert_eq!(many.aud().unwrap(), vec!["a", "b"]);
        let none = Claims::from_json(r#"{}"#).unwrap();
        assert!(none.aud().unwrap().is_empty());
        for bad in [r#"{"aud":1}"#, r#"{"aud":["a",1]}"#, r#"{"aud":null}"#] {
            assert!(Claims::from_json(bad).unwrap().aud().is_err(), "{bad}");
        }
    }

    #[test]
    fn strict_parse() {
        for bad in ["[]", "1", r#"{"a":1,"a":2}"#, "{", "{} {}"] {
            assert_eq!(Claims::from_json(bad).unwrap_err().code(), "invalid_claims");
        }
    }

    #[test]
    fn canonical_json_is_sorted() {
        let mut claims = Claims::new();
        claims.insert("z", 1);
        claims.insert("a", "x");
        claims.set_time("exp", UnixTime::from_secs(5));
        assert_eq!(claims.to_json(), r#"{"a":"x","exp":5,"z":1}"#);
    }
}
