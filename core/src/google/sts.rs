//! Workload identity federation: an `external_account` credential file, the STS
//! token exchange (RFC 8693), and the optional impersonation that follows.
//!
//! ```text
//! POST https://sts.googleapis.com/v1/token
//! Content-Type: application/x-www-form-urlencoded
//!
//! grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&audience=…&scope=…
//! &requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token
//! &subject_token=…&subject_token_type=…
//! ```
//! The subject token itself comes from the platform (a file, a metadata URL, an
//! executable): fetching it is the host's I/O; reading it is
//! [`ExternalAccount::subject_token_from`].

use super::aws::{
    self, AwsCredentials, AwsMetadataFlow, AwsMetadataUrls, DEFAULT_VERIFICATION_URL,
};
use super::executable::{ExecutableInvocation, ExecutableSource};
use super::iam::{self, IamCredentials};
use crate::assertion::checked_scopes;
use crate::datetime::Lifetime;
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Step};
use crate::http::{HttpRequest, HttpResponse, MAX_RESPONSE_BODY, Method};
use crate::json::{self, JsonError};
use crate::oauth::{basic_auth, parse_access_token};
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use crate::token::AccessToken;
use crate::url::{Endpoint, Form};
use serde_json::{Map, Value};
use std::fmt;

const TOKEN_EXCHANGE_GRANT: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";
const CLOUD_PLATFORM: &str = "https://www.googleapis.com/auth/cloud-platform";
const MAX_FILE_SIZE: usize = 64 * 1024;

/// How the subject token is laid out in what the source returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectTokenFormat {
    /// The whole content is the token.
    Text,
    /// A JSON object; the token is the string member with this name.
    Json(String),
}

/// Where the platform's subject token comes from (the host fetches it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// Read this file.
    File {
        /// Path of the file.
        path: String,
        /// Layout of its content.
        format: SubjectTokenFormat,
    },
    /// `GET` this URL with these headers.
    Url {
        /// The URL.
        url: String,
        /// Headers to send.
        headers: Vec<(String, String)>,
        /// Layout of the response body.
        format: SubjectTokenFormat,
    },
    /// Run this command; read its output with [`ExternalAccount::subject_token_from_executable`].
    Executable {
        /// The command line.
        command: String,
        /// Timeout in milliseconds, if given.
        timeout_millis: Option<u64>,
        /// Where the executable caches its output, if anywhere.
        output_file: Option<String>,
    },
    /// An AWS environment: the subject token is a signed `GetCallerIdentity`
    /// request built by [`ExternalAccount::aws_subject_token`].
    Aws {
        /// The metadata-server URLs, for what the environment does not provide.
        metadata: AwsMetadataUrls,
        /// The `GetCallerIdentity` URL, possibly with `{region}`.
        verification_url: String,
    },
}

/// A parsed `"type": "external_account"` credential file.
#[derive(Clone)]
pub struct ExternalAccount {
    audience: String,
    subject_token_type: String,
    token_url: Endpoint,
    impersonation_url: Option<String>,
    impersonation_lifetime: Lifetime,
    source: CredentialSource,
    workforce_pool_user_project: Option<String>,
    quota_project_id: Option<String>,
    client: Option<(String, SecretString)>,
    scopes: Vec<String>,
}

/// A subject token source's content is refused past the response-body limit:
/// a longer file or output is not a token, and cutting it would hand on a part.
fn refuse_oversized(content: &[u8], what: &str) -> Result<()> {
    if content.len() > MAX_RESPONSE_BODY {
        return Err(Error::invalid_argument(format!(
            "{what}: over the {MAX_RESPONSE_BODY}-byte limit"
        )));
    }
    Ok(())
}

fn field<'a>(doc: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match doc.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::invalid_key(format!(
            "external_account: \"{name}\" must be a string"
        ))),
    }
}

fn required<'a>(doc: &'a Map<String, Value>, name: &str) -> Result<&'a str> {
    field(doc, name)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid_key(format!("external_account: \"{name}\" is missing")))
}

