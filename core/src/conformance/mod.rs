//! The conversation vectors of `tests/vectors/flows.json` as flows, so that
//! every binding runs the same scripted exchanges through its own FFI and
//! drive loop (feature `conformance`; test support, not a protocol API).
//!
//! A vector's `flow` member names a conversation and its parameters;
//! [`VectorFlow::from_spec`] builds that conversation with the public API and
//! renders its result as the JSON the vector expects. The core reads no files:
//! key and document references must arrive inlined as `{"text": …}`.

use crate::google::{ExternalAccount, IamCredentials, ServiceAccountId};
use crate::ibm::IbmIam;
use crate::k0rdent::{CredentialPage, ListCredentials, StatusFilter};
use crate::{
    AccessToken, AllowedLocations, Backend, Claims, ClientAuth, ClientCredentials,
    CredentialOptions, Credentials, Endpoint, Error, Flow, FlowOptions, HostAnswer, HttpResponse,
    IdToken, IdTokenAssertion, ImpersonatedFlow, Jitter, JwtBearerAssertion, JwtGrantFlow,
    Lifetime, Result, RetryPolicy, SecretString, ServiceAccountKey, SignedBlob, SignedJwt, Signer,
    SourceToken, Step, TokenLifetime, UnixTime,
};
mod errors;
mod verifier;

pub use errors::sample_error;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

fn bad(what: &str) -> Error {
    Error::invalid_argument(format!("conformance vector: {what}"))
}

fn s(value: &Value) -> Result<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| bad("expected a string"))
}

fn strings(value: &Value) -> Result<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(s).collect(),
        _ => Err(bad("expected a list of strings")),
    }
}

fn time(value: &Value) -> Result<UnixTime> {
    value
        .as_i64()
        .map(UnixTime::from_secs)
        .ok_or_else(|| bad("expected a Unix time"))
}

fn number(value: &Value) -> Result<u64> {
    value.as_u64().ok_or_else(|| bad("expected a number"))
}

/// The inlined text of a `{"text": …}` reference.
fn text_of(reference: &Value) -> Result<String> {
    reference
        .get("text")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| bad("references must be inlined as {\"text\": …}"))
}

fn access_token_json(token: &AccessToken) -> Value {
    json!({
        "token": token.token().expose_secret(),
        "obtained_at": token.obtained_at().as_secs(),
        "expires_at": token.expires_at().as_secs(),
        "refresh_token": token.refresh_token().map(|t| t.expose_secret().to_owned()),
        "scope": token.scope(),
    })
}

fn id_token_json(token: &IdToken) -> Value {
    json!({ "token": token.token().expose_secret(), "expires_at": token.expires_at().as_secs() })
}

fn signed_blob_json(blob: &SignedBlob) -> Value {
    json!({ "key_id": blob.key_id(), "signed_blob": STANDARD.encode(blob.signature()) })
}

fn signed_jwt_json(jwt: &SignedJwt) -> Value {
    json!({ "key_id": jwt.key_id(), "signed_jwt": jwt.signed_jwt().expose_secret() })
}

fn locations_json(locations: &AllowedLocations) -> Value {
    json!({ "locations": locations.locations, "encoded_locations": locations.encoded_locations })
}

fn page_json(page: &Option<CredentialPage>) -> Value {
    let Some(page) = page else { return Value::Null };
    let secs = |t: Option<UnixTime>| t.map(UnixTime::as_secs);
    let credentials: Vec<Value> = page
        .credentials
        .iter()
        .map(|c| {
            json!({
                "id": c.id, "service_account_id": c.service_account_id,
                "status": c.status.as_str().to_owned(),
                "uid": c.uid, "self_link": c.self_link, "expires_at": secs(c.expires_at),
                "created_by": c.created_by, "created_at": secs(c.created_at),
                "last_used_at": secs(c.last_used_at), "last_used_ip": c.last_used_ip,
            })
        })
        .collect();
    json!({ "credentials": credentials, "next_page_token": page.next_page_token, "total": page.total })
}

/// An error as the vectors describe it: `code`, `retryable`, `status`, and for
/// remote errors `provider_code`, `reason`, `permission`, `retry_after`.
pub fn error_json(err: &Error) -> Value {
    let mut out =
        json!({ "code": err.code(), "retryable": err.is_retryable(), "status": err.http_status() });
    if let Error::Remote(remote) = err {
        out["provider_code"] = json!(remote.provider_code);
        out["reason"] = json!(remote.reason);
        out["permission"] = json!(remote.permission);
        out["retry_after"] = json!(remote.retry_after);
    }
    out
}

