//! Ready verifiers for the common issuers: where an issuer's keys are (a URL,
//! or OpenID Connect discovery), what its tokens must satisfy, and the remote
//! key set that follows its rotation, shared by every verification.
//!
//! [`TokenVerifier::verify`] is a [`Flow`] like the others: most of the time
//! it is done at the first `poll` (the keys are fresh); when keys must be
//! fetched it asks the host to send the request; when another verification is
//! fetching it asks the host to wait a second and poll again. Nothing here
//! awaits another caller's I/O, so it is safe on hosts where one request must
//! never wait on a promise another request settles (Cloudflare Workers).
//!
//! ```
//! use credmint::{Flow, Step, TokenVerifier, UnixTime};
//! let verifier = TokenVerifier::google_id_token(&["https://my-service.example"]).unwrap();
//! // {"alg":"RS256","kid":"k"} . {} . a signature
//! let mut flow = verifier.verify("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.e30.c2ln");
//! // Fresh process: the first verification fetches Google's keys.
//! assert!(matches!(flow.poll(UnixTime::from_secs(1_700_000_000)), Ok(Step::Send(_))));
//! ```

mod options;
mod prepared;
mod presets;

pub use prepared::PreparedToken;
pub use presets::{
    FIREBASE_KEYS_URL, GOOGLE_ID_TOKEN_ISSUERS, GOOGLE_ID_TOKEN_KEYS_URL, IAP_ISSUER, IAP_KEYS_URL,
    IBM_IAM_ISSUER, IBM_IAM_KEYS_URL,
};

use crate::error::{Error, Result};
use crate::flow::{Flow, RequestFlow, Step, pending};
use crate::http::HttpResponse;
use crate::jws;
use crate::keyset::KeySet;
use crate::remote_keyset::{KeyDecision, KeySetPolicy, OidcDiscovery, RemoteKeySet};
use crate::time::UnixTime;
use crate::url::Endpoint;
use crate::verified_claims::VerifiedClaims;
use crate::verify::{Validation, verify};
use std::sync::{Arc, Mutex, MutexGuard};

/// Where an issuer's keys are.
#[derive(Clone, Debug)]
enum KeySource {
    /// A key-set URL.
    Url(Endpoint),
    /// The `jwks_uri` of the issuer's discovery document.
    Discovery(OidcDiscovery),
}

/// What a verifier checks: the parts that never change.
#[derive(Debug)]
struct Rules {
    preset: &'static str,
    validation: Validation,
}

/// What all verifications of one verifier share: the keys, or the discovery
/// that leads to them.
#[derive(Debug)]
struct Shared {
    source: KeySource,
    policy: KeySetPolicy,
    keys: Option<RemoteKeySet>,
    discovering_since: Option<UnixTime>,
    discovery_failure: Option<(Error, UnixTime)>,
}

/// A verifier of one issuer's tokens with its own remote key set. Clones share
/// the key set, so one per issuer and audience serves a whole process.
#[derive(Clone, Debug)]
pub struct TokenVerifier {
    rules: Arc<Rules>,
    shared: Arc<Mutex<Shared>>,
}

impl TokenVerifier {
    fn new(preset: &'static str, source: KeySource, validation: Validation) -> Self {
        let policy = KeySetPolicy::default();
        let keys = match &source {
            KeySource::Url(url) => Some(RemoteKeySet::with_policy(url.clone(), policy)),
            KeySource::Discovery(_) => None,
        };
        TokenVerifier {
            rules: Arc::new(Rules { preset, validation }),
            shared: Arc::new(Mutex::new(Shared {
                source,
                policy,
                keys,
                discovering_since: None,
                discovery_failure: None,
            })),
        }
    }

    /// The same verifier with its keys at `url` instead (the emulator, a
    /// mirror); the issuer and every rule stay. Discovery is skipped.
    pub fn with_keys_url(self, url: Endpoint) -> Self {
        Self::new(
            self.rules.preset,
            KeySource::Url(url),
            self.rules.validation.clone(),
        )
    }

    /// The same verifier with `policy` for its key set (freshness bounds,
    /// cooldown, stale-if-error, fetch time limit) instead of the default.
    /// Keys already held are dropped: set the policy before verifying.
    pub fn with_key_set_policy(self, policy: KeySetPolicy) -> Self {
        {
            let mut shared = self.lock();
            shared.policy = policy;
            shared.keys = match &shared.source {
                KeySource::Url(url) => Some(RemoteKeySet::with_policy(url.clone(), policy)),
                KeySource::Discovery(_) => None,
            };
        }
        self
    }

