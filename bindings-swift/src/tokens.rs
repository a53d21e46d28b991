//! Tokens as objects: the secret is reachable only through `token()`, and no
//! generated `toString`/`description` prints it.

use credmint::{AccessToken as CoreAccessToken, IdToken as CoreIdToken};

/// An OAuth 2.0 access token. `toString`/`description`: expiry only.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct AccessToken {
    pub(crate) inner: CoreAccessToken,
}

#[uniffi::export]
impl AccessToken {
    /// A token the host already holds (for example a k0rdent bearer), valid `ttl_secs` from `now`.
    #[uniffi::constructor]
    pub fn bearer(token: String, now: i64, ttl_secs: u64) -> crate::errors::Result<Self> {
        let lifetime =
            credmint::TokenLifetime::from_expires_in(credmint::UnixTime::from_secs(now), ttl_secs)?;
        let inner = CoreAccessToken::new(credmint::SecretString::from(token), lifetime)?;
        Ok(AccessToken { inner })
    }

    /// The bearer token string (a secret).
    pub fn token(&self) -> String {
        self.inner.token().expose_secret().to_owned()
    }

    /// Expiry, Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.inner.expires_at().as_secs()
    }

    /// When it was obtained, Unix seconds.
    pub fn obtained_at(&self) -> i64 {
        self.inner.obtained_at().as_secs()
    }

    /// The refresh token issued with it (IBM), if any (a secret).
    pub fn refresh_token(&self) -> Option<String> {
        self.inner
            .refresh_token()
            .map(|token| token.expose_secret().to_owned())
    }

    /// Granted scopes, if the server said.
    pub fn scope(&self) -> Option<String> {
        self.inner.scope().map(str::to_owned)
    }
}

/// An OpenID Connect ID token. `toString`/`description`: expiry only.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct IdToken {
    pub(crate) inner: CoreIdToken,
}

#[uniffi::export]
impl IdToken {
    /// The compact JWT (a secret).
    pub fn token(&self) -> String {
        self.inner.token().expose_secret().to_owned()
    }

    /// Expiry (its `exp`), Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.inner.expires_at().as_secs()
    }
}
