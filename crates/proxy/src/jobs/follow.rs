//! Following a job another proxy runs: with shared records, a generation
//! that is not live here may be live on another proxy. Its changes arrive
//! as the repository's events (LISTEN/NOTIFY), and each is read back from
//! the records, so this proxy's event streams follow it to the end.

use std::sync::Arc;

use tokio::sync::{broadcast::error::RecvError, watch};
use trellis_api::Generation;

use super::{Jobs, lifecycle, places, plan::Estimate};
use crate::{
    id::GenerationId,
    quota::Ticket,
    repo::{Event, Lookup, Progress, Repository},
};

impl Jobs {
    /// A receiver of `current` that sees every change the other proxies
    /// make, until it settles or is removed.
    pub(super) fn follow(
        &self,
        id: GenerationId,
        current: Generation,
    ) -> watch::Receiver<Generation> {
        let (tx, rx) = watch::channel(current);
        let repo = Arc::clone(&self.repo);
        let slots = self.pool.slots();
        let mut events = repo.events();
        tokio::spawn(async move {
            loop {
                let event = tokio::select! {
                    () = tx.closed() => return,
                    event = events.recv() => event,
                };
                let reread = match event {
                    Ok(Event::Changed { id: changed, .. }) => changed == id,
                    Ok(Event::Progress {
                        id: moving,
                        progress,
                    }) => {
                        if moving == id {
                            tx.send_if_modified(|g| lifecycle::estimate(g, &estimate(progress)));
                        }
                        false
                    }
                    Ok(Event::Line) => {
                        let mut waiting = tx.borrow().clone();
                        if places::place(repo.as_ref(), slots, &mut waiting).await {
                            tx.send_replace(waiting);
                        }
                        false
                    }
                    Ok(Event::Resync) | Err(RecvError::Lagged(_)) => true,
                    Err(RecvError::Closed) => return,
                };
                if reread && !refresh(repo.as_ref(), &id, slots, &tx).await {
                    return;
                }
            }
        });
        rx
    }

    /// Keeps a client's place among its jobs (`ticket`) while work it put
    /// in the shared line is pending: whichever proxy runs it, this one
    /// follows the records until the generation settles (or goes).
    pub(super) fn hold_until_settled(&self, id: GenerationId, current: Generation, ticket: Ticket) {
        let mut followed = self.follow(id, current);
        tokio::spawn(async move {
            let _held = ticket;
            let _ = followed.wait_for(Generation::is_settled).await;
        });
    }
}

fn estimate(progress: Progress) -> Estimate {
    Estimate {
        phase: progress.phase,
        progress: progress.progress,
        eta_seconds: progress.eta_seconds,
    }
}

/// Reads the generation again and passes it on; `false` once there is
/// nothing more to follow (settled, removed, or unreadable).
async fn refresh(
    repo: &dyn Repository,
    id: &GenerationId,
    slots: usize,
    tx: &watch::Sender<Generation>,
) -> bool {
    match repo.lookup(id).await {
        Ok(Lookup::Found(mut stored)) => {
            let settled = stored.generation.is_settled();
            places::place(repo, slots, &mut stored.generation).await;
            tx.send_if_modified(|generation| {
                let changed = *generation != stored.generation;
                *generation = stored.generation;
                changed
            });
            !settled
        }
        Ok(Lookup::Removed(_) | Lookup::Unknown) => false,
        Err(err) => {
            tracing::warn!(%id, error = %err, "could not follow a generation another proxy runs");
            false
        }
    }
}
