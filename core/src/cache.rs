//! Token caching with single-flight refresh.
//!
//! [`TokenCache::get`] answers every caller at time `now`: use the cached token;
//! use it and refresh in the background (this caller was chosen to refresh);
//! refresh before anything can be used (chosen); or wait, because another
//! caller's refresh is in flight and nothing valid is left. An expired token is
//! never handed out. Hosts guard the cache with their own lock; the decisions
//! are all here.

use crate::error::Result;
use crate::flow::Flow;
use crate::lifetime::RefreshPolicy;
use crate::retry::Jitter;
use crate::time::UnixTime;
use crate::token::Expiring;

/// Most seconds a token's refresh is moved earlier, so that a fleet started
/// together does not refresh in lockstep.
pub const DEFAULT_MAX_JITTER_SECS: u64 = 15;

/// After this many seconds an unfinished refresh is presumed abandoned and
/// another caller may start one.
pub const DEFAULT_REFRESH_TIMEOUT_SECS: u64 = 120;

/// What a caller should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    /// Use this token.
    Fresh(T),
    /// Use this token, and refresh now: this caller was chosen; report with
    /// [`TokenCache::complete`] or [`TokenCache::fail`].
    RefreshInBackground(T),
    /// No usable token: refresh now (this caller was chosen), then report.
    MustRefresh,
    /// No usable token and another caller is refreshing: note
    /// [`TokenCache::refresh_generation`], wait for it, then ask again with
    /// [`TokenCache::get_after_wait`].
    WaitForRefresh,
    /// The refresh this caller waited for failed and nothing valid is left:
    /// give the caller that refresh's error (the host kept it) rather than
    /// starting another, so no waiter waits longer than one refresh.
    RefreshFailed,
}

/// One cached token per credential and scope/audience.
#[derive(Clone, Debug)]
pub struct TokenCache<T> {
    token: Option<T>,
    policy: RefreshPolicy,
    max_jitter_secs: u64,
    jitter_secs: u64,
    jitter: Jitter,
    refresh_timeout_secs: u64,
    refreshing_since: Option<UnixTime>,
    refreshes_started: u64,
    failed_refresh: Option<u64>,
    refresh_at_override: Option<UnixTime>,
}

impl<T: Expiring + Clone> TokenCache<T> {
    /// An empty cache with `policy`, up to 15 s of refresh jitter from system randomness.
    pub fn new(policy: RefreshPolicy) -> Self {
        Self::with_jitter(policy, DEFAULT_MAX_JITTER_SECS, Jitter::from_entropy())
    }

    /// An empty cache with explicit jitter (seed it for reproducible tests).
    pub fn with_jitter(policy: RefreshPolicy, max_jitter_secs: u64, jitter: Jitter) -> Self {
        TokenCache {
            token: None,
            policy,
            max_jitter_secs,
            jitter_secs: 0,
            jitter,
            refresh_timeout_secs: DEFAULT_REFRESH_TIMEOUT_SECS,
            refreshing_since: None,
            refreshes_started: 0,
            failed_refresh: None,
            refresh_at_override: None,
        }
    }

    /// The token held, if any (possibly expired: use [`TokenCache::get`]).
    pub fn token(&self) -> Option<&T> {
        self.token.as_ref()
    }

    /// When the held token's refresh falls due (jitter included), for hosts that
    /// refresh proactively on a timer.
    pub fn refresh_at(&self) -> Option<UnixTime> {
        self.token.as_ref().map(|token| {
            let lifetime = token.lifetime();
            if let Some(at) = self.refresh_at_override {
                return at.clamp(lifetime.obtained_at(), lifetime.expires_at());
            }
            lifetime
                .refresh_at(self.policy)
                .saturating_sub(self.jitter_secs)
                .max(lifetime.obtained_at())
        })
    }

    /// What a caller should do at `now`.
    pub fn get(&mut self, now: UnixTime) -> Lookup<T> {
        let valid = self
            .token
            .as_ref()
            .filter(|token| !token.lifetime().is_expired(now, self.policy))
            .cloned();
        let due = self.refresh_at().is_none_or(|at| now >= at);
        let in_flight = self
            .refreshing_since
            .is_some_and(|since| now < since.saturating_add(self.refresh_timeout_secs));
        match (valid, due, in_flight) {
            (Some(token), false, _) | (Some(token), true, true) => Lookup::Fresh(token),
            (Some(token), true, false) => {
                self.start_refresh(now);
                Lookup::RefreshInBackground(token)
            }
            (None, _, false) => {
                self.start_refresh(now);
                Lookup::MustRefresh
            }
            (None, _, true) => Lookup::WaitForRefresh,
        }
    }

