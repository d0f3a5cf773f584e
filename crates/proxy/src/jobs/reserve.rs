//! Room in line: at most `max_waiting` tasks wait at once. A request holds
//! a place while it stores its files, so requests arriving together cannot
//! all see the last free place and overfill the line. With a line shared by
//! several proxies each counts its own requests in flight, so the bound
//! holds to within what they store at the same moment.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::{GenerationError, Jobs};

/// A place in line held by a request until it has put its task in line (or
/// failed): dropping it gives the place back.
pub(super) struct Reservation<'a>(&'a AtomicUsize);

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Jobs {
    /// Holds a place in line, or refuses when the line is full.
    pub(super) async fn reserve(&self) -> Result<Reservation<'_>, GenerationError> {
        // Counted before the line is read: a request that took a place and
        // has since put its task in line is then seen in the line, one still
        // storing its files in the count.
        let others = self.reserved.fetch_add(1, Ordering::SeqCst);
        let reservation = Reservation(&self.reserved);
        let waiting = self.repo.waiting().await?;
        if waiting + others >= self.max_waiting {
            return Err(GenerationError::QueueFull);
        }
        Ok(reservation)
    }
}