/// Any flow, with its output rendered as JSON.
trait Runner: Send {
    fn poll(&mut self, now: UnixTime) -> Result<Step<Value>>;
    fn feed_response(&mut self, response: HttpResponse) -> Result<()>;
    fn feed_transport_error(&mut self, reason: &str) -> Result<()>;
    fn feed_signature(&mut self, signature: &[u8]) -> Result<()>;
    fn feed_host(&mut self, _answer: HostAnswer) -> Result<()> {
        Err(bad("this flow asked the host for nothing"))
    }
}

struct Typed<F: Flow>(F, fn(&F::Output) -> Value);

impl<F: Flow + Send> Runner for Typed<F> {
    fn poll(&mut self, now: UnixTime) -> Result<Step<Value>> {
        Ok(self.0.poll(now)?.map(|output| (self.1)(&output)))
    }
    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.0.feed_response(response)
    }
    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.0.feed_transport_error(reason)
    }
    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        self.0.feed_signature(signature)
    }
    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        self.0.feed_host(answer)
    }
}

/// A computation without I/O, presented as a flow that is done at once.
struct Ready(Option<Result<Value>>);

impl Runner for Ready {
    fn poll(&mut self, _now: UnixTime) -> Result<Step<Value>> {
        match self.0.take() {
            Some(result) => result.map(Step::Done),
            None => Err(bad("polled after done")),
        }
    }
    fn feed_response(&mut self, _: HttpResponse) -> Result<()> {
        Err(bad("this flow sent no request"))
    }
    fn feed_transport_error(&mut self, _: &str) -> Result<()> {
        Err(bad("this flow sent no request"))
    }
    fn feed_signature(&mut self, _: &[u8]) -> Result<()> {
        Err(bad("this flow asked for no signature"))
    }
}

fn aws_credentials(spec: &Value) -> Result<crate::google::AwsCredentials> {
    crate::google::AwsCredentials::new(
        s(&spec["access_key_id"])?,
        SecretString::from(s(&spec["secret_access_key"])?),
        spec.get("session_token")
            .map(|t| s(t).map(SecretString::from))
            .transpose()?,
    )
}

fn boxed<F: Flow + Send + 'static>(flow: F, render: fn(&F::Output) -> Value) -> Box<dyn Runner> {
    Box::new(Typed(flow, render))
}

fn options(spec: &Value) -> Result<FlowOptions> {
    let mut retry = RetryPolicy::default();
    if let Some(r) = spec.get("retry") {
        retry = RetryPolicy {
            max_attempts: u32::try_from(number(&r["max_attempts"])?)
                .map_err(|_| bad("max_attempts is too large"))?,
            initial_delay_secs: number(&r["initial_delay_secs"])?,
            max_delay_secs: number(&r["max_delay_secs"])?,
            max_retry_after_secs: number(&r["max_retry_after_secs"])?,
        };
    }
    Ok(FlowOptions {
        retry,
        jitter: Jitter::from_seed(spec["jitter_seed"].as_u64().unwrap_or(0)),
        request_timeout_millis: spec.get("request_timeout_millis").map(number).transpose()?,
    })
}

fn source_token(spec: &Value) -> Result<AccessToken> {
    let lifetime = TokenLifetime::new(time(&spec["obtained_at"])?, time(&spec["expires_at"])?)?;
    AccessToken::new(SecretString::from(s(&spec["token"])?), lifetime)
}

fn service_account(spec: &Value, backend: Backend) -> Result<ServiceAccountKey> {
    ServiceAccountKey::from_json_with_backend(&text_of(spec)?, backend)
}

fn iam(spec: &Value) -> Result<IamCredentials> {
    let iam = IamCredentials::with_endpoint(Endpoint::new(&s(&spec["endpoint"])?)?);
    match spec.get("quota_project") {
        Some(project) => iam.quota_project(s(project)?),
        None => Ok(iam),
    }
}

fn accounts(spec: &Value) -> Result<Vec<ServiceAccountId>> {
    strings(spec)?
        .into_iter()
        .map(ServiceAccountId::new)
        .collect()
}

