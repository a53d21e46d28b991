//! IBM Cloud IAM: an API key (or a refresh token) traded for an IAM access token.
//!
//! ```text
//! POST https://iam.cloud.ibm.com/identity/token
//! Accept: application/json
//! Content-Type: application/x-www-form-urlencoded
//!
//! grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=<KEY>&response_type=cloud_iam
//! ```
//! Answer (seed 002): `{"access_token","refresh_token","token_type","expires_in","expiration"}`,
//! `expiration` in absolute epoch seconds. Errors: `{"errorCode","errorMessage","context"}`.

use crate::assertion::checked_scopes;
use crate::error::{Error, Result};
use crate::flow::{FlowOptions, RequestFlow};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::lifetime::TokenLifetime;
use crate::oauth::basic_auth;
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::AccessToken;
use crate::url::{Endpoint, Form};
use crate::wire::Body;
use std::fmt;

/// IBM Cloud IAM's production endpoint.
pub const IBM_IAM_ENDPOINT: &str = "https://iam.cloud.ibm.com";

/// The `grant_type` of IBM's API-key grant.
const API_KEY_GRANT: &str = "urn:ibm:params:oauth:grant-type:apikey";

/// Where and how to ask IBM Cloud IAM for tokens.
#[derive(Clone)]
pub struct IbmIam {
    token_url: String,
    client: Option<(String, SecretString)>,
    scopes: Vec<String>,
}

impl IbmIam {
    /// What makes this API key's tokens interchangeable (see [`crate::shared_cache`]):
    /// the key is the only identity, so its digest enters the keyed name.
    pub(crate) fn describe_for_cache(
        &self,
        api_key: &SecretString,
        d: &mut crate::shared_cache::Description,
    ) {
        d.field("token_url", &self.token_url);
        d.secret("api_key", api_key);
        d.optional("client_id", self.client.as_ref().map(|(id, _)| id.as_str()));
        d.list("iam_scopes", &self.scopes);
    }

    /// The production endpoint, no client credentials, no scope.
    pub fn new() -> Self {
        IbmIam {
            token_url: format!("{IBM_IAM_ENDPOINT}/identity/token"),
            client: None,
            scopes: Vec::new(),
        }
    }

    /// Another IAM host (a private endpoint, an emulator). `/identity/token` is
    /// appended unless the URL already ends with it.
    pub fn with_endpoint(endpoint: &Endpoint) -> Self {
        let url = endpoint.as_str();
        let token_url = if url.ends_with("/identity/token") {
            url.to_owned()
        } else {
            format!("{url}/identity/token")
        };
        IbmIam {
            token_url,
            ..Self::new()
        }
    }

    /// Authenticates the client with HTTP Basic (IBM grants higher rate limits to registered clients).
    pub fn client(
        mut self,
        client_id: impl Into<String>,
        client_secret: SecretString,
    ) -> Result<Self> {
        let client_id = client_id.into();
        if client_id.is_empty() || client_secret.is_empty() {
            return Err(Error::invalid_argument(
                "client id and secret must both be non-empty",
            ));
        }
        self.client = Some((client_id, client_secret));
        Ok(self)
    }