fn format_of(source: &Map<String, Value>) -> Result<SubjectTokenFormat> {
    let Some(Value::Object(format)) = source.get("format") else {
        return Ok(SubjectTokenFormat::Text);
    };
    match field(format, "type")? {
        None | Some("text") => Ok(SubjectTokenFormat::Text),
        Some("json") => Ok(SubjectTokenFormat::Json(
            required(format, "subject_token_field_name")?.to_owned(),
        )),
        Some(_) => Err(Error::invalid_key(
            "external_account: format type must be \"text\" or \"json\"",
        )),
    }
}

fn parse_source(doc: &Map<String, Value>) -> Result<CredentialSource> {
    let Some(Value::Object(source)) = doc.get("credential_source") else {
        return Err(Error::invalid_key(
            "external_account: \"credential_source\" is missing",
        ));
    };
    if let Some(environment_id) = field(source, "environment_id")? {
        let version = environment_id
            .strip_prefix("aws")
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| Error::invalid_key("external_account: environment_id must be awsN"))?;
        if version != "1" {
            return Err(Error::unsupported_key(format!(
                "external_account: AWS environment version {version} is not supported"
            )));
        }
        let text = |name: &str| field(source, name).map(|v| v.map(str::to_owned));
        return Ok(CredentialSource::Aws {
            metadata: AwsMetadataUrls {
                region_url: text("region_url")?,
                credentials_url: text("url")?,
                imdsv2_session_token_url: text("imdsv2_session_token_url")?,
            },
            verification_url: text("regional_cred_verification_url")?
                .unwrap_or_else(|| DEFAULT_VERIFICATION_URL.to_owned()),
        });
    }
    if let Some(path) = field(source, "file")? {
        return Ok(CredentialSource::File {
            path: path.to_owned(),
            format: format_of(source)?,
        });
    }
    if let Some(url) = field(source, "url")? {
        let headers = match source.get("headers") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(headers)) => headers
                .iter()
                .map(|(name, value)| match value {
                    Value::String(value) => Ok((name.clone(), value.clone())),
                    _ => Err(Error::invalid_key(
                        "external_account: header values must be strings",
                    )),
                })
                .collect::<Result<Vec<_>>>()?,
            Some(_) => {
                return Err(Error::invalid_key(
                    "external_account: \"headers\" must be an object",
                ));
            }
        };
        return Ok(CredentialSource::Url {
            url: url.to_owned(),
            headers,
            format: format_of(source)?,
        });
    }
    if let Some(Value::Object(executable)) = source.get("executable") {
        let number = |name: &str| match executable.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => value.as_u64().map(Some).ok_or_else(|| {
                Error::invalid_key(format!("external_account: \"{name}\" must be a number"))
            }),
        };
        return Ok(CredentialSource::Executable {
            command: required(executable, "command")?.to_owned(),
            timeout_millis: number("timeout_millis")?,
            output_file: field(executable, "output_file")?.map(str::to_owned),
        });
    }
    Err(Error::invalid_key(
        "external_account: credential_source needs file, url, executable or environment_id",
    ))
}

fn is_workforce_audience(audience: &str) -> bool {
    audience.strip_prefix("//iam.").is_some_and(|rest| {
        rest.split_once('/').is_some_and(|(_, path)| {
            path.starts_with("locations/") && path.contains("/workforcePools/")
        })
    })
}

impl ExternalAccount {
    /// What makes this workload's tokens interchangeable (see
    /// [`crate::shared_cache`]): the pool, the token source (never its
    /// headers, which may carry secrets) and the impersonated account.
    pub(crate) fn describe_for_cache(&self, d: &mut crate::shared_cache::Description) {
        d.field("audience", &self.audience);
        d.field("subject_token_type", &self.subject_token_type);
        d.field("token_url", self.token_url.as_str());
        d.optional("impersonation_url", self.impersonation_url.as_deref());
        d.field(
            "impersonation_lifetime",
            &self.impersonation_lifetime.as_secs().to_string(),
        );
        match &self.source {
            CredentialSource::File { path, .. } => d.field("source_file", path),
            CredentialSource::Url { url, .. } => d.field("source_url", url),
            CredentialSource::Executable { command, .. } => d.field("source_command", command),
            CredentialSource::Aws {
                verification_url, ..
            } => d.field("source_aws", verification_url),
        }
        d.optional(
            "workforce_pool_user_project",
            self.workforce_pool_user_project.as_deref(),
        );
        d.optional("client_id", self.client.as_ref().map(|(id, _)| id.as_str()));
        d.list("account_scopes", &self.scopes);
    }

