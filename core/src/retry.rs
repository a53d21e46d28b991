//! Retry decisions: which failures to retry, and how long to wait first.
//!
//! Exponential backoff with jitter, capped, honouring `Retry-After`. The host
//! only sleeps until the time a flow's `Wait` step names.

use crate::datetime::parse_http_date;
use crate::http::HttpResponse;
use crate::time::UnixTime;

/// How often and how patiently a flow retries a retryable failure
/// (HTTP 429, 408, 5xx, transport errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first one included (1 disables retries).
    pub max_attempts: u32,
    /// Delay before the first retry, in seconds; doubled for each further retry.
    pub initial_delay_secs: u64,
    /// Upper bound of the computed delay, in seconds.
    pub max_delay_secs: u64,
    /// A `Retry-After` longer than this gives up instead of waiting.
    pub max_retry_after_secs: u64,
}

impl Default for RetryPolicy {
    /// 3 attempts, 1 s then 2 s (each minus up to half as jitter), at most 32 s,
    /// `Retry-After` honoured up to 60 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_delay_secs: 1,
            max_delay_secs: 32,
            max_retry_after_secs: 60,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        initial_delay_secs: 0,
        max_delay_secs: 0,
        max_retry_after_secs: 0,
    };

    /// Seconds to wait before attempt `attempt + 1` after `attempt` attempts failed,
    /// or `None` to give up. `retry_after` is the server's request, if any.
    pub fn delay_after(
        &self,
        attempt: u32,
        retry_after: Option<u64>,
        jitter: &mut Jitter,
    ) -> Option<u64> {
        if attempt >= self.max_attempts {
            return None;
        }
        if retry_after.is_some_and(|secs| secs > self.max_retry_after_secs) {
            return None;
        }
        let exponent = attempt.saturating_sub(1).min(32);
        let base = self
            .initial_delay_secs
            .saturating_mul(1u64 << exponent)
            .min(self.max_delay_secs);
        let jittered = base - jitter.below(base / 2 + 1);
        Some(jittered.max(retry_after.unwrap_or(0)))
    }
}

/// A small deterministic generator for backoff jitter (SplitMix64). Seeded from
/// system randomness by default so a fleet does not retry in lockstep; tests
/// seed it to make schedules reproducible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator with a fixed seed.
    pub fn from_seed(seed: u64) -> Self {
        Jitter(seed)
    }

    /// A generator seeded from system randomness (a fixed seed if there is none:
    /// jitter is not a security property).
    pub fn from_entropy() -> Self {
        let mut seed = [0u8; 8];
        let _ = getrandom::fill(&mut seed);
        Jitter(u64::from_le_bytes(seed))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (0 when `bound` is 0).
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next() % bound }
    }
}

/// The delay a response's `Retry-After` asks for: delta seconds, or an HTTP date
/// relative to `now`.
pub(crate) fn retry_after_secs_at(response: &HttpResponse, now: UnixTime) -> Option<u64> {
    let value = response.header_value("retry-after")?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let at = parse_http_date(value)?;
    Some(u64::try_from(at.as_secs().saturating_sub(now.as_secs())).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_with_jitter_and_cap() {
        let policy = RetryPolicy {
            max_attempts: 8,
            initial_delay_secs: 1,
            max_delay_secs: 10,
            max_retry_after_secs: 60,
        };
        let mut jitter = Jitter::from_seed(7);
        for attempt in 1..8 {
            let base = (1u64 << (attempt - 1)).min(10);
            let delay = policy.delay_after(attempt, None, &mut jitter).unwrap();
            assert!(
                (base - base / 2..=base).contains(&delay),
                "attempt {attempt}: {delay}"
            );
        }
        assert_eq!(policy.delay_after(8, None, &mut jitter), None);
    }

    #[test]
    fn retry_after_is_honoured_or_gives_up() {
        let policy = RetryPolicy::default();
        let mut jitter = Jitter::from_seed(1);
        assert_eq!(policy.delay_after(1, Some(20), &mut jitter), Some(20));
        assert_eq!(policy.delay_after(1, Some(61), &mut jitter), None);
        assert_eq!(RetryPolicy::NONE.delay_after(1, None, &mut jitter), None);
    }

    #[test]
    fn jitter_is_reproducible() {
        let (mut a, mut b) = (Jitter::from_seed(42), Jitter::from_seed(42));
        let xs: Vec<u64> = (0..5).map(|_| a.below(1000)).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().any(|&x| x != xs[0]));
    }

    #[test]
    fn retry_after_forms() {
        let now = UnixTime::from_secs(784_111_770);
        let with = |value: &str| {
            HttpResponse::new(503, vec![("Retry-After".into(), value.into())], vec![])
        };
        assert_eq!(retry_after_secs_at(&with("12"), now), Some(12));
        assert_eq!(
            retry_after_secs_at(&with("Sun, 06 Nov 1994 08:49:37 GMT"), now),
            Some(7)
        );
        assert_eq!(
            retry_after_secs_at(&with("Sun, 06 Nov 1994 08:49:00 GMT"), now),
            Some(0)
        );
        assert_eq!(retry_after_secs_at(&with("soon"), now), None);
    }
}
