//! The hourly limit on a client's generations, as a generic cell rate
//! (GCRA): a client may start `per_hour` at once, then one more each
//! hour / `per_hour`. Its whole state is one instant per client, the
//! theoretical arrival time (TAT), so it fits a row of a shared table as
//! well as a map in one process, and both repositories use this arithmetic.

use std::{num::NonZeroU32, time::Duration};

/// The limit's window.
const HOUR_MS: u64 = 3_600_000;

/// A client's TAT after one more generation at `now_ms` (when it had
/// `tat_ms`, or nothing yet), or how long it must wait before it may start
/// one.
pub fn take(tat_ms: Option<u64>, now_ms: u64, per_hour: NonZeroU32) -> Result<u64, Duration> {
    let interval = HOUR_MS / u64::from(per_hour.get());
    let next = tat_ms.unwrap_or(now_ms).max(now_ms) + interval;
    let ahead = next - now_ms;
    // `per_hour` may be ahead of now at once: the burst.
    let burst = interval * u64::from(per_hour.get());
    if ahead <= burst {
        Ok(next)
    } else {
        Err(Duration::from_millis(ahead - burst))
    }
}

/// Whether a client with this TAT has nothing left counted against it.
pub fn is_spent(tat_ms: u64, now_ms: u64) -> bool {
    tat_ms <= now_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_an_hour_start_at_once_then_one_each_half_hour() {
        let two = NonZeroU32::new(2).unwrap();
        let first = take(None, 0, two).unwrap();
        let second = take(Some(first), 0, two).unwrap();
        assert_eq!(take(Some(second), 0, two), Err(Duration::from_secs(1800)));
        // Half an hour on, one more.
        let later = 1_800_000;
        let third = take(Some(second), later, two).unwrap();
        assert_eq!(
            take(Some(third), later, two),
            Err(Duration::from_secs(1800))
        );
        assert!(!is_spent(third, later) && is_spent(third, later + HOUR_MS));
    }
}
