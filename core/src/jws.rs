//! Compact JWS (RFC 7515): building RS256 signing inputs, attaching
//! signatures, and strict parsing of RS256 and ES256 tokens.
//!
//! Parsing checks, in order and before any other work: a size cap, exactly
//! three non-empty segments, canonical unpadded base64url, a header that is a
//! JSON object without duplicate members, `alg` exactly `RS256` or `ES256`, and no header
//! parameter that changes how the token must be processed (`crit`, `b64`,
//! `zip`, `enc`, nested `cty: JWT`). `jwk`, `jku`, `x5u`, `x5c` and `x5t` are
//! never used as key sources: keys come only from the caller's key set.

use crate::claims::Claims;
use crate::encoding::{b64url_decode, b64url_decode_into, b64url_encode};
use crate::error::{Error, Result, quoted};
use crate::json::{self, JsonError};
use crate::json_pass::{self, Found, Picked};
use crate::key::{MAX_KEY_ID_LEN, SigningKey};
use crate::secret::SecretString;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// The JWS algorithm credmint signs with.
pub const ALGORITHM: &str = "RS256";

/// A JWS algorithm credmint verifies. Each key verifies exactly one of them
/// (RSA keys RS256, P-256 keys ES256), so a token can never pick its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// ECDSA on P-256 with SHA-256, the signature as 64 bytes `r‖s`.
    Es256,
}

impl Algorithm {
    /// Every algorithm credmint verifies.
    pub const ALL: [Algorithm; 2] = [Algorithm::Rs256, Algorithm::Es256];

    /// The JWS name: `"RS256"` or `"ES256"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
        }
    }

    /// The algorithm a JWS `alg` names, compared exactly (`"rs256"` is not RS256).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.as_str() == name)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Default cap on the size of a token accepted for parsing (16 KiB; Google's are about 1 KiB).
pub const DEFAULT_MAX_TOKEN_SIZE: usize = 16 * 1024;

/// Signature sizes accepted from an external signer: RSA 2048 to 4096 bits.
const EXTERNAL_SIGNATURE_BYTES: std::ops::RangeInclusive<usize> = 256..=512;

/// The header credmint writes: `{"alg":"RS256","typ":"JWT","kid":"<key id>"}`.
pub(crate) fn jwt_header(key_id: &str) -> String {
    let mut header = String::from(r#"{"alg":"RS256","typ":"JWT","kid":"#);
    json::write_string(key_id, &mut header);
    header.push('}');
    header
}

/// A JWS waiting for its signature: sign [`UnsignedJws::signing_input`] anywhere
/// (WebCrypto, a KMS, a Keychain key, IAM `signBlob`) and attach the result.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// let claims = credmint::Claims::from_json(r#"{"iss":"me","exp":1700003600}"#)?;
/// let unsigned = credmint::UnsignedJws::jwt("key-1", &claims);
/// let input = unsigned.signing_input();
/// assert!(input.starts_with(b"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImtleS0xIn0."));
/// let signature = vec![0u8; 256]; // from the external signer
/// let token = unsigned.attach_signature(&signature)?;
/// assert_eq!(token.expose_secret().split('.').count(), 3);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct UnsignedJws {
    signing_input: String,
}

impl UnsignedJws {
    /// A JWT with credmint's header (`alg` RS256, `typ` JWT, `kid`) over `claims`.
    pub fn jwt(key_id: &str, claims: &Claims) -> Self {
        Self::encode(jwt_header(key_id).as_bytes(), claims.to_json().as_bytes())
    }

    /// A JWS over exact header and payload bytes, for payloads that are not JWT
    /// claims and for byte-exact test vectors. The header must be a JSON object
    /// with `alg` RS256 that a verifier would accept.
    pub fn from_parts(protected_header: &[u8], payload: &[u8]) -> Result<Self> {
        let header = parse_header(protected_header).map_err(|err| match err {
            Error::MalformedToken { reason } | Error::UnsupportedAlgorithm { alg: reason } => {
                Error::invalid_argument(format!("JWS header: {reason}"))
            }
            other => other,
        })?;
        if header.algorithm() != Algorithm::Rs256 {
            return Err(Error::invalid_argument(
                "JWS header: credmint signs with RS256 only",
            ));
        }
        Ok(Self::encode(protected_header, payload))
    }

