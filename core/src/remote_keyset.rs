//! Verification keys fetched from a URL (a JWKS, Google's X.509 map, PEM),
//! kept as fresh as the server says, refetched at most once per cooldown for
//! an unknown `kid`, and used a bounded time past their expiry when the
//! endpoint fails. The host performs the fetch ([`RemoteKeySet::fetch_flow`]);
//! every decision is here.
//!
//! ```
//! use credmint::{Endpoint, KeyDecision, RemoteKeySet, UnixTime};
//! let mut keys = RemoteKeySet::new(Endpoint::new("https://www.googleapis.com/oauth2/v3/certs").unwrap());
//! let now = UnixTime::from_secs(1_700_000_000);
//! assert!(matches!(keys.decide(now, Some("kid-1")), KeyDecision::FetchFirst));
//! ```

use crate::error::{Error, Result};
use crate::flow::{FlowOptions, RequestFlow};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::keyset::KeySet;
use crate::remote::Dialect;
use crate::retry::{Jitter, RetryPolicy};
use crate::time::UnixTime;
use crate::url::Endpoint;
use std::sync::Arc;

/// How long fetched keys stay fresh and how hard an unknown `kid` may push.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeySetPolicy {
    /// Freshness when the server says nothing (10 min).
    pub default_ttl_secs: u64,
    /// Least freshness, whatever the server says (30 s, the cooldown).
    pub min_ttl_secs: u64,
    /// Most freshness, whatever the server says (24 h).
    pub max_ttl_secs: u64,
    /// Least time between two fetches caused by unknown `kid`s (30 s).
    pub cooldown_secs: u64,
    /// How long past expiry the last good keys still verify while the
    /// endpoint fails (1 h); after that, verification fails.
    pub stale_if_error_secs: u64,
    /// Time limit of one fetch (5 s, as jose).
    pub timeout_millis: u64,
}

impl Default for KeySetPolicy {
    fn default() -> Self {
        KeySetPolicy {
            default_ttl_secs: 600,
            min_ttl_secs: 30,
            max_ttl_secs: 86_400,
            cooldown_secs: 30,
            stale_if_error_secs: 3_600,
            timeout_millis: 5_000,
        }
    }
}

impl KeySetPolicy {
    /// Seconds a key-set answer stays fresh: `max-age` minus `Age` from
    /// `Cache-Control` (`no-cache`/`no-store`: the minimum), else `Expires`
    /// minus `Date` (or minus `now`), else the default; clamped to
    /// [`min_ttl_secs`, `max_ttl_secs`].
    ///
    /// [`min_ttl_secs`]: KeySetPolicy::min_ttl_secs
    /// [`max_ttl_secs`]: KeySetPolicy::max_ttl_secs
    pub fn freshness_secs(&self, response: &HttpResponse, now: UnixTime) -> u64 {
        let said = match response.header_value("cache-control") {
            Some(control) => cache_control_ttl(control, response),
            None => None,
        }
        .or_else(|| expires_ttl(response, now));
        said.unwrap_or(self.default_ttl_secs)
            .clamp(self.min_ttl_secs, self.max_ttl_secs.max(self.min_ttl_secs))
    }
}

fn cache_control_ttl(control: &str, response: &HttpResponse) -> Option<u64> {
    let mut max_age = None;
    for directive in control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(0);
        }
        if let Some(value) = lower.strip_prefix("max-age=") {
            max_age = value.trim_matches('"').parse::<u64>().ok();
        }
    }
    let age = response
        .header_value("age")
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    max_age.map(|max_age| max_age.saturating_sub(age))
}

fn expires_ttl(response: &HttpResponse, now: UnixTime) -> Option<u64> {
    let expires = crate::datetime::parse_http_date(response.header_value("expires")?.trim())
        .map(UnixTime::as_secs)
        // An unparseable Expires means "already expired" (RFC 9111 §5.3).
        .unwrap_or(i64::MIN);
    let date = response
        .header_value("date")
        .and_then(|d| crate::datetime::parse_http_date(d.trim()))
        .unwrap_or(now);
    Some(u64::try_from(expires.saturating_sub(date.as_secs())).unwrap_or(0))
}

