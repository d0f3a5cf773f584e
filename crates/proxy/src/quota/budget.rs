//! The engine's daily time budget: every engine call is charged with its
//! duration, and new work is refused with 429 once a UTC day's budget is
//! spent. The running total is kept in the records, so a restart does not
//! reset it.
//!
//! A plain sum per day, not a rate limiter: the cost of a job is only
//! known after it ran, and what the operator pays for is the total.

use std::{
    sync::{Mutex, PoisonError},
    time::Duration,
};

use trellis_api::BackendKind;

use super::Refusal;
use crate::{
    clock::{DAY_MS, now_ms},
    store::{StoreError, Usage},
};

/// The budget of one engine.
#[derive(Debug)]
pub struct EngineBudget {
    seconds_per_day: Option<f64>,
    backend: BackendKind,
    usage: Usage,
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
        usage: Usage,
    ) -> Result<Self, StoreError> {
        let day = today();
        let spent = usage.seconds(day, backend).await?;
        Ok(Self {
            seconds_per_day,
            backend,
            usage,
            spent: Mutex::new((day, spent)),
        })
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
        if let Err(err) = self.usage.add(day, self.backend, seconds).await {
            tracing::warn!(error = %err, "could not record the engine time spent");
        }
    }
}