    /// Parses an `external_account` credential file.
    pub fn from_json(text: &str) -> Result<Self> {
        if text.len() > MAX_FILE_SIZE {
            return Err(Error::invalid_key("external_account file is over 64 KiB"));
        }
        let doc = json::parse_object(text.as_bytes()).map_err(|err| match err {
            JsonError::NotAnObject => {
                Error::invalid_key("external_account file is not a JSON object")
            }
            JsonError::Syntax(reason) => {
                Error::invalid_key(format!("external_account file: {reason}"))
            }
        })?;
        if field(&doc, "type")? != Some("external_account") {
            return Err(Error::invalid_key(
                "credential file type is not \"external_account\"",
            ));
        }
        let audience = required(&doc, "audience")?.to_owned();
        let token_url = match field(&doc, "token_url")? {
            Some(url) => Endpoint::new(url)?,
            None => Endpoint::new("https://sts.googleapis.com/v1/token")?,
        };
        let impersonation_url = field(&doc, "service_account_impersonation_url")?
            .map(check_impersonation_url)
            .transpose()?;
        let impersonation_lifetime = match doc
            .get("service_account_impersonation")
            .and_then(|v| v.get("token_lifetime_seconds"))
        {
            None | Some(Value::Null) => Lifetime::default(),
            Some(value) => Lifetime::from_secs(value.as_u64().ok_or_else(|| {
                Error::invalid_key("external_account: token_lifetime_seconds must be a number")
            })?)?,
        };
        let workforce_pool_user_project =
            field(&doc, "workforce_pool_user_project")?.map(str::to_owned);
        if workforce_pool_user_project.is_some() && !is_workforce_audience(&audience) {
            return Err(Error::invalid_key(
                "external_account: workforce_pool_user_project is only valid for workforce pools",
            ));
        }
        let client = match (field(&doc, "client_id")?, field(&doc, "client_secret")?) {
            (Some(id), Some(secret)) => {
                Some((id.to_owned(), SecretString::from(secret.to_owned())))
            }
            (None, None) => None,
            _ => {
                return Err(Error::invalid_key(
                    "external_account: client_id and client_secret go together",
                ));
            }
        };
        Ok(ExternalAccount {
            audience,
            subject_token_type: required(&doc, "subject_token_type")?.to_owned(),
            token_url,
            impersonation_url,
            impersonation_lifetime,
            source: parse_source(&doc)?,
            workforce_pool_user_project,
            quota_project_id: field(&doc, "quota_project_id")?.map(str::to_owned),
            client,
            scopes: vec![CLOUD_PLATFORM.to_owned()],
        })
    }

    /// Asks for these scopes instead of `cloud-platform`.
    pub fn scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Result<Self> {
        self.scopes = checked_scopes(scopes)?;
        Ok(self)
    }

    /// Where the subject token comes from.
    pub fn credential_source(&self) -> &CredentialSource {
        &self.source
    }

    /// The workload identity pool provider (STS `audience`).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The quota project named in the file, if any.
    pub fn quota_project_id(&self) -> Option<&str> {
        self.quota_project_id.as_deref()
    }

    /// For a URL source, the GET request that fetches the subject token (with the
    /// file's headers); send it, then pass the body to
    /// [`ExternalAccount::subject_token_from`]. `None` for other sources.
    pub fn subject_token_request(&self) -> Option<HttpRequest> {
        match &self.source {
            CredentialSource::Url { url, headers, .. } => Some(headers.iter().fold(
                HttpRequest::new(Method::Get, url.clone()),
                |request, (name, value)| request.header(name, value.clone()),
            )),
            _ => None,
        }
    }

