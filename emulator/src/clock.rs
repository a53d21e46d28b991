//! The system clock, the one place the emulator reads time.

use credmint::UnixTime;
use std::time::{SystemTime, UNIX_EPOCH};

/// Now, in whole Unix seconds (1970 if the clock is before it).
pub fn now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    UnixTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
}
