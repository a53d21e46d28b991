//! Google's OAuth 2.0 token endpoint: a service-account key traded for an access
//! token (JWT-bearer grant, RFC 7523) or an ID token (`target_audience` form).
//!
//! ```text
//! POST {token_uri}
//! Content-Type: application/x-www-form-urlencoded
//!
//! grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=<JWT>
//! ```

use super::account::ServiceAccountIdentity;
use crate::assertion::{ClaimsTemplate, IdTokenAssertion, JwtBearerAssertion};
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Signer, Signing, Step};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::key::ServiceAccountKey;
use crate::oauth::{parse_access_token, parse_id_token};
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::{AccessToken, IdToken};
use crate::url::{Endpoint, Form};

/// The `grant_type` of RFC 7523's JWT-bearer grant.
pub(crate) const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// What a token endpoint answer is read into.
pub trait GrantOutput: Sized {
    /// Parses a 2xx response to a request sent at `sent_at`.
    fn parse(response: &HttpResponse, sent_at: UnixTime) -> Result<Self>;
}

impl GrantOutput for AccessToken {
    fn parse(response: &HttpResponse, sent_at: UnixTime) -> Result<Self> {
        parse_access_token(response, sent_at)
    }
}

impl GrantOutput for IdToken {
    fn parse(response: &HttpResponse, sent_at: UnixTime) -> Result<Self> {
        parse_id_token(response, sent_at)
    }
}

/// Signs an assertion (locally or via [`Step::Sign`]) and trades it at a token endpoint.
pub struct JwtGrantFlow<A, T> {
    token_uri: Endpoint,
    signer: Signer,
    assertion: A,
    options: FlowOptions,
    state: GrantState<T>,
}

/// A service-account key traded for an access token.
pub type ServiceAccountTokenFlow = JwtGrantFlow<JwtBearerAssertion, AccessToken>;

/// A service-account key traded for an ID token for a target audience.
pub type ServiceAccountIdTokenFlow = JwtGrantFlow<IdTokenAssertion, IdToken>;

enum GrantState<T> {
    Start,
    Signing(Signing),
    Exchanging(Box<RequestFlow<T>>),
}

impl<A: ClaimsTemplate, T: GrantOutput> JwtGrantFlow<A, T> {
    /// A flow that sends `assertion`, signed by `signer`, to `token_uri`.
    pub fn new(token_uri: Endpoint, signer: Signer, assertion: A, options: FlowOptions) -> Self {
        JwtGrantFlow {
            token_uri,
            signer,
            assertion,
            options,
            state: GrantState::Start,
        }
    }

    fn exchange(&mut self, assertion: &SecretString, now: UnixTime) -> Result<Step<T>> {
        let request = grant_request(&self.token_uri, assertion);
        let mut exchange = RequestFlow::new(request, Dialect::OAuth, &self.options, T::parse);
        let step = exchange.poll(now);
        self.state = GrantState::Exchanging(Box::new(exchange));
        step
    }
}

/// The token request carrying a signed assertion.
pub(crate) fn grant_request(token_uri: &Endpoint, assertion: &SecretString) -> HttpRequest {
    let mut form = Form::default();
    form.push("grant_type", JWT_BEARER_GRANT);
    form.push("assertion", assertion.expose_secret());
    HttpRequest::new(Method::Post, token_uri.as_str().to_owned()).form_body(&form)
}

impl<A: ClaimsTemplate, T: GrantOutput> Flow for JwtGrantFlow<A, T> {
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        match &mut self.state {
            GrantState::Start => {
                let unsigned = self.assertion.unsigned(self.signer.key_id(), now);
                match Signing::start(&self.signer, unsigned)? {
                    Signing::Signed(assertion) => self.exchange(&assertion, now),
                    awaiting => {
                        let request = awaiting.sign_request();
                        self.state = GrantState::Signing(awaiting);
                        request
                            .map(Step::Sign)
                            .ok_or_else(|| Error::invalid_argument("nothing to sign"))
                    }
                }
            }
            GrantState::Signing(signing) => match signing {
                Signing::Signed(assertion) => {
                    let assertion = assertion.clone();
                    self.exchange(&assertion, now)
                }
                awaiting => awaiting
                    .sign_request()
                    .map(Step::Sign)
                    .ok_or_else(|| Error::invalid_argument("nothing to sign")),
            },
            GrantState::Exchanging(exchange) => exchange.poll(now),
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.state {
            GrantState::Exchanging(exchange) => exchange.feed_response(response),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.state {
            GrantState::Exchanging(exchange) => exchange.feed_transport_error(reason),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        match &mut self.state {
            GrantState::Signing(signing) => signing.feed(signature),
            _ => Err(Error::invalid_argument(
                "this flow did not ask for a signature",
            )),
        }
    }
}

impl ServiceAccountKey {
    /// Who this key speaks for, with `token_uri` checked as an [`Endpoint`].
    pub fn identity(&self) -> Result<ServiceAccountIdentity> {
        ServiceAccountIdentity::new(
            self.client_email(),
            self.key_id(),
            Endpoint::new(self.token_uri())?,
        )
    }

    /// This key as a local signer for flows.
    pub fn signer(&self) -> Signer {
        Signer::Local(self.shared_signing_key())
    }

    /// The conversation that trades this key for an access token with `scopes`.
    pub fn access_token_flow<S: Into<String>>(
        &self,
        scopes: impl IntoIterator<Item = S>,
        options: FlowOptions,
    ) -> Result<ServiceAccountTokenFlow> {
        let identity = self.identity()?;
        let assertion = JwtBearerAssertion::for_identity(&identity, scopes)?;
        Ok(JwtGrantFlow::new(
            identity.token_uri().clone(),
            self.signer(),
            assertion,
            options,
        ))
    }

    /// The conversation that trades this key for an ID token for `audience`.
    pub fn id_token_flow(
        &self,
        audience: impl Into<String>,
        options: FlowOptions,
    ) -> Result<ServiceAccountIdTokenFlow> {
        let identity = self.identity()?;
        let assertion = IdTokenAssertion::for_identity(&identity, audience)?;
        Ok(JwtGrantFlow::new(
            identity.token_uri().clone(),
            self.signer(),
            assertion,
            options,
        ))
    }
}
