//! What IAM Credentials' `signBlob` and `signJwt` do, done locally with the same rules.

use crate::claims::Claims;
use crate::encoding::b64_std_encode;
use crate::error::{Error, Result};
use crate::json;
use crate::jws::UnsignedJws;
use crate::key::SigningKey;
use crate::secret::SecretString;
use crate::time::UnixTime;
use std::fmt;

/// `exp` that `signJwt` adds when the claims have none: one hour after `now`.
pub const DEFAULT_JWT_LIFETIME_SECS: u64 = 3600;

/// The latest `exp` that `signJwt` accepts: twelve hours after `now`.
pub const MAX_JWT_LIFETIME_SECS: u64 = 12 * 3600;

/// An RSASSA-PKCS1-v1_5 SHA-256 signature over a blob, like IAM's `signBlob` response.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedBlob {
    key_id: String,
    signature: Vec<u8>,
}

impl SignedBlob {
    pub(crate) fn from_parts(key_id: String, signature: Vec<u8>) -> Self {
        SignedBlob { key_id, signature }
    }

    /// The id of the key that signed.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The raw signature bytes (the blob itself is not included).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// IAM's response shape: `{"keyId":"…","signedBlob":"<standard base64>"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::from(r#"{"keyId":"#);
        json::write_string(&self.key_id, &mut out);
        out.push_str(r#","signedBlob":""#);
        out.push_str(&b64_std_encode(&self.signature));
        out.push_str("\"}");
        out
    }
}

impl fmt::Debug for SignedBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedBlob")
            .field("key_id", &self.key_id)
            .field("signature", &"[redacted]")
            .finish()
    }
}

/// A signed JWT, like IAM's `signJwt` response. The token is a bearer credential
/// and is redacted when formatted.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedJwt {
    key_id: String,
    signed_jwt: SecretString,
}

impl SignedJwt {
    pub(crate) fn new(key_id: String, signed_jwt: SecretString) -> Self {
        SignedJwt { key_id, signed_jwt }
    }

    /// The id of the key that signed (also the JWS header's `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The compact JWT.
    pub fn signed_jwt(&self) -> &SecretString {
        &self.signed_jwt
    }

    /// IAM's response shape: `{"keyId":"…","signedJwt":"…"}`.
    pub fn to_json(&self) -> SecretString {
        let mut out = String::from(r#"{"keyId":"#);
        json::write_string(&self.key_id, &mut out);
        out.push_str(r#","signedJwt":""#);
        out.push_str(self.signed_jwt.expose_secret());
        out.push_str("\"}");
        SecretString::from(out)
    }
}

impl fmt::Debug for SignedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedJwt")
            .field("key_id", &self.key_id)
            .field("signed_jwt", &self.signed_jwt)
            .finish()
    }
}

/// Applies IAM `signJwt`'s rules to a claims set: `exp` is added as `now + 3600`
/// when absent; when present it must be an integer that is not before `now` and
/// at most 12 hours after it.
pub fn prepare_jwt_claims(claims: &Claims, now: UnixTime) -> Result<Claims> {
    let mut claims = claims.clone();
    match claims.exp()? {
        None => claims.set_time("exp", now.saturating_add(DEFAULT_JWT_LIFETIME_SECS)),
        Some(exp) if exp < now.as_secs() => {
            return Err(Error::invalid_claims(format!(
                "exp {exp} is in the past (now {now})"
            )));
        }
        Some(exp) if exp > now.saturating_add(MAX_JWT_LIFETIME_SECS).as_secs() => {
            return Err(Error::LifetimeTooLong {
                lifetime: exp.saturating_sub(now.as_secs()),
                max: MAX_JWT_LIFETIME_SECS,
            });
        }
        Some(_) => {}
    }
    Ok(claims)
}

impl SigningKey {
    /// Signs `blob` with RSASSA-PKCS1-v1_5 SHA-256, as IAM `signBlob` does.
    pub fn sign_blob(&self, blob: &[u8]) -> Result<SignedBlob> {
        Ok(SignedBlob {
            key_id: self.key_id().to_owned(),
            signature: self.sign(blob)?,
        })
    }

    /// Signs `claims` as a JWT with IAM `signJwt`'s rules (see [`prepare_jwt_claims`])
    /// and header `{"alg":"RS256","typ":"JWT","kid":<key id>}`.
    pub fn sign_jwt(&self, claims: &Claims, now: UnixTime) -> Result<SignedJwt> {
        let claims = prepare_jwt_claims(claims, now)?;
        let token = self.sign_claims(&claims)?;
        Ok(SignedJwt::new(self.key_id().to_owned(), token))
    }

    /// Signs `claims` exactly as given (no `exp` rules) with this key's JWT header.
    pub fn sign_claims(&self, claims: &Claims) -> Result<SecretString> {
        UnsignedJws::jwt(self.key_id(), claims).sign(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);

    fn exp_after(claims: &str) -> Result<Option<i64>> {
        prepare_jwt_claims(&Claims::from_json(claims)?, NOW).and_then(|c| c.exp())
    }

    #[test]
    fn exp_rules_match_iam() {
        assert_eq!(exp_after("{}").unwrap(), Some(1_700_003_600));
        assert_eq!(
            exp_after(r#"{"exp":1700000000}"#).unwrap(),
            Some(1_700_000_000)
        );
        assert_eq!(
            exp_after(r#"{"exp":1700043200}"#).unwrap(),
            Some(1_700_043_200)
        );
        assert_eq!(
            exp_after(r#"{"exp":1699999999}"#).unwrap_err().code(),
            "invalid_claims"
        );
        assert_eq!(
            exp_after(r#"{"exp":1700043201}"#).unwrap_err(),
            Error::LifetimeTooLong {
                lifetime: 43201,
                max: 43200
            }
        );
        for bad in [
            r#"{"exp":"1700000100"}"#,
            r#"{"exp":1700000100.5}"#,
            r#"{"exp":null}"#,
        ] {
            assert_eq!(
                exp_after(bad).unwrap_err().code(),
                "invalid_claims",
                "{bad}"
            );
        }
        assert_eq!(
            exp_after(&format!(r#"{{"exp":{}}}"#, i64::MAX))
                .unwrap_err()
                .code(),
            "lifetime_too_long"
        );
    }

    #[test]
    fn signed_blob_json_is_iam_shaped() {
        let blob = SignedBlob {
            key_id: "k".into(),
            signature: vec![0xfb, 0xff],
        };
        assert_eq!(blob.to_json(), r#"{"keyId":"k","signedBlob":"+/8="}"#);
        assert!(!format!("{blob:?}").contains("+/8"));
    }
}
