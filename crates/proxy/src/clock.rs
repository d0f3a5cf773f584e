//! Wall-clock time as the records store it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds in a day.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// Unix time in milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, millis)
}

/// Milliseconds in a duration, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
