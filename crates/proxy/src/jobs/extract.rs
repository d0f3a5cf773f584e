//! Asking for another model of a finished generation.

use trellis_api::{ExtractParams, Generation, JobStatus};

use super::{
    Jobs, lifecycle,
    queue::{Task, TaskKind},
};
use crate::{error::AppError, id::GenerationId};

/// The answer to a request for a model.
#[derive(Debug)]
pub enum ExtractOutcome {
    /// The model was already extracted.
    Ready(Generation),
    /// The model is queued or being extracted.
    Pending(Generation),
}

/// What a request for a model leads to.
enum Decision {
    Ready,
    Underway,
    Queue,
    Refuse(AppError),
}

fn decide(generation: &Generation, variant: &str) -> Decision {
    match generation.status {
        JobStatus::Queued | JobStatus::Running => Decision::Refuse(AppError::NotFinished),
        JobStatus::Failed => Decision::Refuse(AppError::GenerationFailed),
        JobStatus::Cancelled => Decision::Refuse(AppError::GenerationCancelled),
        JobStatus::Succeeded => {
            let model = generation.models.iter().find(|m| m.variant == variant);
            match model.map(|m| m.status) {
                Some(JobStatus::Succeeded) => Decision::Ready,
                Some(JobStatus::Queued | JobStatus::Running) => Decision::Underway,
                // Never asked for, or failed or cancelled before: (re)queue.
                Some(JobStatus::Failed | JobStatus::Cancelled) | None => Decision::Queue,
            }
        }
    }
}

impl Jobs {
    /// Asks for a model of a finished generation, queueing its extraction
    /// unless it is already done or underway.
    pub async fn request_extract(
        &self,
        id: &GenerationId,
        params: ExtractParams,
    ) -> Result<ExtractOutcome, AppError> {
        let record = self.record(id)?;
        let variant = params.variant_name();
        let can_extract = self.backend.capabilities().can_extract;
        let slot = self.queue.reserve();
        let mut decision = Decision::Underway;
        record.tx.send_if_modified(|generation| {
            decision = match decide(generation, &variant) {
                Decision::Queue if !can_extract => Decision::Refuse(AppError::ExtractUnsupported),
                Decision::Queue if slot.is_none() => Decision::Refuse(AppError::QueueFull),
                decision => decision,
            };
            let queue = matches!(decision, Decision::Queue);
            if queue {
                lifecycle::request_model(generation, params);
            }
            queue
        });
        let generation = record.tx.borrow().clone();
        match (decision, slot) {
            (Decision::Refuse(err), _) => Err(err),
            (Decision::Ready, _) => Ok(ExtractOutcome::Ready(generation)),
            (Decision::Underway, _) => Ok(ExtractOutcome::Pending(generation)),
            (Decision::Queue, Some(slot)) => {
                self.save(&record).await;
                let kind = TaskKind::Extract { variant };
                let expected = self.extract_expected(params).await;
                slot.push(Task {
                    record,
                    kind,
                    expected,
                });
                Ok(ExtractOutcome::Pending(generation))
            }
            (Decision::Queue, None) => Err(AppError::QueueFull),
        }
    }
}