    fn encode(header: &[u8], payload: &[u8]) -> Self {
        let mut signing_input = b64url_encode(header);
        signing_input.push('.');
        signing_input.push_str(&b64url_encode(payload));
        UnsignedJws { signing_input }
    }

    /// The bytes to sign with RSASSA-PKCS1-v1_5 SHA-256: `base64url(header).base64url(payload)`.
    pub fn signing_input(&self) -> &[u8] {
        self.signing_input.as_bytes()
    }

    /// Signs with a local key and returns the compact token.
    pub fn sign(self, key: &SigningKey) -> Result<SecretString> {
        let signature = key.sign(self.signing_input())?;
        self.attach_signature(&signature)
    }

    /// Appends a signature made elsewhere (256 to 512 bytes: RSA-2048 to RSA-4096)
    /// and returns the compact token.
    pub fn attach_signature(self, signature: &[u8]) -> Result<SecretString> {
        if !EXTERNAL_SIGNATURE_BYTES.contains(&signature.len()) {
            return Err(Error::invalid_argument(format!(
                "signature is {} bytes; an RS256 signature is 256 to 512 bytes",
                signature.len()
            )));
        }
        let mut token = self.signing_input;
        token.push('.');
        token.push_str(&b64url_encode(signature));
        Ok(SecretString::from(token))
    }
}

impl fmt::Debug for UnsignedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsignedJws")
            .field("signing_input_len", &self.signing_input.len())
            .finish()
    }
}

/// A checked JWS protected header.
///
/// The checks read a few members (`alg`, `kid`, `typ`, `cty`, and whether
/// `crit`, `b64`, `enc` or `zip` are present) in one strict pass over the
/// header's JSON text; the map of every member is built only if
/// [`Header::members`] is asked for.
#[derive(Clone)]
pub struct Header {
    alg: Algorithm,
    kid: Option<Member>,
    typ: Option<Member>,
    text: Box<str>,
    members: OnceLock<Map<String, Value>>,
}

/// A string member of the header: where it sits in the header's text, or,
/// when the text spells it with escapes, its value.
#[derive(Clone)]
enum Member {
    At(std::ops::Range<usize>),
    Unescaped(Box<str>),
}

impl Header {
    /// The algorithm's name: `RS256` or `ES256` for a header that parsed.
    pub fn alg(&self) -> &str {
        self.alg.as_str()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.member(self.kid.as_ref())
    }

    /// The media type (`typ`), if any.
    pub fn typ(&self) -> Option<&str> {
        self.member(self.typ.as_ref())
    }

    fn member<'s>(&'s self, member: Option<&'s Member>) -> Option<&'s str> {
        match member? {
            Member::At(range) => self.text.get(range.clone()),
            Member::Unescaped(value) => Some(value),
        }
    }

    /// Every header member, for display (built at the first call).
    pub fn members(&self) -> &Map<String, Value> {
        // The text passed the same strict parse when the header was read.
        self.members
            .get_or_init(|| json::parse_object(self.text.as_bytes()).unwrap_or_default())
    }

    /// The header as canonical JSON.
    pub fn to_json(&self) -> String {
        json::object_to_canonical_string(self.members())
    }
}

impl PartialEq for Header {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Debug for Header {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Header")
            .field("alg", &self.alg)
            .field("kid", &self.kid())
            .field("typ", &self.typ())
            .field("text", &self.text)
            .finish()
    }
}

/// A compact JWS split and decoded, signature not yet checked. The payload is
/// decoded into the vector that becomes the verified claims' text; the
/// signature sits in the caller's [`DecodeBuffers`] when it fits.
pub(crate) struct ParsedJws<'a> {
    pub(crate) header: Header,
    pub(crate) signing_input: &'a [u8],
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Cow<'a, [u8]>,
}

/// Room on the caller's stack for a token's decoded signature, so that
/// verifying a typical token does not allocate for it.
pub(crate) struct DecodeBuffers {
    signature: [u8; 512],
}

impl DecodeBuffers {
    /// An empty buffer.
    pub(crate) fn new() -> Self {
        DecodeBuffers {
            signature: [0; 512],
        }
    }
}

