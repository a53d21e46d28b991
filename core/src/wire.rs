//! Reading JSON response bodies field by field, with typed errors that carry
//! the HTTP status and name the field, never its value.

use crate::error::{Error, Result};
use crate::http::HttpResponse;
use crate::json::{self, JsonError};
use crate::secret::SecretString;
use serde_json::{Map, Value};

/// A 2xx response body that is a JSON object.
pub(crate) struct Body {
    status: u16,
    map: Map<String, Value>,
}

impl Body {
    /// Parses the body: it must be a JSON object within the size cap.
    pub(crate) fn parse(response: &HttpResponse) -> Result<Self> {
        let status = response.status();
        let bytes = response.checked_body()?;
        if bytes.is_empty() {
            return Err(Error::invalid_response(status, "empty body"));
        }
        let map = json::parse_object(bytes).map_err(|err| match err {
            JsonError::NotAnObject => Error::invalid_response(status, "body is not a JSON object"),
            JsonError::Syntax(reason) => {
                Error::invalid_response(status, format!("body is not JSON: {reason}"))
            }
        })?;
        Ok(Body { status, map })
    }

    /// Wraps an object found inside a body (a list item).
    pub(crate) fn nested(status: u16, map: Map<String, Value>) -> Self {
        Body { status, map }
    }

    pub(crate) fn status(&self) -> u16 {
        self.status
    }

    pub(crate) fn error(&self, reason: impl Into<String>) -> Error {
        Error::invalid_response(self.status, reason)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A required non-empty string.
    pub(crate) fn str(&self, name: &str) -> Result<&str> {
        self.opt_str(name)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| self.error(format!("\"{name}\" is missing or empty")))
    }

    /// An optional string (`null` counts as absent).
    pub(crate) fn opt_str(&self, name: &str) -> Result<Option<&str>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.error(format!("\"{name}\" is not a string"))),
        }
    }

    /// A required non-empty string moved out of the body into a secret.
    pub(crate) fn take_secret(&mut self, name: &str) -> Result<SecretString> {
        self.str(name)?;
        match self.map.remove(name) {
            Some(Value::String(s)) => Ok(SecretString::from(s)),
            _ => Err(self.error(format!("\"{name}\" is missing"))),
        }
    }

    /// A non-negative integer, also accepted as a string of digits (some
    /// providers send `"expires_in":"3599"`).
    pub(crate) fn u64_lenient(&self, name: &str) -> Result<Option<u64>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.error(format!("\"{name}\" is not a non-negative integer"))),
            Some(Value::String(s))
                if !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                s.parse()
                    .map(Some)
                    .map_err(|_| self.error(format!("\"{name}\" is out of range")))
            }
            Some(_) => Err(self.error(format!("\"{name}\" is not a non-negative integer"))),
        }
    }

    /// An optional array.
    pub(crate) fn opt_array(&self, name: &str) -> Result<Option<&Vec<Value>>> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(_) => Err(self.error(format!("\"{name}\" is not an array"))),
        }
    }

    /// An optional array of strings.
    pub(crate) fn opt_strings(&self, name: &str) -> Result<Option<Vec<String>>> {
        let Some(items) = self.opt_array(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.error(format!("\"{name}\" must hold strings")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Result<Body> {
        Body::parse(&HttpResponse::new(200, vec![], text.as_bytes().to_vec()))
    }

    #[test]
    fn malformed_bodies() {
        for bad in ["", "<html></html>", "[]", "null", "{\"a\":1,\"a\":2}"] {
            let err = body(bad).err().unwrap();
            assert_eq!(
                (err.code(), err.http_status()),
                ("invalid_response", Some(200)),
                "{bad}"
            );
        }
    }

    #[test]
    fn typed_fields() {
        let mut b = body(r#"{"s":"x","e":"","n":5,"ns":"7","neg":-1,"f":1.5,"big":"99999999999999999999","arr":["a"],"bad":[1]}"#).unwrap();
        assert_eq!(b.str("s").unwrap(), "x");
        assert!(b.str("e").is_err() && b.str("missing").is_err() && b.str("n").is_err());
        assert_eq!(b.u64_lenient("n").unwrap(), Some(5));
        assert_eq!(b.u64_lenient("ns").unwrap(), Some(7));
        assert_eq!(b.u64_lenient("absent").unwrap(), None);
        for bad in ["neg", "f", "big", "s", "arr"] {
            assert!(b.u64_lenient(bad).is_err(), "{bad}");
        }
        assert_eq!(b.opt_strings("arr").unwrap(), Some(vec!["a".to_owned()]));
        assert!(b.opt_strings("bad").is_err());
        assert_eq!(b.take_secret("s").unwrap().expose_secret(), "x");
        assert!(!b.has("s"));
    }
}