    /// The subject token in what a file or URL source returned. Content over
    /// [`MAX_RESPONSE_BODY`] bytes is refused, never truncated: hosts read at most
    /// one byte more than that.
    pub fn subject_token_from(&self, content: &[u8]) -> Result<SecretString> {
        refuse_oversized(content, "subject token source")?;
        let format = match &self.source {
            CredentialSource::File { format, .. } | CredentialSource::Url { format, .. } => format,
            _ => {
                return Err(Error::invalid_argument(
                    "this credential source is not a file or URL",
                ));
            }
        };
        let invalid = |why: &str| Error::invalid_argument(format!("subject token source: {why}"));
        let token = match format {
            SubjectTokenFormat::Text => std::str::from_utf8(content)
                .map_err(|_| invalid("content is not UTF-8"))?
                .trim_end()
                .to_owned(),
            SubjectTokenFormat::Json(name) => {
                let doc = json::parse_object(content)
                    .map_err(|_| invalid("content is not a JSON object"))?;
                match doc.get(name) {
                    Some(Value::String(token)) => token.clone(),
                    _ => {
                        return Err(invalid(&format!(
                            "member \"{name}\" is missing or not a string"
                        )));
                    }
                }
            }
        };
        if token.is_empty() {
            return Err(invalid("the token is empty"));
        }
        Ok(SecretString::from(token))
    }

    /// For an executable source, how to run it (see [`ExecutableInvocation`]);
    /// `allow` is the host's value of [`super::ALLOW_EXECUTABLES_VAR`], which
    /// must be `1`. `Ok(None)` for other sources.
    pub fn executable_invocation(
        &self,
        allow: Option<&str>,
    ) -> Result<Option<ExecutableInvocation>> {
        match &self.source {
            CredentialSource::Executable {
                command,
                timeout_millis,
                output_file,
            } => ExecutableSource {
                command,
                timeout_millis: *timeout_millis,
                output_file: output_file.as_deref(),
                audience: &self.audience,
                subject_token_type: &self.subject_token_type,
                impersonation_url: self.impersonation_url.as_deref(),
            }
            .invocation(allow)
            .map(Some),
            _ => Ok(None),
        }
    }

    /// The subject token in an executable source's output (Google's pluggable
    /// auth format, version 1), checked against `now` and the file's token type.
    pub fn subject_token_from_executable(
        &self,
        output: &[u8],
        now: UnixTime,
    ) -> Result<SecretString> {
        refuse_oversized(output, "executable output")?;
        let invalid = |why: String| Error::invalid_argument(format!("executable output: {why}"));
        let doc = json::parse_object(output).map_err(|_| invalid("not a JSON object".into()))?;
        if doc.get("version").and_then(Value::as_u64) != Some(1) {
            return Err(invalid("\"version\" must be 1".into()));
        }
        if doc.get("success") != Some(&Value::Bool(true)) {
            let code = doc.get("code").and_then(Value::as_str).unwrap_or("unknown");
            let message = doc
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message");
            return Err(invalid(format!(
                "the executable failed ({code}): {}",
                message.chars().take(200).collect::<String>()
            )));
        }
        let token_type = doc
            .get("token_type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if token_type != self.subject_token_type {
            return Err(invalid(
                "\"token_type\" differs from the file's subject_token_type".into(),
            ));
        }
        if let Some(expiration) = doc.get("expiration_time") {
            let expiration = expiration
                .as_i64()
                .ok_or_else(|| invalid("\"expiration_time\" is not a number".into()))?;
            if expiration <= now.as_secs() {
                return Err(invalid("the token has expired".into()));
            }
        }
        let member = if token_type.ends_with(":saml2") {
            "saml_response"
        } else {
            "id_token"
        };
        match doc.get(member) {
            Some(Value::String(token)) if !token.is_empty() => {
                Ok(SecretString::from(token.clone()))
            }
            _ => Err(invalid(format!("\"{member}\" is missing"))),
        }
    }

    /// The AWS subject token: a `GetCallerIdentity` request signed at `now` with
    /// `credentials` in `region` (both from the environment, or from
    /// [`ExternalAccount::aws_metadata_flow`]).
    pub fn aws_subject_token(
        &self,
        credentials: &AwsCredentials,
        region: &str,
        now: UnixTime,
    ) -> Result<SecretString> {
        match &self.source {
            CredentialSource::Aws {
                verification_url, ..
            } => aws::subject_token(credentials, region, verification_url, &self.audience, now),
            _ => Err(Error::invalid_argument("this credential source is not AWS")),
        }
    }

