//! Time as data: the caller passes `now`; credmint never reads a clock.

use std::fmt;

/// A point in time in whole seconds since the Unix epoch (UTC).
///
/// Every time-dependent function takes one of these; hosts read their own clock
/// once and pass it in, which makes every result reproducible in tests.
///
/// ```
/// use credmint::UnixTime;
/// let now = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(now.saturating_add(60).as_secs(), 1_700_000_060);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

impl UnixTime {
    /// The time `secs` seconds after the epoch.
    pub const fn from_secs(secs: i64) -> Self {
        UnixTime(secs)
    }

    /// Seconds since the epoch.
    pub const fn as_secs(self) -> i64 {
        self.0
    }

    /// `self + secs`, saturating at the end of time instead of overflowing.
    pub const fn saturating_add(self, secs: u64) -> Self {
        let secs = if secs > i64::MAX as u64 {
            i64::MAX
        } else {
            secs as i64
        };
        UnixTime(self.0.saturating_add(secs))
    }

    /// `self - secs`, saturating at the start of time instead of overflowing.
    pub const fn saturating_sub(self, secs: u64) -> Self {
        let secs = if secs > i64::MAX as u64 {
            i64::MAX
        } else {
            secs as i64
        };
        UnixTime(self.0.saturating_sub(secs))
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            UnixTime::from_secs(i64::MAX).saturating_add(10),
            UnixTime::from_secs(i64::MAX)
        );
        assert_eq!(
            UnixTime::from_secs(i64::MIN).saturating_sub(u64::MAX),
            UnixTime::from_secs(i64::MIN)
        );
        assert_eq!(
            UnixTime::from_secs(0).saturating_add(u64::MAX),
            UnixTime::from_secs(i64::MAX)
        );
        assert_eq!(UnixTime::from_secs(5).saturating_sub(7).as_secs(), -2);
    }
}