fn jwt_bearer_flow(
    spec: &Value,
    backend: Backend,
) -> Result<JwtGrantFlow<JwtBearerAssertion, AccessToken>> {
    let key = service_account(&spec["key"], backend)?;
    let identity = key.identity()?;
    let mut assertion = JwtBearerAssertion::for_identity(&identity, strings(&spec["scopes"])?)?;
    if let Some(subject) = spec.get("subject") {
        assertion = assertion.subject(s(subject)?)?;
    }
    let signer = if spec["signer"] == "external" {
        Signer::External {
            key_id: key.key_id().to_owned(),
        }
    } else {
        key.signer()
    };
    Ok(JwtGrantFlow::new(
        identity.token_uri().clone(),
        signer,
        assertion,
        options(spec)?,
    ))
}

fn build(spec: &Value, backend: Backend) -> Result<Box<dyn Runner>> {
    let opts = options(spec)?;
    Ok(match spec["kind"].as_str().unwrap_or_default() {
        "jwt_bearer" => boxed(jwt_bearer_flow(spec, backend)?, access_token_json),
        "id_token_grant" => {
            let key = service_account(&spec["key"], backend)?;
            let assertion =
                IdTokenAssertion::for_identity(&key.identity()?, s(&spec["audience"])?)?;
            boxed(
                JwtGrantFlow::<_, IdToken>::new(
                    key.identity()?.token_uri().clone(),
                    key.signer(),
                    assertion,
                    opts,
                ),
                id_token_json,
            )
        }
        "iam_access_token" | "impersonation_chain" => {
            let source = if spec["kind"] == "impersonation_chain" {
                SourceToken::Flow(Box::new(jwt_bearer_flow(&spec["source"], backend)?))
            } else {
                SourceToken::Token(source_token(&spec["source_token"])?)
            };
            let lifetime = Lifetime::parse(&s(&spec["lifetime"])?)?;
            let flow = ImpersonatedFlow::access_token(
                source,
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"])?)?,
                accounts(&spec["delegates"])?,
                strings(&spec["scopes"])?,
                lifetime,
                opts,
            )?;
            boxed(flow, access_token_json)
        }
        "iam_id_token" => {
            let flow = ImpersonatedFlow::id_token(
                SourceToken::Token(source_token(&spec["source_token"])?),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"])?)?,
                accounts(&spec["delegates"])?,
                s(&spec["audience"])?,
                spec["include_email"].as_bool().unwrap_or(false),
                opts,
            )?;
            boxed(flow, id_token_json)
        }
        "iam_sign_blob" => {
            let payload = STANDARD
                .decode(s(&spec["payload_b64"])?)
                .map_err(|_| bad("payload_b64 is not base64"))?;
            let flow = ImpersonatedFlow::sign_blob(
                SourceToken::Token(source_token(&spec["source_token"])?),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"])?)?,
                accounts(&spec["delegates"])?,
                payload,
                opts,
            );
            boxed(flow, signed_blob_json)
        }
        "iam_sign_jwt" => {
            let flow = ImpersonatedFlow::sign_jwt(
                SourceToken::Token(source_token(&spec["source_token"])?),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"])?)?,
                accounts(&spec["delegates"])?,
                Claims::from_json(&s(&spec["claims_json"])?)?,
                opts,
            );
            boxed(flow, signed_jwt_json)
        }
        "iam_allowed_locations" => {
            let flow = ImpersonatedFlow::allowed_locations(
                SourceToken::Token(source_token(&spec["source_token"])?),
                iam(spec)?,
                ServiceAccountId::new(s(&spec["target"])?)?,
                opts,
            );
            boxed(flow, locations_json)
        }
        "external_account" => {
            // The whole conversation of the document: sourcing, then STS.
            let options = CredentialOptions {
                jitter_seed: Some(spec["jitter_seed"].as_u64().unwrap_or(0)),
                ..CredentialOptions::default()
            };
            let credentials =
                Credentials::from_json_with(&text_of(&spec["external_account"])?, &options)?;
            boxed(credentials.access_token_flow()?, access_token_json)
        }
        "sts" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"])?)?;
            let account = match spec.get("scopes") {
                Some(scopes) => account.scopes(strings(scopes)?)?,
                None => account,
            };
            boxed(
                account.flow(&SecretString::from(s(&spec["subject_token"])?), opts)?,
                access_token_json,
            )
        }
        "aws_subject_token" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"])?)?;
            let token = account.aws_subject_token(
                &aws_credentials(&spec["credentials"])?,
                &s(&spec["region"])?,
                time(&spec["now"])?,
            );
            Box::new(Ready(Some(
                token.map(|t| json!({ "token": t.expose_secret() })),
            )))
        }
        "aws_metadata" => {
            let account = ExternalAccount::from_json(&text_of(&spec["external_account"])?)?;
            let credentials = spec.get("credentials").map(aws_credentials).transpose()?;
            let region = spec.get("region").map(s).transpose()?;
            let flow = account.aws_metadata_flow(region, credentials, opts)?;
            boxed(
                flow,
                |(region, credentials)| json!({ "region": region, "access_key_id": credentials.access_key_id() }),
            )
        }
        "ibm_api_key" | "ibm_refresh" => {
            let mut ibm = match spec.get("endpoint") {
                Some(endpoint) => IbmIam::with_endpoint(&Endpoint::new(&s(endpoint)?)?),
                None => IbmIam::new(),
            };
            if let Some(client) = spec.get("client") {
                ibm = ibm.client(s(&client["id"])?, SecretString::from(s(&client["secret"])?))?;
            }
            if let Some(scopes) = spec.get("scopes") {
                ibm = ibm.scopes(strings(scopes)?)?;
            }
            let secret = SecretString::from(s(&spec["secret"])?);
            let flow = if spec["kind"] == "ibm_api_key" {
                ibm.api_key_flow(&secret, &opts)?
            } else {
                ibm.refresh_flow(&secret, &opts)?
            };
            boxed(flow, access_token_json)
        }
        "client_credentials" => {
            let mut client = ClientCredentials::new(
                Endpoint::new(&s(&spec["token_endpoint"])?)?,
                s(&spec["client_id"])?,
                SecretString::from(s(&spec["client_secret"])?),
            )?;
            if let Some(scopes) = spec.get("scopes") {
                client = client.scopes(strings(scopes)?)?;
            }
            if spec["auth"] == "form" {
                client = client.auth(ClientAuth::Form);
            }
            boxed(client.flow(&opts), access_token_json)
        }
        "k0rdent_pages" => {
            let mut list = ListCredentials::new(
                Endpoint::new(&s(&spec["endpoint"])?)?,
                s(&spec["service_account_id"])?,
            )?;
            match spec.get("status").and_then(Value::as_str) {
                Some("active") => list = list.status(StatusFilter::Active),
                Some("expired") => list = list.status(StatusFilter::Expired),
                _ => {}
            }
            if let Some(size) = spec.get("page_size") {
                let size =
                    u32::try_from(number(size)?).map_err(|_| bad("page_size is too large"))?;
                list = list.page_size(size)?;
            }
            list = list.start_at(
                spec.get("page_token").map(s).transpose()?,
                spec.get("offset").and_then(Value::as_u64),
            )?;
            boxed(list.pages(source_token(&spec["bearer"])?, opts), page_json)
        }
        "token_verifier" => Box::new(verifier::VerifierRunner::from_spec(spec)?),
        other => return Err(bad(&format!("unknown flow kind {other:?}"))),
    })
}

