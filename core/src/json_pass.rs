//! One strict pass over a JSON object that picks out a few named members.
//!
//! A verified token's header and claims are read for a handful of members
//! (`alg`, `kid`; `exp`, `aud`, …), while the rest only has to be valid.
//! Building a `serde_json::Map` of every member to read six of them costs more
//! than the checks themselves. This pass accepts exactly what the strict
//! `Value` parser it replaced accepted (kept as the `json` fuzz target's
//! reference, `fuzz/src/reference.rs`): the same serde_json parse of every
//! value, and no member name repeated at any depth, refused at the same
//! position with the same words. It summarizes the picked members as they
//! pass and builds nothing else. On native targets, text a token usually
//! carries is read first by a faster scanner (`json_scan`), which hands
//! anything unusual back.

use crate::json::{self, JsonError};
#[cfg(not(target_arch = "wasm32"))]
use crate::json_scan;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Members of one object up to which repeats are found by comparing with each
/// earlier name; past it, with a sorted set (an object's size is bounded by
/// the token's, but must not cost quadratic time).
const LINEAR_NAMES: usize = 16;

/// The most members one pass picks.
pub(crate) const MAX_PICKED: usize = 8;

/// A picked member's value, summarized: what the checks need of it.
#[derive(Debug, PartialEq)]
pub(crate) enum Found<'a> {
    /// An integer that fits an `i64`.
    Integer(i64),
    /// A string (borrowed from the text unless it had escapes).
    Text(Cow<'a, str>),
    /// An array whose members are all strings.
    Texts(Vec<Cow<'a, str>>),
    /// An array with a member that is not a string.
    MixedArray,
    /// Anything else: a float, a boolean, `null`, an object, a huge integer.
    Other,
    /// The top-level object (its picked members are in [`Picked`]).
    Object,
}

/// The members a pass picked, by name.
pub(crate) struct Picked<'a> {
    names: &'static [&'static str],
    found: [Option<Found<'a>>; MAX_PICKED],
}

impl<'a> Picked<'a> {
    /// The member `name` (one of the names picked), if the object has it.
    pub(crate) fn get(&self, name: &str) -> Option<&Found<'a>> {
        let index = self
            .names
            .iter()
            .position(|wanted| same_name(wanted, name))?;
        self.found.get(index)?.as_ref()
    }
}

/// Checks that `text` is one JSON value with no member name repeated in any
/// of its objects, parsing every value in full.
pub(crate) fn check(text: &str) -> Result<(), JsonError> {
    run(text, &[], &mut Default::default()).map(drop)
}

/// Reads `text` as one JSON object, picking the members `names` (at most
/// [`MAX_PICKED`]); `JsonError::NotAnObject` for any other valid JSON value.
pub(crate) fn pick<'a>(
    text: &'a str,
    names: &'static [&'static str],
) -> Result<Picked<'a>, JsonError> {
    debug_assert!(names.len() <= MAX_PICKED);
    let mut picked = Picked {
        names: &names[..names.len().min(MAX_PICKED)],
        found: Default::default(),
    };
    match run(text, picked.names, &mut picked.found)? {
        Found::Object => Ok(picked),
        _ => Err(JsonError::NotAnObject),
    }
}

/// The pass: on native targets the scanner's answer when it has one
/// (`crate::json_scan`), else serde_json's.
fn run<'a>(
    text: &'a str,
    names: &'static [&'static str],
    found: &mut [Option<Found<'a>>; MAX_PICKED],
) -> Result<Found<'a>, JsonError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        if let Some(top) = json_scan::scan(text, names, found) {
            return Ok(top);
        }
        // It may have picked members before it gave up.
        *found = Default::default();
    }
    run_serde(text, names, found)
}

/// The scanner's reading of `text` and serde_json's, when the scanner gives
/// one: the top value's summary and the members `names` picked.
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
pub(crate) type Reading<'a> = (Found<'a>, [Option<Found<'a>>; MAX_PICKED]);

/// Both readings of `text` ([`Reading`]), for the fuzz target that checks them equal.
#[cfg(all(feature = "fuzzing", not(target_arch = "wasm32")))]
pub(crate) fn scan_and_serde<'a>(
    text: &'a str,
    names: &'static [&'static str],
) -> Option<(Reading<'a>, std::result::Result<Reading<'a>, JsonError>)> {
    let mut scanned = Default::default();
    let top = json_scan::scan(text, names, &mut scanned)?;
    let mut passed = Default::default();
    let serde = run_serde(text, names, &mut passed).map(|top| (top, passed));
    Some(((top, scanned), serde))
}