    /// Fetches from the EC2 metadata server whatever of the region and
    /// credentials the host did not find in its environment.
    pub fn aws_metadata_flow(
        &self,
        region: Option<String>,
        credentials: Option<AwsCredentials>,
        options: FlowOptions,
    ) -> Result<AwsMetadataFlow> {
        match &self.source {
            CredentialSource::Aws { metadata, .. } => Ok(AwsMetadataFlow::new(
                metadata.clone(),
                region,
                credentials,
                options,
            )),
            _ => Err(Error::invalid_argument("this credential source is not AWS")),
        }
    }

    /// The STS token-exchange request for `subject_token`.
    pub fn sts_request(&self, subject_token: &SecretString) -> Result<HttpRequest> {
        if subject_token.is_empty() {
            return Err(Error::invalid_argument("subject token is empty"));
        }
        let scope = if self.impersonation_url.is_some() {
            CLOUD_PLATFORM.to_owned()
        } else {
            self.scopes.join(" ")
        };
        let mut form = Form::default();
        form.push("grant_type", TOKEN_EXCHANGE_GRANT);
        form.push("audience", &self.audience);
        form.push("scope", &scope);
        form.push("requested_token_type", ACCESS_TOKEN_TYPE);
        form.push("subject_token", subject_token.expose_secret());
        form.push("subject_token_type", &self.subject_token_type);
        let mut request = HttpRequest::new(Method::Post, self.token_url.as_str().to_owned());
        match (&self.client, &self.workforce_pool_user_project) {
            (Some((id, secret)), _) => {
                request = request.header("Authorization", basic_auth(id, secret).expose_secret());
            }
            (None, Some(project)) => {
                let mut options = String::from(r#"{"userProject":"#);
                json::write_string(project, &mut options);
                options.push('}');
                form.push("options", &options);
            }
            (None, None) => {}
        }
        Ok(request.form_body(&form))
    }

    /// The whole conversation: STS exchange, then impersonation when the file asks for it.
    pub fn flow(
        &self,
        subject_token: &SecretString,
        options: FlowOptions,
    ) -> Result<ExternalAccountFlow> {
        let sts = RequestFlow::new(
            self.sts_request(subject_token)?,
            Dialect::OAuth,
            &options,
            parse_access_token,
        );
        let impersonation = match &self.impersonation_url {
            None => None,
            Some(url) => {
                // The IAM client of the exact URL in the file (its origin; the path is used as is).
                let iam = IamCredentials::with_endpoint(Endpoint::new(origin_of(url))?);
                let iam = match &self.quota_project_id {
                    Some(project) => iam.quota_project(project.clone())?,
                    None => iam,
                };
                Some(Impersonation {
                    url: url.clone(),
                    iam,
                    scopes: self.scopes.clone(),
                    lifetime: self.impersonation_lifetime,
                })
            }
        };
        Ok(ExternalAccountFlow {
            stage: Stage::Sts(sts),
            impersonation,
            options,
        })
    }
}

impl fmt::Debug for ExternalAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExternalAccount")
            .field("audience", &self.audience)
            .field("subject_token_type", &self.subject_token_type)
            .field("token_url", &self.token_url)
            .field("impersonation_url", &self.impersonation_url)
            .field("source", &self.source)
            .field("client_id", &self.client.as_ref().map(|(id, _)| id))
            .finish_non_exhaustive()
    }
}

/// `scheme://host[:port]` of a URL that [`Endpoint::new`] accepted.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    match url[after_scheme..].find('/') {
        Some(at) => &url[..after_scheme + at],
        None => url,
    }
}

/// Accepts `…/v1/projects/-/serviceAccounts/{email}:generateAccessToken` on an https endpoint.
fn check_impersonation_url(url: &str) -> Result<String> {
    Endpoint::new(url)?;
    let valid = url.ends_with(":generateAccessToken") && url.contains("/serviceAccounts/");
    if !valid {
        return Err(Error::invalid_key(
            "service_account_impersonation_url must be a …/serviceAccounts/{email}:generateAccessToken URL",
        ));
    }
    Ok(url.to_owned())
}

struct Impersonation {
    url: String,
    iam: IamCredentials,
    scopes: Vec<String>,
    lifetime: Lifetime,
}

