//! OAuth 2.0 token endpoints (RFC 6749): token responses, client authentication,
//! and the client-credentials grant (§4.4) that k0rdent-style service-account
//! credentials use.

use crate::assertion::checked_scopes;
use crate::encoding::b64_std_encode;
use crate::error::{Error, Result};
use crate::flow::{FlowOptions, RequestFlow};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::lifetime::TokenLifetime;
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::{AccessToken, IdToken};
use crate::url::{Endpoint, Form, form_encode};
use crate::wire::Body;
use std::fmt;

/// Reads `{"access_token","token_type","expires_in"[,"scope"]}` into a token
/// valid from `sent_at` (the request time: an expiry that errs early).
pub(crate) fn parse_access_token(
    response: &HttpResponse,
    sent_at: UnixTime,
) -> Result<AccessToken> {
    let mut body = Body::parse(response)?;
    let token = body.take_secret("access_token")?;
    if let Some(kind) = body.opt_str("token_type")?
        && !kind.eq_ignore_ascii_case("bearer")
    {
        return Err(body.error("token_type is not Bearer"));
    }
    let expires_in = body
        .u64_lenient("expires_in")?
        .filter(|secs| *secs > 0)
        .ok_or_else(|| body.error("\"expires_in\" is missing or zero"))?;
    let scope = body.opt_str("scope")?.map(str::to_owned);
    let lifetime = TokenLifetime::from_expires_in(sent_at, expires_in)?;
    Ok(AccessToken::new(token, lifetime)?.with_scope(scope))
}

/// Reads `{"id_token": "<JWT>"}`; the expiry is the token's own `exp`.
pub(crate) fn parse_id_token(response: &HttpResponse, sent_at: UnixTime) -> Result<IdToken> {
    let mut body = Body::parse(response)?;
    let token = body.take_secret("id_token")?;
    id_token_from(&body, token, sent_at)
}

/// An ID token taken from a response body, with its `exp` checked.
pub(crate) fn id_token_from(body: &Body, token: SecretString, now: UnixTime) -> Result<IdToken> {
    IdToken::from_jwt(token, now)
        .map_err(|err| body.error(format!("the ID token is unusable: {err}")))
}

/// `Authorization: Basic` for a client id and secret: both form-encoded, then
/// base64 of `id:secret` (RFC 6749 §2.3.1).
pub(crate) fn basic_auth(client_id: &str, client_secret: &SecretString) -> SecretString {
    let pair = zeroize::Zeroizing::new(format!(
        "{}:{}",
        form_encode(client_id).as_str(),
        form_encode(client_secret.expose_secret()).as_str()
    ));
    SecretString::from(format!("Basic {}", b64_std_encode(pair.as_bytes())))
}

/// How a client proves its identity to a token endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic …` (RFC 6749's recommended method).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body.
    Form,
}

/// The OAuth 2.0 client-credentials grant: a client id and secret traded for an
/// access token (k0rdent service-account credentials and any RFC 6749 server).
#[derive(Clone)]
pub struct ClientCredentials {
    token_endpoint: Endpoint,
    client_id: String,
    client_secret: SecretString,
    scopes: Vec<String>,
    auth: ClientAuth,
}

impl ClientCredentials {
    /// What makes this client's tokens interchangeable (see
    /// [`crate::shared_cache`]); its secret is left out, so rotating it keeps the name.
    pub(crate) fn describe_for_cache(&self, d: &mut crate::shared_cache::Description) {
        d.field("token_endpoint", self.token_endpoint.as_str());
        d.field("client_id", &self.client_id);
        d.list("client_scopes", &self.scopes);
    }

    /// A client of `token_endpoint` (no scopes, Basic authentication).
    pub fn new(
        token_endpoint: Endpoint,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Result<Self> {
        let client_id = client_id.into();
        if client_id.is_empty() || client_id.chars().any(char::is_control) {
            return Err(Error::invalid_argument("client_id must be non-empty text"));
        }
        if client_secret.is_empty() {
            return Err(Error::invalid_argument("client_secret is empty"));
        }
        Ok(ClientCredentials {
            token_endpoint,
            client_id,
            client_secret,
            scopes: Vec::new(),
            auth: ClientAuth::Basic,
        })
    }

    /// Asks for these scopes (at least one; none means the server's default).
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Result<Self> {
        self.scopes = checked_scopes(scopes)?;
        Ok(self)
    }

    /// Chooses how the client authenticates.
    pub fn auth(mut self, auth: ClientAuth) -> Self {
        self.auth = auth;
        self
    }

    /// The token request.
    pub fn request(&self) -> HttpRequest {
        let mut form = Form::default();
        form.push("grant_type", "client_credentials");
        if !self.scopes.is_empty() {
            form.push("scope", &self.scopes.join(" "));
        }
        let mut request = HttpRequest::new(Method::Post, self.token_endpoint.as_str().to_owned())
            .header("Accept", "application/json");
        match self.auth {
            ClientAuth::Basic => {
                let auth = basic_auth(&self.client_id, &self.client_secret);
                request = request.header("Authorization", auth.expose_secret());
            }
            ClientAuth::Form => {
                form.push("client_id", &self.client_id);
                form.push("client_secret", self.client_secret.expose_secret());
            }
        }
        request.form_body(&form)
    }

    /// The conversation that obtains a token.
    pub fn flow(&self, options: &FlowOptions) -> RequestFlow<AccessToken> {
        RequestFlow::new(self.request(), Dialect::OAuth, options, parse_access_token)
    }
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_endpoint", &self.token_endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("auth", &self.auth)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_form_encodes_both_parts() {
        let header = basic_auth("id:1", &SecretString::from("p w".to_owned()));
        assert_eq!(
            header.expose_secret(),
            format!("Basic {}", b64_std_encode(b"id%3A1:p+w"))
        );
    }

    #[test]
    fn access_token_responses() {
        let now = UnixTime::from_secs(1000);
        let ok = |body: &str| {
            parse_access_token(
                &HttpResponse::new(200, vec![], body.as_bytes().to_vec()),
                now,
            )
        };
        let token =
            ok(r#"{"access_token":"ya29.a","expires_in":3599,"token_type":"Bearer"}"#).unwrap();
        assert_eq!(
            (token.expires_at().as_secs(), token.token().expose_secret()),
            (4599, "ya29.a")
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":"60"}"#)
                .unwrap()
                .expires_at()
                .as_secs(),
            1060
        );
        for bad in [
            r#"{"expires_in":3599}"#,
            r#"{"access_token":"","expires_in":3599}"#,
            r#"{"access_token":5,"expires_in":3599}"#,
            r#"{"access_token":"a"}"#,
            r#"{"access_token":"a","expires_in":0}"#,
            r#"{"access_token":"a","expires_in":-5}"#,
            r#"{"access_token":"a","expires_in":60,"token_type":"mac"}"#,
        ] {
            assert_eq!(ok(bad).unwrap_err().code(), "invalid_response", "{bad}");
        }
    }
}