    fn start_refresh(&mut self, now: UnixTime) {
        self.refreshing_since = Some(now);
        self.refreshes_started += 1;
    }

    /// How many refreshes have started: a caller told to wait notes it, and
    /// asks again with [`TokenCache::get_after_wait`].
    pub fn refresh_generation(&self) -> u64 {
        self.refreshes_started
    }

    /// What a caller that waited for refresh number `generation` should do at
    /// `now`: [`Lookup::RefreshFailed`] if that refresh failed and nothing valid
    /// is left, otherwise what [`TokenCache::get`] says.
    pub fn get_after_wait(&mut self, now: UnixTime, generation: u64) -> Lookup<T> {
        let valid = self
            .token
            .as_ref()
            .is_some_and(|token| !token.lifetime().is_expired(now, self.policy));
        if !valid && self.failed_refresh == Some(generation) {
            return Lookup::RefreshFailed;
        }
        self.get(now)
    }

    /// A refresh succeeded: keep `token` and pick the jitter of its refresh time.
    pub fn complete(&mut self, token: T) {
        self.token = Some(token);
        self.refreshing_since = None;
        self.failed_refresh = None;
        self.refresh_at_override = None;
        self.jitter_secs = self.jitter.below(self.max_jitter_secs + 1);
    }

    /// A refresh through a shared store ended with `token`, to be refreshed
    /// at `refresh_at` (the time its writer chose, or a soon re-check while
    /// another process refreshes): no jitter of this cache's own.
    pub fn complete_until(&mut self, token: T, refresh_at: UnixTime) {
        self.complete(token);
        self.refresh_at_override = Some(refresh_at);
    }

    /// A refresh failed: another caller may try (the old token stays while valid).
    pub fn fail(&mut self) {
        self.refreshing_since = None;
        self.failed_refresh = Some(self.refreshes_started);
    }

    /// Drops the token (after the API answered 401 with it).
    pub fn invalidate(&mut self) {
        self.token = None;
    }
}

/// What [`CachedCredential::get`] tells a caller to do, with the flow to drive.
pub enum Answer<T, F> {
    /// Use this token.
    Fresh(T),
    /// Use this token and drive `flow` in the background; report its outcome.
    RefreshInBackground {
        /// The still-valid token.
        token: T,
        /// The refresh to drive.
        flow: F,
    },
    /// Drive `flow`, report its outcome, and use its token.
    MustRefresh(F),
    /// Another caller is refreshing: wait for it, then ask again.
    WaitForRefresh,
    /// The refresh this caller waited for failed: report that refresh's error.
    RefreshFailed,
}

/// A [`TokenCache`] together with the way to refresh it.
pub struct CachedCredential<F: Flow, S: Fn() -> Result<F>> {
    refresh: S,
    cache: TokenCache<F::Output>,
}

