//! Places and waits in the line shared by several proxies: it lives in the
//! repository, so a waiting generation's place is worked out when it is
//! read or the line moves, the same way the in-process line does it
//! ([`schedule::forecast`] over every server's slots).

use std::time::Duration;

use trellis_api::{Generation, JobStatus};

use super::lifecycle;
use crate::{
    id::GenerationId,
    pool::schedule,
    repo::{Line, Repository, TaskKind},
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

/// Gives a waiting generation its place in the shared line. A line that
/// cannot be read leaves it without one rather than failing the read.
pub(super) async fn place(
    repo: &dyn Repository,
    slots: usize,
    generation: &mut Generation,
) -> bool {
    if generation.status != JobStatus::Queued {
        return false;
    }
    let Ok(id) = GenerationId::parse(&generation.id) else {
        return false;
    };
    match repo.line().await {
        Ok(line) => place_in(&line, &id, slots)
            .is_some_and(|(place, wait)| lifecycle::wait(generation, place, wait)),
        Err(err) => {
            tracing::warn!(%id, error = %err, "could not read the shared line");
            false
        }
    }
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
