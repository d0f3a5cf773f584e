//! The engine's daily time budget: every engine call is charged with its
//! duration, and new work is refused with 429 once a UTC day's budget is
//! spent. The running total is kept by the job repository, so a restart
//! does not reset it and proxies sharing a database share one budget.
//!
//! A plain sum per day, not a rate limiter: the cost of a job is only
//! known after it ran, and what the operator pays for is the total.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use trellis_api::BackendKind;

use super::Refusal;
use crate::{
    clock::{DAY_MS, now_ms},
    repo::Repository,
    store::StoreError,
};

/// The budget of one engine.
pub struct EngineBudget {
    seconds_per_day: Option<f64>,
    backend: BackendKind,
    repo: Arc<dyn Repository>,
    /// The day (since the Unix epoch, UTC) and the seconds spent on it.
    spent: Mutex<(u64, f64)>,
}

fn today() -> u64 {
    now_ms() / DAY_MS
}

/// Time until the next UTC midnight, when the budget starts afresh.
fn until_tomorrow() -> Duration {
    Duration::from_millis(DAY_MS - now_ms() % DAY_MS)
}

impl EngineBudget {
    /// The budget of `backend`, with what it already spent today.
    pub async fn load(
        seconds_per_day: Option<f64>,
        backend: BackendKind,
        repo: Arc<dyn Repository>,
    ) -> Result<Self, StoreError> {
        let day = today();
        let spent = repo.usage(day, backend).await?;
        Ok(Self {
            seconds_per_day,
            backend,
            repo,
            spent: Mutex::new((day, spent)),
        })
    }

    /// Reads today's total again, with what other proxies sharing the
    /// database spent. Nothing to read when there is no budget, or when
    /// this proxy alone spends it (its own total is then always current).
    pub async fn refresh(&self) {
        if self.seconds_per_day.is_none() || self.repo.is_exclusive() {
            return;
        }
        let day = today();
        match self.repo.usage(day, self.backend).await {
            Ok(total) => self.set(day, total),
            Err(err) => tracing::warn!(error = %err, "could not read the engine time spent"),
        }
    }

    fn set(&self, day: u64, total: f64) {
        let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        // A total read for an earlier day never replaces today's.
        if spent.0 <= day {
            *spent = (day, total.max(if spent.0 == day { spent.1 } else { 0.0 }));
        }
    }

    /// Engine seconds spent today.
    pub fn spent_today(&self) -> f64 {
        let spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
        if spent.0 == today() { spent.1 } else { 0.0 }
    }

    /// 429 once today's budget is spent.
    pub fn check(&self) -> Result<(), Refusal> {
        match self.seconds_per_day {
            Some(budget) if self.spent_today() >= budget => Err(Refusal::GpuBudget {
                retry_after: until_tomorrow(),
            }),
            _ => Ok(()),
        }
    }

    /// Charges an engine call that took `took`.
    pub async fn spend(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let day = today();
        {
            let mut spent = self.spent.lock().unwrap_or_else(PoisonError::into_inner);
            if spent.0 != day {
                *spent = (day, 0.0);
            }
            spent.1 += seconds;
        }
        match self.repo.add_usage(day, self.backend, seconds).await {
            Ok(total) => self.set(day, total),
            Err(err) => tracing::warn!(error = %err, "could not record the engine time spent"),
        }
    }
}
