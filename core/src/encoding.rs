//! Byte encodings used on the wire: strict base64url for JWS, standard base64 for IAM, hex.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// Encodes bytes as unpadded base64url (a JWS segment).
pub(crate) fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url: no padding, no `+`/`/`, no whitespace,
/// no non-zero trailing bits, no length ≡ 1 (mod 4). Anything else is `None`.
pub(crate) fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    #[cfg(not(target_arch = "wasm32"))]
    return base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(text.as_bytes())
        .ok();
    #[cfg(target_arch = "wasm32")]
    return URL_SAFE_NO_PAD.decode(text).ok();
}

/// [`b64url_decode`] into `buf` when the result surely fits (a JWS header, per
/// token, without an allocation), else into a new vector.
pub(crate) fn b64url_decode_into<'a>(
    text: &str,
    buf: &'a mut [u8],
) -> Option<std::borrow::Cow<'a, [u8]>> {
    if base64::decoded_len_estimate(text.len()) > buf.len() {
        return b64url_decode(text).map(std::borrow::Cow::Owned);
    }
    let length = b64url_decode_slice(text, buf)?;
    buf.get(..length).map(std::borrow::Cow::Borrowed)
}

/// [`b64url_decode`] into the front of `buf`, giving the length written
/// (`None` also when `buf` is too small).
fn b64url_decode_slice(text: &str, buf: &mut [u8]) -> Option<usize> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let engine = base64_simd::URL_SAFE_NO_PAD;
        let length = engine.decoded_length(text.as_bytes()).ok()?;
        let out = buf.get_mut(..length)?;
        engine
            .decode(text.as_bytes(), base64_simd::Out::from_slice(out))
            .ok()
            .map(|decoded| decoded.len())
    }
    #[cfg(target_arch = "wasm32")]
    URL_SAFE_NO_PAD.decode_slice(text, buf).ok()
}

/// The `base64` crate's reading of `text` (the decoder WebAssembly uses), for
/// the fuzz target that checks both decoders agree.
#[cfg(feature = "fuzzing")]
pub(crate) fn b64url_decode_portable(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Encodes bytes as standard padded base64 (protobuf `bytes` in Google's JSON APIs).
pub(crate) fn b64_std_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard padded base64 (protobuf `bytes` in Google's JSON APIs).
pub(crate) fn b64_std_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64url_rejects_non_canonical_forms() {
        assert_eq!(b64url_decode("QQ"), Some(b"A".to_vec()));
        for bad in ["QQ==", "QR", "Q", "Q Q", "+/", "QQ\n", " QQ", "Q=Q"] {
            assert_eq!(b64url_decode(bad), None, "{bad:?} must be rejected");
        }
    }

    #[test]
    fn decoding_into_a_buffer_agrees_with_decoding() {
        let mut buf = [0u8; 8];
        let short = b64url_encode(b"abcde");
        let long = b64url_encode(&[7u8; 40]);
        let borrowed = b64url_decode_into(&short, &mut buf).unwrap();
        assert!(matches!(borrowed, std::borrow::Cow::Borrowed(_)));
        assert_eq!(&*borrowed, b"abcde");
        let owned = b64url_decode_into(&long, &mut buf).unwrap();
        assert!(matches!(owned, std::borrow::Cow::Owned(_)));
        assert_eq!(&*owned, &[7u8; 40][..]);
        for bad in ["QQ==", "QR", "Q", "Q Q", "+/"] {
            assert_eq!(
                b64url_decode_into(bad, &mut buf),
                None,
                "{bad:?} must be rejected"
            );
        }
    }

    #[test]
    fn std_encoding_pads() {
        let bytes = [0xfb, 0xff, 0x00, 0x10];
        let text = b64_std_encode(&bytes);
        assert_eq!(text, "+/8AEA==");
        assert_eq!(b64_std_decode(&text), Some(bytes.to_vec()));
        assert_eq!(b64_std_decode("+/8AEA"), None);
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
    }
}