    /// The preset's name (`google_id_token`, `firebase`, `service_account`,
    /// `ibm_iam`, `iap`, `oidc`).
    pub fn preset(&self) -> &'static str {
        self.rules.preset
    }

    /// What the tokens must satisfy besides the signature.
    pub fn validation(&self) -> &Validation {
        &self.rules.validation
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The conversation that verifies `token`: done with its claims, or an
    /// error (`key_not_found`, `signature_invalid`, `token_expired`, …, or the
    /// key endpoint's error once the last good keys are past their bound).
    pub fn verify(&self, token: &str) -> VerifyFlow<VerifiedClaims> {
        VerifyFlow::new(self, token, |token, keys, validation, now| {
            Ok(verify(token, keys, validation, now)?.into_verified_claims())
        })
    }

    /// The same conversation for hosts that check signatures themselves
    /// (WebCrypto): done with the token's selected key, signing input and
    /// signature; [`PreparedToken::finish`] takes the host's verdict and checks
    /// the claims with every rule of the preset.
    pub fn prepare(&self, token: &str) -> VerifyFlow<Box<PreparedToken>> {
        VerifyFlow::new(self, token, |token, keys, validation, _| {
            PreparedToken::new(token, keys, validation).map(Box::new)
        })
    }

    /// The error of the last failed key (or discovery) fetch, while the keys
    /// have not been refreshed since: verification may still be using older
    /// keys within their stale-if-error bound.
    pub fn last_failure(&self) -> Option<Error> {
        let shared = self.lock();
        match &shared.keys {
            Some(keys) => keys.last_failure().cloned(),
            None => shared
                .discovery_failure
                .as_ref()
                .map(|(err, _)| err.clone()),
        }
    }

    /// The keys as a snapshot for short-lived hosts (Workers KV, a file); see
    /// [`RemoteKeySet::snapshot`]. `None` until keys were fetched.
    pub fn snapshot(&self) -> Option<String> {
        self.lock().keys.as_ref()?.snapshot()
    }

    /// Restores a snapshot, validated like a fresh fetch (see
    /// [`RemoteKeySet::restore`]). A discovering verifier needs its discovery
    /// first: until then a snapshot is refused.
    pub fn restore(&self, snapshot: &str) -> Result<()> {
        match self.lock().keys.as_mut() {
            Some(keys) => keys.restore(snapshot),
            None => Err(Error::invalid_argument(
                "key set snapshot: the issuer's discovery has not been read yet",
            )),
        }
    }
}

/// What one verification is doing.
enum Phase<T> {
    /// Ask the shared state what to do.
    Decide,
    /// A fetch this verification was chosen for; `then` is what follows it.
    Fetching {
        fetch: Box<RequestFlow<(HttpResponse, UnixTime)>>,
        target: Target,
        then: Then<T>,
    },
    /// Over.
    Finished,
}

#[derive(Clone, Copy)]
enum Target {
    Discovery,
    Keys,
}

enum Then<T> {
    /// Decide again with the new keys.
    Decide,
    /// The token was already verified with the old keys: this is its result.
    Finish(Result<T>),
}

/// How long a verification waits for another one's fetch before looking again.
const WAIT_SECS: u64 = 1;

/// What a verification does with the keys once it has them.
type Finisher<T> = fn(&str, &KeySet, &Validation, UnixTime) -> Result<T>;

/// One verification (see [`TokenVerifier::verify`] and [`TokenVerifier::prepare`]);
/// its output is the verified claims, or the prepared token.
pub struct VerifyFlow<T> {
    verifier: TokenVerifier,
    token: String,
    phase: Phase<T>,
    finish: Finisher<T>,
    /// Key fetches this verification started: at most one, so a verification
    /// ends even when every fetch fails after the cooldown has passed (found
    /// by the `responses` fuzz target: a host whose fetches outlast the
    /// cooldown looped forever).
    key_fetches: u8,
}

/// What deciding led to.
enum Next<T> {
    /// A fetch was started (the phase says which): poll it.
    Fetch,
    /// Another verification is fetching: poll again at this time.
    Wait(UnixTime),
    /// Finished with the keys held.
    Finished(T),
}

impl<T> VerifyFlow<T> {
    fn new(verifier: &TokenVerifier, token: &str, finish: Finisher<T>) -> Self {
        VerifyFlow {
            verifier: verifier.clone(),
            token: token.to_owned(),
            phase: Phase::Decide,
            finish,
            key_fetches: 0,
        }
    }

    fn check(&self, keys: &KeySet, now: UnixTime) -> Result<T> {
        (self.finish)(&self.token, keys, &self.verifier.rules.validation, now)
    }

