//! Following a generation that is not live here: one waiting in line, or
//! (with shared records) running on another proxy. Its changes arrive as
//! the repository's events (through LISTEN/NOTIFY from other proxies), and
//! each is read back from the records unless the event carries it, so
//! event streams follow it to the end, with its place while it waits.

use std::sync::Arc;

use tokio::sync::{broadcast::error::RecvError, watch};
use trellis_api::Generation;

use super::{Jobs, lifecycle, places, plan::Estimate};
use crate::{
    id::GenerationId,
    quota::Ticket,
    repo::{Event, Line, Lookup, Progress, Repository},
    store::StoredGeneration,
};

impl Jobs {
    /// A receiver of `current` that sees every change, until it settles or
    /// is removed; with its place in line while it waits when `placed`
    /// (someone is shown it: each move of the line is then read).
    pub(super) fn follow(
        &self,
        id: GenerationId,
        current: Generation,
        placed: bool,
    ) -> watch::Receiver<Generation> {
        let (tx, rx) = watch::channel(current);
        let repo = Arc::clone(&self.repo);
        let slots = self.pool.slots();
        let mut line = placed.then(|| self.line.watch());
        let mut events = repo.events();
        tokio::spawn(async move {
            // What changed before the events were listened to (while the
            // caller read `current`) is read back first, so no change,
            // the last above all, is ever missed.
            let view = line.as_ref().map(|line| Arc::clone(&line.borrow().1));
            let placing = view.as_deref().map(|view| (view, slots));
            if !refresh(repo.as_ref(), &id, placing, &tx, None).await {
                return;
            }
            loop {
                let event = tokio::select! {
                    () = tx.closed() => return,
                    event = events.recv() => event,
                    Some(view) = moved(&mut line) => {
                        tx.send_if_modified(|g| places::place_from(&view, slots, g));
                        continue;
                    }
                };
                let reread = match event {
                    Ok(Event::Changed {
                        id: changed,
                        stored,
                        ..
                    }) if changed == id => Some(stored),
                    Ok(Event::Changed { .. }) => None,
                    Ok(Event::Progress {
                        id: moving,
                        progress,
                    }) => {
                        if moving == id {
                            tx.send_if_modified(|g| lifecycle::estimate(g, &estimate(progress)));
                        }
                        None
                    }
                    Ok(Event::Line) => None,
                    Ok(Event::Resync) | Err(RecvError::Lagged(_)) => Some(None),
                    Err(RecvError::Closed) => return,
                };
                let view = line.as_ref().map(|line| Arc::clone(&line.borrow().1));
                let placing = view.as_deref().map(|view| (view, slots));
                if let Some(known) = reread
                    && !refresh(repo.as_ref(), &id, placing, &tx, known).await
                {
                    return;
                }
            }
        });
        rx
    }

    /// Keeps a client's place among its jobs (`ticket`) while work it put
    /// in line is pending: whichever worker (of whichever proxy) runs it,
    /// this follows the records until the generation settles (or goes).
    pub(super) fn hold_until_settled(&self, id: GenerationId, current: Generation, ticket: Ticket) {
        let mut followed = self.follow(id, current, false);
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

/// The line, when it moved; never when there is none to watch.
async fn moved(
    line: &mut Option<watch::Receiver<(std::time::Instant, Arc<Line>)>>,
) -> Option<Arc<Line>> {
    if let Some(line) = line
        && line.changed().await.is_ok()
    {
        return Some(Arc::clone(&line.borrow_and_update().1));
    }
    std::future::pending().await
}

/// Passes on the generation's latest record: `known` when the event carried
/// it, else read again; placed in `line` over its slots when given. `false`
/// once there is nothing more to follow (settled, removed, or unreadable).
async fn refresh(
    repo: &dyn Repository,
    id: &GenerationId,
    line: Option<(&Line, usize)>,
    tx: &watch::Sender<Generation>,
    known: Option<Box<StoredGeneration>>,
) -> bool {
    let found = match known {
        Some(stored) => Ok(Lookup::Found(stored)),
        None => repo.lookup(id).await,
    };
    match found {
        Ok(Lookup::Found(mut stored)) => {
            let settled = stored.generation.is_settled();
            if let Some((line, slots)) = line {
                places::place_from(line, slots, &mut stored.generation);
            }
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