impl<F, S> CachedCredential<F, S>
where
    F: Flow,
    F::Output: Expiring + Clone,
    S: Fn() -> Result<F>,
{
    /// A credential whose tokens come from the flows `refresh` creates.
    pub fn new(cache: TokenCache<F::Output>, refresh: S) -> Self {
        CachedCredential { refresh, cache }
    }

    /// What to do at `now`; a refresh comes with its flow.
    pub fn get(&mut self, now: UnixTime) -> Result<Answer<F::Output, F>> {
        let lookup = self.cache.get(now);
        self.answer(lookup)
    }

    /// What a caller that waited for refresh `generation` (see
    /// [`TokenCache::refresh_generation`]) should do at `now`.
    pub fn get_after_wait(
        &mut self,
        now: UnixTime,
        generation: u64,
    ) -> Result<Answer<F::Output, F>> {
        let lookup = self.cache.get_after_wait(now, generation);
        self.answer(lookup)
    }

    fn answer(&mut self, lookup: Lookup<F::Output>) -> Result<Answer<F::Output, F>> {
        Ok(match lookup {
            Lookup::Fresh(token) => Answer::Fresh(token),
            Lookup::WaitForRefresh => Answer::WaitForRefresh,
            Lookup::RefreshFailed => Answer::RefreshFailed,
            Lookup::RefreshInBackground(token) => match (self.refresh)() {
                Ok(flow) => Answer::RefreshInBackground { token, flow },
                Err(err) => {
                    self.cache.fail();
                    return Err(err);
                }
            },
            Lookup::MustRefresh => match (self.refresh)() {
                Ok(flow) => Answer::MustRefresh(flow),
                Err(err) => {
                    self.cache.fail();
                    return Err(err);
                }
            },
        })
    }

    /// Reports the outcome of a refresh flow.
    pub fn report(&mut self, outcome: &Result<F::Output>) {
        match outcome {
            Ok(token) => self.cache.complete(token.clone()),
            Err(_) => self.cache.fail(),
        }
    }

    /// The cache itself.
    pub fn cache(&mut self) -> &mut TokenCache<F::Output> {
        &mut self.cache
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifetime::TokenLifetime;

    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Token(TokenLifetime);

    impl Expiring for Token {
        fn lifetime(&self) -> TokenLifetime {
            self.0
        }
    }

    fn token(obtained: i64, expires: i64) -> Token {
        Token(
            TokenLifetime::new(UnixTime::from_secs(obtained), UnixTime::from_secs(expires))
                .unwrap(),
        )
    }

    fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn single_flight_refresh_cycle() {
        let mut cache =
            TokenCache::<Token>::with_jitter(RefreshPolicy::GOOGLE, 0, Jitter::from_seed(1));
        assert_eq!(cache.get(at(0)), Lookup::MustRefresh);
        assert_eq!(
            cache.get(at(1)),
            Lookup::WaitForRefresh,
            "second caller waits"
        );
        cache.complete(token(0, 3600));
        assert_eq!(cache.get(at(3374)), Lookup::Fresh(token(0, 3600)));
        assert_eq!(
            cache.get(at(3375)),
            Lookup::RefreshInBackground(token(0, 3600))
        );
        assert_eq!(
            cache.get(at(3376)),
            Lookup::Fresh(token(0, 3600)),
            "refresh in flight: use the old token"
        );
        cache.fail();
        assert_eq!(
            cache.get(at(3377)),
            Lookup::RefreshInBackground(token(0, 3600)),
            "after a failure, retry"
        );
        assert_eq!(
            cache.get(at(3600)),
            Lookup::MustRefresh,
            "expired, and the refresh begun at 3377 is presumed abandoned"
        );
        assert_eq!(
            cache.get(at(3601)),
            Lookup::WaitForRefresh,
            "expired: never handed out"
        );
        cache.complete(token(3590, 7190));
        assert_eq!(cache.get(at(3600)), Lookup::Fresh(token(3590, 7190)));
    }

    #[test]
    fn waiters_share_a_failed_refresh() {
        let mut cache =
            TokenCache::<Token>::with_jitter(RefreshPolicy::GOOGLE, 0, Jitter::from_seed(1));
        assert_eq!(cache.get(at(0)), Lookup::MustRefresh);
        assert_eq!(cache.get(at(1)), Lookup::WaitForRefresh);
        let waited_for = cache.refresh_generation();
        cache.fail();
        assert_eq!(
            cache.get_after_wait(at(60), waited_for),
            Lookup::RefreshFailed,
            "the waiter gets the failure, not a refresh of its own"
        );
        assert_eq!(
            cache.get(at(61)),
            Lookup::MustRefresh,
            "a new caller tries again"
        );
        assert_eq!(cache.get(at(62)), Lookup::WaitForRefresh);
        let second = cache.refresh_generation();
        assert_eq!(
            cache.get_after_wait(at(62), second),
            Lookup::WaitForRefresh,
            "the second refresh has not failed: keep waiting"
        );
        cache.complete(token(62, 3662));
        assert_eq!(
            cache.get_after_wait(at(63), waited_for),
            Lookup::Fresh(token(62, 3662)),
            "once a token is there, every waiter uses it"
        );
        assert_eq!(
            cache.get_after_wait(at(63), second),
            Lookup::Fresh(token(62, 3662))
        );
    }

    #[test]
    fn abandoned_refresh_times_out() {
        let mut cache =
            TokenCache::<Token>::with_jitter(RefreshPolicy::GOOGLE, 0, Jitter::from_seed(1));
        assert_eq!(cache.get(at(0)), Lookup::MustRefresh);
        assert_eq!(cache.get(at(119)), Lookup::WaitForRefresh);
        assert_eq!(cache.get(at(120)), Lookup::MustRefresh);
    }

    #[test]
    fn ibm_policy_and_jitter() {
        let mut cache =
            TokenCache::<Token>::with_jitter(RefreshPolicy::IBM, 10, Jitter::from_seed(9));
        let _ = cache.get(at(0));
        cache.complete(token(0, 3600));
        let refresh_at = cache.refresh_at().unwrap().as_secs();
        assert!((2870..=2880).contains(&refresh_at), "{refresh_at}");
        assert_eq!(cache.get(at(refresh_at - 1)), Lookup::Fresh(token(0, 3600)));
        assert!(matches!(
            cache.get(at(refresh_at)),
            Lookup::RefreshInBackground(_)
        ));
        cache.fail();
        assert_eq!(
            cache.get(at(3590)),
            Lookup::MustRefresh,
            "IBM tokens count as expired 10 s early"
        );
        cache.invalidate();
        assert!(cache.token().is_none());
    }
}
