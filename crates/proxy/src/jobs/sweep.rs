//! The sweeper: removes settled generations whose retention ran out, then,
//! oldest first, as many more as it takes to fit the disk budget. Queued,
//! running and pending work is never touched: only settled generations
//! outside the live set are candidates.

use super::{GenerationError, Jobs};
use crate::{
    clock::{millis, now_ms},
    store::Candidate,
};

/// Candidates read from the records at a time: memory stays small however
/// large the archive.
const SWEEP_BATCH: usize = 500;

/// What one sweep removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Generations past their retention.
    pub expired: usize,
    /// Generations removed to fit the disk budget.
    pub for_space: usize,
}

impl Jobs {
    /// Runs one sweep.
    pub async fn sweep(&self) -> Result<Swept, GenerationError> {
        let mut swept = Swept::default();
        if let Some(max_age) = self.retention.max_age {
            let cutoff = now_ms().saturating_sub(millis(max_age));
            loop {
                let batch = self.repo.settled(Some(cutoff), SWEEP_BATCH).await?;
                let removed = self.expire_all(&batch, None).await?;
                swept.expired += removed.0;
                if removed.0 == 0 || batch.len() < SWEEP_BATCH {
                    break;
                }
            }
        }
        if let Some(max_bytes) = self.retention.max_bytes {
            let mut total = self.repo.total_bytes().await?;
            while total > max_bytes {
                let batch = self.repo.settled(None, SWEEP_BATCH).await?;
                let (count, bytes) = self.expire_all(&batch, Some(total - max_bytes)).await?;
                swept.for_space += count;
                total = total.saturating_sub(bytes);
                if count == 0 {
                    break;
                }
            }
        }
        if swept != Swept::default() {
            tracing::info!(
                expired = swept.expired,
                for_space = swept.for_space,
                "removed expired generations"
            );
        }
        Ok(swept)
    }

    /// Removes candidates in order until `enough` bytes are freed (all of
    /// them when `None`); returns how many went and their bytes.
    async fn expire_all(
        &self,
        batch: &[Candidate],
        enough: Option<u64>,
    ) -> Result<(usize, u64), GenerationError> {
        let (mut count, mut bytes) = (0, 0);
        for candidate in batch {
            if enough.is_some_and(|enough| bytes >= enough) {
                break;
            }
            if self.expire(&candidate.id).await? {
                count += 1;
                bytes += candidate.bytes;
            }
        }
        Ok((count, bytes))
    }
}
