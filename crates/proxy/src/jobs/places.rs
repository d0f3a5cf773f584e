//! Places and waits in line: the line lives in the repository (in this
//! process or shared by several proxies) and places are not saved, so a
//! waiting generation's place is worked out when it is read or the line
//! moves ([`schedule::forecast`] over every server's slots).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::{
    broadcast::error::{RecvError, TryRecvError},
    watch,
};
use trellis_api::{Generation, JobStatus};

use super::lifecycle;
use crate::{
    id::GenerationId,
    pool::schedule,
    repo::{Event, Line, Repository, TaskKind},
};

/// A waiting generation's place (1 = next) and expected wait in seconds,
/// over `slots` jobs at once; `None` when it is not waiting to generate.
pub(super) fn place_in(line: &Line, id: &GenerationId, slots: usize) -> Option<(u32, f32)> {
    let running_left: Vec<Duration> = line
        .running
        .iter()
        .map(|task| task.expected.saturating_sub(task.elapsed))
        .collect();
    let expected: Vec<Duration> = line.waiting.iter().map(|task| task.expected).collect();
    let done = schedule::forecast(&running_left, slots, &expected);
    (1u32..)
        .zip(line.waiting.iter().zip(done))
        .find(|(_, (task, _))| task.id == *id && matches!(task.kind, TaskKind::Generate))
        .map(|(place, (_, wait))| (place, wait.as_secs_f32()))
}

/// Gives a waiting generation its place in `line`; whether it changed.
pub(super) fn place_from(line: &Line, slots: usize, generation: &mut Generation) -> bool {
    if generation.status != JobStatus::Queued {
        return false;
    }
    let Ok(id) = GenerationId::parse(&generation.id) else {
        return false;
    };
    place_in(line, &id, slots).is_some_and(|(place, wait)| lifecycle::wait(generation, place, wait))
}

/// The line as last read, for everything that shows places: read once per
/// move by one task (moves that arrive during a read are taken with it)
/// rather than once per event stream, and read afresh by a request that
/// shows a place at once. A read never replaces one begun after it, so
/// what followers see only gets newer.
pub(super) struct LineView {
    repo: Arc<dyn Repository>,
    latest: watch::Sender<Read>,
}

/// One read of the line, and when it began.
type Read = (Instant, Arc<Line>);

impl LineView {
    /// Reads the line now and on every move, for ever.
    pub fn start(repo: Arc<dyn Repository>) -> Arc<Self> {
        let view = Arc::new(Self {
            repo,
            latest: watch::Sender::new((Instant::now(), Arc::new(Line::default()))),
        });
        let reader = Arc::clone(&view);
        let mut events = view.repo.events();
        tokio::spawn(async move {
            loop {
                reader.read().await;
                if !next_move(&mut events).await {
                    return;
                }
                while !matches!(
                    events.try_recv(),
                    Err(TryRecvError::Empty | TryRecvError::Closed)
                ) {}
            }
        });
        view
    }

    /// Reads the line now and shares it; `None` when it cannot be read.
    pub async fn read(&self) -> Option<Arc<Line>> {
        let began = Instant::now();
        let line = match self.repo.line().await {
            Ok(line) => Arc::new(line),
            Err(err) => {
                tracing::warn!(error = %err, "could not read the line");
                return None;
            }
        };
        self.latest.send_if_modified(|(read_at, latest)| {
            let newer = *read_at < began;
            if newer {
                *read_at = began;
                *latest = Arc::clone(&line);
            }
            newer
        });
        Some(line)
    }

    /// Sees every newer read from now on.
    pub fn watch(&self) -> watch::Receiver<Read> {
        self.latest.subscribe()
    }
}

/// Waits for the line to move (or for news that may have been missed);
/// `false` once no news can come.
async fn next_move(events: &mut tokio::sync::broadcast::Receiver<Event>) -> bool {
    loop {
        match events.recv().await {
            Ok(Event::Line | Event::Resync) | Err(RecvError::Lagged(_)) => return true,
            Ok(_) => {}
            Err(RecvError::Closed) => return false,
        }
    }
}

/// Gives a waiting generation its place in the line, read now. A line that
/// cannot be read leaves it without one rather than failing the read.
pub(super) async fn place(view: &LineView, slots: usize, generation: &mut Generation) -> bool {
    if generation.status != JobStatus::Queued {
        return false;
    }
    view.read()
        .await
        .is_some_and(|line| place_from(&line, slots, generation))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::{RunningTask, Task};

    fn waiting(seq: i64, id: &GenerationId, kind: TaskKind) -> Task {
        Task {
            seq,
            id: id.clone(),
            kind,
            expected: Duration::from_secs(10),
            needs: None,
        }
    }

    #[test]
    fn a_place_counts_everything_ahead_and_the_wait_every_slot() {
        let ids: Vec<_> = (0..3).map(|_| GenerationId::random().unwrap()).collect();
        let line = Line {
            waiting: vec![
                waiting(1, &ids[0], TaskKind::Generate),
                waiting(
                    2,
                    &ids[1],
                    TaskKind::Extract {
                        variant: "v".to_owned(),
                    },
                ),
                waiting(3, &ids[2], TaskKind::Generate),
            ],
            running: vec![RunningTask {
                server: "gpu-0".to_owned(),
                expected: Duration::from_secs(10),
                elapsed: Duration::from_secs(4),
            }],
        };
        // One slot: 6 s left of the running job, then 10 s each ahead.
        assert_eq!(place_in(&line, &ids[0], 1), Some((1, 16.0)));
        assert_eq!(place_in(&line, &ids[2], 1), Some((3, 36.0)));
        assert_eq!(
            place_in(&line, &ids[1], 1),
            None,
            "an extraction has no place"
        );
        // Two slots share the line.
        let (place, wait) = place_in(&line, &ids[2], 2).unwrap();
        assert_eq!(place, 3);
        assert!(wait < 36.0, "{wait}");
    }
}
