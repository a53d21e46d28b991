//! Claim rules some issuers add to the standard ones (Firebase Auth's),
//! checked with the others by every verification path.

#[cfg(test)]
use crate::claims::Claims;
use crate::claims::RegisteredSource;
use crate::error::{Error, Result};
use crate::time::UnixTime;

/// Most characters Firebase allows in a user id (`sub`).
const MAX_FIREBASE_SUBJECT_CHARS: usize = 128;

/// A rule checked after the signature and the standard claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClaimRule {
    /// `sub` is a non-empty string of at most 128 characters (Firebase's uid).
    FirebaseSubject,
    /// `auth_time` is present and not after `now + leeway` (when the user signed in).
    AuthTimeInPast,
}

impl ClaimRule {
    pub(crate) fn check(
        self,
        claims: &impl RegisteredSource,
        leeway: u64,
        now: UnixTime,
    ) -> Result<()> {
        match self {
            ClaimRule::FirebaseSubject => match claims.sub()? {
                Some(sub)
                    if !sub.is_empty() && sub.chars().count() <= MAX_FIREBASE_SUBJECT_CHARS =>
                {
                    Ok(())
                }
                Some(_) => Err(Error::invalid_claims(
                    "sub must be 1 to 128 characters (a Firebase user id)",
                )),
                None => Err(Error::invalid_claims("sub is required")),
            },
            ClaimRule::AuthTimeInPast => {
                let auth_time = claims
                    .numeric_date("auth_time")?
                    .ok_or_else(|| Error::invalid_claims("auth_time is required"))?;
                if auth_time > now.saturating_add(leeway).as_secs() {
                    return Err(Error::invalid_claims("auth_time is in the future"));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn code(rule: ClaimRule, claims: &str) -> &'static str {
        let claims = Claims::from_json(claims).unwrap();
        match rule.check(&claims, 60, UnixTime::from_secs(NOW)) {
            Ok(()) => "ok",
            Err(err) => err.code(),
        }
    }

    #[test]
    fn firebase_subject() {
        let rule = ClaimRule::FirebaseSubject;
        assert_eq!(code(rule, r#"{"sub":"uid-1"}"#), "ok");
        assert_eq!(
            code(rule, &format!(r#"{{"sub":"{}"}}"#, "é".repeat(128))),
            "ok"
        );
        assert_eq!(
            code(rule, &format!(r#"{{"sub":"{}"}}"#, "a".repeat(129))),
            "invalid_claims"
        );
        assert_eq!(code(rule, r#"{"sub":""}"#), "invalid_claims");
        assert_eq!(code(rule, r#"{}"#), "invalid_claims");
        assert_eq!(code(rule, r#"{"sub":7}"#), "invalid_claims");
    }

    #[test]
    fn auth_time() {
        let rule = ClaimRule::AuthTimeInPast;
        assert_eq!(
            code(rule, &format!(r#"{{"auth_time":{}}}"#, NOW - 10)),
            "ok"
        );
        assert_eq!(
            code(rule, &format!(r#"{{"auth_time":{}}}"#, NOW + 60)),
            "ok"
        );
        assert_eq!(
            code(rule, &format!(r#"{{"auth_time":{}}}"#, NOW + 61)),
            "invalid_claims"
        );
        assert_eq!(code(rule, r#"{"auth_time":"yesterday"}"#), "invalid_claims");
        assert_eq!(code(rule, r#"{}"#), "invalid_claims");
    }
}