/// Splits and decodes a compact JWS, applying every structural and header check.
pub(crate) fn parse_compact<'a>(
    token: &'a str,
    max_size: usize,
    buffers: &'a mut DecodeBuffers,
) -> Result<ParsedJws<'a>> {
    if token.len() > max_size {
        return Err(Error::malformed(format!(
            "token is {} bytes, over the {max_size}-byte limit",
            token.len()
        )));
    }
    // The signature segment is not searched for a further dot: base64url
    // refuses one, and a refusal then reports the segments found.
    let segments =
        split_at_dot(token).and_then(|(header, rest)| Some((header, split_at_dot(rest)?)));
    let Some((header_b64, (payload_b64, signature_b64))) = segments else {
        return Err(wrong_segments(token));
    };
    decode_segments(token, header_b64, payload_b64, signature_b64, buffers).map_err(|err| {
        if signature_b64.contains('.') {
            wrong_segments(token)
        } else {
            err
        }
    })
}

/// `text` before and after its first dot (found with `memchr`'s SIMD search).
fn split_at_dot(text: &str) -> Option<(&str, &str)> {
    let dot = memchr::memchr(b'.', text.as_bytes())?;
    Some((text.get(..dot)?, text.get(dot + 1..)?))
}

/// A token that is not three dot-separated segments.
fn wrong_segments(token: &str) -> Error {
    let found = token.split('.').count();
    let hint = if found == 5 {
        " (a JWE, which is not supported)"
    } else {
        ""
    };
    Error::malformed(format!(
        "expected 3 dot-separated segments, found {found}{hint}"
    ))
}

/// The segments of a compact JWS decoded and its header checked.
fn decode_segments<'a>(
    token: &'a str,
    header_b64: &str,
    payload_b64: &str,
    signature_b64: &str,
    buffers: &'a mut DecodeBuffers,
) -> Result<ParsedJws<'a>> {
    let refuse =
        |name: &str| Error::malformed(format!("{name} is not canonical unpadded base64url"));
    // The header is parsed and dropped here: decoded on this stack when it fits.
    let mut header_buf = [0u8; 512];
    let header_bytes = b64url_decode_into(nonempty_segment(header_b64, "header")?, &mut header_buf)
        .ok_or_else(|| refuse("header"))?;
    let payload = b64url_decode(nonempty_segment(payload_b64, "payload")?)
        .ok_or_else(|| refuse("payload"))?;
    let signature = b64url_decode_into(
        nonempty_segment(signature_b64, "signature")?,
        &mut buffers.signature,
    )
    .ok_or_else(|| refuse("signature"))?;
    let header = parse_header(&header_bytes)?;
    let signing_input = &token.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    Ok(ParsedJws {
        header,
        signing_input,
        payload,
        signature,
    })
}

/// `segment`, refused when empty (a compact JWS has no empty segment).
fn nonempty_segment<'a>(segment: &'a str, name: &str) -> Result<&'a str> {
    if segment.is_empty() {
        return Err(Error::malformed(format!("empty {name} segment")));
    }
    Ok(segment)
}

/// The checked header of a compact JWS, without decoding its payload or
/// signature (a verifier choosing keys reads only this); every other check
/// happens in [`parse_compact`].
pub(crate) fn peek_header(token: &str, max_size: usize) -> Result<Header> {
    if token.len() > max_size {
        return Err(Error::malformed(format!(
            "token is {} bytes, over the {max_size}-byte limit",
            token.len()
        )));
    }
    let header_b64 = token.split('.').next().unwrap_or_default();
    let bytes = b64url_decode(header_b64)
        .filter(|_| !header_b64.is_empty())
        .ok_or_else(|| Error::malformed("header is not canonical unpadded base64url"))?;
    parse_header(&bytes)
}

/// Parses and checks a protected header.
/// The header members the checks read, in [`Header`]'s order of fields.
const HEADER_MEMBERS: &[&str] = &["alg", "kid", "typ", "cty", "crit", "b64", "enc", "zip"];

