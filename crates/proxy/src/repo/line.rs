//! The line of tasks of the embedded repository, in this process: strictly
//! in order of arrival, with the tasks being worked on and when each
//! started. Nothing here is saved: at start the line is rebuilt from the
//! records.

use std::{
    collections::VecDeque,
    sync::{Mutex, MutexGuard, PoisonError},
    time::Instant,
};

use super::{Chooser, Lease, Line, NewTask, RunningTask, Task};
use crate::{clock::now_ms, id::GenerationId};

#[derive(Default)]
struct State {
    next_seq: i64,
    waiting: VecDeque<Task>,
    running: Vec<(Lease, Instant)>,
}

/// The waiting and running tasks.
#[derive(Default)]
pub struct MemLine {
    state: Mutex<State>,
}

impl MemLine {
    /// Nothing here can panic while holding the lock, and the line is
    /// consistent between statements, so a poisoned lock is still usable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a task at the end of the line.
    pub fn push(&self, task: NewTask) {
        let mut state = self.lock();
        let seq = state.next_seq;
        state.next_seq += 1;
        state.waiting.push_back(Task {
            seq,
            id: task.id,
            kind: task.kind,
            expected: task.expected,
            needs: task.needs,
        });
    }

    /// Tasks waiting.
    pub fn waiting(&self) -> usize {
        self.lock().waiting.len()
    }

    /// Takes the task `choose` picks.
    pub fn claim(&self, choose: &Chooser<'_>) -> Option<Lease> {
        let mut state = self.lock();
        let waiting: Vec<Task> = state.waiting.iter().cloned().collect();
        let (index, server) = {
            let running = running_per_server(&state.running);
            choose(&waiting, &running)?
        };
        let task = state.waiting.remove(index)?;
        let lease = Lease {
            task,
            server,
            claimed_at: now_ms(),
            accepted: false,
        };
        state.running.push((lease.clone(), Instant::now()));
        Some(lease)
    }

    fn position(state: &State, lease: &Lease) -> Option<usize> {
        state
            .running
            .iter()
            .position(|(running, _)| running.task.seq == lease.task.seq)
    }

    /// Whether the task is still being worked on (not cancelled away).
    pub fn holds(&self, lease: &Lease) -> bool {
        Self::position(&self.lock(), lease).is_some()
    }

    /// Marks a running task as sent to its server.
    pub fn accept(&self, lease: &Lease) {
        let mut state = self.lock();
        if let Some(at) = Self::position(&state, lease) {
            state.running[at].0.accepted = true;
        }
    }

    /// A running task is done.
    pub fn finish(&self, lease: &Lease) {
        let mut state = self.lock();
        if let Some(at) = Self::position(&state, lease) {
            state.running.swap_remove(at);
        }
    }

    /// Puts a running task back in line, in its old place.
    pub fn requeue(&self, lease: &Lease) {
        let mut state = self.lock();
        if let Some(at) = Self::position(&state, lease) {
            let (lease, _) = state.running.swap_remove(at);
            let place = state
                .waiting
                .iter()
                .position(|task| task.seq > lease.task.seq)
                .unwrap_or(state.waiting.len());
            state.waiting.insert(place, lease.task);
        }
    }

    /// Takes a generation's waiting tasks out of the line; whether any went.
    pub fn dequeue(&self, id: &GenerationId) -> bool {
        let mut state = self.lock();
        let before = state.waiting.len();
        state.waiting.retain(|task| task.id != *id);
        state.waiting.len() != before
    }

    /// The whole line.
    pub fn line(&self) -> Line {
        let state = self.lock();
        Line {
            waiting: state.waiting.iter().cloned().collect(),
            running: state
                .running
                .iter()
                .map(|(lease, started)| RunningTask {
                    server: lease.server.clone(),
                    expected: lease.task.expected,
                    elapsed: started.elapsed(),
                })
                .collect(),
        }
    }
}

fn running_per_server(running: &[(Lease, Instant)]) -> std::collections::HashMap<&str, usize> {
    let mut counts = std::collections::HashMap::new();
    for (lease, _) in running {
        *counts.entry(lease.server.as_str()).or_default() += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::repo::TaskKind;

    fn task(id: &GenerationId) -> NewTask {
        NewTask {
            id: id.clone(),
            kind: TaskKind::Generate,
            expected: Duration::from_secs(1),
            needs: None,
        }
    }

    /// Takes the head of the line for server "gpu" while it has fewer
    /// than two jobs.
    fn two_at_a_time(
        waiting: &[Task],
        running: &std::collections::HashMap<&str, usize>,
    ) -> Option<(usize, String)> {
        let busy = running.get("gpu").copied().unwrap_or_default();
        (!waiting.is_empty() && busy < 2).then(|| (0, "gpu".to_owned()))
    }

    #[test]
    fn tasks_are_claimed_in_order_and_a_requeued_one_keeps_its_place() {
        let line = MemLine::default();
        let ids: Vec<GenerationId> = (0..3).map(|_| GenerationId::random().unwrap()).collect();
        for id in &ids {
            line.push(task(id));
        }
        let first = line.claim(&two_at_a_time).unwrap();
        let second = line.claim(&two_at_a_time).unwrap();
        assert_eq!((&first.task.id, &second.task.id), (&ids[0], &ids[1]));
        assert!(line.claim(&two_at_a_time).is_none(), "the server is full");
        assert_eq!(line.line().running.len(), 2);

        line.requeue(&first);
        assert!(!line.holds(&first));
        let waiting: Vec<_> = line.line().waiting.into_iter().map(|t| t.id).collect();
        assert_eq!(waiting, [ids[0].clone(), ids[2].clone()]);

        line.finish(&second);
        assert!(line.dequeue(&ids[2]));
        assert_eq!(line.claim(&two_at_a_time).unwrap().task.id, ids[0]);
        assert_eq!(line.waiting(), 0);
    }
}
