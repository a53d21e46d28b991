//! Claim builders for the tokens a service account mints: the OAuth 2.0
//! JWT-bearer assertion (RFC 7523), Google's ID-token assertion, the self-signed
//! JWT access token (AIP-4111), and a locally minted OIDC ID token.
//!
//! Each builder validates its inputs when built, produces [`Claims`] for a
//! given `now`, and signs them locally or hands out an [`UnsignedJws`] for an
//! external signer.

use crate::claims::Claims;
use crate::error::{Error, Result};
use crate::google::ServiceAccountIdentity;
use crate::jws::UnsignedJws;
use crate::key::{ServiceAccountKey, SigningKey};
use crate::secret::SecretString;
use crate::time::UnixTime;

/// Longest lifetime Google's token endpoint accepts for an assertion (`exp - iat`).
pub const MAX_ASSERTION_LIFETIME_SECS: u64 = 3600;

/// How far `iat` is set before `now` in grant assertions, so that a host clock
/// running slightly fast does not get "Token used too early" / `invalid_grant`.
pub const ASSERTION_BACKDATE_SECS: u64 = 10;

/// Lifetime of a self-signed JWT access token (Google accepts at most one hour).
pub const SELF_SIGNED_JWT_LIFETIME_SECS: u64 = 3600;

/// Longest lifetime of a locally minted OIDC ID token (IAM's 12-hour ceiling).
pub const MAX_ID_TOKEN_LIFETIME_SECS: u64 = 12 * 3600;

/// Claims of the OAuth 2.0 JWT-bearer grant (RFC 7523) that trade a service-account
/// key for an access token: `iss`, `scope`, `aud` (the token endpoint), `iat`,
/// `exp`, and `sub` for domain-wide delegation.
///
/// ```
/// # fn main() -> Result<(), credmint::Error> {
/// # let key = credmint::ServiceAccountKey::from_json(include_str!("../../tests/vectors/keys/sa_2048_pkcs8.json"))?;
/// use credmint::ClaimsTemplate as _;
/// let assertion = credmint::JwtBearerAssertion::new(&key, ["https://www.googleapis.com/auth/cloud-platform"])?;
/// let claims = assertion.claims(credmint::UnixTime::from_secs(1_700_000_000));
/// assert_eq!(claims.iat()?, Some(1_699_999_990));
/// assert_eq!(claims.exp()?, Some(1_700_003_590));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtBearerAssertion {
    issuer: String,
    audience: String,
    scopes: Vec<String>,
    subject: Option<String>,
    lifetime: u64,
}

impl JwtBearerAssertion {
    /// An assertion from `key`'s account to its `token_uri`, for `scopes` (at least one).
    pub fn new<S: Into<String>>(
        key: &ServiceAccountKey,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Self::build(key.client_email(), key.token_uri(), scopes)
    }

    fn build<S: Into<String>>(
        issuer: &str,
        audience: &str,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Ok(JwtBearerAssertion {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            scopes: checked_scopes(scopes)?,
            subject: None,
            lifetime: MAX_ASSERTION_LIFETIME_SECS,
        })
    }

    /// An assertion from `identity` to its token endpoint, for `scopes` (at least one).
    pub fn for_identity<S: Into<String>>(
        identity: &ServiceAccountIdentity,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Self::build(
            identity.client_email(),
            identity.token_uri().as_str(),
            scopes,
        )
    }

    /// Acts as `user` (domain-wide delegation): sets `sub`.
    pub fn subject(mut self, user: impl Into<String>) -> Result<Self> {
        self.subject = Some(checked_text(user.into(), "subject")?);
        Ok(self)
    }

    /// Sends the assertion to another token endpoint (sets `aud`).
    pub fn audience(mut self, token_endpoint: impl Into<String>) -> Result<Self> {
        self.audience = checked_text(token_endpoint.into(), "audience")?;
        Ok(self)
    }

    /// `exp - iat` in seconds, 1 to 3600 (the default).
    pub fn lifetime(mut self, secs: u64) -> Result<Self> {
        self.lifetime = checked_lifetime(secs, MAX_ASSERTION_LIFETIME_SECS)?;
        Ok(self)
    }
}

impl ClaimsTemplate for JwtBearerAssertion {
    /// The claims for `now` (`iat` is back-dated by [`ASSERTION_BACKDATE_SECS`]).
    fn claims(&self, now: UnixTime) -> Claims {
        let mut claims = Claims::new();
        claims.insert("iss", self.issuer.as_str());
        claims.insert("scope", self.scopes.join(" "));
        claims.insert("aud", self.audience.as_str());
        if let Some(subject) = &self.subject {
            claims.insert("sub", subject.as_str());
        }
        set_times(
            &mut claims,
            now.saturating_sub(ASSERTION_BACKDATE_SECS),
            self.lifetime,
        );
        claims
    }
}

