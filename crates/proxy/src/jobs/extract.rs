//! Asking for another model of a finished generation: for its creator
//! only, within the extractions a generation may have.

use std::sync::atomic::Ordering;

use trellis_api::{ExtractParams, Generation, JobStatus};

use super::{GenerationError, Jobs, lifecycle, owner::check_owner};
use crate::{
    id::GenerationId,
    quota::{Refusal, Ticket},
    repo::{NewTask, TaskKind},
};

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
    /// To be queued, but the line has no room (or could not be read).
    NoRoom,
    Refuse(GenerationError),
}

fn decide(generation: &Generation, variant: &str) -> Decision {
    match generation.status {
        JobStatus::Queued | JobStatus::Running => Decision::Refuse(GenerationError::NotFinished),
        JobStatus::Failed => Decision::Refuse(GenerationError::Failed),
        JobStatus::Cancelled => Decision::Refuse(GenerationError::Cancelled),
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
    /// unless it is already done or underway. `admit` gives the client's
    /// place in line, and is asked only when something is to be queued.
    pub async fn request_extract(
        &self,
        id: &GenerationId,
        params: ExtractParams,
        token: Option<&str>,
        admit: impl FnOnce() -> Result<Ticket, Refusal>,
    ) -> Result<ExtractOutcome, GenerationError> {
        check_owner(self.find(id).await?.owner(), token)?;
        let variant = params.variant_name();
        let can_extract = self.pool.capabilities().can_extract;
        let membership = self.membership.lock().await;
        let record = self.revive(id).await?;
        let reservation = self.reserve().await;
        let extractions = record.extractions.load(Ordering::SeqCst);
        let mut decision = Decision::Underway;
        let mut ticket = None;
        let mut admit = Some(admit);
        record.tx.send_if_modified(|generation| {
            decision = match decide(generation, &variant) {
                Decision::Queue if !can_extract => {
                    Decision::Refuse(GenerationError::ExtractUnsupported)
                }
                Decision::Queue
                    if self
                        .extractions_per_generation
                        .is_some_and(|limit| extractions >= limit) =>
                {
                    Decision::Refuse(GenerationError::TooMany(Refusal::Extractions {
                        limit: self.extractions_per_generation.unwrap_or_default(),
                    }))
                }
                Decision::Queue if reservation.is_err() => Decision::NoRoom,
                Decision::Queue => match admit.take().map(|admit| admit()) {
                    Some(Ok(admitted)) => {
                        ticket = Some(admitted);
                        Decision::Queue
                    }
                    Some(Err(refusal)) => Decision::Refuse(refusal.into()),
                    None => Decision::Refuse(GenerationError::internal("admitted twice")),
                },
                decision => decision,
            };
            let queue = matches!(decision, Decision::Queue);
            if queue {
                lifecycle::request_model(generation, params);
                record.extractions.fetch_add(1, Ordering::SeqCst);
            }
            queue
        });
        let generation = record.tx.borrow().clone();
        let outcome = match decision {
            Decision::Refuse(err) => Err(err),
            Decision::NoRoom => Err(reservation.err().unwrap_or(GenerationError::QueueFull)),
            Decision::Ready => Ok(ExtractOutcome::Ready(generation)),
            Decision::Underway => Ok(ExtractOutcome::Pending(generation)),
            Decision::Queue => {
                self.save(&record).await;
                let task = NewTask {
                    id: id.clone(),
                    expected: self.extract_expected(params).await,
                    needs: record.deployment(),
                    kind: TaskKind::Extract { variant },
                };
                // Whichever worker claims it runs it; until then it is
                // followed through the records like any waiting generation
                // (`membership` is held).
                self.lock_live().remove(id);
                self.enqueue(task).await?;
                drop(reservation);
                if let Some(ticket) = ticket {
                    self.hold_until_settled(id.clone(), generation.clone(), ticket);
                }
                Ok(ExtractOutcome::Pending(generation))
            }
        };
        drop(membership);
        // Revived for nothing (ready, refused): back out of the live set.
        self.evict_if_settled(&record).await;
        outcome
    }
}