    fn decide(&mut self, now: UnixTime) -> Result<Next<T>> {
        let validation = &self.verifier.rules.validation;
        let header = jws::peek_header(&self.token, validation.max_token_bytes())?;
        validation.allowed_algorithm(&header)?;
        let kid = header.kid().map(str::to_owned);
        let verifier = self.verifier.clone();
        let mut shared = verifier.lock();
        let Some(keys) = shared.keys.as_mut() else {
            return self.discover(&mut shared, now);
        };
        let (fetch, then) = match keys.decide(now, kid.as_deref()) {
            KeyDecision::Use => {
                let keys = keys.shared_keys().ok_or_else(no_keys)?;
                drop(shared);
                return self.check(&keys, now).map(Next::Finished);
            }
            KeyDecision::UseAndRefresh => {
                let current = keys.shared_keys().ok_or_else(no_keys)?;
                let fetch = keys.fetch_flow();
                drop(shared);
                (fetch, Then::Finish(self.check(&current, now)))
            }
            KeyDecision::FetchFirst if self.key_fetches > 0 => {
                return Err(keys.last_failure().cloned().unwrap_or_else(no_keys));
            }
            KeyDecision::FetchFirst => (keys.fetch_flow(), Then::Decide),
            KeyDecision::Wait => return Ok(Next::Wait(now.saturating_add(WAIT_SECS))),
            KeyDecision::Fail(err) => return Err(err),
        };
        self.key_fetches = self.key_fetches.saturating_add(1);
        self.phase = Phase::Fetching {
            fetch: Box::new(fetch),
            target: Target::Keys,
            then,
        };
        Ok(Next::Fetch)
    }

    /// Discovery first, for a verifier that has no key URL yet.
    fn discover(&mut self, shared: &mut Shared, now: UnixTime) -> Result<Next<T>> {
        let KeySource::Discovery(discovery) = &shared.source else {
            return Err(no_keys());
        };
        let limit = (shared.policy.timeout_millis * 6).div_ceil(1000).max(1);
        if shared
            .discovering_since
            .is_some_and(|since| now < since.saturating_add(limit))
        {
            return Ok(Next::Wait(now.saturating_add(WAIT_SECS)));
        }
        if let Some((err, at)) = &shared.discovery_failure
            && now < at.saturating_add(shared.policy.cooldown_secs)
        {
            return Err(err.clone());
        }
        shared.discovering_since = Some(now);
        self.phase = Phase::Fetching {
            fetch: Box::new(discovery.fetch_flow()),
            target: Target::Discovery,
            then: Then::Decide,
        };
        Ok(Next::Fetch)
    }

    /// Records a fetch's outcome in the shared state.
    fn complete(&self, target: Target, outcome: Result<(HttpResponse, UnixTime)>, now: UnixTime) {
        let mut shared = self.verifier.lock();
        match target {
            Target::Keys => {
                if let Some(keys) = shared.keys.as_mut() {
                    // A failure is remembered by the key set; `decide` reports it.
                    let _ = keys.complete(outcome);
                }
            }
            Target::Discovery => {
                shared.discovering_since = None;
                let KeySource::Discovery(discovery) = &shared.source else {
                    return;
                };
                match outcome.and_then(|(response, _)| discovery.jwks_uri(&response)) {
                    Ok(url) => {
                        shared.keys = Some(RemoteKeySet::with_policy(url, shared.policy));
                        shared.discovery_failure = None;
                    }
                    Err(err) => shared.discovery_failure = Some((err, now)),
                }
            }
        }
    }
}

fn no_keys() -> Error {
    Error::invalid_argument("the verifier has no keys to verify with")
}

impl<T> Flow for VerifyFlow<T> {
    type Output = T;

    fn poll(&mut self, now: UnixTime) -> Result<Step<T>> {
        loop {
            match &mut self.phase {
                Phase::Finished => {
                    return Err(Error::invalid_argument("this verification is over"));
                }
                Phase::Decide => match self.decide(now) {
                    Ok(Next::Fetch) => continue,
                    Ok(Next::Wait(until)) => return Ok(Step::Wait(until)),
                    Ok(Next::Finished(done)) => {
                        self.phase = Phase::Finished;
                        return Ok(Step::Done(done));
                    }
                    Err(err) => {
                        self.phase = Phase::Finished;
                        return Err(err);
                    }
                },
                Phase::Fetching { fetch, .. } => {
                    let outcome = match fetch.poll(now) {
                        Ok(step) => match pending(step) {
                            Ok(step) => return Ok(step),
                            Err(answer) => Ok(answer),
                        },
                        Err(err) => Err(err),
                    };
                    let Phase::Fetching { target, then, .. } =
                        std::mem::replace(&mut self.phase, Phase::Decide)
                    else {
                        continue;
                    };
                    self.complete(target, outcome, now);
                    if let Then::Finish(result) = then {
                        self.phase = Phase::Finished;
                        return result.map(Step::Done);
                    }
                }
            }
        }
    }

    fn feed_response(&mut self, response: HttpResponse) -> Result<()> {
        match &mut self.phase {
            Phase::Fetching { fetch, .. } => fetch.feed_response(response),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }

    fn feed_transport_error(&mut self, reason: &str) -> Result<()> {
        match &mut self.phase {
            Phase::Fetching { fetch, .. } => fetch.feed_transport_error(reason),
            _ => Err(Error::invalid_argument(
                "no request is waiting for a response",
            )),
        }
    }
}