/// Claims of Google's ID-token grant: like [`JwtBearerAssertion`] but with
/// `target_audience` (the service the ID token is for) instead of `scope`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdTokenAssertion {
    issuer: String,
    audience: String,
    target_audience: String,
    lifetime: u64,
}

impl IdTokenAssertion {
    /// An assertion from `key`'s account asking its `token_uri` for an ID token for `target_audience`.
    pub fn new(key: &ServiceAccountKey, target_audience: impl Into<String>) -> Result<Self> {
        Self::build(key.client_email(), key.token_uri(), target_audience.into())
    }

    fn build(issuer: &str, audience: &str, target_audience: String) -> Result<Self> {
        Ok(IdTokenAssertion {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            target_audience: checked_text(target_audience, "target audience")?,
            lifetime: MAX_ASSERTION_LIFETIME_SECS,
        })
    }

    /// Sends the assertion to another token endpoint (sets `aud`).
    pub fn audience(mut self, token_endpoint: impl Into<String>) -> Result<Self> {
        self.audience = checked_text(token_endpoint.into(), "audience")?;
        Ok(self)
    }

    /// `exp - iat` in seconds, 1 to 3600 (the default).
    pub fn lifetime(mut self, secs: u64) -> Result<Self> {
        self.lifetime = checked_lifetime(secs, MAX_ASSERTION_LIFETIME_SECS)?;
        Ok(self)
    }

    /// An assertion from `identity` to its token endpoint for `target_audience`.
    pub fn for_identity(
        identity: &ServiceAccountIdentity,
        target_audience: impl Into<String>,
    ) -> Result<Self> {
        Ok(IdTokenAssertion {
            issuer: identity.client_email().to_owned(),
            audience: identity.token_uri().as_str().to_owned(),
            target_audience: checked_text(target_audience.into(), "target audience")?,
            lifetime: MAX_ASSERTION_LIFETIME_SECS,
        })
    }
}

impl ClaimsTemplate for IdTokenAssertion {
    /// The claims for `now` (`iat` is back-dated by [`ASSERTION_BACKDATE_SECS`]).
    fn claims(&self, now: UnixTime) -> Claims {
        let mut claims = Claims::new();
        claims.insert("iss", self.issuer.as_str());
        claims.insert("aud", self.audience.as_str());
        claims.insert("target_audience", self.target_audience.as_str());
        set_times(
            &mut claims,
            now.saturating_sub(ASSERTION_BACKDATE_SECS),
            self.lifetime,
        );
        claims
    }
}

/// A self-signed JWT used directly as a bearer token for Google APIs (AIP-4111):
/// `iss` = `sub` = the account's email, and either `aud` (the API, for example
/// `https://pubsub.googleapis.com/`) or `scope`, never both. No HTTP needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelfSignedJwt {
    email: String,
    target: SelfSignedTarget,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum SelfSignedTarget {
    Audience(String),
    Scopes(Vec<String>),
}

impl SelfSignedJwt {
    /// A token for one API audience.
    pub fn with_audience(key: &ServiceAccountKey, audience: impl Into<String>) -> Result<Self> {
        Ok(SelfSignedJwt {
            email: key.client_email().to_owned(),
            target: SelfSignedTarget::Audience(checked_text(audience.into(), "audience")?),
        })
    }

    /// A token for `audience` or `scopes`, as bindings take them: exactly one
    /// of the two must be given.
    pub fn with_audience_or_scopes(
        key: &ServiceAccountKey,
        audience: Option<String>,
        scopes: Option<Vec<String>>,
    ) -> Result<Self> {
        match (audience, scopes) {
            (Some(audience), None) => Self::with_audience(key, audience),
            (None, Some(scopes)) => Self::with_scopes(key, scopes),
            _ => Err(Error::invalid_argument(
                "give exactly one of audience and scopes",
            )),
        }
    }

    /// A token for OAuth scopes (at least one).
    pub fn with_scopes<S: Into<String>>(
        key: &ServiceAccountKey,
        scopes: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        Ok(SelfSignedJwt {
            email: key.client_email().to_owned(),
            target: SelfSignedTarget::Scopes(checked_scopes(scopes)?),
        })
    }
}

impl ClaimsTemplate for SelfSignedJwt {
    /// The claims for `now`: `iat` = now, `exp` = now + 3600.
    fn claims(&self, now: UnixTime) -> Claims {
        let mut claims = Claims::new();
        claims.insert("iss", self.email.as_str());
        claims.insert("sub", self.email.as_str());
        match &self.target {
            SelfSignedTarget::Audience(aud) => claims.insert("aud", aud.as_str()),
            SelfSignedTarget::Scopes(scopes) => claims.insert("scope", scopes.join(" ")),
        }
        set_times(&mut claims, now, SELF_SIGNED_JWT_LIFETIME_SECS);
        claims
    }
}

