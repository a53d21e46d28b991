//! A string that must not be printed: tokens, signed JWTs, assertions.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string (a token or signed JWT) that redacts itself when formatted
/// and is wiped from memory when dropped.
///
/// The value is only reachable through [`SecretString::expose_secret`], so a
/// stray `{:?}` in a log line prints `[redacted]` instead of a credential.
///
/// ```
/// use credmint::SecretString;
/// let token = SecretString::from("ya29.secret".to_string());
/// assert_eq!(format!("{token:?}"), "SecretString([redacted])");
/// assert_eq!(token.expose_secret(), "ya29.secret");
/// ```
#[derive(Clone)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// The secret value. Named loudly so that every use is easy to audit.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Length in bytes (not secret: a JWT's length is visible on the wire).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        SecretString(Zeroizing::new(value))
    }
}

impl PartialEq for SecretString {
    /// Compares without an early exit on the first differing byte (the length is not secret).
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for SecretString {}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_compares_every_byte() {
        let a = SecretString::from("token-a".to_string());
        assert_eq!(a, SecretString::from("token-a".to_string()));
        assert_ne!(a, SecretString::from("token-b".to_string()));
        assert_ne!(a, SecretString::from("token".to_string()));
    }
}