/// The pass as serde_json reads the text (every refusal's words and position).
pub(crate) fn run_serde<'a>(
    text: &'a str,
    names: &'static [&'static str],
    found: &mut [Option<Found<'a>>; MAX_PICKED],
) -> Result<Found<'a>, JsonError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let syntax = |err: serde_json::Error| JsonError::Syntax(json::describe_error(&err));
    let top = de
        .deserialize_any(Pass::Top { names, found })
        .map_err(syntax)?;
    de.end().map_err(syntax)?;
    Ok(top)
}

/// The names seen in one object, refusing a repeat as the strict parser did
/// (after reading the repeated name, before its value). The first names are
/// kept on the stack and compared one by one; past them, in a sorted set.
pub(crate) struct Names<'a> {
    first: [Cow<'a, str>; LINEAR_NAMES],
    count: usize,
    more: std::collections::BTreeSet<Cow<'a, str>>,
}

impl<'a> Names<'a> {
    /// No names yet.
    pub(crate) fn new() -> Self {
        Names {
            first: [const { Cow::Borrowed("") }; LINEAR_NAMES],
            count: 0,
            more: std::collections::BTreeSet::new(),
        }
    }

    /// Adds `name`: `false` if the object already had it.
    pub(crate) fn add(&mut self, name: Cow<'a, str>) -> bool {
        if self.count < LINEAR_NAMES {
            let repeated = self.first[..self.count]
                .iter()
                .any(|seen| same_name(seen, &name));
            self.first[self.count] = name;
            self.count += 1;
            !repeated
        } else {
            if self.more.is_empty() {
                self.more.extend(self.first.iter().cloned());
            }
            self.more.insert(name)
        }
    }
}

/// Whether two member names are equal, byte by byte after their lengths:
/// inline, where `==` calls `memcmp`, which costs more than the comparison
/// itself for names of three bytes (`iss`, `iat`, `exp`).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The one visitor of the pass (one type, so serde_json's parser is
/// instantiated once for it): what it keeps of the value it is handed.
enum Pass<'p, 'de> {
    /// The whole text: an object's members `names` are picked into `found`.
    Top {
        names: &'static [&'static str],
        found: &'p mut [Option<Found<'de>>; MAX_PICKED],
    },
    /// A picked member: summarized.
    Summarize,
    /// Anything else: checked, nothing kept.
    Skip,
}

