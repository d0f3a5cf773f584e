//! The line: tasks wait in the repository (in this process, or in
//! PostgreSQL shared by several proxies with `--database`). A worker claims
//! the task its free servers should run next (one claim at a time over
//! every proxy: `FOR UPDATE SKIP LOCKED` in PostgreSQL), renews its lease
//! while the task runs, and marks the task accepted just before the GPU
//! server is called. A proxy that dies stops renewing; once its leases
//! expire another proxy takes the tasks over: one the GPU server never saw
//! goes back in line, one it may have started fails with an honest message,
//! since sending it again could run it twice. In one process a lease
//! outlives nothing, and what a previous run left is taken back at start.

use std::{collections::HashMap, convert::Infallible, sync::Arc, time::Duration};

use tokio::sync::broadcast::error::RecvError;

use super::{
    GenerationError, Jobs, Record, lifecycle,
    timing::Step,
    worker::{self, Ran},
};
use crate::{
    id::GenerationId,
    pool::schedule::{self, WaitingTask},
    repo::{Effect, Event, Lease, NewTask, Task, TaskKind},
    store::StoredGeneration,
};

/// How long an idle worker waits for news of the line before looking again
/// anyway: notifications can be lost with a dropped connection.
const IDLE_LOOK: Duration = Duration::from_secs(2);
/// A lease is renewed this many times over its length, so one late
/// renewal does not lose it.
const RENEWALS_PER_LEASE: u32 = 3;

impl Jobs {
    /// The waiting task (in line order) that a free server should run now,
    /// and that server's name; see [`schedule::pick`].
    fn choose(
        &self,
        waiting: &[Task],
        running: &HashMap<&str, usize>,
        cold_start: Duration,
    ) -> Option<(usize, String)> {
        let servers = self.pool.servers();
        let running = |_, server: &crate::pool::Server| {
            running
                .get(server.name.as_str())
                .copied()
                .unwrap_or_default()
        };
        let loads = self.pool.loads(running, cold_start);
        let tasks: Vec<WaitingTask<'_>> = waiting
            .iter()
            .map(|task| self.pool.placement(task.needs.as_deref()))
            .collect();
        schedule::pick(&tasks, &loads, |task, _| waiting[task].expected)
            .map(|(task, server)| (task, servers[server].name.clone()))
    }

    /// Puts a task in line with its generation's latest record.
    pub(super) async fn enqueue(&self, task: NewTask) -> Result<(), GenerationError> {
        self.repo
            .update(&task.id.clone(), Box::new(move |_| Effect::Queue(task)))
            .await?;
        Ok(())
    }

