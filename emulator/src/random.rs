//! Random identifiers and secrets from the operating system's generator.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `n` random bytes. The OS generator failing is unrecoverable for a server that
/// mints secrets, so it falls back to nothing: callers get an error instead.
pub fn bytes(n: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).ok()?;
    Some(buf)
}

/// A random token of `n` bytes, base64url without padding.
pub fn token(n: usize) -> Option<String> {
    bytes(n).map(|b| URL_SAFE_NO_PAD.encode(b))
}

/// A random lowercase hex id of `n` bytes (all zeros if the generator fails:
/// only used for request ids in error bodies).
pub fn hex_id(n: usize) -> String {
    bytes(n)
        .unwrap_or_else(|| vec![0; n])
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random RFC 4122 version-4 UUID.
pub fn uuid() -> Option<String> {
    let mut b = bytes(16)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
