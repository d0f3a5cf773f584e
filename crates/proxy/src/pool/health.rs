//! Whether a GPU server takes work: up until a health check or a job's
//! connection to it fails, then drained and checked again after pauses
//! that double (1 s, 2 s, 4 s… up to a minute) until it answers.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// The first pause before a drained server is checked again.
const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest pause: a server that comes back is used again within this.
const MAX_RETRY: Duration = Duration::from_secs(60);

/// Where a server stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Taking work.
    Up,
    /// Drained: `why` it failed, and the failures in a row.
    Down { why: String, failures: u32 },
}

#[derive(Debug)]
struct State {
    standing: Standing,
    /// When the next health check is due.
    next_check: Instant,
}

/// The health of one server, as this proxy sees it.
#[derive(Debug)]
pub struct Health {
    state: Mutex<State>,
    interval: Duration,
}

impl Health {
    /// A server assumed up, first checked at once; healthy servers are
    /// checked every `interval`.
    pub fn new(interval: Duration) -> Self {
        Self {
            state: Mutex::new(State {
                standing: Standing::Up,
                next_check: Instant::now(),
            }),
            interval,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where it stands now.
    pub fn standing(&self) -> Standing {
        self.lock().standing.clone()
    }

    /// Whether it takes work.
    pub fn is_up(&self) -> bool {
        self.lock().standing == Standing::Up
    }

    /// Whether a health check is due at `now`.
    pub fn check_due(&self, now: Instant) -> bool {
        now >= self.lock().next_check
    }

    /// A check passed: up again, next check after the interval. Returns
    /// whether it was down.
    pub fn passed(&self, now: Instant) -> bool {
        let mut state = self.lock();
        let was_down = state.standing != Standing::Up;
        state.standing = Standing::Up;
        state.next_check = now + self.interval;
        was_down
    }

    /// A check or a connection failed: drained, checked again after the
    /// next pause. Returns whether it was up.
    pub fn failed(&self, now: Instant, why: String) -> bool {
        let mut state = self.lock();
        let failures = match &state.standing {
            Standing::Up => 1,
            Standing::Down { failures, .. } => failures.saturating_add(1),
        };
        let was_up = state.standing == Standing::Up;
        state.standing = Standing::Down { why, failures };
        state.next_check = now + retry_after(failures);
        was_up
    }
}

/// The pause after `failures` failures in a row.
fn retry_after(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    (FIRST_RETRY * 2u32.pow(doublings)).min(MAX_RETRY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_server_is_drained_retried_later_and_later_and_brought_back() {
        let health = Health::new(Duration::from_secs(15));
        let start = Instant::now();
        assert!(health.is_up() && health.check_due(start));
        assert!(health.failed(start, "refused".to_owned()));
        assert!(!health.is_up());
        assert!(!health.check_due(start));
        assert!(health.check_due(start + Duration::from_secs(1)));
        assert!(!health.failed(start, "refused".to_owned()));
        assert!(!health.check_due(start + Duration::from_secs(1)));
        assert!(health.check_due(start + Duration::from_secs(2)));
        assert_eq!(
            health.standing(),
            Standing::Down {
                why: "refused".to_owned(),
                failures: 2
            }
        );
        assert!(health.passed(start));
        assert!(health.is_up());
        assert!(!health.check_due(start + Duration::from_secs(14)));
    }

    #[test]
    fn pauses_double_up_to_a_minute() {
        let pauses: Vec<u64> = (1..=9).map(|n| retry_after(n).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