/// An OpenID Connect ID token minted locally: `iss`, `sub`, `aud`, `iat`, `exp`,
/// and `email`/`email_verified` when an email is given. This is what an
/// identity provider (or credmint's emulator) signs for a relying party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcIdToken {
    issuer: String,
    subject: String,
    audience: String,
    email: Option<String>,
    lifetime: u64,
}

impl OidcIdToken {
    /// An ID token from `issuer` about `subject` for `audience`, valid one hour.
    pub fn new(
        issuer: impl Into<String>,
        subject: impl Into<String>,
        audience: impl Into<String>,
    ) -> Result<Self> {
        Ok(OidcIdToken {
            issuer: checked_text(issuer.into(), "issuer")?,
            subject: checked_text(subject.into(), "subject")?,
            audience: checked_text(audience.into(), "audience")?,
            email: None,
            lifetime: 3600,
        })
    }

    /// Adds `email` and `email_verified: true`.
    pub fn email(mut self, email: impl Into<String>) -> Result<Self> {
        self.email = Some(checked_text(email.into(), "email")?);
        Ok(self)
    }

    /// `exp - iat` in seconds, 1 to 43200.
    pub fn lifetime(mut self, secs: u64) -> Result<Self> {
        self.lifetime = checked_lifetime(secs, MAX_ID_TOKEN_LIFETIME_SECS)?;
        Ok(self)
    }
}

impl ClaimsTemplate for OidcIdToken {
    /// The claims for `now`: `iat` = now.
    fn claims(&self, now: UnixTime) -> Claims {
        let mut claims = Claims::new();
        claims.insert("iss", self.issuer.as_str());
        claims.insert("sub", self.subject.as_str());
        claims.insert("aud", self.audience.as_str());
        if let Some(email) = &self.email {
            claims.insert("email", email.as_str());
            claims.insert("email_verified", true);
        }
        set_times(&mut claims, now, self.lifetime);
        claims
    }
}

/// A token's claims for a given `now`; signing and external signing come with it.
///
/// Implemented by every builder in this module, so each can be signed locally
/// ([`ClaimsTemplate::sign`]) or prepared for a signer elsewhere
/// ([`ClaimsTemplate::unsigned`]).
pub trait ClaimsTemplate {
    /// The claims for `now`.
    fn claims(&self, now: UnixTime) -> Claims;

    /// Signs the claims for `now` with `key` (header `alg` RS256, `typ` JWT, `kid`).
    fn sign(&self, key: &SigningKey, now: UnixTime) -> Result<SecretString> {
        key.sign_claims(&self.claims(now))
    }

    /// The token for `now`, unsigned, for an external signer holding key `key_id`.
    fn unsigned(&self, key_id: &str, now: UnixTime) -> UnsignedJws {
        UnsignedJws::jwt(key_id, &self.claims(now))
    }
}

fn set_times(claims: &mut Claims, iat: UnixTime, lifetime: u64) {
    claims.set_time("iat", iat);
    claims.set_time("exp", iat.saturating_add(lifetime));
}

fn checked_lifetime(secs: u64, max: u64) -> Result<u64> {
    if secs == 0 || secs > max {
        return Err(Error::invalid_argument(format!(
            "lifetime {secs}s must be between 1 and {max} seconds"
        )));
    }
    Ok(secs)
}

fn checked_text(value: String, what: &str) -> Result<String> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(Error::invalid_argument(format!(
            "{what} must be non-empty text without control characters"
        )));
    }
    Ok(value)
}

/// Scopes are joined with spaces on the wire, so each must be non-empty and
/// free of whitespace; at least one is required.
pub(crate) fn checked_scopes<S: Into<String>>(
    scopes: impl IntoIterator<Item = S>,
) -> Result<Vec<String>> {
    let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
    if scopes.is_empty() {
        return Err(Error::invalid_argument("at least one scope is required"));
    }
    if scopes
        .iter()
        .any(|s| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err(Error::invalid_argument(
            "each scope must be non-empty and contain no whitespace",
        ));
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_rules() {
        assert!(checked_scopes(["a", "b"]).is_ok());
        assert!(checked_scopes(Vec::<String>::new()).is_err());
        assert!(checked_scopes([""]).is_err());
        assert!(checked_scopes(["a b"]).is_err());
        assert!(checked_scopes(["a\n"]).is_err());
    }

    #[test]
    fn lifetime_rules() {
        assert!(checked_lifetime(0, 3600).is_err());
        assert!(checked_lifetime(3601, 3600).is_err());
        assert_eq!(checked_lifetime(3600, 3600).unwrap(), 3600);
    }

    #[test]
    fn oidc_claims() {
        let token = OidcIdToken::new("https://issuer", "123", "https://svc")
            .unwrap()
            .email("a@b.c")
            .unwrap()
            .lifetime(600)
            .unwrap();
        assert_eq!(
            token.claims(UnixTime::from_secs(100)).to_json(),
            r#"{"aud":"https://svc","email":"a@b.c","email_verified":true,"exp":700,"iat":100,"iss":"https://issuer","sub":"123"}"#
        );
    }
}