enum Stage {
    Sts(RequestFlow<AccessToken>),
    Impersonating(RequestFlow<AccessToken>),
}

/// STS exchange, then (optionally) `generateAccessToken` with the STS token.
pub struct ExternalAccountFlow {
    stage: Stage,
    impersonation: Option<Impersonation>,
    options: FlowOptions,
}

impl Flow for ExternalAccountFlow {
    type Output = AccessToken;

    fn poll(&mut self, now: UnixTime) -> Result<Step<AccessToken>> {
        match &mut self.stage {
            Stage::Impersonating(call) => call.poll(now),
            Stage::Sts(sts) => match sts.poll(now)? {
                Step::Done(sts_token) => match self.impersonation.take() {
                    None => Ok(Step::Done(sts_token)),
                    Some(imp) => {
                        let request = imp.iam.generate_access_token_at(
                            &imp.url,
                            &sts_token,
                            &imp.scopes,
                            imp.lifetime,
                        )?;
                        let mut call = RequestFlow::new(
                            request,
                            Dialect::Google,
                            &self.options,
                            iam::parse_access_token,
                        );
                        let step = call.poll(now);
                        self.stage = Stage::Impersonating(call);
                        step
                    }
                },
                step => Ok(step),
            },
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.stage {
            Stage::Sts(flow) | Stage::Impersonating(flow) => flow.feed_response(response),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.stage {
            Stage::Sts(flow) | Stage::Impersonating(flow) => flow.feed_transport_error(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(source: &str) -> ExternalAccount {
        ExternalAccount::from_json(&format!(
            r#"{{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x","subject_token_type":"urn:ietf:params:oauth:token-type:id_token","credential_source":{source}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn subject_tokens_from_files_and_urls() {
        let text = account(r#"{"file":"/t"}"#);
        assert_eq!(
            text.subject_token_from(b"eyJ.a.b\n")
                .unwrap()
                .expose_secret(),
            "eyJ.a.b"
        );
        assert!(text.subject_token_from(b"\n").is_err());
        assert!(text.subject_token_from(b"\xff").is_err());
        let mut oversized = vec![b'a'; MAX_RESPONSE_BODY];
        assert!(text.subject_token_from(&oversized).is_ok());
        oversized.push(b'a');
        let refused = text.subject_token_from(&oversized).unwrap_err();
        assert_eq!(refused.code(), "invalid_argument");
        assert!(refused.to_string().contains("limit"), "{refused}");
        let json = account(
            r#"{"url":"http://169.254.169.254/token","headers":{"Metadata":"True"},"format":{"type":"json","subject_token_field_name":"access_token"}}"#,
        );
        assert!(
            matches!(json.credential_source(), CredentialSource::Url { headers, .. } if headers.len() == 1)
        );
        let request = json.subject_token_request().unwrap();
        assert_eq!(request.method(), Method::Get);
        assert_eq!(request.url(), "http://169.254.169.254/token");
        assert_eq!(request.header_value("Metadata"), Some("True"));
        assert!(request.body().is_empty());
        assert!(text.subject_token_request().is_none());
        assert_eq!(
            json.subject_token_from(br#"{"access_token":"tok"}"#)
                .unwrap()
                .expose_secret(),
            "tok"
        );
        for bad in [&br#"{"access_token":5}"#[..], br#"{}"#, b"tok"] {
            assert!(json.subject_token_from(bad).is_err());
        }
        assert!(ExternalAccount::from_json(
            r#"{"type":"external_account","audience":"a","subject_token_type":"t","credential_source":{"file":"/t","format":{"type":"json"}}}"#
        )
        .is_err());
    }

    #[test]
    fn executable_invocation() {
        let exe = account(
            r#"{"executable":{"command":"/bin/token  --x y","timeout_millis":5000,"output_file":"/tmp/out.json"}}"#,
        );
        assert_eq!(
            exe.executable_invocation(None).unwrap_err().code(),
            "invalid_argument"
        );
        assert!(exe.executable_invocation(Some("0")).is_err());
        let run = exe.executable_invocation(Some("1")).unwrap().unwrap();
        assert_eq!(run.program, "/bin/token");
        assert_eq!(run.args, ["--x", "y"]);
        assert_eq!(run.timeout_millis, 5000);
        assert_eq!(run.output_file.as_deref(), Some("/tmp/out.json"));
        let env: std::collections::HashMap<_, _> = run.env.into_iter().collect();
        assert_eq!(env["GOOGLE_EXTERNAL_ACCOUNT_INTERACTIVE"], "0");
        assert_eq!(env["GOOGLE_EXTERNAL_ACCOUNT_OUTPUT_FILE"], "/tmp/out.json");
        assert!(env.contains_key("GOOGLE_EXTERNAL_ACCOUNT_AUDIENCE"));
        assert!(env.contains_key("GOOGLE_EXTERNAL_ACCOUNT_TOKEN_TYPE"));
        for bad in [
            r#"{"executable":{"command":"/bin/token","timeout_millis":4999}}"#,
            r#"{"executable":{"command":"/bin/token","timeout_millis":120001}}"#,
            r#"{"executable":{"command":"   "}}"#,
        ] {
            let result = account(bad).executable_invocation(Some("1"));
            assert!(result.is_err(), "{bad}");
        }
        let default = account(r#"{"executable":{"command":"/bin/token"}}"#);
        assert_eq!(
            default
                .executable_invocation(Some("1"))
                .unwrap()
                .unwrap()
                .timeout_millis,
            30_000
        );
        let text = account(r#"{"file":"/x","format":{"type":"text"}}"#);
        assert_eq!(text.executable_invocation(Some("1")).unwrap(), None);
        let impersonating = ExternalAccount::from_json(
            r#"{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/x","subject_token_type":"urn:ietf:params:oauth:token-type:id_token","service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken","credential_source":{"executable":{"command":"/bin/token"}}}"#,
        )
        .unwrap();
        let run = impersonating
            .executable_invocation(Some("1"))
            .unwrap()
            .unwrap();
        assert!(run.env.contains(&(
            "GOOGLE_EXTERNAL_ACCOUNT_IMPERSONATED_EMAIL".to_owned(),
            "sa@p.iam.gserviceaccount.com".to_owned()
        )));
        assert_eq!(run.output_file, None);
    }

    #[test]
    fn executable_output() {
        let exe = account(r#"{"executable":{"command":"/bin/token --x","timeout_millis":5000}}"#);
        let now = UnixTime::from_secs(1000);
        let ok = br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token","id_token":"eyJ.x.y","expiration_time":2000}"#;
        assert_eq!(
            exe.subject_token_from_executable(ok, now)
                .unwrap()
                .expose_secret(),
            "eyJ.x.y"
        );
        for bad in [
            &br#"{"version":1,"success":false,"code":"401","message":"no"}"#[..],
            br#"{"version":2,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token","id_token":"x"}"#,
            br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:jwt","id_token":"x"}"#,
            br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token","id_token":"x","expiration_time":1000}"#,
            br#"{"version":1,"success":true,"token_type":"urn:ietf:params:oauth:token-type:id_token"}"#,
        ] {
            assert!(exe.subject_token_from_executable(bad, now).is_err());
        }
        let mut padded = ok.to_vec();
        padded.resize(MAX_RESPONSE_BODY + 1, b' ');
        assert!(exe.subject_token_from_executable(&padded, now).is_err());
        padded.pop();
        assert!(exe.subject_token_from_executable(&padded, now).is_ok());
        assert!(
            exe.subject_token_from(b"x").is_err(),
            "not a file or URL source"
        );
    }

    #[test]
    fn workforce_audiences() {
        assert!(is_workforce_audience(
            "//iam.googleapis.com/locations/global/workforcePools/pool/providers/p"
        ));
        assert!(!is_workforce_audience(
            "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/p"
        ));
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://iam.example.com/v1/x:generateAccessToken"),
            "https://iam.example.com"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/v1/x"),
            "http://127.0.0.1:8080"
        );
    }

    #[test]
    fn impersonation_urls() {
        assert!(check_impersonation_url(
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p.iam.gserviceaccount.com:generateAccessToken"
        )
        .is_ok());
        for bad in [
            "http://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p:generateAccessToken",
            "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/sa@p:signBlob",
        ] {
            assert!(check_impersonation_url(bad).is_err(), "{bad}");
        }
    }
}