    /// A worker: claims and runs tasks for ever.
    pub(super) async fn claim_forever(self: Arc<Self>) {
        let mut events = self.repo.events();
        loop {
            let cold_start = self.timings.expected(Step::ColdStart).await;
            let choose = |waiting: &[Task], running: &HashMap<&str, usize>| {
                self.choose(waiting, running, cold_start)
            };
            match self.repo.claim(&choose).await {
                Ok(Some(lease)) => self.run_lease(lease).await,
                Ok(None) => wait_for_news(&mut events).await,
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim a task; trying again");
                    tokio::time::sleep(IDLE_LOOK).await;
                }
            }
        }
    }

    /// Runs a claimed task, renewing its lease meanwhile.
    async fn run_lease(self: &Arc<Self>, lease: Lease) {
        let Some(index) = self
            .pool
            .servers()
            .iter()
            .position(|s| s.name == lease.server)
        else {
            // Claimed for a server this proxy does not have: another's.
            let _ = self.repo.requeue(&lease).await;
            return;
        };
        let server = &self.pool.servers()[index];
        let record = {
            let _membership = self.membership.lock().await;
            self.revive(&lease.task.id).await
        };
        let Ok(record) = record else {
            // Removed meanwhile: nothing to do.
            let _ = self.repo.finish(&lease).await;
            return;
        };
        let renew = self.renew_while_running(lease.clone());
        let relay = self.relay_cancels(&record);
        let ran = {
            tokio::pin!(renew);
            tokio::pin!(relay);
            let run = async {
                // From here the GPU server may see the request: never sent again.
                if let Err(err) = self.repo.accept(&lease).await {
                    tracing::warn!(error = %err, "could not mark a task as sent");
                }
                match &lease.task.kind {
                    TaskKind::Generate => self.run_generation(server, &record).await,
                    TaskKind::Extract { variant } => {
                        self.run_extraction(server, &record, variant).await;
                        Ran::Settled
                    }
                }
            };
            tokio::select! {
                ran = run => ran,
                () = &mut renew => Ran::Settled,
                never = &mut relay => match never {},
            }
        };
        let ended = match ran {
            Ran::Requeued => self.repo.requeue(&lease).await,
            Ran::Settled => self.repo.finish(&lease).await,
        };
        if let Err(err) = ended {
            tracing::warn!(error = %err, "could not end a task's lease");
        }
        if let Ran::Settled = ran {
            // The files made on the CPU after a model, by the proxy that
            // holds it.
            let variant = match &lease.task.kind {
                TaskKind::Generate => worker::first_model(&record).map(|(variant, _)| variant),
                TaskKind::Extract { variant } => Some(variant.clone()),
            };
            if let Some(variant) = variant
                && lifecycle::optimization_pending(&record.tx.borrow(), &variant)
            {
                self.spawn_renditions(Arc::clone(&record), variant);
            }
        }
        self.forget_live(&record).await;
    }

    /// Brings a cancellation made through another proxy to the live record
    /// of a job this one runs, so its GPU call stops at once, as for a
    /// cancel made here. Never returns.
    async fn relay_cancels(&self, record: &Arc<Record>) -> Infallible {
        let mut events = self.repo.events();
        loop {
            match events.recv().await {
                Ok(Event::Changed { id, .. }) if id == record.id => {}
                Ok(Event::Resync) | Err(RecvError::Lagged(_)) => {}
                Ok(_) => continue,
                Err(RecvError::Closed) => std::future::pending().await,
            }
            let Ok(stored) = self.stored(&record.id).await else {
                continue;
            };
            if lifecycle::cancelled_elsewhere(&record.tx.borrow(), &stored.generation) {
                tracing::info!(id = %record.id, "cancelled through another proxy");
                record.tx.send_if_modified(lifecycle::cancel);
            }
        }
    }

    /// Renews `lease` until it is lost (then returns), for ever otherwise.
    async fn renew_while_running(&self, lease: Lease) {
        let mut tick = tokio::time::interval(self.lease / RENEWALS_PER_LEASE);
        loop {
            tick.tick().await;
            match self.repo.heartbeat(&lease).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(id = %lease.task.id, "lost the lease of a running task");
                    return;
                }
                Err(err) => tracing::warn!(error = %err, "could not renew a lease"),
            }
        }
    }

    /// Takes over the tasks of proxies that stopped, for ever.
    pub(super) async fn take_over_forever(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.lease / RENEWALS_PER_LEASE);
        loop {
            tick.tick().await;
            let leases = match self.repo.take_over_expired().await {
                Ok(leases) => leases,
                Err(err) => {
                    tracing::warn!(error = %err, "could not look for abandoned tasks");
                    continue;
                }
            };
            for lease in leases {
                if let Err(err) = self.adopt(&lease).await {
                    tracing::warn!(id = %lease.task.id, error = %err, "could not take over a task");
                }
            }
        }
    }

    /// A task whose proxy stopped: back in line if its GPU server never saw
    /// it, else failed honestly.
    async fn adopt(&self, lease: &Lease) -> Result<(), GenerationError> {
        let id = &lease.task.id;
        let kind = lease.task.kind.clone();
        let accepted = lease.accepted;
        let change = Box::new(move |stored: &mut StoredGeneration| {
            let generation = &mut stored.generation;
            let changed = match (&kind, accepted) {
                (_, true) => lifecycle::abandoned(generation),
                (TaskKind::Generate, false) => lifecycle::requeue(generation),
                (TaskKind::Extract { variant }, false) => {
                    lifecycle::requeue_model(generation, variant)
                }
            };
            if changed {
                Effect::Changed
            } else {
                Effect::Unchanged
            }
        });
        self.repo.update(id, change).await?;
        if accepted {
            tracing::warn!(%id, "took over a task its GPU server had accepted; failed it, as it cannot be sent twice");
            self.repo.finish(lease).await?;
        } else {
            tracing::info!(%id, "took over a task its GPU server never saw; back in line");
            self.repo.requeue(lease).await?;
        }
        Ok(())
    }

    /// A generation's record, from the repository.
    pub(super) async fn stored(
        &self,
        id: &GenerationId,
    ) -> Result<StoredGeneration, GenerationError> {
        match self.repo.lookup(id).await? {
            crate::repo::Lookup::Found(stored) => Ok(*stored),
            crate::repo::Lookup::Removed(why) => Err(super::live::gone(why)),
            crate::repo::Lookup::Unknown => Err(GenerationError::NotFound),
        }
    }
}

/// Waits until the line moves (or a while, in case news was lost).
async fn wait_for_news(events: &mut tokio::sync::broadcast::Receiver<Event>) {
    let _ = tokio::time::timeout(IDLE_LOOK, async {
        loop {
            match events.recv().await {
                Ok(Event::Line | Event::Resync) | Err(RecvError::Lagged(_)) => return,
                Ok(_) => {}
                Err(RecvError::Closed) => {
                    tokio::time::sleep(IDLE_LOOK).await;
                    return;
                }
            }
        }
    })
    .await;
}
