//! Removing a generation for good, which only its creator may do.

use std::sync::{PoisonError, atomic::Ordering};

use super::{Jobs, lifecycle};
use crate::{error::AppError, id::GenerationId};

impl Jobs {
    /// Removes a generation if `token` is its delete token: stops its work
    /// (as [`Jobs::cancel`] does), forgets it, and deletes its folder.
    pub async fn remove(&self, id: &GenerationId, token: Option<&str>) -> Result<(), AppError> {
        let record = self.record(id)?;
        let allowed = match (&record.token_hash, token) {
            (Some(hash), Some(token)) => hash.matches(token),
            // Without a stored hash (an older generation) or a presented
            // token, nobody can prove to be the creator.
            _ => false,
        };
        if !allowed {
            return Err(AppError::NotCreator);
        }
        // Waiting work leaves the line; running work sees the cancellation
        // and is discarded when the engine returns, like a plain cancel.
        self.queue.remove(id);
        self.change(&record, lifecycle::cancel).await;
        {
            // Under the save lock, so no save is midway when the folder
            // goes, and none starts after (see `Jobs::save`).
            let _guard = record.save_lock.lock().await;
            if record.removed.swap(true, Ordering::SeqCst) {
                // A concurrent removal with the same token won the race.
                return Err(AppError::NotFound);
            }
            self.records
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(id);
        }
        self.store.remove(id).await?;
        tracing::info!(%id, "generation removed by its creator");
        Ok(())
    }
}