/// Keys from one good fetch (or a snapshot), with their freshness.
#[derive(Clone, Debug)]
pub struct FetchedKeys {
    keys: Arc<KeySet>,
    text: Arc<str>,
    fetched_at: UnixTime,
    expires_at: UnixTime,
}

impl FetchedKeys {
    /// The keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// When they were fetched.
    pub fn fetched_at(&self) -> UnixTime {
        self.fetched_at
    }

    /// When they stop being fresh.
    pub fn expires_at(&self) -> UnixTime {
        self.expires_at
    }
}

/// What a verifier should do at `now` for a token with a given `kid`.
#[derive(Clone, Debug)]
pub enum KeyDecision {
    /// Verify with [`RemoteKeySet::keys`].
    Use,
    /// Verify with [`RemoteKeySet::keys`], and fetch in the background (this
    /// caller was chosen): the keys are due, or stale but within the
    /// stale-if-error bound.
    UseAndRefresh,
    /// Fetch first (this caller was chosen), then decide again.
    FetchFirst,
    /// Another caller's fetch is in flight and nothing usable is held: wait, then decide again.
    Wait,
    /// Verification cannot proceed: `key_not_found` for an unknown `kid`
    /// inside the cooldown, or the last fetch's error once the keys are past
    /// their stale-if-error bound.
    Fail(Error),
}

/// A remote key set's state: the last good keys, the fetch in flight, the
/// last failure. Hosts keep one per URL and guard it with their own lock.
#[derive(Clone, Debug)]
pub struct RemoteKeySet {
    url: Endpoint,
    policy: KeySetPolicy,
    current: Option<FetchedKeys>,
    fetching_since: Option<UnixTime>,
    last_attempt: Option<UnixTime>,
    last_failure: Option<Error>,
}

impl RemoteKeySet {
    /// Keys at `url`, with the default policy.
    pub fn new(url: Endpoint) -> Self {
        Self::with_policy(url, KeySetPolicy::default())
    }

    /// Keys at `url`, with `policy`.
    pub fn with_policy(url: Endpoint, policy: KeySetPolicy) -> Self {
        RemoteKeySet {
            url,
            policy,
            current: None,
            fetching_since: None,
            last_attempt: None,
            last_failure: None,
        }
    }

    /// The last good keys, if any (check [`RemoteKeySet::decide`] first).
    pub fn keys(&self) -> Option<&KeySet> {
        self.current.as_ref().map(|c| c.keys.as_ref())
    }

    /// The last good keys, shared (verifications use them outside any lock).
    pub(crate) fn shared_keys(&self) -> Option<Arc<KeySet>> {
        self.current.as_ref().map(|c| Arc::clone(&c.keys))
    }

    /// The last good fetch, if any.
    pub fn fetched(&self) -> Option<&FetchedKeys> {
        self.current.as_ref()
    }

    /// The error of the last failed fetch, if the keys have not been refreshed since.
    pub fn last_failure(&self) -> Option<&Error> {
        self.last_failure.as_ref()
    }

    fn in_flight(&self, now: UnixTime) -> bool {
        // A fetch is presumed abandoned after six of its time limits.
        let limit = (self.policy.timeout_millis * 6).div_ceil(1000).max(1);
        self.fetching_since
            .is_some_and(|since| now < since.saturating_add(limit))
    }

    fn start(&mut self, now: UnixTime) -> KeyDecision {
        self.fetching_since = Some(now);
        self.last_attempt = Some(now);
        KeyDecision::FetchFirst
    }

    fn cooled(&self, now: UnixTime) -> bool {
        self.last_attempt
            .is_none_or(|at| now >= at.saturating_add(self.policy.cooldown_secs))
    }

    /// A fetch now (this caller is chosen), unless one is in flight or the
    /// last one failed less than a cooldown ago.
    fn fetch_or_fail(&mut self, now: UnixTime, in_flight: bool) -> KeyDecision {
        match (&self.last_failure, in_flight) {
            (_, true) => KeyDecision::Wait,
            (Some(failure), false) if !self.cooled(now) => KeyDecision::Fail(failure.clone()),
            _ => self.start(now),
        }
    }

