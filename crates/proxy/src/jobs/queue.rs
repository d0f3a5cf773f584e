//! The line of work waiting for a GPU server: in order of arrival,
//! bounded, with each waiting generation told its exact place and an
//! estimate of its wait over every server. Which task starts next, and
//! where, is the scheduler's choice ([`crate::pool::schedule`]), made each
//! time a task arrives or a server frees up.

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
use crate::{
    id::GenerationId,
    pool::{Pool, schedule},
    quota::Ticket,
};

/// One unit of work for a worker.
pub(super) struct Task {
    pub record: Arc<Record>,
    pub kind: TaskKind,
    /// How long the task is expected to take once it runs.
    pub expected: Duration,
    /// The deployment it must run on (an extraction needs the state its
    /// generation left there); `None`: any server.
    pub needs: Option<String>,
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
    /// The tasks being worked on, by a token their [`Active`] marker holds.
    running: Mutex<Vec<Running>>,
    next_token: AtomicU64,
    /// Places promised to requests still storing their files.
    reserved: AtomicUsize,
    /// Most tasks that may wait at once.
    max_waiting: usize,
    /// The servers, whose width sets the waits.
    pool: Arc<Pool>,
}

/// A task being worked on.
struct Running {
    token: u64,
    /// The server (its index in the pool) it runs on.
    server: usize,
    /// When it is expected to end: the wait of everything in line starts there.
    end: Instant,
}

/// Picks among the waiting tasks (in line order) the one to start now and
/// the server (by index) to run it on, given the tasks each server runs.
pub(super) trait Chooser: Fn(&VecDeque<Task>, &[usize]) -> Option<(usize, usize)> {}
impl<F: Fn(&VecDeque<Task>, &[usize]) -> Option<(usize, usize)>> Chooser for F {}

/// Marks a task as being worked on until dropped, even if the worker
/// unwinds, so the health count and the waits never drift.
pub(super) struct Active<'a> {
    queue: &'a Queue,
    token: u64,
    server: usize,
}

impl Active<'_> {
    /// The server the task runs on, by its index in the pool.
    pub fn server(&self) -> usize {
        self.server
    }
}

impl Drop for Active<'_> {
    fn drop(&mut self) {
        self.queue.active.fetch_sub(1, Ordering::Relaxed);
        lock(&self.queue.running).retain(|running| running.token != self.token);
        // A server is free: a task waiting for it may start.
        self.queue.wake.notify_waiters();
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
    /// An empty line of at most `max_waiting`, served by `pool`.
    pub fn new(pool: Arc<Pool>, max_waiting: usize) -> Self {
        Self {
            tasks: Mutex::default(),
            wake: Notify::new(),
            active: AtomicUsize::new(0),
            running: Mutex::default(),
            next_token: AtomicU64::new(0),
            reserved: AtomicUsize::new(0),
            max_waiting,
            pool,
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
        self.wake.notify_waiters();
    }

    /// Puts a task back at the head of the line: it was taken, but its
    /// server turned out to be unreachable before it saw the request.
    pub fn push_front(&self, task: Task) {
        let mut tasks = self.lock();
        tasks.push_front(task);
        self.publish_positions(&tasks);
        drop(tasks);
        self.wake.notify_waiters();
    }

    /// Waits until `choose` picks a task to start, and takes it.
    pub async fn pop(&self, choose: impl Chooser) -> (Task, Active<'_>) {
        loop {
            // Registered before looking, so a push or a freed server
            // between the look and the wait is not missed.
            let notified = self.wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut tasks = self.lock();
                let picked = {
                    let loads = self.loads();
                    choose(&tasks, &loads)
                };
                if let Some((index, server)) = picked
                    && let Some(task) = tasks.remove(index)
                {
                    self.active.fetch_add(1, Ordering::Relaxed);
                    let token = self.next_token.fetch_add(1, Ordering::Relaxed);
                    lock(&self.running).push(Running {
                        token,
                        server,
                        end: Instant::now() + task.expected,
                    });
                    self.publish_positions(&tasks);
                    let active = Active {
                        queue: self,
                        token,
                        server,
                    };
                    return (task, active);
                }
            }
            notified.await;
        }
    }

    /// Tasks running on each server, by index.
    pub fn loads(&self) -> Vec<usize> {
        let running = lock(&self.running);
        let servers = running.iter().map(|r| r.server + 1).max().unwrap_or(0);
        let mut loads = vec![0; servers];
        for task in running.iter() {
            loads[task.server] += 1;
        }
        loads
    }

    /// Takes every waiting task of a generation out of the line.
    pub fn remove(&self, id: &GenerationId) {
        let mut tasks = self.lock();
        let before = tasks.len();
        tasks.retain(|task| task.record.id != *id);
        if tasks.len() != before {
            self.publish_positions(&tasks);
            drop(tasks);
            self.wake.notify_waiters();
        }
    }

    /// Tasks waiting or being worked on.
    pub fn len(&self) -> usize {
        self.lock().len() + self.active.load(Ordering::Relaxed)
    }

    /// Tells each waiting generation its place (1 = next) and its expected
    /// wait: the line played forward over `slots` places (the jobs the
    /// serving servers run at once), each free once its running task
    /// ends. Not saved: places are recomputed from the line after a
    /// restart.
    fn publish_positions(&self, tasks: &VecDeque<Task>) {
        let now = Instant::now();
        let running_left: Vec<Duration> = lock(&self.running)
            .iter()
            .map(|running| running.end.saturating_duration_since(now))
            .collect();
        let expected: Vec<Duration> = tasks.iter().map(|task| task.expected).collect();
        let done = schedule::forecast(&running_left, self.pool.slots(), &expected);
        let placed = (1u32..).zip(tasks.iter().zip(done));
        for (place, (task, eta)) in
            placed.filter(|(_, (task, _))| matches!(task.kind, TaskKind::Generate))
        {
            let eta = eta.as_secs_f32();
            task.record
                .tx
                .send_if_modified(|generation| lifecycle::wait(generation, place, eta));
        }
    }
}

/// Nothing here can panic while holding a lock, and the queue is consistent
/// between statements, so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
