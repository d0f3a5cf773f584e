//! What only a generation's creator may do: cancel it and remove it (and
//! ask for new models, in `extract`). The creator proves it with the owner
//! token from the 202 answer; the server has only its hash.

use std::sync::atomic::Ordering;

use trellis_api::{Generation, JobStatus};

use super::{GenerationError, Jobs, lifecycle, live::Found};
use crate::{id::GenerationId, store::Removal, tokens::TokenHash};

/// 401 without a token, 403 with one that is not this generation's, or
/// for a generation made before tokens existed, which has no creator to
/// prove.
pub(super) fn check_owner(
    owner: Option<&TokenHash>,
    token: Option<&str>,
) -> Result<(), GenerationError> {
    match (owner, token) {
        (_, None) => Err(GenerationError::OwnerTokenRequired),
        (Some(hash), Some(token)) if hash.matches(token) => Ok(()),
        _ => Err(GenerationError::NotCreator),
    }
}

impl Jobs {
    /// Cancels a generation, or its pending models once it has succeeded.
    /// Waiting work leaves the line at once; running work is discarded when
    /// the engine returns.
    pub async fn cancel(
        &self,
        id: &GenerationId,
        token: Option<&str>,
    ) -> Result<Generation, GenerationError> {
        let found = self.find(id).await?;
        check_owner(found.owner(), token)?;
        let (changed, generation) = match found {
            Found::Live(record) => {
                self.repo.dequeue(id).await?;
                let changed = self.change(&record, lifecycle::cancel).await;
                let generation = record.tx.borrow().clone();
                (changed, generation)
            }
            Found::Settled(stored) if stored.generation.is_settled() => (false, stored.generation),
            // Waiting in line, or running on another proxy.
            Found::Settled(_) => {
                self.repo.dequeue(id).await?;
                let cancelled = self
                    .repo
                    .update(
                        id,
                        Box::new(|stored: &mut crate::store::StoredGeneration| {
                            if lifecycle::cancel(&mut stored.generation) {
                                crate::repo::Effect::Changed
                            } else {
                                crate::repo::Effect::Unchanged
                            }
                        }),
                    )
                    .await?;
                match cancelled {
                    Some(stored) => (true, stored.generation),
                    None => (false, self.stored(id).await?.generation),
                }
            }
        };
        // Cancelling twice is not an error; cancelling a finished job is.
        if changed || generation.status == JobStatus::Cancelled {
            Ok(generation)
        } else {
            Err(GenerationError::AlreadyFinished)
        }
    }

    /// Removes a generation for its creator: stops its work (as
    /// [`Jobs::cancel`] does), forgets it (its link then answers 410) and
    /// deletes its files. Removing it again is fine.
    pub async fn remove(
        &self,
        id: &GenerationId,
        token: Option<&str>,
    ) -> Result<(), GenerationError> {
        let found = match self.find(id).await {
            Err(GenerationError::Deleted | GenerationError::Expired) => return Ok(()),
            found => found?,
        };
        check_owner(found.owner(), token)?;
        if let Found::Live(record) = &found {
            // Waiting work leaves the line; running work sees the
            // cancellation and is discarded when the engine returns.
            self.repo.dequeue(id).await?;
            self.change(record, lifecycle::cancel).await;
        }
        {
            let _membership = self.membership.lock().await;
            let live = self.lock_live().remove(id);
            for record in live.iter().chain(match &found {
                Found::Live(record) => Some(record),
                Found::Settled(_) => None,
            }) {
                // Under the save lock, so no save is midway when the
                // record goes, and none starts after (see `Jobs::save`).
                let _guard = record.save_lock.lock().await;
                record.removed.store(true, Ordering::SeqCst);
            }
            self.repo.remove(id, Removal::Deleted).await?;
        }
        self.files.remove(id).await?;
        tracing::info!(%id, "generation removed by its creator");
        Ok(())
    }

    /// Removes a settled generation whose time is up. `false` when it is
    /// live again (someone asked for a model meanwhile) and was kept.
    pub(super) async fn expire(&self, id: &GenerationId) -> Result<bool, GenerationError> {
        {
            let _membership = self.membership.lock().await;
            if self.lock_live().contains_key(id) {
                return Ok(false);
            }
            self.repo.remove(id, Removal::Expired).await?;
        }
        self.files.remove(id).await?;
        Ok(true)
    }
}
