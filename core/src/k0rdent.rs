//! k0rdent: listing a service account's credentials, every page (seed 003).
//!
//! ```text
//! GET {base}/v1/regions/global/iam/service-accounts/{id}/credentials?status=active&pageSize=50&pageToken=…
//! Authorization: Bearer <tenant administrator's token>
//! Accept: application/json
//! ```
//! Answer: `{"credentials":[…],"nextPageToken":"…","total":N}`; errors:
//! `{"error":{"code","message","details"}}`. `pageToken` and `offset` are
//! mutually exclusive; `client_secret` must never appear in a list.

use crate::datetime::parse_rfc3339;
use crate::error::{Error, Result};
use crate::flow::{Flow, FlowOptions, RequestFlow, Step, pending};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::remote::Dialect;
use crate::time::UnixTime;
use crate::token::AccessToken;
use crate::url::{Endpoint, Query, encode_path_segment};
use crate::wire::Body;
use std::collections::HashSet;

/// Largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 500;

/// Page size used when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// The status filter of the listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    /// Only credentials that have not expired.
    Active,
    /// Only expired credentials.
    Expired,
}

impl StatusFilter {
    /// The filter named `name` (`active` or `expired`, as k0rdent spells them).
    pub fn from_name(name: &str) -> Result<Self> {
        match name {
            "active" => Ok(StatusFilter::Active),
            "expired" => Ok(StatusFilter::Expired),
            _ => Err(Error::invalid_argument(
                "status must be \"active\" or \"expired\"",
            )),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            StatusFilter::Active => "active",
            StatusFilter::Expired => "expired",
        }
    }
}

/// How pages are walked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pagination {
    /// Cursor pagination, from the start or from a `pageToken`.
    Cursor(Option<String>),
    /// Offset pagination from this many items in (the response carries `total`).
    Offset(u64),
}

/// What to list: a service account's credentials, filtered and paged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListCredentials {
    endpoint: Endpoint,
    service_account_id: String,
    status: Option<StatusFilter>,
    page_size: u32,
    pagination: Pagination,
}

impl ListCredentials {
    /// All credentials of `service_account_id`, 50 per page, cursor pagination.
    pub fn new(endpoint: Endpoint, service_account_id: impl Into<String>) -> Result<Self> {
        let id = service_account_id.into();
        let valid = !id.is_empty()
            && id.len() <= 256
            && id.bytes().all(|b| b.is_ascii_graphic() && b != b'/');
        if !valid {
            return Err(Error::invalid_argument(
                "service account id must be 1 to 256 printable characters without '/'",
            ));
        }
        Ok(ListCredentials {
            endpoint,
            service_account_id: id,
            status: None,
            page_size: DEFAULT_PAGE_SIZE,
            pagination: Pagination::Cursor(None),
        })
    }

    /// A listing as bindings take it: the API's base URL, the account, an
    /// optional status name (`active`, `expired`) and page size (none: 50).
    pub fn with_options(
        base_url: &str,
        service_account_id: String,
        status: Option<&str>,
        page_size: Option<u32>,
    ) -> Result<Self> {
        let mut list = Self::new(Endpoint::new(base_url)?, service_account_id)?;
        if let Some(size) = page_size {
            list = list.page_size(size)?;
        }
        Ok(match status {
            Some(name) => list.status(StatusFilter::from_name(name)?),
            None => list,
        })
    }

    /// Only credentials with this status.
    pub fn status(mut self, status: StatusFilter) -> Self {
        self.status = Some(status);
        self
    }

