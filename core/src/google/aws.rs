//! AWS as a workload identity federation source: the subject token is an AWS STS
//! `GetCallerIdentity` request signed with AWS Signature Version 4, serialized
//! the way Google's STS expects (and google-auth produces).
//!
//! The AWS credentials and region come from the host (environment variables) or
//! from the EC2 metadata server through [`AwsMetadataFlow`]; the signing and the
//! serialization are here.

use crate::datetime::format_rfc3339;
use crate::encoding::hex;
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Step, pending};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json;
use crate::remote::Dialect;
use crate::secret::SecretString;
use crate::time::UnixTime;
use sha2::{Digest, Sha256};
use std::fmt;

/// The verification URL used when the credential file names none.
pub const DEFAULT_VERIFICATION_URL: &str =
    "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15";

/// AWS security credentials, as the host found them.
#[derive(Clone)]
pub struct AwsCredentials {
    access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
}

impl AwsCredentials {
    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
        session_token: Option<SecretString>,
    ) -> Result<Self> {
        let access_key_id = access_key_id.into();
        let printable = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&access_key_id) || !printable(secret_access_key.expose_secret()) {
            return Err(Error::invalid_argument(
                "AWS access key id and secret must be non-empty printable text",
            ));
        }
        if session_token
            .as_ref()
            .is_some_and(|t| !printable(t.expose_secret()))
        {
            return Err(Error::invalid_argument(
                "AWS session token must be printable text",
            ));
        }
        Ok(AwsCredentials {
            access_key_id,
            secret_access_key,
            session_token,
        })
    }

    /// Credentials from the metadata server's `security-credentials/{role}` answer.
    pub fn from_metadata_json(body: &[u8]) -> Result<Self> {
        let invalid =
            |why: &str| Error::invalid_response(200, format!("AWS security credentials: {why}"));
        let doc = json::parse_object(body).map_err(|_| invalid("not a JSON object"))?;
        let text = |name: &str| match doc.get(name) {
            Some(serde_json::Value::String(value)) if !value.is_empty() => Ok(value.clone()),
            _ => Err(invalid(&format!("\"{name}\" is missing"))),
        };
        let session_token = match doc.get("Token") {
            Some(serde_json::Value::String(token)) if !token.is_empty() => {
                Some(SecretString::from(token.clone()))
            }
            _ => None,
        };
        Self::new(
            text("AccessKeyId")?,
            SecretString::from(text("SecretAccessKey")?),
            session_token,
        )
        .map_err(|_| invalid("malformed values"))
    }

    /// The access key id (not secret).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }
}

