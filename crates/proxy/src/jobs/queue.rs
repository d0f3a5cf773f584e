//! The line of work waiting for a worker: strictly first in, first out,
//! with each waiting generation told its exact place.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicUsize, Ordering},
    },
};

use tokio::sync::Notify;
use trellis_api::JobStatus;

use super::Record;
use crate::id::GenerationId;

/// One unit of work for a worker.
pub(super) struct Task {
    pub record: Arc<Record>,
    pub kind: TaskKind,
}

/// What a task does.
pub(super) enum TaskKind {
    /// Generate, then extract the generation's first model.
    Generate,
    /// Extract one more model of a finished generation.
    Extract { variant: String },
}

/// The waiting tasks, and how many are being worked on.
#[derive(Default)]
pub(super) struct Queue {
    tasks: Mutex<VecDeque<Task>>,
    wake: Notify,
    active: AtomicUsize,
}

/// Marks a task as being worked on until dropped, even if the worker
/// unwinds, so the health count never drifts.
pub(super) struct Active<'a>(&'a AtomicUsize);

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Task>> {
        // Nothing here can panic while holding the lock, and the queue is
        // consistent between statements, so a poisoned lock is still usable.
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a task at the end of the line.
    pub fn push(&self, task: Task) {
        let mut tasks = self.lock();
        tasks.push_back(task);
        publish_positions(&tasks);
        drop(tasks);
        self.wake.notify_one();
    }

    /// Waits for the next task.
    pub async fn pop(&self) -> (Task, Active<'_>) {
        loop {
            {
                let mut tasks = self.lock();
                if let Some(task) = tasks.pop_front() {
                    self.active.fetch_add(1, Ordering::Relaxed);
                    publish_positions(&tasks);
                    return (task, Active(&self.active));
                }
            }
            // A push between the check and here leaves a permit, so this
            // cannot miss a task.
            self.wake.notified().await;
        }
    }

    /// Takes every waiting task of a generation out of the line.
    pub fn remove(&self, id: &GenerationId) {
        let mut tasks = self.lock();
        let before = tasks.len();
        tasks.retain(|task| task.record.id != *id);
        if tasks.len() != before {
            publish_positions(&tasks);
        }
    }

    /// Tasks waiting or being worked on.
    pub fn len(&self) -> usize {
        self.lock().len() + self.active.load(Ordering::Relaxed)
    }
}

/// Tells each waiting generation its place (1 = next). A change of place
/// alone is not saved: places are recomputed from the line after a restart.
fn publish_positions(tasks: &VecDeque<Task>) {
    for (place, task) in (1u32..).zip(tasks) {
        if matches!(task.kind, TaskKind::Generate) {
            task.record.tx.send_if_modified(|generation| {
                let changed = generation.status == JobStatus::Queued
                    && generation.queue_position != Some(place);
                if changed {
                    generation.queue_position = Some(place);
                }
                changed
            });
        }
    }
}
