//! A person's credentials: the OAuth refresh token that `gcloud auth
//! application-default login` stores (`authorized_user`), and the workforce
//! identity one that `gcloud auth login --login-config` stores
//! (`external_account_authorized_user`, refreshed at STS).
//!
//! ```text
//! POST https://oauth2.googleapis.com/token
//! grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…
//!
//! POST https://sts.googleapis.com/v1/oauthtoken
//! Authorization: Basic base64(client_id:client_secret)
//! grant_type=refresh_token&refresh_token=…
//! ```

use crate::assertion::checked_scopes;
use crate::error::Result;
use crate::flow::{FlowOptions, RequestFlow};
use crate::http::{HttpRequest, Method};
use crate::oauth::{basic_auth, parse_access_token};
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::token::AccessToken;
use crate::url::{Endpoint, Form};
use std::fmt;

/// Google's token endpoint, where `authorized_user` files are refreshed by default.
pub const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";
/// STS's refresh endpoint for workforce identity users.
pub const STS_OAUTHTOKEN_URL: &str = "https://sts.googleapis.com/v1/oauthtoken";

/// An OAuth client and a refresh token issued to it (`"type": "authorized_user"`).
#[derive(Clone)]
pub struct AuthorizedUser {
    token_uri: Endpoint,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    scopes: Vec<String>,
}

impl AuthorizedUser {
    /// What makes this person's tokens interchangeable (see [`crate::shared_cache`]).
    pub(crate) fn describe_for_cache(&self, d: &mut crate::shared_cache::Description) {
        d.field("token_uri", self.token_uri.as_str());
        d.field("client_id", &self.client_id);
        d.secret("refresh_token", &self.refresh_token);
        d.list("user_scopes", &self.scopes);
    }

    /// A refresh token of `client_id`, redeemed at `token_uri`.
    pub fn new(
        token_uri: Endpoint,
        client_id: impl Into<String>,
        client_secret: SecretString,
        refresh_token: SecretString,
    ) -> Self {
        AuthorizedUser {
            token_uri,
            client_id: client_id.into(),
            client_secret,
            refresh_token,
            scopes: Vec::new(),
        }
    }

    /// Asks for these scopes (by default none: the grant's own, as consented at login).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Result<Self> {
        self.scopes = checked_scopes(scopes)?;
        Ok(self)
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The token endpoint.
    pub fn token_uri(&self) -> &Endpoint {
        &self.token_uri
    }

    /// The refresh request (RFC 6749 §6; client credentials in the form, as Google's tools send them).
    pub fn request(&self) -> HttpRequest {
        let mut form = Form::default();
        form.push("grant_type", "refresh_token");
        form.push("client_id", &self.client_id);
        form.push("client_secret", self.client_secret.expose_secret());
        form.push("refresh_token", self.refresh_token.expose_secret());
        if !self.scopes.is_empty() {
            form.push("scope", &self.scopes.join(" "));
        }
        HttpRequest::new(Method::Post, self.token_uri.as_str().to_owned()).form_body(&form)
    }

    /// The conversation that obtains an access token.
    pub fn flow(&self, options: &FlowOptions) -> RequestFlow<AccessToken> {
        RequestFlow::new(self.request(), Dialect::OAuth, options, parse_access_token)
    }
}

impl fmt::Debug for AuthorizedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizedUser")
            .field("token_uri", &self.token_uri)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// A workforce identity user's refresh token (`"type": "external_account_authorized_user"`).
#[derive(Clone)]
pub struct WorkforceUser {
    token_url: Endpoint,
    audience: Option<String>,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
}

impl WorkforceUser {
    /// What makes this user's tokens interchangeable (see [`crate::shared_cache`]).
    pub(crate) fn describe_for_cache(&self, d: &mut crate::shared_cache::Description) {
        d.field("token_url", self.token_url.as_str());
        d.optional("audience", self.audience.as_deref());
        d.field("client_id", &self.client_id);
        d.secret("refresh_token", &self.refresh_token);
    }

    /// A refresh token of `client_id` for the pool provider `audience`, redeemed at `token_url`.
    pub fn new(
        token_url: Endpoint,
        audience: Option<String>,
        client_id: impl Into<String>,
        client_secret: SecretString,
        refresh_token: SecretString,
    ) -> Self {
        WorkforceUser {
            token_url,
            audience,
            client_id: client_id.into(),
            client_secret,
            refresh_token,
        }
    }

    /// The workforce pool provider, if the file names it.
    pub fn audience(&self) -> Option<&str> {
        self.audience.as_deref()
    }

    /// The refresh request: HTTP Basic client authentication, the token in the form.
    pub fn request(&self) -> HttpRequest {
        let mut form = Form::default();
        form.push("grant_type", "refresh_token");
        form.push("refresh_token", self.refresh_token.expose_secret());
        let auth = basic_auth(&self.client_id, &self.client_secret);
        HttpRequest::new(Method::Post, self.token_url.as_str().to_owned())
            .header("Authorization", auth.expose_secret())
            .form_body(&form)
    }

    /// The conversation that obtains an access token.
    pub fn flow(&self, options: &FlowOptions) -> RequestFlow<AccessToken> {
        RequestFlow::new(self.request(), Dialect::OAuth, options, parse_access_token)
    }
}

impl fmt::Debug for WorkforceUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkforceUser")
            .field("token_url", &self.token_url)
            .field("audience", &self.audience)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .finish()
    }
}
