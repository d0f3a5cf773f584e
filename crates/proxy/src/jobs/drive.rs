//! Running one engine call for a job: with a time limit, abandoned the
//! moment the job is cancelled (dropping the call drops its upstream
//! request), and with the job's estimate refreshed while it runs. Also
//! tracks whether the engine has had time to fall asleep.

use std::{
    future::Future,
    ops::Range,
    pin::pin,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use trellis_api::Generation;

use super::{Jobs, Record, lifecycle, plan::Plan};
use crate::backend::BackendError;

/// How often a running job's estimate is refreshed for its watchers: the
/// progress bar moves smoothly at two updates a second.
const TICK: Duration = Duration::from_millis(500);

/// The time limit of a call, and what it is doing, for the message.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limit {
    pub step: &'static str,
    pub after: Duration,
}

/// The phases of a plan one call covers, for the estimate.
pub(super) struct Covering<'a> {
    pub plan: &'a Plan,
    pub phases: Range<usize>,
}

/// Whether the engine is awake: it falls asleep after `window` without a
/// call, as Modal's GPU containers do.
pub(super) struct Warmth {
    window: Option<Duration>,
    /// Calls running, and when the last one ended.
    calls: Mutex<(usize, Option<Instant>)>,
}

/// Marks a call as running until dropped.
pub(super) struct Busy<'a>(&'a Warmth);

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

    fn busy(&self) -> Busy<'_> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).0 += 1;
        Busy(self)
    }
}

impl Jobs {
    /// Runs `call` for the job. `Ok(None)`: the job stopped being `wanted`
    /// (it was cancelled) and the call was abandoned. However it ends, the
    /// time it took is charged to the engine's daily budget.
    pub(super) async fn drive<T>(
        &self,
        record: &Record,
        wanted: impl Fn(&Generation) -> bool,
        limit: Limit,
        covering: Option<Covering<'_>>,
        call: impl Future<Output = Result<T, BackendError>>,
    ) -> Result<Option<T>, BackendError> {
        let _busy = self.warmth.busy();
        let started = Instant::now();
        let mut call = pin!(tokio::time::timeout(limit.after, call));
        let mut changes = record.tx.subscribe();
        let mut tick = tokio::time::interval(TICK);
        let outcome = loop {
            tokio::select! {
                result = &mut call => {
                    break match result {
                        Ok(result) => result.map(Some),
                        Err(_) => Err(BackendError::TimedOut { step: limit.step, limit: limit.after }),
                    };
                }
                _ = changes.wait_for(|g| !wanted(g)) => {
                    tracing::info!(id = %record.id, "job cancelled; abandoning its engine call");
                    break Ok(None);
                }
                _ = tick.tick() => {
                    if let Some(covering) = &covering {
                        let estimate = covering.plan.estimate(covering.phases.clone(), started.elapsed());
                        // Not saved: a restart fails running jobs anyway.
                        record.tx.send_if_modified(|g| lifecycle::estimate(g, &estimate));
                    }
                }
            }
        };
        self.budget.spend(started.elapsed()).await;
        outcome
    }
}
