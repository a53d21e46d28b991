//! Impersonation: a caller's token (given, or obtained by another flow) used for
//! one IAM Credentials call on a target account, through a delegation chain.
//! One state machine drives the whole chain: source flow, then the IAM call.

use super::account::ServiceAccountId;
use super::iam::{self, AllowedLocations, IamCredentials};
use crate::assertion::checked_scopes;
use crate::claims::Claims;
use crate::datetime::Lifetime;
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Step, pending};
use crate::http::{HttpRequest, HttpResponse};
use crate::lifetime::RefreshPolicy;
use crate::remote::Dialect;
use crate::sign::{SignedBlob, SignedJwt};
use crate::time::UnixTime;
use crate::token::{AccessToken, IdToken};

/// A flow that yields the caller's access token (a key's JWT-bearer grant, an
/// STS exchange, another impersonation…).
pub type AccessTokenSource = Box<dyn Flow<Output = AccessToken> + Send>;

/// Where the caller's (source) token comes from.
pub enum SourceToken {
    /// A token the host already holds.
    Token(AccessToken),
    /// A flow that obtains it first.
    Flow(AccessTokenSource),
}

type BuildRequest = Box<dyn Fn(&AccessToken, UnixTime) -> Result<HttpRequest> + Send>;

/// A source token, then one IAM Credentials call made with it.
pub struct ImpersonatedFlow<T> {
    source: Option<SourceToken>,
    build: BuildRequest,
    parse: fn(&HttpResponse, UnixTime) -> Result<T>,
    options: FlowOptions,
    call: Option<RequestFlow<T>>,
}

impl<T> ImpersonatedFlow<T> {
    fn new(
        source: SourceToken,
        build: BuildRequest,
        parse: fn(&HttpResponse, UnixTime) -> Result<T>,
        options: FlowOptions,
    ) -> Self {
        ImpersonatedFlow {
            source: Some(source),
            build,
            parse,
            options,
            call: None,
        }
    }
}

impl ImpersonatedFlow<AccessToken> {
    /// An access token for `target` with `scopes`, through `delegates`
    /// (`generateAccessToken`).
    pub fn access_token(
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
        scopes: Vec<String>,
        lifetime: Lifetime,
        options: FlowOptions,
    ) -> Result<Self> {
        let scopes = checked_scopes(scopes)?;
        let build = move |bearer: &AccessToken, _now: UnixTime| {
            iam.generate_access_token(bearer, &target, &delegates, &scopes, lifetime)
        };
        Ok(Self::new(
            source,
            Box::new(build),
            iam::parse_access_token,
            options,
        ))
    }
}

impl ImpersonatedFlow<IdToken> {
    /// An ID token of `target` for `audience` (`generateIdToken`).
    pub fn id_token(
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
        audience: String,
        include_email: bool,
        options: FlowOptions,
    ) -> Result<Self> {
        if audience.is_empty() || audience.chars().any(char::is_control) {
            return Err(Error::invalid_argument("audience must be non-empty text"));
        }
        let build = move |bearer: &AccessToken, _now: UnixTime| {
            iam.generate_id_token(bearer, &target, &delegates, &audience, include_email)
        };
        Ok(Self::new(
            source,
            Box::new(build),
            iam::parse_id_token,
            options,
        ))
    }
}

impl ImpersonatedFlow<SignedBlob> {
    /// `payload` signed by `target` (`signBlob`).
    pub fn sign_blob(
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
        payload: Vec<u8>,
        options: FlowOptions,
    ) -> Self {
        let build = move |bearer: &AccessToken, _now: UnixTime| {
            iam.sign_blob(bearer, &target, &delegates, &payload)
        };
        Self::new(source, Box::new(build), iam::parse_signed_blob, options)
    }
}

impl ImpersonatedFlow<SignedJwt> {
    /// `claims` signed as a JWT by `target` (`signJwt`); `exp` rules are checked
    /// at the time of sending.
    pub fn sign_jwt(
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
        claims: Claims,
        options: FlowOptions,
    ) -> Self {
        let build = move |bearer: &AccessToken, now: UnixTime| {
            iam.sign_jwt(bearer, &target, &delegates, &claims, now)
        };
        Self::new(source, Box::new(build), iam::parse_signed_jwt, options)
    }
}

impl ImpersonatedFlow<AllowedLocations> {
    /// The locations `target` may be used in (`allowedLocations`; the source
    /// token should be `target`'s own).
    pub fn allowed_locations(
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        options: FlowOptions,
    ) -> Self {
        let build =
            move |bearer: &AccessToken, _now: UnixTime| Ok(iam.allowed_locations(bearer, &target));
        Self::new(
            source,
            Box::new(build),
            iam::parse_allowed_locations,
            options,
        )
    }
}

