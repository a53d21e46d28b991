//! The fast path of [`crate::json_pass`]: a scanner for the JSON a token
//! usually carries (strings without escapes, small integers, `true`, `false`,
//! `null`, shallow arrays and objects), giving the same picks as the pass.
//!
//! It is sound, not complete: it answers only when serde_json would accept the
//! text and the pass would pick the same values, and gives up (`None`) on
//! anything else: an escape, a float, a long integer, a control character, deep
//! nesting, a repeated name, a syntax error. The pass then reads the text from
//! the start, so every refusal keeps serde_json's words and position. The
//! `json` fuzz target checks the two against each other on every input.

use crate::json_pass::{Found, MAX_PICKED, same_name};
use std::borrow::Cow;

/// Nesting past which the scanner gives up (the pass allows serde_json's 128).
const MAX_DEPTH: usize = 32;

/// Members of one object the scanner checks for repeats; past them, it gives up.
const MAX_MEMBERS: usize = 16;

/// Integers of at most this many digits always fit an `i64`.
const MAX_DIGITS: usize = 18;

/// What the pass's visitor keeps of a value.
#[derive(Clone, Copy)]
enum Keep {
    /// A picked member: summarized.
    Summary,
    /// Anything else: checked, nothing kept.
    Nothing,
}

/// Scans `text` as [`crate::json_pass::run`] reads it: the top value's summary
/// ([`Found::Object`] for an object, whose members `names` go into `found`),
/// or `None` when the pass must decide.
pub(crate) fn scan<'a>(
    text: &'a str,
    names: &'static [&'static str],
    found: &mut [Option<Found<'a>>; MAX_PICKED],
) -> Option<Found<'a>> {
    let mut scanner = Scanner { text, at: 0 };
    scanner.skip_whitespace();
    let top = if scanner.peek() == Some(b'{') {
        scanner.object(names, Some(found), 0)?
    } else {
        scanner.value(Keep::Nothing, 0)?
    };
    scanner.skip_whitespace();
    (scanner.at == text.len()).then_some(top)
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let next = self.peek() == Some(byte);
        self.at += usize::from(next);
        next
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn value(&mut self, keep: Keep, depth: usize) -> Option<Found<'a>> {
        match self.peek()? {
            b'"' => self.string().map(|text| Found::Text(Cow::Borrowed(text))),
            b'{' => self.object(&[], None, depth),
            b'[' => self.array(keep, depth),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.integer().map(Found::Integer),
        }
    }

    fn literal(&mut self, word: &str) -> Option<Found<'a>> {
        let rest = self.text.as_bytes().get(self.at..)?;
        rest.starts_with(word.as_bytes()).then(|| {
            self.at += word.len();
            Found::Other
        })
    }

    /// A string with no escape and no control character, borrowed from the text.
    fn string(&mut self) -> Option<&'a str> {
        let start = self.at + 1;
        let rest = self.text.as_bytes().get(start..)?;
        let length = plain_run(rest);
        if rest.get(length) != Some(&b'"') {
            return None;
        }
        self.at = start + length + 1;
        self.text.get(start..start + length)
    }

    /// An integer serde_json reads as one (no fraction, no exponent, no
    /// leading zero, no `-0`), short enough to fit an `i64`.
    fn integer(&mut self) -> Option<i64> {
        let negative = self.eat(b'-');
        let digits = self.text.as_bytes().get(self.at..)?;
        let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        let first = *digits.first()?;
        if count == 0 || count > MAX_DIGITS || (first == b'0' && (count > 1 || negative)) {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = digits.get(count) {
            return None;
        }
        let magnitude = digits[..count]
            .iter()
            .fold(0i64, |sum, digit| sum * 10 + i64::from(digit - b'0'));
        self.at += count;
        Some(if negative { -magnitude } else { magnitude })
    }

    fn array(&mut self, keep: Keep, depth: usize) -> Option<Found<'a>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        let mut texts = Vec::new();
        let mut all_texts = true;
        self.skip_whitespace();
        if !self.eat(b']') {
            loop {
                self.skip_whitespace();
                match self.value(keep, depth + 1)? {
                    Found::Text(text) if matches!(keep, Keep::Summary) && all_texts => {
                        texts.push(text)
                    }
                    _ => all_texts = false,
                }
                self.skip_whitespace();
                if self.eat(b']') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        Some(match keep {
            Keep::Summary if all_texts => Found::Texts(texts),
            Keep::Summary => Found::MixedArray,
            Keep::Nothing => Found::Other,
        })
    }

    /// An object; its members `wanted` go into `found` when there is one (the top object).
    fn object(
        &mut self,
        wanted: &'static [&'static str],
        mut found: Option<&mut [Option<Found<'a>>; MAX_PICKED]>,
        depth: usize,
    ) -> Option<Found<'a>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.at += 1;
        let mut names = [""; MAX_MEMBERS];
        let mut count = 0;
        self.skip_whitespace();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.peek() != Some(b'"') {
                    return None;
                }
                let name = self.string()?;
                let index = wanted.iter().position(|wanted| same_name(wanted, name));
                let seen = names.get(..count)?;
                if count == MAX_MEMBERS || seen.iter().any(|seen| same_name(seen, name)) {
                    return None;
                }
                names[count] = name;
                count += 1;
                self.skip_whitespace();
                if !self.eat(b':') {
                    return None;
                }
                self.skip_whitespace();
                match (index, found.as_deref_mut()) {
                    (Some(index), Some(found)) => {
                        found[index] = Some(self.value(Keep::Summary, depth + 1)?);
                    }
                    _ => drop(self.value(Keep::Nothing, depth + 1)?),
                }
                self.skip_whitespace();
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        Some(if found.is_some() {
            Found::Object
        } else {
            Found::Other
        })
    }
}