fn parse_header(bytes: &[u8]) -> Result<Header> {
    let refused = |err| match err {
        JsonError::NotAnObject => Error::malformed("header is not a JSON object"),
        JsonError::Syntax(reason) => Error::malformed(format!("header: {reason}")),
    };
    let text = json::utf8(bytes).map_err(refused)?;
    let picked = json_pass::pick(text, HEADER_MEMBERS).map_err(refused)?;
    let alg = match picked.get("alg") {
        None => return Err(Error::malformed("header has no alg")),
        Some(Found::Text(alg)) => Algorithm::from_name(alg)
            .ok_or_else(|| Error::UnsupportedAlgorithm { alg: quoted(alg) })?,
        Some(_) => return Err(Error::malformed("header alg is not a string")),
    };
    if picked.get("crit").is_some() {
        return Err(Error::malformed(
            "header has crit: no extension parameters are understood",
        ));
    }
    if picked.get("b64").is_some() {
        return Err(Error::malformed(
            "header has b64: unencoded payloads are not supported",
        ));
    }
    if picked.get("enc").is_some() || picked.get("zip").is_some() {
        return Err(Error::malformed(
            "header has enc or zip: encrypted or compressed tokens are not supported",
        ));
    }
    let kid = optional_string(&picked, "kid")?;
    if kid.is_some_and(|kid| kid.len() > MAX_KEY_ID_LEN) {
        return Err(Error::malformed("header kid is longer than 256 bytes"));
    }
    let typ = optional_string(&picked, "typ")?;
    let cty = optional_string(&picked, "cty")?;
    if cty.is_some_and(|cty| cty.eq_ignore_ascii_case("JWT")) {
        return Err(Error::malformed("nested JWTs (cty JWT) are not supported"));
    }
    let member = |value: &str| match offset_in(text, value) {
        Some(start) => Member::At(start..start + value.len()),
        None => Member::Unescaped(value.into()),
    };
    Ok(Header {
        alg,
        kid: kid.map(member),
        typ: typ.map(member),
        text: text.into(),
        members: OnceLock::new(),
    })
}

/// Where `part` starts in `text`, if it is a slice of it (a member spelled
/// without escapes is borrowed straight from the header's text).
fn offset_in(text: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
    (text.get(start..start + part.len())?.as_ptr() == part.as_ptr()).then_some(start)
}