impl<T> Flow for ImpersonatedFlow<T> {
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        if let Some(call) = &mut self.call {
            return call.poll(now);
        }
        let token = match self.source.take() {
            Some(SourceToken::Token(token)) => token,
            Some(SourceToken::Flow(mut flow)) => match pending(flow.poll(now)?) {
                Err(token) => token,
                Ok(step) => {
                    self.source = Some(SourceToken::Flow(flow));
                    return Ok(step);
                }
            },
            None => return Err(Error::invalid_argument("the flow is already over")),
        };
        if token.is_expired(now, RefreshPolicy::GOOGLE) {
            return Err(Error::invalid_argument("the source token has expired"));
        }
        let request = (self.build)(&token, now)?;
        let mut call = RequestFlow::new(request, Dialect::Google, &self.options, self.parse);
        let step = call.poll(now);
        self.call = Some(call);
        step
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match (&mut self.call, &mut self.source) {
            (Some(call), _) => call.feed_response(response),
            (None, Some(SourceToken::Flow(flow))) => flow.feed_response(response),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match (&mut self.call, &mut self.source) {
            (Some(call), _) => call.feed_transport_error(reason),
            (None, Some(SourceToken::Flow(flow))) => flow.feed_transport_error(reason),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        match &mut self.source {
            Some(SourceToken::Flow(flow)) if self.call.is_none() => flow.feed_signature(signature),
            _ => Err(Error::invalid_argument(
                "this flow did not ask for a signature",
            )),
        }
    }
}

/// One IAM Credentials call chosen at run time (bindings pick the method from
/// their caller's arguments); [`IamCall::flow`] makes the call.
#[derive(Clone, Debug)]
pub enum IamCall {
    /// `generateAccessToken`.
    GenerateAccessToken {
        /// Scopes of the new token.
        scopes: Vec<String>,
        /// Its lifetime.
        lifetime: Lifetime,
    },
    /// `generateIdToken`.
    GenerateIdToken {
        /// The token's audience.
        audience: String,
        /// Whether to include `email`.
        include_email: bool,
    },
    /// `signBlob`.
    SignBlob(Vec<u8>),
    /// `signJwt`.
    SignJwt(Claims),
    /// `allowedLocations`.
    AllowedLocations,
}

/// The arguments of an IAM Credentials method as bindings take them, loose;
/// [`IamCall::from_method`] checks that the method has what it needs.
#[derive(Clone, Debug, Default)]
pub struct IamCallArgs {
    /// `generateAccessToken`: scopes (none: `cloud-platform`).
    pub scopes: Option<Vec<String>>,
    /// `generateAccessToken`: lifetime in seconds (none: one hour).
    pub lifetime_secs: Option<u64>,
    /// `generateIdToken`: the audience (required).
    pub audience: Option<String>,
    /// `generateIdToken`: whether to include `email`.
    pub include_email: bool,
    /// `signBlob`: the bytes to sign (required).
    pub payload: Option<Vec<u8>>,
    /// `signJwt`: the claims, JSON object text (required).
    pub claims_json: Option<String>,
}

impl IamCall {
    /// The call of the IAM method named `method` (its REST name:
    /// `generateAccessToken`, `generateIdToken`, `signBlob`, `signJwt`,
    /// `allowedLocations`) with `args`; an unknown method or a missing
    /// required argument is `invalid_argument`.
    pub fn from_method(method: &str, args: IamCallArgs) -> Result<Self> {
        let required =
            |name: &str| Error::invalid_argument(format!("{method}: {name} is required"));
        Ok(match method {
            "generateAccessToken" => Self::generate_access_token(args.scopes, args.lifetime_secs)?,
            "generateIdToken" => IamCall::GenerateIdToken {
                audience: args.audience.ok_or_else(|| required("audience"))?,
                include_email: args.include_email,
            },
            "signBlob" => IamCall::SignBlob(args.payload.ok_or_else(|| required("payload"))?),
            "signJwt" => IamCall::SignJwt(Claims::from_json(
                &args.claims_json.ok_or_else(|| required("claims"))?,
            )?),
            "allowedLocations" => IamCall::AllowedLocations,
            other => {
                return Err(Error::invalid_argument(format!(
                    "unknown IAM method {}",
                    crate::error::quoted(other)
                )));
            }
        })
    }

    /// This call's conversation as bindings take its parts: `target` through
    /// `delegates` (e-mails or unique ids), authorized by the caller's `token`,
    /// at `endpoint` (a URL) or else at IAM in `universe_domain` (none: Google's).
    pub fn flow_for(
        self,
        token: AccessToken,
        target: String,
        delegates: Vec<String>,
        endpoint: Option<&str>,
        universe_domain: Option<&str>,
    ) -> Result<IamFlow> {
        let endpoint = endpoint.map(crate::url::Endpoint::new).transpose()?;
        let iam = IamCredentials::resolve(endpoint, universe_domain)?;
        let delegates = delegates
            .into_iter()
            .map(ServiceAccountId::new)
            .collect::<Result<Vec<_>>>()?;
        self.flow(
            SourceToken::Token(token),
            iam,
            ServiceAccountId::new(target)?,
            delegates,
            FlowOptions::default(),
        )
    }

