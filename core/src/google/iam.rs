//! The IAM Service Account Credentials API (`iamcredentials.googleapis.com/v1`).
//!
//! ```text
//! POST {endpoint}/v1/projects/-/serviceAccounts/{email}:generateAccessToken
//! Authorization: Bearer <caller's token>
//! Content-Type: application/json
//!
//! {"delegates":["projects/-/serviceAccounts/…"],"scope":["…"],"lifetime":"3600s"}
//! ```
//! and likewise `:generateIdToken`, `:signBlob`, `:signJwt`, and
//! `GET …/allowedLocations`. Errors come back as google.rpc.Status.

use super::account::ServiceAccountId;
use crate::assertion::checked_scopes;
use crate::claims::Claims;
use crate::datetime::{Lifetime, parse_rfc3339};
use crate::encoding::{b64_std_decode, b64_std_encode};
use crate::error::{Error, Result};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::lifetime::{RefreshPolicy, TokenLifetime};
use crate::oauth::id_token_from;
use crate::sign::{SignedBlob, SignedJwt, prepare_jwt_claims};
use crate::time::UnixTime;
use crate::token::{AccessToken, IdToken};
use crate::url::Endpoint;
use crate::wire::Body;
use serde::Serialize;

/// Where and how to call IAM Credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamCredentials {
    endpoint: Endpoint,
    quota_project: Option<String>,
}

/// The regions a service account's credentials may be used in (IAM `allowedLocations`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowedLocations {
    /// Location names, e.g. `us-central1`; empty when unrestricted.
    pub locations: Vec<String>,
    /// The encoded form to send as the `x-allowed-locations` header (`"0x0"` when unrestricted).
    pub encoded_locations: String,
}

#[derive(Serialize)]
struct AccessTokenBody<'a> {
    delegates: Vec<String>,
    scope: &'a [String],
    lifetime: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IdTokenBody<'a> {
    delegates: Vec<String>,
    audience: &'a str,
    include_email: bool,
}

#[derive(Serialize)]
struct PayloadBody {
    delegates: Vec<String>,
    payload: String,
}

impl IamCredentials {
    /// How tokens and ID tokens minted through IAM are refreshed: as Google's
    /// auth libraries refresh every Google token (the one rule for hosts that
    /// cache the answers of IAM calls made with any source credential).
    pub const REFRESH_POLICY: RefreshPolicy = RefreshPolicy::GOOGLE;

    /// `https://iamcredentials.{universe_domain}` (`googleapis.com` outside sovereign clouds).
    pub fn new(universe_domain: &str) -> Result<Self> {
        Ok(Self::with_endpoint(Endpoint::google(
            "iamcredentials",
            universe_domain,
        )?))
    }

    /// `endpoint` when the caller gives one, else IAM Credentials of
    /// `universe_domain` (`googleapis.com` when that is not given either).
    pub fn resolve(endpoint: Option<Endpoint>, universe_domain: Option<&str>) -> Result<Self> {
        match endpoint {
            Some(endpoint) => Ok(Self::with_endpoint(endpoint)),
            None => Self::new(universe_domain.unwrap_or(crate::credentials::GOOGLE_UNIVERSE)),
        }
    }

    /// A custom endpoint (a regional host, an emulator).
    pub fn with_endpoint(endpoint: Endpoint) -> Self {
        IamCredentials {
            endpoint,
            quota_project: None,
        }
    }

    /// Bills quota to `project` (sends `x-goog-user-project`).
    pub fn quota_project(mut self, project: impl Into<String>) -> Result<Self> {
        let project = project.into();
        let valid = !project.is_empty()
            && project.len() <= 63
            && project
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b':' || b == b'.');
        if !valid {
            return Err(Error::invalid_argument(
                "quota project must be a project id",
            ));
        }
        self.quota_project = Some(project);
        Ok(self)
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn request(
        &self,
        method: Method,
        target: &ServiceAccountId,
        suffix: &str,
        bearer: &AccessToken,
    ) -> HttpRequest {
        let url = self
            .endpoint
            .join(&format!("/v1/{}{suffix}", target.path()));
        self.request_to(method, url, bearer)
    }

    fn request_to(&self, method: Method, url: String, bearer: &AccessToken) -> HttpRequest {
        let mut request = HttpRequest::new(method, url)
            .header("Authorization", bearer.authorization().expose_secret());
        if let Some(project) = &self.quota_project {
            request = request.header("x-goog-user-project", project.as_str());
        }
        request
    }

    fn post(
        &self,
        target: &ServiceAccountId,
        method: &str,
        bearer: &AccessToken,
        body: &impl Serialize,
    ) -> Result<HttpRequest> {
        let url = self
            .endpoint
            .join(&format!("/v1/{}:{method}", target.path()));
        self.post_to(url, bearer, body)
    }

    fn post_to(
        &self,
        url: String,
        bearer: &AccessToken,
        body: &impl Serialize,
    ) -> Result<HttpRequest> {
        let json = serde_json::to_string(body)
            .map_err(|_| Error::invalid_argument("request body is not serializable"))?;
        Ok(self.request_to(Method::Post, url, bearer).json_body(json))
    }

    /// `generateAccessToken` at an exact URL (an `external_account` file's
    /// `service_account_impersonation_url`).
    pub(crate) fn generate_access_token_at(
        &self,
        url: &str,
        bearer: &AccessToken,
        scopes: &[String],
        lifetime: Lifetime,
    ) -> Result<HttpRequest> {
        let body = AccessTokenBody {
            delegates: Vec::new(),
            scope: scopes,
            lifetime: lifetime.to_duration_string(),
        };
        self.post_to(url.to_owned(), bearer, &body)
    }

