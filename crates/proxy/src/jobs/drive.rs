//! Running one engine call for a job: with a time limit, abandoned the
//! moment the job is cancelled (dropping the call drops its upstream
//! request), and with the job's estimate refreshed while it runs, and with
//! its server marked busy meanwhile (see [`crate::pool::Warmth`]).

use std::{
    future::Future,
    ops::Range,
    pin::pin,
    time::{Duration, Instant},
};

use trellis_api::Generation;

use super::{Jobs, Record, lifecycle, plan::Plan};
use crate::{backend::BackendError, pool::Server, repo::Progress};

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

impl Jobs {
    /// Runs `call` for the job. `Ok(None)`: the job stopped being `wanted`
    /// (it was cancelled) and the call was abandoned. However it ends, the
    /// time it took is charged to the engine's daily budget.
    pub(super) async fn drive<T>(
        &self,
        server: &Server,
        record: &Record,
        wanted: impl Fn(&Generation) -> bool,
        limit: Limit,
        covering: Option<Covering<'_>>,
        call: impl Future<Output = Result<T, BackendError>>,
    ) -> Result<Option<T>, BackendError> {
        let _busy = server.warmth.busy();
        let started = Instant::now();
        let mut call = pin!(tokio::time::timeout(limit.after, call));
        let mut changes = record.tx.subscribe();
        let mut tick = tokio::time::interval(TICK);
        // An estimate to tell other proxies, sent outside the select so
        // that no borrow of the job's state is held across the send.
        let mut shared: Option<Progress> = None;
        let outcome = loop {
            if let Some(progress) = shared.take() {
                self.repo.publish_progress(&record.id, progress).await;
            }
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
                        // Those following the job through the records (it
                        // was waiting when they came, or another proxy
                        // runs it) are told.
                        if record.tx.send_if_modified(|g| lifecycle::estimate(g, &estimate)) {
                            let progress = Progress {
                                phase: estimate.phase,
                                progress: estimate.progress,
                                eta_seconds: estimate.eta_seconds,
                            };
                            shared = Some(progress);
                        }
                    }
                }
            }
        };
        self.budget.spend(started.elapsed()).await;
        outcome
    }
}
