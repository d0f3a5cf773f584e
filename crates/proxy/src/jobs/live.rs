//! The live set: the generations that can still change (waiting, running,
//! or with a model pending) are held in memory with a `watch` channel that
//! workers update and event streams follow. A generation leaves the set as
//! soon as it settles; from then on it is read from the records. Asking
//! for a new model of a settled generation brings it back.
//!
//! Joining and leaving happen under `Jobs::membership`, and so does every
//! decision to un-settle a generation, so a generation can never be both
//! evicted and un-settled at once (which would leave two live copies).

use std::{
    collections::HashMap,
    sync::{Arc, MutexGuard, PoisonError},
};

use super::{GenerationError, Jobs, Record};
use crate::{
    id::GenerationId,
    store::{Lookup, Removal, StoredGeneration},
};

/// A generation, wherever it is.
pub(super) enum Found {
    Live(Arc<Record>),
    Settled(Box<StoredGeneration>),
}

impl Found {
    /// The hash of its owner token, if it has one.
    pub fn owner(&self) -> Option<&crate::tokens::TokenHash> {
        match self {
            Self::Live(record) => record.owner.as_ref(),
            Self::Settled(stored) => stored.owner.as_ref(),
        }
    }
}

/// The answer for a removed generation.
pub(super) fn gone(why: Removal) -> GenerationError {
    match why {
        Removal::Expired => GenerationError::Expired,
        Removal::Deleted => GenerationError::Deleted,
    }
}

impl Jobs {
    /// Nothing here can panic while holding the lock, and the map is
    /// consistent between statements, so a poisoned lock is still usable.
    pub(super) fn lock_live(&self) -> MutexGuard<'_, HashMap<GenerationId, Arc<Record>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live_record(&self, id: &GenerationId) -> Option<Arc<Record>> {
        self.lock_live().get(id).cloned()
    }

    /// A generation, live or settled; 404 or 410 when there is none.
    pub(super) async fn find(&self, id: &GenerationId) -> Result<Found, GenerationError> {
        if let Some(record) = self.live_record(id) {
            return Ok(Found::Live(record));
        }
        match self.repo.lookup(id).await? {
            // Revived while it was being read: the live copy is newer.
            Lookup::Found(stored) => Ok(match self.live_record(id) {
                Some(record) => Found::Live(record),
                None => Found::Settled(stored),
            }),
            Lookup::Removed(why) => {
                self.files.drop_copies(id).await;
                Err(gone(why))
            }
            Lookup::Unknown => Err(GenerationError::NotFound),
        }
    }

    /// The live record of a generation, bringing a settled one back into
    /// the live set. Call with `membership` held, and call
    /// [`Jobs::evict_if_settled`] after the lock is released in case the
    /// generation was not un-settled after all.
    pub(super) async fn revive(&self, id: &GenerationId) -> Result<Arc<Record>, GenerationError> {
        if let Some(record) = self.live_record(id) {
            return Ok(record);
        }
        match self.repo.lookup(id).await? {
            Lookup::Found(stored) => {
                let record = Arc::new(Record::new(id.clone(), *stored));
                self.lock_live().insert(id.clone(), Arc::clone(&record));
                Ok(record)
            }
            Lookup::Removed(why) => Err(gone(why)),
            Lookup::Unknown => Err(GenerationError::NotFound),
        }
    }

    /// Takes a settled generation out of the live set; its last state was
    /// saved before this is called.
    pub(super) async fn evict_if_settled(&self, record: &Arc<Record>) {
        let _membership = self.membership.lock().await;
        let mut live = self.lock_live();
        let current = live.get(&record.id).is_some_and(|r| Arc::ptr_eq(r, record));
        if current && record.tx.borrow().is_settled() {
            live.remove(&record.id);
        }
    }

    /// Takes a generation out of the live set whatever its state: with a
    /// shared line its work may go on elsewhere, and this proxy follows it
    /// through the records instead.
    pub(super) async fn forget_live(&self, record: &Arc<Record>) {
        let _membership = self.membership.lock().await;
        let mut live = self.lock_live();
        if live.get(&record.id).is_some_and(|r| Arc::ptr_eq(r, record)) {
            live.remove(&record.id);
        }
    }

    /// Unsettled generations in memory.
    pub fn live_count(&self) -> usize {
        self.lock_live().len()
    }
}