impl fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// The region of an availability zone (`us-east-2b` → `us-east-2`).
pub fn region_from_availability_zone(zone: &str) -> Result<String> {
    let zone = zone.trim();
    let valid = zone.len() >= 2
        && zone
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(Error::invalid_response(
            200,
            "the availability zone is not a zone name",
        ));
    }
    Ok(zone[..zone.len() - 1].to_owned())
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes everything but unreserved characters and those in `keep`.
fn quote(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &b in text.as_bytes() {
        if is_unreserved(b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn unquote_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex_digit = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = match bytes[i] {
            b'+' => Some(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_digit(bytes[i + 1]), hex_digit(bytes[i + 2]))
            {
                (Some(high), Some(low)) => {
                    i += 2;
                    u8::try_from(high * 16 + low).ok()
                }
                _ => None,
            },
            _ => None,
        };
        out.push(decoded.unwrap_or(bytes[i]));
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SigV4's canonical query string: decoded, re-encoded, sorted, blanks dropped.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(_, value)| !value.is_empty())
        .map(|(key, value)| {
            (
                quote(&unquote_plus(key), b""),
                quote(&unquote_plus(value), b""),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A verification URL split into host, canonical path and canonical query.
struct AwsUrl {
    url: String,
    host: String,
    path: String,
    query: String,
}

fn parse_aws_url(url: &str) -> Result<AwsUrl> {
    let invalid =
        || Error::invalid_argument("the AWS verification URL must be an https URL with a host");
    let rest = url.strip_prefix("https://").ok_or_else(invalid)?;
    let (authority, path_and_query) = match rest.find(['/', '?']) {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, ""),
    };
    let host = authority
        .split(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if host.is_empty() || authority.contains('@') || url.bytes().any(|b| !b.is_ascii_graphic()) {
        return Err(invalid());
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        path.to_owned()
    };
    Ok(AwsUrl {
        url: url.to_owned(),
        host,
        path,
        query: canonical_query(query),
    })
}

/// The serialized, signed `GetCallerIdentity` request that Google's STS takes as
/// an AWS subject token. `verification_url` may contain `{region}`.
pub(crate) fn subject_token(
    credentials: &AwsCredentials,
    region: &str,
    verification_url: &str,
    target_resource: &str,
    now: UnixTime,
) -> Result<SecretString> {
    if region.is_empty()
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(Error::invalid_argument(
            "AWS region must look like us-east-2",
        ));
    }
    let url = parse_aws_url(&verification_url.replace("{region}", region))?;
    let service = url.host.split('.').next().unwrap_or_default();
    let service = service.strip_suffix("-fips").unwrap_or(service);
    let amz_date = format_rfc3339(now).replace(['-', ':'], "");
    let date = &amz_date[..8];

    let mut signed: Vec<(&str, &str)> = vec![("host", &url.host), ("x-amz-date", &amz_date)];
    if let Some(token) = &credentials.session_token {
        signed.push(("x-amz-security-token", token.expose_secret()));
    }
    signed.sort();
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = signed.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "POST\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        url.path,
        url.query,
        hex(&Sha256::digest(b""))
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    );
    let secret = zeroize::Zeroizing::new(format!(
        "AWS4{}",
        credentials.secret_access_key.expose_secret()
    ));
    let mut key = hmac_sha256(secret.as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        credentials.access_key_id
    );

    // Header order as google-auth sends it; x-goog-cloud-target-resource is not signed.
    let mut headers: Vec<(&str, &str)> = vec![
        ("Authorization", &authorization),
        ("host", &url.host),
        ("x-amz-date", &amz_date),
    ];
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token", token.expose_secret()));
    }
    headers.push(("x-goog-cloud-target-resource", target_resource));
    let mut json = String::from(r#"{"headers":["#);
    for (i, (name, value)) in headers.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(r#"{"key":"#);
        json::write_string(name, &mut json);
        json.push_str(r#","value":"#);
        json::write_string(value, &mut json);
        json.push('}');
    }
    json.push_str(r#"],"method":"POST","url":"#);
    json::write_string(&url.url, &mut json);
    json.push('}');
    let json = zeroize::Zeroizing::new(json);
    Ok(SecretString::from(quote(&json, b"/")))
}

/// The EC2 metadata-server URLs of an AWS credential source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsMetadataUrls {
    /// Where the availability zone is (the region is derived from it).
    pub region_url: Option<String>,
    /// Where the role name, then `{url}/{role}` the credentials, are.
    pub credentials_url: Option<String>,
    /// Where an IMDSv2 session token is obtained (`PUT`), if required.
    pub imdsv2_session_token_url: Option<String>,
}

enum MetadataStage {
    SessionToken,
    Region,
    Role,
    Credentials,
}

/// Region and credentials from the EC2 metadata server (for what the host could
/// not find in the environment): optional IMDSv2 session token, availability
/// zone, role name, then the role's credentials.
pub struct AwsMetadataFlow {
    urls: AwsMetadataUrls,
    options: FlowOptions,
    session_token: Option<SecretString>,
    region: Option<String>,
    credentials: Option<AwsCredentials>,
    stage: Option<(MetadataStage, RequestFlow<Vec<u8>>)>,
}

pub(crate) fn raw_body(response: &HttpResponse, _sent_at: UnixTime) -> Result<Vec<u8>> {
    response.checked_body().map(<[u8]>::to_vec)
}

impl AwsMetadataFlow {
    /// A flow that fetches whatever of `region` and `credentials` is `None`.
    pub fn new(
        urls: AwsMetadataUrls,
        region: Option<String>,
        credentials: Option<AwsCredentials>,
        options: FlowOptions,
    ) -> Self {
        AwsMetadataFlow {
            urls,
            options,
            session_token: None,
            region,
            credentials,
            stage: None,
        }
    }

    fn get(&self, url: &str) -> HttpRequest {
        let request = HttpRequest::new(Method::Get, url.to_owned());
        match &self.session_token {
            Some(token) => request.header("X-aws-ec2-metadata-token", token.expose_secret()),
            None => request,
        }
    }

    fn next_stage(&self) -> Result<Option<(MetadataStage, HttpRequest)>> {
        let missing = |what: &str| {
            Error::invalid_argument(format!(
                "the AWS credential source has no {what} and none was given"
            ))
        };
        let needs_server = self.region.is_none() || self.credentials.is_none();
        if needs_server
            && self.session_token.is_none()
            && let Some(url) = &self.urls.imdsv2_session_token_url
        {
            let request = HttpRequest::new(Method::Put, url.clone())
                .header("X-aws-ec2-metadata-token-ttl-seconds", "21600");
            return Ok(Some((MetadataStage::SessionToken, request)));
        }
        if self.region.is_none() {
            let url = self
                .urls
                .region_url
                .as_deref()
                .ok_or_else(|| missing("region_url"))?;
            return Ok(Some((MetadataStage::Region, self.get(url))));
        }
        if self.credentials.is_none() {
            let url = self
                .urls
                .credentials_url
                .as_deref()
                .ok_or_else(|| missing("credentials url"))?;
            return Ok(Some((MetadataStage::Role, self.get(url))));
        }
        Ok(None)
    }
}

impl Flow for AwsMetadataFlow {
    type Output = (String, AwsCredentials);

    fn poll(&mut self, now: UnixTime) -> Result<Step<Self::Output>> {
        loop {
            if self.stage.is_none() {
                match self.next_stage()? {
                    Some((stage, request)) => {
                        self.stage = Some((
                            stage,
                            RequestFlow::new(request, Dialect::Google, &self.options, raw_body),
                        ));
                    }
                    None => {
                        let region = self.region.take().unwrap_or_default();
                        return match self.credentials.take() {
                            Some(credentials) => Ok(Step::Done((region, credentials))),
                            None => Err(Error::invalid_argument(
                                "the AWS metadata flow is already over",
                            )),
                        };
                    }
                }
            }
            let Some((stage, exchange)) = &mut self.stage else {
                continue;
            };
            let body = match pending(exchange.poll(now)?) {
                Err(body) => body,
                Ok(step) => return Ok(step),
            };
            let text = String::from_utf8(body.clone())
                .map_err(|_| Error::invalid_response(200, "metadata answer is not UTF-8"))?;
            let next = match stage {
                MetadataStage::SessionToken => {
                    self.session_token = Some(SecretString::from(text.trim().to_owned()));
                    None
                }
                MetadataStage::Region => {
                    self.region = Some(region_from_availability_zone(&text)?);
                    None
                }
                MetadataStage::Role => {
                    let role = text.trim();
                    if role.is_empty() || role.contains(['/', '?', '#']) {
                        return Err(Error::invalid_response(
                            200,
                            "the metadata server named no usable role",
                        ));
                    }
                    let base = self.urls.credentials_url.clone().unwrap_or_default();
                    Some((
                        MetadataStage::Credentials,
                        self.get(&format!("{}/{role}", base.trim_end_matches('/'))),
                    ))
                }
                MetadataStage::Credentials => {
                    self.credentials = Some(AwsCredentials::from_metadata_json(&body)?);
                    None
                }
            };
            self.stage = next.map(|(stage, request)| {
                (
                    stage,
                    RequestFlow::new(request, Dialect::Google, &self.options, raw_body),
                )
            });
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.stage {
            Some((_, exchange)) => exchange.feed_response(response),
            None => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.stage {
            Some((_, exchange)) => exchange.feed_transport_error(reason),
            None => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_rfc4231() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let long_key = [0xaau8; 131];
        assert_eq!(
            hex(&hmac_sha256(
                &long_key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn canonical_queries() {
        assert_eq!(
            canonical_query("Version=2011-06-15&Action=GetCallerIdentity"),
            "Action=GetCallerIdentity&Version=2011-06-15"
        );
        assert_eq!(canonical_query("b=2&a=x%20y&c=&a=+w"), "a=%20w&a=x%20y&b=2");
        assert_eq!(canonical_query(""), "");
        assert_eq!(unquote_plus("%zz%4"), "%zz%4");
        assert_eq!(unquote_plus("%C3%A9%"), "é%");
        assert_eq!(unquote_plus("é%é"), "é%é");
    }

    #[test]
    fn zones_and_urls() {
        assert_eq!(
            region_from_availability_zone("us-east-2b\n").unwrap(),
            "us-east-2"
        );
        assert!(region_from_availability_zone("<html>").is_err());
        assert!(parse_aws_url("http://sts.amazonaws.com").is_err());
        let url =
            parse_aws_url("https://sts-fips.us-east-2.amazonaws.com?Version=1&Action=X").unwrap();
        assert_eq!(
            (url.host.as_str(), url.path.as_str(), url.query.as_str()),
            (
                "sts-fips.us-east-2.amazonaws.com",
                "/",
                "Action=X&Version=1"
            )
        );
    }
}