    /// What to do at `now` to verify a token whose header names `kid`.
    pub fn decide(&mut self, now: UnixTime, kid: Option<&str>) -> KeyDecision {
        let in_flight = self.in_flight(now);
        let Some(current) = &self.current else {
            return self.fetch_or_fail(now, in_flight);
        };
        let fresh = now < current.expires_at;
        let usable = fresh
            || now
                < current
                    .expires_at
                    .saturating_add(self.policy.stale_if_error_secs);
        let known = kid.is_none_or(|kid| current.keys.select(Some(kid)).is_ok());
        if !known {
            return match (self.cooled(now), in_flight) {
                (true, false) => self.start(now),
                (true, true) => KeyDecision::Wait,
                (false, _) => KeyDecision::Fail(Error::KeyNotFound {
                    reason: format!(
                        "no key with this kid at {}, and the set was fetched less than {} s ago",
                        self.url.as_str(),
                        self.policy.cooldown_secs
                    ),
                }),
            };
        }
        match (fresh, usable, in_flight) {
            (true, _, _) | (false, true, true) => KeyDecision::Use,
            (false, true, false) if self.last_failure.is_some() && !self.cooled(now) => {
                KeyDecision::Use
            }
            (false, true, false) => {
                self.start(now);
                KeyDecision::UseAndRefresh
            }
            (false, false, _) => self.fetch_or_fail(now, in_flight),
        }
    }

    /// The fetch: `GET url` with `Accept` for key sets, the policy's time
    /// limit, no retries (the set decides when to try again). Redirects are
    /// answers like any other non-2xx and fail.
    pub fn fetch_flow(&self) -> RequestFlow<(HttpResponse, UnixTime)> {
        let request = HttpRequest::new(Method::Get, self.url.as_str().to_owned())
            .header("Accept", "application/json, application/jwk-set+json")
            .with_timeout_millis(self.policy.timeout_millis);
        let options = FlowOptions {
            retry: RetryPolicy::NONE,
            jitter: Jitter::from_seed(0),
            request_timeout_millis: None,
        };
        RequestFlow::new(request, Dialect::OAuth, &options, |response, sent_at| {
            Ok((response.clone(), sent_at))
        })
    }

    /// The outcome of [`RemoteKeySet::fetch_flow`]: a good answer replaces the
    /// keys; anything else (an error, an unparseable or empty set) keeps the
    /// old keys and is returned, and remembered for [`KeyDecision::Fail`].
    pub fn complete(&mut self, outcome: Result<(HttpResponse, UnixTime)>) -> Result<()> {
        self.fetching_since = None;
        let fetched = outcome.and_then(|(response, sent_at)| self.read(&response, sent_at));
        match fetched {
            Ok(fetched) => {
                self.current = Some(fetched);
                self.last_failure = None;
                Ok(())
            }
            Err(err) => {
                self.last_failure = Some(err.clone());
                Err(err)
            }
        }
    }

    fn read(&self, response: &HttpResponse, sent_at: UnixTime) -> Result<FetchedKeys> {
        let body = response.checked_body()?;
        let text = std::str::from_utf8(body)
            .map_err(|_| Error::invalid_response(response.status(), "key set is not UTF-8 text"))?;
        let ttl = self.policy.freshness_secs(response, sent_at);
        Self::parse_keys(text, sent_at, sent_at.saturating_add(ttl))
            .map_err(|err| Error::invalid_response(response.status(), format!("key set: {err}")))
    }

    fn parse_keys(text: &str, fetched_at: UnixTime, expires_at: UnixTime) -> Result<FetchedKeys> {
        let keys = KeySet::parse(text)?;
        if keys.is_empty() {
            return Err(Error::KeyNotFound {
                reason: "the key set has no usable key".into(),
            });
        }
        Ok(FetchedKeys {
            keys: Arc::new(keys),
            text: Arc::from(text),
            fetched_at,
            expires_at,
        })
    }