impl<'de> DeserializeSeed<'de> for Pass<'_, 'de> {
    type Value = Found<'de>;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> std::result::Result<Found<'de>, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Pass<'_, 'de> {
    type Value = Found<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<Found<'de>, E> {
        Ok(Found::Other)
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Found<'de>, E> {
        Ok(Found::Integer(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Found<'de>, E> {
        Ok(i64::try_from(v).map_or(Found::Other, Found::Integer))
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<Found<'de>, E> {
        Ok(Found::Other)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Found<'de>, E> {
        Ok(Found::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Found<'de>, E> {
        Ok(match self {
            Pass::Skip => Found::Other,
            _ => Found::Text(Cow::Owned(v.to_owned())),
        })
    }
    fn visit_unit<E>(self) -> std::result::Result<Found<'de>, E> {
        Ok(Found::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Found<'de>, A::Error> {
        let keep = matches!(self, Pass::Summarize);
        let mut texts = Vec::new();
        let mut all_texts = true;
        while let Some(item) =
            seq.next_element_seed(if keep { Pass::Summarize } else { Pass::Skip })?
        {
            match item {
                Found::Text(text) if keep && all_texts => texts.push(text),
                _ => all_texts = false,
            }
        }
        Ok(if keep && all_texts {
            Found::Texts(texts)
        } else if keep {
            Found::MixedArray
        } else {
            Found::Other
        })
    }

    fn visit_map<A: MapAccess<'de>>(
        self,
        mut access: A,
    ) -> std::result::Result<Found<'de>, A::Error> {
        let (wanted, mut found) = match self {
            Pass::Top { names, found } => (names, Some(found)),
            _ => (&[][..], None),
        };
        let mut names = Names::new();
        while let Some(name) = access.next_key_seed(Pass::Summarize)? {
            let Found::Text(name) = name else {
                return Err(de::Error::custom("member name is not a string"));
            };
            let index = wanted.iter().position(|wanted| same_name(wanted, &name));
            if !names.add(name) {
                return Err(de::Error::custom("duplicate member name"));
            }
            match (index, found.as_deref_mut()) {
                (Some(index), Some(found)) => {
                    found[index] = Some(access.next_value_seed(Pass::Summarize)?);
                }
                _ => drop(access.next_value_seed(Pass::Skip)?),
            }
        }
        Ok(if found.is_some() {
            Found::Object
        } else {
            Found::Other
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(text: &str) -> String {
        match pick(text, &["a", "b"]) {
            Ok(picked) => format!(
                "ok a={} b={}",
                picked.get("a").map_or("absent", describe),
                picked.get("b").map_or("absent", describe)
            ),
            Err(err) => format!("{err}"),
        }
    }

    fn describe(found: &Found<'_>) -> &'static str {
        match found {
            Found::Integer(_) => "integer",
            Found::Text(_) => "text",
            Found::Texts(_) => "texts",
            Found::MixedArray => "mixed",
            Found::Other | Found::Object => "other",
        }
    }

    #[test]
    fn picks_and_summarizes() {
        assert_eq!(outcome(r#"{"a":1,"z":{"b":2}}"#), "ok a=integer b=absent");
        assert_eq!(outcome(r#"{"b":"x","a":["y"]}"#), "ok a=texts b=text");
        assert_eq!(
            outcome(r#"{"a":["y",2],"b":9223372036854775808}"#),
            "ok a=mixed b=other"
        );
        assert_eq!(outcome(r#"{"a":{},"b":null}"#), "ok a=other b=other");
        assert_eq!(outcome("[]"), "JSON value is not an object");
    }

    /// The refusals and the words of the strict parser this pass replaced (a
    /// `Value` visitor refusing a repeated name as it read it: the `json` fuzz
    /// target's reference, which checks the pass against it on every input).
    #[test]
    fn refuses_what_the_strict_parser_refused_in_the_same_words() {
        let dup = "invalid JSON: duplicate member name at line 1 column";
        let syntax = "invalid JSON: syntax error at line 1 column";
        let end = "invalid JSON: unexpected end of input at line 1 column";
        for (text, expected) in [
            (r#"{"a":1,"a":2}"#, format!("{dup} 10")),
            (r#"{"z":{"b":1,"b":2}}"#, format!("{dup} 15")),
            (r#"{"a":[{"b":1,"b":2}]}"#, format!("{dup} 16")),
            (r#"[{"b":1,"b":2}]"#, format!("{dup} 11")),
            (r#"{"\u0061":1,"a":2}"#, format!("{dup} 15")),
            (r#"{"a":"\ud800"}"#, format!("{syntax} 13")),
            (r#"{"a":1e400}"#, format!("{syntax} 10")),
            ("{\"a\":\"\u{1}\"}", format!("{syntax} 7")),
            ("{", format!("{end} 1")),
            ("{} {}", format!("{syntax} 4")),
            (r#"{"a":1,}"#, format!("{syntax} 8")),
            (r#"{"a":01}"#, format!("{syntax} 7")),
            ("", format!("{end} 0")),
        ] {
            assert_eq!(outcome(text), expected, "{text}");
            let strict = json::parse_object(text.as_bytes()).unwrap_err();
            assert_eq!(format!("{strict}"), expected, "{text}");
        }
    }

    #[test]
    fn many_names_are_checked_without_quadratic_time() {
        let members: Vec<String> = (0..400).map(|i| format!("\"m{i}\":{i}")).collect();
        let unique = format!("{{{}}}", members.join(","));
        assert!(outcome(&unique).starts_with("ok"));
        for repeat in ["m3", "m15", "m16", "m399"] {
            let repeated = format!("{{{},\"{repeat}\":1}}", members.join(","));
            let column = repeated.len() - 3;
            assert_eq!(
                outcome(&repeated),
                format!("invalid JSON: duplicate member name at line 1 column {column}")
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{{\"z\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        assert!(
            outcome(&deep).contains("nesting too deep"),
            "{}",
            outcome(&deep)
        );
    }

    #[test]
    fn strict_parse_gives_serde_jsons_map() {
        for text in [
            r#"{"a":1,"b":[true,null,{"c":"\u00e9"}],"d":1.5e3,"e":-0}"#,
            r#"{"z":18446744073709551615,"y":-9223372036854775808,"x":1e-7}"#,
        ] {
            let plain: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(text).unwrap();
            assert_eq!(
                json::parse_object(text.as_bytes()).unwrap(),
                plain,
                "{text}"
            );
        }
    }
}
