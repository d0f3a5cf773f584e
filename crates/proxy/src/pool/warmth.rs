//! Whether a server is awake: Modal's GPU containers fall asleep after a
//! while without a call, and the next job pays a cold start.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

/// Whether the engine is awake: it falls asleep after `window` without a
/// call. Known only from this proxy's own calls.
#[derive(Debug)]
pub struct Warmth {
    window: Option<Duration>,
    /// Calls running, and when the last one ended.
    calls: Mutex<(usize, Option<Instant>)>,
}

/// Marks a call as running until dropped.
pub struct Busy<'a>(&'a Warmth);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        let mut calls = self.0.calls.lock().unwrap_or_else(PoisonError::into_inner);
        calls.0 = calls.0.saturating_sub(1);
        calls.1 = Some(Instant::now());
    }
}

impl Warmth {
    pub fn new(window: Option<Duration>) -> Self {
        Self {
            window,
            calls: Mutex::new((0, None)),
        }
    }

    /// Whether the next call pays a cold start. After a restart nothing is
    /// known, so a sleeping engine is assumed.
    pub fn is_cold(&self) -> bool {
        let Some(window) = self.window else {
            return false;
        };
        let (running, last) = *self.calls.lock().unwrap_or_else(PoisonError::into_inner);
        running == 0 && last.is_none_or(|last| last.elapsed() > window)
    }

    /// Marks a call as running until the marker drops.
    pub fn busy(&self) -> Busy<'_> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).0 += 1;
        Busy(self)
    }
}