    /// `:generateAccessToken` for `target`, through `delegates`, for `scopes`.
    pub fn generate_access_token(
        &self,
        bearer: &AccessToken,
        target: &ServiceAccountId,
        delegates: &[ServiceAccountId],
        scopes: &[String],
        lifetime: Lifetime,
    ) -> Result<HttpRequest> {
        let scope = checked_scopes(scopes.iter().cloned())?;
        let body = AccessTokenBody {
            delegates: resource_names(delegates),
            scope: &scope,
            lifetime: lifetime.to_duration_string(),
        };
        self.post(target, "generateAccessToken", bearer, &body)
    }

    /// `:generateIdToken` for `target`, through `delegates`, for `audience`.
    pub fn generate_id_token(
        &self,
        bearer: &AccessToken,
        target: &ServiceAccountId,
        delegates: &[ServiceAccountId],
        audience: &str,
        include_email: bool,
    ) -> Result<HttpRequest> {
        if audience.is_empty() || audience.chars().any(char::is_control) {
            return Err(Error::invalid_argument("audience must be non-empty text"));
        }
        let body = IdTokenBody {
            delegates: resource_names(delegates),
            audience,
            include_email,
        };
        self.post(target, "generateIdToken", bearer, &body)
    }

    /// `:signBlob` of `payload` by `target`.
    pub fn sign_blob(
        &self,
        bearer: &AccessToken,
        target: &ServiceAccountId,
        delegates: &[ServiceAccountId],
        payload: &[u8],
    ) -> Result<HttpRequest> {
        let body = PayloadBody {
            delegates: resource_names(delegates),
            payload: b64_std_encode(payload),
        };
        self.post(target, "signBlob", bearer, &body)
    }

    /// `:signJwt` of `claims` by `target`, after the same `exp` rules as the local
    /// [`crate::SigningKey::sign_jwt`] (checked at `now`, before anything is sent).
    pub fn sign_jwt(
        &self,
        bearer: &AccessToken,
        target: &ServiceAccountId,
        delegates: &[ServiceAccountId],
        claims: &Claims,
        now: UnixTime,
    ) -> Result<HttpRequest> {
        let claims = prepare_jwt_claims(claims, now)?;
        let body = PayloadBody {
            delegates: resource_names(delegates),
            payload: claims.to_json(),
        };
        self.post(target, "signJwt", bearer, &body)
    }

    /// `GET …/allowedLocations` for `target` (the bearer must be `target`'s own token).
    pub fn allowed_locations(
        &self,
        bearer: &AccessToken,
        target: &ServiceAccountId,
    ) -> HttpRequest {
        self.request(Method::Get, target, "/allowedLocations", bearer)
    }
}

fn resource_names(accounts: &[ServiceAccountId]) -> Vec<String> {
    accounts
        .iter()
        .map(ServiceAccountId::resource_name)
        .collect()
}

/// `{"accessToken","expireTime"}` (RFC 3339, 0–9 fraction digits).
pub(crate) fn parse_access_token(
    response: &HttpResponse,
    sent_at: UnixTime,
) -> Result<AccessToken> {
    let mut body = Body::parse(response)?;
    let expire_time = body.str("expireTime")?;
    let expires_at = parse_rfc3339(expire_time)
        .map_err(|_| body.error("\"expireTime\" is not an RFC 3339 timestamp"))?;
    if expires_at <= sent_at {
        return Err(body.error(
            "the token expired before it arrived (expireTime is not after the request time)",
        ));
    }
    let token = body.take_secret("accessToken")?;
    AccessToken::new(token, TokenLifetime::new(sent_at, expires_at)?)
}

/// `{"token": "<JWT>"}`.
pub(crate) fn parse_id_token(response: &HttpResponse, sent_at: UnixTime) -> Result<IdToken> {
    let mut body = Body::parse(response)?;
    let token = body.take_secret("token")?;
    id_token_from(&body, token, sent_at)
}

/// `{"keyId","signedBlob"}` (standard base64).
pub(crate) fn parse_signed_blob(response: &HttpResponse, _sent_at: UnixTime) -> Result<SignedBlob> {
    let body = Body::parse(response)?;
    let key_id = body.str("keyId")?.to_owned();
    let signature = b64_std_decode(body.str("signedBlob")?)
        .filter(|sig| !sig.is_empty())
        .ok_or_else(|| body.error("\"signedBlob\" is not standard base64"))?;
    Ok(SignedBlob::from_parts(key_id, signature))
}

/// `{"keyId","signedJwt"}`; the JWT must be a well-formed RS256 JWS.
pub(crate) fn parse_signed_jwt(response: &HttpResponse, _sent_at: UnixTime) -> Result<SignedJwt> {
    let mut body = Body::parse(response)?;
    let key_id = body.str("keyId")?.to_owned();
    let token = body.take_secret("signedJwt")?;
    crate::verify::decode_unverified(token.expose_secret())
        .map_err(|err| body.error(format!("\"signedJwt\" is not a usable JWT: {err}")))?;
    Ok(SignedJwt::new(key_id, token))
}

/// `{"locations":[…],"encodedLocations":"0x…"}`; `locations` may be absent.
pub(crate) fn parse_allowed_locations(
    response: &HttpResponse,
    _sent_at: UnixTime,
) -> Result<AllowedLocations> {
    let body = Body::parse(response)?;
    let encoded = body.str("encodedLocations")?;
    if !encoded.starts_with("0x") {
        return Err(body.error("\"encodedLocations\" is not a 0x-prefixed value"));
    }
    Ok(AllowedLocations {
        locations: body.opt_strings("locations")?.unwrap_or_default(),
        encoded_locations: encoded.to_owned(),
    })
}
