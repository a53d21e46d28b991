//! Strict JSON in, canonical JSON out.
//!
//! `serde_json::Value` silently keeps the last of duplicate member names
//! (`{"alg":"RS256","alg":"none"}`), so security-relevant JSON is parsed with a
//! visitor that rejects duplicates at every depth. Output is written with
//! members sorted by name at every depth, whatever serde_json's map type is, so
//! the same claims give byte-identical tokens in every binding.

use serde_json::{Map, Value};
use std::fmt;
use zeroize::Zeroizing;

/// Why a JSON document was refused. The message never quotes the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Not valid JSON (syntax, encoding, depth, duplicate member).
    Syntax(String),
    /// Valid JSON whose top level is not an object.
    NotAnObject,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Syntax(reason) => write!(f, "invalid JSON: {reason}"),
            JsonError::NotAnObject => f.write_str("JSON value is not an object"),
        }
    }
}

/// Parses a JSON object, rejecting duplicate member names at any depth.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, JsonError> {
    match parse_value(bytes)? {
        Value::Object(map) => Ok(map),
        _ => Err(JsonError::NotAnObject),
    }
}

/// Parses any JSON value, rejecting duplicate member names at any depth: one
/// strict pass ([`crate::json_pass::check`]), then serde_json's own `Value`
/// parse of text that is known to have no repeated name.
pub(crate) fn parse_value(bytes: &[u8]) -> Result<Value, JsonError> {
    let text = utf8(bytes)?;
    crate::json_pass::check(text)?;
    serde_json::from_str(text).map_err(|e| JsonError::Syntax(describe_error(&e)))
}

/// A JSON document's bytes as text (JSON is UTF-8), refused as every parser
/// here refuses it.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, JsonError> {
    std::str::from_utf8(bytes)
        .map_err(|err| JsonError::Syntax(format!("invalid UTF-8 at byte {}", err.valid_up_to())))
}

/// [`utf8`] for bytes the caller owns: the same refusal, and the text in the
/// same allocation.
pub(crate) fn utf8_owned(bytes: Vec<u8>) -> Result<String, JsonError> {
    String::from_utf8(bytes).map_err(|err| {
        JsonError::Syntax(format!(
            "invalid UTF-8 at byte {}",
            err.utf8_error().valid_up_to()
        ))
    })
}

/// Describes a serde_json error by category and position only, never quoting
/// the input (serde_json's own messages can echo values, which may be secrets).
/// "missing field" and "duplicate field" messages name only a struct field and
/// are kept.
pub(crate) fn describe_error(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let message = err.to_string();
    let detail = if message.starts_with("missing field") || message.starts_with("duplicate field") {
        message
            .split(" at line")
            .next()
            .unwrap_or("invalid field")
            .to_owned()
    } else if message.contains("duplicate member name") {
        "duplicate member name".to_owned()
    } else if message.contains("recursion limit") {
        "nesting too deep".to_owned()
    } else {
        match err.classify() {
            Category::Io => "read error",
            Category::Syntax => "syntax error",
            Category::Data => "unexpected value type",
            Category::Eof => "unexpected end of input",
        }
        .to_owned()
    };
    format!("{detail} at line {} column {}", err.line(), err.column())
}

/// Writes `value` as compact JSON with object members sorted by name at every depth.
#[cfg(test)]
pub(crate) fn to_canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// Writes a JSON object with members sorted by name at every depth.
pub(crate) fn object_to_canonical_string(map: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_object(map, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

fn write_object(map: &Map<String, Value>, out: &mut String) {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (name, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(name, out);
        out.push(':');
        write_canonical(value, out);
    }
    out.push('}');
}

/// Writes a JSON string literal with the same escaping as `JSON.stringify`.
pub(crate) fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Decodes the text of a JSON string literal (quotes included) into a buffer
/// that is wiped on drop. Used for `private_key`, so the PEM never sits in an
/// unzeroized scratch buffer. The capacity is fixed up front so the buffer is
/// never reallocated (which would leave an unwiped copy behind).
pub(crate) fn unescape_string_literal(literal: &str) -> Option<Zeroizing<String>> {
    let inner = literal.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Zeroizing::new(String::with_capacity(inner.len()));
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            if u32::from(c) < 0x20 {
                return None;
            }
            out.push(c);
            continue;
        }
        let decoded = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{08}',
            'f' => '\u{0c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let unit = read_hex4(&mut chars)?;
                if (0xD800..0xDC00).contains(&unit) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let low = read_hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                    char::from_u32(code)?
                } else {
                    char::from_u32(unit)?
                }
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

fn read_hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut value = 0u32;
    for _ in 0..4 {
        value = value * 16 + chars.next()?.to_digit(16)?;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicate_members_at_any_depth() {
        for doc in [
            r#"{"alg":"RS256","alg":"none"}"#,
            r#"{"a":{"b":1,"b":2}}"#,
            r#"{"a":[{"b":1,"b":1}]}"#,
        ] {
            let err = parse_object(doc.as_bytes()).unwrap_err();
            assert!(err.to_string().contains("duplicate member name"), "{err}");
        }
    }

    #[test]
    fn rejects_non_objects_and_garbage() {
        assert_eq!(parse_object(b"[1]"), Err(JsonError::NotAnObject));
        assert_eq!(parse_object(b"\"x\""), Err(JsonError::NotAnObject));
        for bad in [
            &b"{} x"[..],
            b"\xef\xbb\xbf{}",
            b"{\"a\":NaN}",
            b"{\"a\":01}",
            b"{'a':1}",
            b"{\"a\":1e400}",
            b"{\"a\":\"\xff\"}",
            b"",
        ] {
            assert!(
                matches!(parse_object(bad), Err(JsonError::Syntax(_))),
                "{bad:?}"
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let doc = format!("{{\"a\":{deep}}}");
        assert!(parse_object(doc.as_bytes()).is_err());
    }

    #[test]
    fn accepts_whitespace_and_trailing_whitespace() {
        let map = parse_object(b" {\"iss\":\"joe\",\r\n \"exp\":1} \n").unwrap();
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn canonical_output_sorts_members_at_every_depth() {
        let v = parse_value(br#"{"b":1,"a":{"d":[true,null],"c":"x\ny\u0001"}}"#).unwrap();
        assert_eq!(
            to_canonical_string(&v),
            r#"{"a":{"c":"x\ny\u0001","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn canonical_numbers() {
        let v = parse_value(br#"[1, -2, 1.5, 1e3, 18446744073709551615]"#).unwrap();
        assert_eq!(
            to_canonical_string(&v),
            "[1,-2,1.5,1000.0,18446744073709551615]"
        );
    }

    #[test]
    fn unescapes_string_literals() {
        let s = unescape_string_literal(r#""a\nb\"c\\d\/e\u00e9\ud83d\ude00""#).unwrap();
        assert_eq!(s.as_str(), "a\nb\"c\\d/eé😀");
        for bad in [
            r#""\x""#,
            r#""\u12""#,
            r#""\ud83d""#,
            r#""\ud83dx""#,
            "abc",
            "\"a\u{1}\"",
        ] {
            assert!(unescape_string_literal(bad).is_none(), "{bad}");
        }
    }
}
