//! The GPU servers jobs are spread over: one from the one-server flags, or
//! the pool of `--config trellis.toml`. Each server has its engine, its
//! concurrency, whether it takes work ([`health`]) and whether it has
//! fallen asleep ([`Warmth`]). Which job runs where is [`schedule`]'s pure
//! decision; how many jobs each server runs is the job repository's to
//! count, since with several proxies no one of them sees them all.

mod health;
pub mod schedule;
mod setup;
mod warmth;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use futures_util::future::join_all;
use tokio::sync::watch;
use trellis_api::{BackendKind, HealthStatus};

use self::schedule::{ServerLoad, WaitingTask};
pub use self::{
    health::{Health, Standing},
    setup::{ServerSpec, from_config, single},
    warmth::{Busy, Warmth},
};
use crate::backend::{Backend, BackendError, BackendHealth, Capabilities};

/// How often the monitor looks for servers due a health check; each
/// server's own pause (its interval, or its back-off) decides when.
const MONITOR_TICK: Duration = Duration::from_secs(1);

/// One GPU server of the pool.
pub struct Server {
    /// Its name in `GET /api/health`, the logs and the job records.
    pub name: String,
    /// Servers of one deployment can extract from each other's states.
    pub deployment: String,
    /// Jobs it runs at once.
    pub concurrency: usize,
    pub backend: Arc<dyn Backend>,
    pub health: Health,
    pub warmth: Warmth,
}

/// A server's standing and its own words, for `GET /api/health`.
pub struct Report<'a> {
    pub server: &'a Server,
    pub engine: BackendHealth,
}

/// The servers.
pub struct Pool {
    servers: Vec<Server>,
}

impl Pool {
    /// A pool of `specs` (at least one, all of one kind), checked every
    /// `interval` while healthy.
    pub fn new(specs: Vec<ServerSpec>, interval: Duration) -> Self {
        let servers = specs
            .into_iter()
            .map(|spec| Server {
                warmth: Warmth::new(spec.backend.capabilities().scale_down_window),
                health: Health::new(interval),
                name: spec.name,
                deployment: spec.deployment,
                concurrency: spec.concurrency.max(1),
                backend: spec.backend,
            })
            .collect();
        Self { servers }
    }

    /// Every server, in the order configured.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// The server named `name`.
    pub fn find(&self, name: &str) -> Option<&Server> {
        self.servers.iter().find(|server| server.name == name)
    }

    /// The first server configured.
    pub fn first(&self) -> &Server {
        // `new` is only ever given at least one server (setup checks).
        &self.servers[0]
    }

    /// The engine all servers run.
    pub fn kind(&self) -> BackendKind {
        self.first().backend.kind()
    }

    /// What the engine offers.
    pub fn capabilities(&self) -> Capabilities {
        self.first().backend.capabilities()
    }

    /// The servers that take work; all of them when none does, since
    /// jobs then go to drained servers rather than wait for ever.
    fn serving(&self) -> impl Iterator<Item = &Server> {
        let any_up = self.servers.iter().any(|server| server.health.is_up());
        self.servers
            .iter()
            .filter(move |server| !any_up || server.health.is_up())
    }

    /// Jobs the serving servers run at once: the width of the line.
    pub fn slots(&self) -> usize {
        self.serving().map(|server| server.concurrency).sum()
    }

    /// Whether every serving server has fallen asleep, so that the next
    /// job pays a cold start wherever it goes.
    pub fn is_cold(&self) -> bool {
        self.serving().all(|server| server.warmth.is_cold())
    }

    /// Each server as the scheduler sees it, given the jobs `running` on
    /// it (by index and server): a sleeping one wakes in `cold_start`.
    pub fn loads(
        &self,
        running: impl Fn(usize, &Server) -> usize,
        cold_start: Duration,
    ) -> Vec<ServerLoad<'_>> {
        self.servers
            .iter()
            .enumerate()
            .map(|(index, server)| ServerLoad {
                deployment: &server.deployment,
                concurrency: server.concurrency,
                running: running(index, server),
                healthy: server.health.is_up(),
                wake: if server.warmth.is_cold() {
                    cold_start
                } else {
                    Duration::ZERO
                },
            })
            .collect()
    }

    /// A waiting task that `needs` a deployment, as the scheduler sees it.
    /// A deployment no longer configured cannot hold the task up: it goes
    /// anywhere and fails with the engine's reason.
    pub fn placement<'a>(&self, needs: Option<&'a str>) -> WaitingTask<'a> {
        let known = |needs: &str| self.servers.iter().any(|server| server.deployment == needs);
        WaitingTask {
            needs: needs.filter(|needs| known(needs)),
        }
    }

    /// Whether a server other than `server` takes work.
    pub fn another_is_up(&self, server: &Server) -> bool {
        self.servers
            .iter()
            .any(|other| other.name != server.name && other.health.is_up())
    }

    /// A job on `server` failed this way: a connection that could not be
    /// made, broke or went silent drains the server.
    pub fn job_failed(&self, server: &Server, err: &BackendError) {
        if err.is_connection_failure() && server.health.failed(Instant::now(), err.to_string()) {
            tracing::warn!(server = %server.name, error = %err, "GPU server drained after a failed connection; checking it again shortly");
        }
    }

    /// Asks every server how it is now. The answer updates the standing
    /// of a server due a check, as the monitor would; one drained a moment
    /// ago keeps its back-off, so asking often cannot bring back a server
    /// whose health endpoint answers while its jobs fail.
    pub async fn reports(&self) -> Vec<Report<'_>> {
        join_all(self.servers.iter().map(|server| async move {
            let due = server.health.check_due(Instant::now());
            let engine = server.backend.health().await;
            if due {
                record(server, &engine);
            }
            Report { server, engine }
        }))
        .await
    }

    /// Checks the servers that are due, until `shutdown` turns true.
    pub async fn monitor(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(MONITOR_TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            let now = Instant::now();
            let due = self.servers.iter().filter(|s| s.health.check_due(now));
            join_all(due.map(|server| async move {
                let engine = server.backend.health().await;
                record(server, &engine);
            }))
            .await;
        }
    }
}

/// Updates a server's standing from its health answer, logging changes.
fn record(server: &Server, engine: &BackendHealth) {
    let now = Instant::now();
    match engine.status {
        HealthStatus::Ready | HealthStatus::Cold => {
            if server.health.passed(now) {
                tracing::info!(server = %server.name, "GPU server healthy again; it takes work");
            }
        }
        HealthStatus::Loading | HealthStatus::Error => {
            if server.health.failed(now, engine.label.clone()) {
                tracing::warn!(server = %server.name, why = %engine.label, "GPU server failed its health check; drained");
            }
        }
    }
}