    /// Items per page, 1 to 500.
    pub fn page_size(mut self, size: u32) -> Result<Self> {
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(Error::invalid_argument(format!(
                "page size {size} is not between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        self.page_size = size;
        Ok(self)
    }

    /// Where to start: a `pageToken`, or an `offset`, never both.
    pub fn start_at(mut self, page_token: Option<String>, offset: Option<u64>) -> Result<Self> {
        self.pagination = match (page_token, offset) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "pageToken and offset are mutually exclusive",
                ));
            }
            (Some(token), None) if token.is_empty() => {
                return Err(Error::invalid_argument("pageToken is empty"));
            }
            (token, None) => Pagination::Cursor(token),
            (None, Some(offset)) => Pagination::Offset(offset),
        };
        Ok(self)
    }

    /// The request for the page at `position`.
    fn request(&self, bearer: &AccessToken, position: &Pagination) -> HttpRequest {
        let path = format!(
            "/v1/regions/global/iam/service-accounts/{}/credentials",
            encode_path_segment(&self.service_account_id)
        );
        let mut query = Query::default();
        if let Some(status) = self.status {
            query.push("status", status.as_str());
        }
        query.push("pageSize", self.page_size.to_string());
        match position {
            Pagination::Cursor(Some(token)) => query.push("pageToken", token.clone()),
            Pagination::Cursor(None) => {}
            Pagination::Offset(offset) => query.push("offset", offset.to_string()),
        }
        HttpRequest::new(Method::Get, query.append_to(self.endpoint.join(&path)))
            .header("Authorization", bearer.authorization().expose_secret())
            .header("Accept", "application/json")
    }

    /// The request for the first page.
    pub fn first_request(&self, bearer: &AccessToken) -> HttpRequest {
        self.request(bearer, &self.pagination)
    }

    /// A flow that yields every page, one `Step::Done(Some(page))` at a time,
    /// then `Step::Done(None)`.
    pub fn pages(&self, bearer: AccessToken, options: FlowOptions) -> CredentialPages {
        let seen_cursors = match &self.pagination {
            Pagination::Cursor(Some(start)) => HashSet::from([start.clone()]),
            _ => HashSet::new(),
        };
        CredentialPages {
            list: self.clone(),
            bearer,
            options,
            position: self.pagination.clone(),
            seen_cursors,
            exchange: None,
            finished: false,
        }
    }
}

/// The state of one credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialStatus {
    /// In use.
    Active,
    /// Past `expiresAt`.
    Expired,
    /// A status this version of credmint does not know.
    Other(String),
}

impl CredentialStatus {
    /// The status as the API spells it: `active`, `expired`, or the unknown value.
    pub fn as_str(&self) -> &str {
        match self {
            CredentialStatus::Active => "active",
            CredentialStatus::Expired => "expired",
            CredentialStatus::Other(other) => other,
        }
    }
}

/// One credential of a service account, as listed (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// `id`.
    pub id: String,
    /// `serviceAccountId`.
    pub service_account_id: String,
    /// `status`.
    pub status: CredentialStatus,
    /// `uid`.
    pub uid: Option<String>,
    /// `selfLink`.
    pub self_link: Option<String>,
    /// `expiresAt`.
    pub expires_at: Option<UnixTime>,
    /// `createdBy`.
    pub created_by: Option<String>,
    /// `createdAt`.
    pub created_at: Option<UnixTime>,
    /// `lastUsedAt`.
    pub last_used_at: Option<UnixTime>,
    /// `lastUsedIp`.
    pub last_used_ip: Option<String>,
}

/// One page of the listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialPage {
    /// The credentials on this page.
    pub credentials: Vec<Credential>,
    /// The cursor of the next page, if there is one.
    pub next_page_token: Option<String>,
    /// The total number of matching credentials (offset pagination).
    pub total: Option<u64>,
}

fn time_field(item: &Body, name: &str) -> Result<Option<UnixTime>> {
    item.opt_str(name)?
        .map(|text| {
            parse_rfc3339(text)
                .map_err(|_| item.error(format!("\"{name}\" is not an RFC 3339 timestamp")))
        })
        .transpose()
}

fn parse_credential(item: &Body) -> Result<Credential> {
    if item.has("client_secret") || item.has("clientSecret") {
        return Err(item.error(
            "a list item carries a client secret, which list responses must never contain",
        ));
    }
    let status = match item.str("status")? {
        "active" => CredentialStatus::Active,
        "expired" => CredentialStatus::Expired,
        other => CredentialStatus::Other(other.to_owned()),
    };
    let text = |name: &str| item.opt_str(name).map(|v| v.map(str::to_owned));
    Ok(Credential {
        id: item.str("id")?.to_owned(),
        service_account_id: item.str("serviceAccountId")?.to_owned(),
        status,
        uid: text("uid")?,
        self_link: text("selfLink")?,
        expires_at: time_field(item, "expiresAt")?,
        created_by: text("createdBy")?,
        created_at: time_field(item, "createdAt")?,
        last_used_at: time_field(item, "lastUsedAt")?,
        last_used_ip: text("lastUsedIp")?,
    })
}