    /// [`IbmIam::client`] when both halves are given, unchanged when neither is;
    /// one without the other is an `invalid_argument` (for hosts with optional arguments).
    pub fn client_if_given(
        self,
        client_id: Option<String>,
        client_secret: Option<SecretString>,
    ) -> Result<Self> {
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => self.client(id, secret),
            (None, None) => Ok(self),
            _ => Err(Error::invalid_argument(
                "give both client_id and client_secret, or neither",
            )),
        }
    }

    /// Asks for these scopes.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Result<Self> {
        self.scopes = checked_scopes(scopes)?;
        Ok(self)
    }

    fn request(&self, mut form: Form) -> HttpRequest {
        form.push("response_type", "cloud_iam");
        if !self.scopes.is_empty() {
            form.push("scope", &self.scopes.join(" "));
        }
        let mut request = HttpRequest::new(Method::Post, self.token_url.clone())
            .header("Accept", "application/json");
        if let Some((id, secret)) = &self.client {
            request = request.header("Authorization", basic_auth(id, secret).expose_secret());
        }
        request.form_body(&form)
    }

    /// The API-key grant request.
    pub fn api_key_request(&self, api_key: &SecretString) -> Result<HttpRequest> {
        check_secret(api_key, "API key")?;
        let mut form = Form::default();
        form.push("grant_type", API_KEY_GRANT);
        form.push("apikey", api_key.expose_secret());
        Ok(self.request(form))
    }

    /// The refresh-token grant request.
    pub fn refresh_request(&self, refresh_token: &SecretString) -> Result<HttpRequest> {
        check_secret(refresh_token, "refresh token")?;
        let mut form = Form::default();
        form.push("grant_type", "refresh_token");
        form.push("refresh_token", refresh_token.expose_secret());
        Ok(self.request(form))
    }

    /// The conversation that trades `api_key` for a token.
    pub fn api_key_flow(
        &self,
        api_key: &SecretString,
        options: &FlowOptions,
    ) -> Result<RequestFlow<AccessToken>> {
        Ok(RequestFlow::new(
            self.api_key_request(api_key)?,
            Dialect::Ibm,
            options,
            parse_token,
        ))
    }

    /// The conversation that trades a refresh token for a new token.
    pub fn refresh_flow(
        &self,
        refresh_token: &SecretString,
        options: &FlowOptions,
    ) -> Result<RequestFlow<AccessToken>> {
        Ok(RequestFlow::new(
            self.refresh_request(refresh_token)?,
            Dialect::Ibm,
            options,
            parse_token,
        ))
    }
}

impl Default for IbmIam {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for IbmIam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IbmIam")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client.as_ref().map(|(id, _)| id))
            .field("scopes", &self.scopes)
            .finish()
    }
}

fn check_secret(secret: &SecretString, what: &str) -> Result<()> {
    let text = secret.expose_secret();
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::invalid_argument(format!(
            "{what} must be non-empty and without whitespace"
        )));
    }
    Ok(())
}

/// Seed 002's answer. The lifetime runs from `expiration - expires_in` to
/// `expiration`, so [`crate::RefreshPolicy::IBM`] refreshes at 80 % of it.
pub(crate) fn parse_token(response: &HttpResponse, sent_at: UnixTime) -> Result<AccessToken> {
    let mut body = Body::parse(response)?;
    let token = body.take_secret("access_token")?;
    if !body.str("token_type")?.eq_ignore_ascii_case("bearer") {
        return Err(body.error("token_type is not Bearer"));
    }
    let expires_in = body
        .u64_lenient("expires_in")?
        .filter(|secs| *secs > 0)
        .ok_or_else(|| body.error("\"expires_in\" is missing or zero"))?;
    let expiration = body
        .u64_lenient("expiration")?
        .and_then(|secs| i64::try_from(secs).ok())
        .map(UnixTime::from_secs)
        .ok_or_else(|| body.error("\"expiration\" is missing"))?;
    if expiration <= sent_at {
        return Err(body.error(
            "the token expired before it arrived (expiration is not after the request time)",
        ));
    }
    let refresh_token = match body.opt_str("refresh_token")? {
        None | Some("not_supported") | Some("") => None,
        Some(_) => Some(body.take_secret("refresh_token")?),
    };
    let scope = body.opt_str("scope")?.map(str::to_owned);
    let lifetime = TokenLifetime::new(expiration.saturating_sub(expires_in), expiration)?;
    Ok(AccessToken::new(token, lifetime)?
        .with_refresh_token(refresh_token)
        .with_scope(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_both_halves_or_none() {
        let secret = || Some(SecretString::from("s".to_owned()));
        assert!(IbmIam::new().client_if_given(None, None).is_ok());
        assert!(
            IbmIam::new()
                .client_if_given(Some("id".into()), secret())
                .is_ok()
        );
        for (id, secret) in [(Some("id".to_owned()), None), (None, secret())] {
            let err = IbmIam::new().client_if_given(id, secret).unwrap_err();
            assert_eq!(err.code(), "invalid_argument");
        }
    }
}