    /// The keys as a snapshot for short-lived hosts (Workers KV, a file):
    /// `{"url", "keys" (the fetched text), "fetched_at", "expires_at"}`.
    pub fn snapshot(&self) -> Option<String> {
        let current = self.current.as_ref()?;
        Some(
            serde_json::json!({
                "url": self.url.as_str(),
                "keys": current.text.as_ref(),
                "fetched_at": current.fetched_at.as_secs(),
                "expires_at": current.expires_at.as_secs(),
            })
            .to_string(),
        )
    }

    /// Restores a snapshot, validated like a fresh fetch: the same URL, keys
    /// that parse, a freshness no longer than the policy allows from its
    /// fetch. A snapshot older than what is held is ignored.
    pub fn restore(&mut self, snapshot: &str) -> Result<()> {
        let bad = |why: &str| Error::invalid_argument(format!("key set snapshot: {why}"));
        let doc: serde_json::Value = serde_json::from_str(snapshot).map_err(|_| bad("not JSON"))?;
        if doc.get("url").and_then(|u| u.as_str()) != Some(self.url.as_str()) {
            return Err(bad("taken from another URL"));
        }
        let time = |name: &str| {
            doc.get(name)
                .and_then(serde_json::Value::as_i64)
                .map(UnixTime::from_secs)
                .ok_or_else(|| bad("fetched_at and expires_at must be Unix times"))
        };
        let (fetched_at, expires_at) = (time("fetched_at")?, time("expires_at")?);
        if expires_at < fetched_at
            || expires_at > fetched_at.saturating_add(self.policy.max_ttl_secs)
        {
            return Err(bad("its freshness is longer than the policy allows"));
        }
        let text = doc
            .get("keys")
            .and_then(|k| k.as_str())
            .ok_or_else(|| bad("keys must be the fetched text"))?;
        let fetched = Self::parse_keys(text, fetched_at, expires_at)?;
        if self
            .current
            .as_ref()
            .is_none_or(|current| current.fetched_at < fetched.fetched_at)
        {
            self.current = Some(fetched);
        }
        Ok(())
    }
}

/// OpenID Connect discovery: `<issuer>/.well-known/openid-configuration`
/// names the issuer's `jwks_uri`. The document's `issuer` must equal the
/// configured issuer exactly (OpenID Connect Discovery §4.3), so that a
/// document served elsewhere cannot hand out another issuer's keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OidcDiscovery {
    issuer: String,
    document_url: Endpoint,
}

impl OidcDiscovery {
    /// Discovery for `issuer` (an https URL, or http to a loopback host).
    pub fn new(issuer: &str) -> Result<Self> {
        let base = Endpoint::new(issuer)?;
        Ok(OidcDiscovery {
            issuer: issuer.to_owned(),
            document_url: Endpoint::new(&format!(
                "{}/.well-known/openid-configuration",
                base.as_str()
            ))?,
        })
    }

    /// The issuer, exactly as configured.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The fetch of the discovery document (5 s, no retries; redirects fail).
    pub fn fetch_flow(&self) -> RequestFlow<(HttpResponse, UnixTime)> {
        let request = HttpRequest::new(Method::Get, self.document_url.as_str().to_owned())
            .header("Accept", "application/json")
            .with_timeout_millis(KeySetPolicy::default().timeout_millis);
        let options = FlowOptions {
            retry: RetryPolicy::NONE,
            jitter: Jitter::from_seed(0),
            request_timeout_millis: None,
        };
        RequestFlow::new(request, Dialect::OAuth, &options, |response, sent_at| {
            Ok((response.clone(), sent_at))
        })
    }

    /// The `jwks_uri` of a fetched document, after checking its `issuer`.
    pub fn jwks_uri(&self, response: &HttpResponse) -> Result<Endpoint> {
        let body = crate::wire::Body::parse(response)?;
        let issuer = body.str("issuer")?;
        if issuer != self.issuer {
            return Err(Error::IssuerMismatch {
                expected: vec![self.issuer.clone()],
                found: Some(crate::error::quoted(issuer)),
            });
        }
        let uri = body.str("jwks_uri")?.to_owned();
        Endpoint::new(&uri)
            .map_err(|err| Error::invalid_response(response.status(), format!("jwks_uri: {err}")))
    }
}