pub(crate) fn parse_page(response: &HttpResponse, _sent_at: UnixTime) -> Result<CredentialPage> {
    let body = Body::parse(response)?;
    let items = body
        .opt_array("credentials")?
        .ok_or_else(|| body.error("\"credentials\" is missing"))?;
    let credentials = items
        .iter()
        .map(|item| match item {
            serde_json::Value::Object(map) => {
                parse_credential(&Body::nested(body.status(), map.clone()))
            }
            _ => Err(body.error("\"credentials\" must hold objects")),
        })
        .collect::<Result<Vec<_>>>()?;
    let next_page_token = body
        .opt_str("nextPageToken")?
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    Ok(CredentialPage {
        credentials,
        next_page_token,
        total: body.u64_lenient("total")?,
    })
}

/// Walks every page: `Done(Some(page))` per page, then `Done(None)`. Refuses a
/// cursor the server already gave (a server bug that would loop forever).
pub struct CredentialPages {
    list: ListCredentials,
    bearer: AccessToken,
    options: FlowOptions,
    position: Pagination,
    seen_cursors: HashSet<String>,
    exchange: Option<RequestFlow<CredentialPage>>,
    finished: bool,
}

impl CredentialPages {
    fn advance(&mut self, page: &CredentialPage) -> Result<()> {
        match &self.position {
            Pagination::Cursor(_) => match &page.next_page_token {
                None => self.finished = true,
                Some(token) => {
                    if !self.seen_cursors.insert(token.clone()) {
                        return Err(Error::invalid_response(
                            200,
                            "the server returned a page token it had already returned (pagination loop)",
                        ));
                    }
                    self.position = Pagination::Cursor(Some(token.clone()));
                }
            },
            Pagination::Offset(offset) => {
                let count = page.credentials.len() as u64;
                let next = offset.saturating_add(count);
                let short = count < u64::from(self.list.page_size);
                self.finished =
                    count == 0 || short || page.total.is_some_and(|total| next >= total);
                self.position = Pagination::Offset(next);
            }
        }
        Ok(())
    }
}

impl Flow for CredentialPages {
    type Output = Option<CredentialPage>;

    fn poll(&mut self, now: UnixTime) -> Result<Step<Self::Output>> {
        if self.finished {
            return Ok(Step::Done(None));
        }
        let exchange = self.exchange.get_or_insert_with(|| {
            let request = self.list.request(&self.bearer, &self.position);
            RequestFlow::new(request, Dialect::K0rdent, &self.options, parse_page)
        });
        match pending(exchange.poll(now)?) {
            Err(page) => {
                self.exchange = None;
                self.advance(&page)?;
                Ok(Step::Done(Some(page)))
            }
            Ok(step) => Ok(step),
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.exchange {
            Some(exchange) => exchange.feed_response(response),
            None => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.exchange {
            Some(exchange) => exchange.feed_transport_error(reason),
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
    fn listings_as_bindings_give_them() {
        let list = ListCredentials::with_options(
            "https://k0rdent.example",
            "sa-1".into(),
            Some("expired"),
            Some(10),
        )
        .unwrap();
        assert_eq!(list.status, Some(StatusFilter::Expired));
        assert_eq!(list.page_size, 10);
        for (status, size) in [
            (Some("gone"), None),
            (None, Some(0)),
            (None, Some(MAX_PAGE_SIZE + 1)),
        ] {
            let refused = ListCredentials::with_options(
                "https://k0rdent.example",
                "sa-1".into(),
                status,
                size,
            )
            .unwrap_err();
            assert_eq!(refused.code(), "invalid_argument");
        }
        assert!(ListCredentials::with_options("not a url", "sa-1".into(), None, None).is_err());
    }

    #[test]
    fn statuses_are_spelled_as_the_api_does() {
        assert_eq!(CredentialStatus::Active.as_str(), "active");
        assert_eq!(CredentialStatus::Expired.as_str(), "expired");
        assert_eq!(
            CredentialStatus::Other("revoked".into()).as_str(),
            "revoked"
        );
    }
}