fn optional_string<'a>(picked: &'a Picked<'_>, name: &str) -> Result<Option<&'a str>> {
    match picked.get(name) {
        None => Ok(None),
        Some(Found::Text(value)) => Ok(Some(value)),
        Some(_) => Err(Error::malformed(format!("header {name} is not a string"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, payload: &str, signature: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            b64url_encode(header.as_bytes()),
            b64url_encode(payload.as_bytes()),
            b64url_encode(signature)
        )
    }

    fn code(token: &str) -> &'static str {
        match parse_compact(token, DEFAULT_MAX_TOKEN_SIZE, &mut DecodeBuffers::new()) {
            Ok(_) => "ok",
            Err(err) => err.code(),
        }
    }

    #[test]
    fn header_json_is_fixed_order() {
        assert_eq!(
            jwt_header("k\"1"),
            r#"{"alg":"RS256","typ":"JWT","kid":"k\"1"}"#
        );
    }

    #[test]
    fn structure() {
        let good = token(r#"{"alg":"RS256"}"#, "{}", &[1; 256]);
        assert_eq!(code(&good), "ok");
        let parts: Vec<&str> = good.split('.').collect();
        for bad in [
            String::new(),
            parts[0].to_owned(),
            format!("{}.{}", parts[0], parts[1]),
            format!("{}.{}.", parts[0], parts[1]),
            format!(".{}.{}", parts[1], parts[2]),
            format!("{}..{}", parts[0], parts[2]),
            format!("{good}.x"),
            format!("{good}.."),
            format!("{good}.a.b"),
            format!(" {good}"),
            format!("{good}\n"),
            format!("{}=.{}.{}", parts[0], parts[1], parts[2]),
            good.replacen('e', "+", 1),
            format!(r#"{{"payload":"{}"}}"#, parts[1]),
        ] {
            assert_eq!(code(&bad), "malformed_token", "{bad:?}");
        }
    }

    /// A token of more than three segments reports its segments, whatever else
    /// is wrong with it (its signature segment is never searched for a dot).
    #[test]
    fn extra_segments_are_reported_before_any_segment_is_read() {
        let good = token(r#"{"alg":"RS256"}"#, "{}", &[1; 256]);
        let message = |token: &str| {
            parse_compact(token, DEFAULT_MAX_TOKEN_SIZE, &mut DecodeBuffers::new())
                .err()
                .map(|err| err.to_string())
                .unwrap_or_default()
        };
        assert!(message(&format!("{good}.x")).contains("found 4"));
        assert!(message("!!.e30.AA.x").contains("found 4"));
        assert!(message("e30.e30.!!.x.y").contains("found 5 (a JWE"));
        assert!(message("e30.e30").contains("found 2"));
        assert!(message("!!.e30.AA").contains("header is not canonical"));
    }

    #[test]
    fn size_cap_is_checked_first() {
        let huge = "a".repeat(DEFAULT_MAX_TOKEN_SIZE + 1);
        let err = parse_compact(&huge, DEFAULT_MAX_TOKEN_SIZE, &mut DecodeBuffers::new())
            .err()
            .unwrap();
        assert!(err.to_string().contains("16385 bytes"), "{err}");
    }

    #[test]
    fn header_rules() {
        let sig = [1u8; 256];
        let cases = [
            (r#"{"alg":"RS256","kid":"a","typ":"JWT"}"#, "ok"),
            (r#"{"alg":"none"}"#, "unsupported_algorithm"),
            (r#"{"alg":"HS256"}"#, "unsupported_algorithm"),
            (r#"{"alg":"rs256"}"#, "unsupported_algorithm"),
            (r#"{"alg":"PS256"}"#, "unsupported_algorithm"),
            (r#"{"alg":"ES256","kid":"a"}"#, "ok"),
            (r#"{"alg":"es256"}"#, "unsupported_algorithm"),
            (r#"{"alg":"ES384"}"#, "unsupported_algorithm"),
            (r#"{"alg":"EdDSA"}"#, "unsupported_algorithm"),
            (r#"{"alg":null}"#, "malformed_token"),
            (r#"{"alg":1}"#, "malformed_token"),
            (r#"{}"#, "malformed_token"),
            (r#"[]"#, "malformed_token"),
            (r#"{"alg":"RS256","alg":"none"}"#, "malformed_token"),
            (r#"{"alg":"RS256","crit":["exp"]}"#, "malformed_token"),
            (r#"{"alg":"RS256","crit":[]}"#, "malformed_token"),
            (
                r#"{"alg":"RS256","b64":false,"crit":["b64"]}"#,
                "malformed_token",
            ),
            (r#"{"alg":"RS256","b64":true}"#, "malformed_token"),
            (r#"{"alg":"RS256","zip":"DEF"}"#, "malformed_token"),
            (r#"{"alg":"RS256","enc":"A128GCM"}"#, "malformed_token"),
            (r#"{"alg":"RS256","cty":"JWT"}"#, "malformed_token"),
            (r#"{"alg":"RS256","cty":"jwt"}"#, "malformed_token"),
            (r#"{"alg":"RS256","cty":"text/plain"}"#, "ok"),
            (r#"{"alg":"RS256","kid":1}"#, "malformed_token"),
            (r#"{"alg":"RS256","typ":null}"#, "malformed_token"),
            (
                r#"{"alg":"RS256","jku":"https://evil","x5u":"https://evil"}"#,
                "ok",
            ),
        ];
        for (header, expected) in cases {
            assert_eq!(code(&token(header, "{}", &sig)), expected, "{header}");
        }
        let long_kid = format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(257));
        assert_eq!(code(&token(&long_kid, "{}", &sig)), "malformed_token");
    }

    #[test]
    fn unsupported_alg_is_quoted_and_truncated() {
        let header = format!(r#"{{"alg":"{}"}}"#, "A".repeat(500));
        let err = parse_compact(
            &token(&header, "{}", &[1; 256]),
            10_000,
            &mut DecodeBuffers::new(),
        )
        .err()
        .unwrap();
        assert!(err.to_string().len() < 150, "{err}");
    }

    #[test]
    fn from_parts_checks_the_header() {
        assert!(UnsignedJws::from_parts(br#"{"alg":"RS256"}"#, b"x").is_ok());
        for bad in [
            &br#"{"alg":"none"}"#[..],
            b"{}",
            b"nope",
            br#"{"alg":"RS256","crit":[]}"#,
        ] {
            let err = UnsignedJws::from_parts(bad, b"x").unwrap_err();
            assert_eq!(err.code(), "invalid_argument");
        }
    }

    #[test]
    fn external_signature_length_is_checked() {
        let unsigned = UnsignedJws::jwt("k", &Claims::new());
        assert_eq!(
            unsigned
                .clone()
                .attach_signature(&[0; 255])
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
        assert!(unsigned.clone().attach_signature(&[0; 256]).is_ok());
        assert!(unsigned.clone().attach_signature(&[0; 512]).is_ok());
        assert!(unsigned.attach_signature(&[0; 513]).is_err());
    }
}