    /// `generateAccessToken` with the core's defaults for what the caller left
    /// out: the `cloud-platform` scope, a one-hour lifetime.
    pub fn generate_access_token(
        scopes: Option<Vec<String>>,
        lifetime_secs: Option<u64>,
    ) -> Result<Self> {
        Ok(IamCall::GenerateAccessToken {
            scopes: scopes
                .unwrap_or_else(|| vec![crate::credentials::CLOUD_PLATFORM_SCOPE.to_owned()]),
            lifetime: lifetime_secs
                .map(Lifetime::from_secs)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// What an [`IamCall`] returns.
#[derive(Clone, Debug)]
pub enum IamAnswer {
    /// From `generateAccessToken`.
    AccessToken(AccessToken),
    /// From `generateIdToken`.
    IdToken(IdToken),
    /// From `signBlob`.
    SignedBlob(SignedBlob),
    /// From `signJwt`.
    SignedJwt(SignedJwt),
    /// From `allowedLocations`.
    AllowedLocations(AllowedLocations),
}

/// A boxed flow ending with an [`IamAnswer`].
pub type IamFlow = Box<dyn Flow<Output = IamAnswer> + Send>;

impl IamCall {
    /// The conversation that makes this call as `target`, through `delegates`,
    /// with the caller's `source` token.
    pub fn flow(
        self,
        source: SourceToken,
        iam: IamCredentials,
        target: ServiceAccountId,
        delegates: Vec<ServiceAccountId>,
        options: FlowOptions,
    ) -> Result<IamFlow> {
        Ok(match self {
            IamCall::GenerateAccessToken { scopes, lifetime } => Box::new(
                ImpersonatedFlow::access_token(
                    source, iam, target, delegates, scopes, lifetime, options,
                )?
                .map_output(IamAnswer::AccessToken),
            ),
            IamCall::GenerateIdToken {
                audience,
                include_email,
            } => Box::new(
                ImpersonatedFlow::id_token(
                    source,
                    iam,
                    target,
                    delegates,
                    audience,
                    include_email,
                    options,
                )?
                .map_output(IamAnswer::IdToken),
            ),
            IamCall::SignBlob(payload) => Box::new(
                ImpersonatedFlow::sign_blob(source, iam, target, delegates, payload, options)
                    .map_output(IamAnswer::SignedBlob),
            ),
            IamCall::SignJwt(claims) => Box::new(
                ImpersonatedFlow::sign_jwt(source, iam, target, delegates, claims, options)
                    .map_output(IamAnswer::SignedJwt),
            ),
            IamCall::AllowedLocations => Box::new(
                ImpersonatedFlow::allowed_locations(source, iam, target, options)
                    .map_output(IamAnswer::AllowedLocations),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_by_name_as_bindings_give_them() {
        let call = |method: &str, args: IamCallArgs| IamCall::from_method(method, args);
        assert!(matches!(
            call("generateAccessToken", IamCallArgs::default()).unwrap(),
            IamCall::GenerateAccessToken { scopes, .. } if scopes == [crate::credentials::CLOUD_PLATFORM_SCOPE]
        ));
        assert!(matches!(
            call("allowedLocations", IamCallArgs::default()).unwrap(),
            IamCall::AllowedLocations
        ));
        let signed = IamCallArgs {
            claims_json: Some(r#"{"sub":"s"}"#.into()),
            ..IamCallArgs::default()
        };
        assert!(matches!(
            call("signJwt", signed).unwrap(),
            IamCall::SignJwt(_)
        ));
        for (method, needs) in [
            ("generateIdToken", "audience"),
            ("signBlob", "payload"),
            ("signJwt", "claims"),
        ] {
            let refused = call(method, IamCallArgs::default()).unwrap_err();
            assert_eq!(refused.code(), "invalid_argument");
            assert!(refused.to_string().contains(needs), "{refused}");
        }
        assert_eq!(
            call("getIamPolicy", IamCallArgs::default())
                .unwrap_err()
                .code(),
            "invalid_argument"
        );
        let token = AccessToken::new(
            crate::SecretString::from("ya29.x".to_owned()),
            crate::TokenLifetime::from_expires_in(UnixTime::from_secs(0), 3600).unwrap(),
        )
        .unwrap();
        let flow = call("allowedLocations", IamCallArgs::default())
            .unwrap()
            .flow_for(
                token.clone(),
                "sa@p.iam.gserviceaccount.com".into(),
                vec![],
                Some("https://iam.example"),
                None,
            );
        assert!(flow.is_ok());
        let bad_target = call("allowedLocations", IamCallArgs::default())
            .unwrap()
            .flow_for(token, String::new(), vec![], None, None);
        assert!(bad_target.is_err());
    }
}