/// The conversation a conformance vector's `flow` member describes, with its
/// result rendered as the JSON the vector expects.
pub struct VectorFlow(Box<dyn Runner>);

impl VectorFlow {
    /// Builds the flow for `spec` (a vector's `flow` member, references inlined),
    /// signing with `backend`. Fails as the vector's `construct_error` says, or
    /// with `invalid_argument` for a malformed spec.
    pub fn from_spec(spec: &Value, backend: Backend) -> Result<Self> {
        Ok(VectorFlow(build(spec, backend)?))
    }

    /// [`VectorFlow::from_spec`] from JSON text.
    pub fn from_json(spec: &str, backend: Backend) -> Result<Self> {
        let spec: Value = serde_json::from_str(spec).map_err(|_| bad("spec is not JSON"))?;
        Self::from_spec(&spec, backend)
    }
}

impl Flow for VectorFlow {
    type Output = Value;

    fn poll(&mut self, now: UnixTime) -> Result<Step<Value>> {
        self.0.poll(now)
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        self.0.feed_response(response)
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        self.0.feed_transport_error(reason)
    }

    fn feed_signature(&mut self, signature: &[u8]) -> Result<()> {
        self.0.feed_signature(signature)
    }

    fn feed_host(&mut self, answer: HostAnswer) -> Result<()> {
        self.0.feed_host(answer)
    }
}
