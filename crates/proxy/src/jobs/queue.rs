//! The line of work waiting for a worker: strictly first in, first out,
//! bounded, with each waiting generation told its exact place and an
//! estimate of its wait.

use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, MutexGuard, PoisonError,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::Notify;

use super::{Record, lifecycle};
use crate::{id::GenerationId, quota::Ticket};

/// One unit of work for a worker.
pub(super) struct Task {
    pub record: Arc<Record>,
    pub kind: TaskKind,
    /// How long the task is expected to take once it runs.
    pub expected: Duration,
    /// The client's place among its jobs waiting at once, given back when
    /// the task is done or leaves the line. `None` for restored work.
    pub _ticket: Option<Ticket>,
}

/// What a task does.
pub(super) enum TaskKind {
    /// Generate, then extract the generation's first model.
    Generate,
    /// Extract one more model of a finished generation.
    Extract { variant: String },
}

/// The waiting tasks, and how many are being worked on.
pub(super) struct Queue {
    tasks: Mutex<VecDeque<Task>>,
    wake: Notify,
    active: AtomicUsize,
    /// When each task being worked on is expected to end, by a token its
    /// [`Active`] marker holds: the wait of everything in line starts there.
    running: Mutex<Vec<(u64, Instant)>>,
    next_token: AtomicU64,
    /// Places promised to requests still storing their files.
    reserved: AtomicUsize,
    /// Most tasks that may wait at once.
    max_waiting: usize,
    workers: usize,
}

/// Marks a task as being worked on until dropped, even if the worker
/// unwinds, so the health count and the waits never drift.
pub(super) struct Active<'a> {
    queue: &'a Queue,
    token: u64,
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.queue.active.fetch_sub(1, Ordering::Relaxed);
        lock(&self.queue.running).retain(|(token, _)| *token != self.token);
    }
}

/// A place in line, held while a request stores its files; given back if
/// the request fails before [`Slot::push`].
pub(super) struct Slot<'a>(&'a Queue);

impl Slot<'_> {
    /// Puts the task in the place held.
    pub fn push(self, task: Task) {
        self.0.push(task);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.reserved.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Queue {
    /// An empty line of at most `max_waiting` served by `workers` workers.
    pub fn new(workers: usize, max_waiting: usize) -> Self {
        Self {
            tasks: Mutex::default(),
            wake: Notify::new(),
            active: AtomicUsize::new(0),
            running: Mutex::default(),
            next_token: AtomicU64::new(0),
            reserved: AtomicUsize::new(0),
            max_waiting,
            workers: workers.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Task>> {
        lock(&self.tasks)
    }

    /// Holds a place in line, or `None` when the line is full.
    pub fn reserve(&self) -> Option<Slot<'_>> {
        let tasks = self.lock();
        if tasks.len() + self.reserved.load(Ordering::Relaxed) >= self.max_waiting {
            return None;
        }
        self.reserved.fetch_add(1, Ordering::Relaxed);
        Some(Slot(self))
    }

    /// Adds a task at the end of the line. Unbounded: restored work is
    /// never dropped; new work goes through [`Queue::reserve`].
    pub fn push(&self, task: Task) {
        let mut tasks = self.lock();
        tasks.push_back(task);
        self.publish_positions(&tasks);
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
                    let token = self.next_token.fetch_add(1, Ordering::Relaxed);
                    lock(&self.running).push((token, Instant::now() + task.expected));
                    self.publish_positions(&tasks);
                    return (task, Active { queue: self, token });
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
            self.publish_positions(&tasks);
        }
    }

    /// Tasks waiting or being worked on.
    pub fn len(&self) -> usize {
        self.lock().len() + self.active.load(Ordering::Relaxed)
    }

    /// Tells each waiting generation its place (1 = next) and its expected
    /// wait: what is left of the running tasks, the tasks ahead and its
    /// own, shared among the workers. Not saved: places are recomputed from
    /// the line after a restart.
    fn publish_positions(&self, tasks: &VecDeque<Task>) {
        let now = Instant::now();
        let mut through: Duration = lock(&self.running)
            .iter()
            .map(|(_, end)| end.saturating_duration_since(now))
            .sum();
        let workers = u32::try_from(self.workers).unwrap_or(u32::MAX);
        for (place, task) in (1u32..).zip(tasks) {
            through += task.expected;
            if matches!(task.kind, TaskKind::Generate) {
                let eta = (through / workers).as_secs_f32();
                task.record
                    .tx
                    .send_if_modified(|generation| lifecycle::wait(generation, place, eta));
            }
        }
    }
}

/// Nothing here can panic while holding a lock, and the queue is consistent
/// between statements, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