/// Whether a string may not hold `byte` as it is: it ends the string (`"`),
/// starts an escape (`\`) or is a control character.
fn ends_plain_run(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

/// How many bytes at the start of `rest` a string holds as they are (up to
/// the first byte [`ends_plain_run`] is true of, or all of `rest`), eight at a
/// time, as serde_json's own string reader does.
fn plain_run(rest: &[u8]) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    // The high bit of each byte of `word` below `limit` (at most 0x80): the
    // lowest one set is always right; those above it may not be.
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGHS;
    let mut chunks = rest.chunks_exact(8);
    let mut at = 0;
    for chunk in chunks.by_ref() {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(bytes);
        let found = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if found != 0 {
            return at + found.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let tail = chunks.remainder();
    at + tail
        .iter()
        .position(|&byte| ends_plain_run(byte))
        .unwrap_or(tail.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(text: &str) -> Option<String> {
        let mut found = Default::default();
        let top = scan(text, &["a", "b"], &mut found)?;
        let describe = |found: &Option<Found<'_>>| match found {
            None => "absent".to_owned(),
            Some(Found::Integer(n)) => format!("{n}"),
            Some(Found::Text(text)) => format!("{text:?}"),
            Some(Found::Texts(texts)) => format!("{texts:?}"),
            Some(Found::MixedArray) => "mixed".to_owned(),
            Some(Found::Other) => "other".to_owned(),
            Some(Found::Object) => "object".to_owned(),
        };
        Some(format!(
            "{} a={} b={}",
            describe(&Some(top)),
            describe(&found[0]),
            describe(&found[1])
        ))
    }

    #[test]
    fn reads_what_tokens_usually_carry() {
        assert_eq!(
            scanned(r#" {"a": -12, "z": {"b": [1, true, null]}, "b": ["x", "é"]} "#).as_deref(),
            Some(r#"object a=-12 b=["x", "é"]"#)
        );
        assert_eq!(
            scanned(r#"{"a":[],"b":["x",2]}"#).as_deref(),
            Some("object a=[] b=mixed")
        );
        assert_eq!(
            scanned(r#"{"a":{"a":1},"b":0}"#).as_deref(),
            Some("object a=other b=0")
        );
        assert_eq!(scanned("[1,2]").as_deref(), Some("other a=absent b=absent"));
        assert_eq!(
            scanned(r#""a""#).as_deref(),
            Some(r#""a" a=absent b=absent"#)
        );
        assert_eq!(
            scanned(r#"{"a":999999999999999999}"#).as_deref(),
            Some("object a=999999999999999999 b=absent")
        );
    }

    #[test]
    fn plain_runs_end_where_a_byte_by_byte_search_ends() {
        let alphabet = b"ab\"\\\x00\x1f\x20\x7f\x80\xff";
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let length = (state % 40) as usize;
            let bytes: Vec<u8> = (0..length)
                .map(|i| {
                    let pick = (state >> (i % 60)) as usize;
                    // Mostly plain bytes, so that runs are long.
                    if pick.is_multiple_of(7) {
                        alphabet[pick % alphabet.len()]
                    } else {
                        b'x'
                    }
                })
                .collect();
            let expected = bytes
                .iter()
                .position(|&b| ends_plain_run(b))
                .unwrap_or(bytes.len());
            assert_eq!(plain_run(&bytes), expected, "{bytes:?}");
        }
    }

    /// Each of these is either refused by serde_json or read by it differently
    /// (a float, a long integer, an escape): the pass decides.
    #[test]
    fn leaves_everything_else_to_the_pass() {
        for text in [
            r#"{"a":"\n"}"#,
            r#"{"\u0061":1}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":-0}"#,
            r#"{"a":01}"#,
            r#"{"a":-}"#,
            r#"{"a":1000000000000000000}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":tru}"#,
            r#"{"a":truex}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            "{} {}",
            "{",
            "",
            &format!(
                "{{{}}}",
                (0..17)
                    .map(|i| format!("\"m{i}\":1"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            &format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40)),
        ] {
            assert_eq!(scanned(text), None, "{text}");
        }
    }
}
