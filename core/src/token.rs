//! The credentials conversations produce: access tokens and ID tokens with their expiry.

use crate::error::{Error, Result};
use crate::lifetime::{RefreshPolicy, TokenLifetime};
use crate::secret::SecretString;
use crate::time::UnixTime;
use std::fmt;

/// Anything with an expiry that a [`crate::TokenCache`] can hold.
pub trait Expiring {
    /// When the credential was obtained and when it expires.
    fn lifetime(&self) -> TokenLifetime;
}

/// An OAuth 2.0 bearer access token and when it expires.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    token: SecretString,
    lifetime: TokenLifetime,
    refresh_token: Option<SecretString>,
    scope: Option<String>,
}

impl AccessToken {
    /// A bearer token valid for the given lifetime.
    pub fn new(token: SecretString, lifetime: TokenLifetime) -> Result<Self> {
        if token.is_empty() {
            return Err(Error::invalid_argument("access token is empty"));
        }
        Ok(AccessToken {
            token,
            lifetime,
            refresh_token: None,
            scope: None,
        })
    }

    pub(crate) fn with_refresh_token(mut self, refresh_token: Option<SecretString>) -> Self {
        self.refresh_token = refresh_token;
        self
    }

    pub(crate) fn with_scope(mut self, scope: Option<String>) -> Self {
        self.scope = scope;
        self
    }

    /// The token (use it as `Authorization: Bearer <token>`).
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The value of an `Authorization` header carrying this token.
    pub fn authorization(&self) -> SecretString {
        SecretString::from(format!("Bearer {}", self.token.expose_secret()))
    }

    /// When it expires.
    pub fn expires_at(&self) -> UnixTime {
        self.lifetime.expires_at()
    }

    /// When it was obtained (for tokens with an absolute expiry, such as IBM's,
    /// the issue time the server implied).
    pub fn obtained_at(&self) -> UnixTime {
        self.lifetime.obtained_at()
    }

    /// The refresh token that came with it, if any (IBM Cloud IAM issues one).
    pub fn refresh_token(&self) -> Option<&SecretString> {
        self.refresh_token.as_ref()
    }

    /// The granted scopes as the server reported them, if it did.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Whether the token must no longer be used at `now` under `policy`.
    pub fn is_expired(&self, now: UnixTime, policy: RefreshPolicy) -> bool {
        self.lifetime.is_expired(now, policy)
    }
}

impl Expiring for AccessToken {
    fn lifetime(&self) -> TokenLifetime {
        self.lifetime
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("expires_at", &self.lifetime.expires_at())
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("scope", &self.scope)
            .finish()
    }
}

/// An OpenID Connect ID token; its expiry is read from its own `exp` claim
/// (unverified: verify it with [`crate::verify`] where trust matters).
#[derive(Clone, PartialEq, Eq)]
pub struct IdToken {
    token: SecretString,
    lifetime: TokenLifetime,
}

impl IdToken {
    /// Reads `exp` (and `iat`, when present) from an ID token obtained at `now`.
    pub fn from_jwt(token: SecretString, now: UnixTime) -> Result<Self> {
        let decoded = crate::verify::decode_unverified(token.expose_secret())?;
        let exp = decoded
            .claims
            .exp()?
            .ok_or_else(|| Error::invalid_claims("ID token has no exp"))?;
        let obtained = decoded
            .claims
            .iat()?
            .map_or(now, UnixTime::from_secs)
            .min(now);
        let lifetime = TokenLifetime::new(obtained, UnixTime::from_secs(exp))?;
        Ok(IdToken { token, lifetime })
    }

    /// An ID token whose lifetime is already known (read back from a shared cache).
    pub(crate) fn with_lifetime(token: SecretString, lifetime: TokenLifetime) -> Result<Self> {
        if token.is_empty() {
            return Err(Error::invalid_argument("ID token is empty"));
        }
        Ok(IdToken { token, lifetime })
    }

    /// The compact JWT.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// When it expires (its `exp`).
    pub fn expires_at(&self) -> UnixTime {
        self.lifetime.expires_at()
    }
}

impl Expiring for IdToken {
    fn lifetime(&self) -> TokenLifetime {
        self.lifetime
    }
}

impl fmt::Debug for IdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdToken")
            .field("token", &self.token)
            .field("expires_at", &self.lifetime.expires_at())
            .finish()
    }
}

/// Either kind of token, for hosts that keep both in one kind of cache
/// (bindings: one `TokenCache<AnyToken>` type for access and ID tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AnyToken {
    /// An OAuth 2.0 access token.
    Access(AccessToken),
    /// An OpenID Connect ID token.
    Id(IdToken),
}

impl Expiring for AnyToken {
    fn lifetime(&self) -> TokenLifetime {
        match self {
            AnyToken::Access(token) => token.lifetime(),
            AnyToken::Id(token) => token.lifetime(),
        }
    }
}
