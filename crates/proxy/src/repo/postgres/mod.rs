//! The shared repository: PostgreSQL, for any number of proxies.
//!
//! The line is the `tasks` table. A proxy claims the first task a free
//! server can run with `SELECT … FOR UPDATE SKIP LOCKED` under an advisory
//! lock (claims one at a time, so they follow the line), stamps it with a
//! lease and renews the lease while the task runs. A proxy that dies stops
//! renewing; once its leases expire another proxy takes their tasks over.
//! Every change is also a notification on one channel, so every proxy's
//! event streams follow every job.

mod listen;
mod rows;
mod schema;
#[cfg(test)]
mod tests;

use std::{
    collections::{HashMap, HashSet},
    num::NonZeroU32,
    str::FromStr as _,
    time::Duration,
};

use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Object, RecyclingMethod};
use tokio::{sync::broadcast, task::JoinHandle};
use tokio_postgres::{NoTls, Transaction, types::ToSql};
use trellis_api::BackendKind;

use self::schema::{CHANNEL, CLAIM_LOCK, GENERATION_COLUMNS, SCHEMA, SCHEMA_LOCK, TASK_COLUMNS};
use super::{
    Candidate, Change, Chooser, Effect, Event, KeyInfo, Lease, Line, Lookup, NewKey, NewTask,
    Observed, Progress, Removal, Repository, RunningTask, StoreError, StoredGeneration,
    event_channel, rate,
};
use crate::{
    clock::now_ms,
    id::{GenerationId, random_hex},
    secret::Secret,
    store::{REUSE_CANDIDATES, to_json},
    tokens::TokenHash,
};

/// Connections each proxy keeps open at most: requests hold one for a few
/// milliseconds, so a few serve hundreds of requests a second.
const MAX_CONNECTIONS: usize = 16;
/// Waiting tasks the scheduler looks at per claim: the head of the line,
/// deep enough to find work for a free server past tasks that must wait
/// for a busy one.
const CLAIM_WINDOW: i64 = 500;
/// Random bytes naming this proxy in leases and notifications.
const ORIGIN_BYTES: usize = 8;

/// PostgreSQL shared by every proxy given the same URL.
pub struct Postgres {
    pool: deadpool_postgres::Pool,
    /// This proxy, in leases and notifications.
    origin: String,
    lease: Duration,
    events: broadcast::Sender<Event>,
    listener: JoinHandle<()>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

fn pool_error(err: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(err.to_string())
}

impl Postgres {
    /// Connects to the database at `url`, making its tables if needed.
    /// `lease` is how long this proxy's claims last unless renewed.
    pub async fn connect(url: &Secret, lease: Duration) -> Result<Self, StoreError> {
        let config = tokio_postgres::Config::from_str(url.expose())?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .build()
            .map_err(pool_error)?;
        let client = pool.get().await.map_err(pool_error)?;
        client
            .batch_execute(&format!(
                "SELECT pg_advisory_lock({SCHEMA_LOCK}); {SCHEMA} SELECT pg_advisory_unlock({SCHEMA_LOCK});"
            ))
            .await?;
        drop(client);
        let origin = random_hex::<ORIGIN_BYTES>()?;
        let events = event_channel();
        let listener = tokio::spawn(listen::listen(config, origin.clone(), events.clone()));
        Ok(Self {
            pool,
            origin,
            lease,
            events,
            listener,
        })
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_error)
    }

    /// The lease in milliseconds, as the interval arithmetic takes it.
    fn lease_ms(&self) -> f64 {
        self.lease.as_secs_f64() * 1000.0
    }

    /// Notifies every proxy, when the transaction commits.
    async fn notify(transaction: &Transaction<'_>, payload: &str) -> Result<(), StoreError> {
        transaction
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
            .await?;
        Ok(())
    }

    async fn notify_line(&self, transaction: &Transaction<'_>) -> Result<(), StoreError> {
        Self::notify(transaction, &rows::line_payload(&self.origin)).await
    }

    /// Runs one statement on the tasks and tells every proxy that the line
    /// moved, in one transaction. Returns the rows it touched.
    async fn change_line(
        &self,
        statement: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let touched = transaction.execute(statement, params).await?;
        self.notify_line(&transaction).await?;
        transaction.commit().await?;
        self.tell(Event::Line);
        Ok(touched)
    }

    /// Tells this proxy's own listeners (notifications from itself are
    /// skipped by its listener).
    fn tell(&self, event: Event) {
        let _ = self.events.send(event);
    }

    fn changed(&self, id: &GenerationId, stored: &StoredGeneration) {
        self.tell(Event::Changed {
            id: id.clone(),
            version: stored.version,
            stored: Some(Box::new(stored.clone())),
        });
    }

    async fn insert_task(
        &self,
        transaction: &Transaction<'_>,
        task: &NewTask,
    ) -> Result<(), StoreError> {
        let (kind, variant) = rows::kind_columns(&task.kind);
        transaction
            .execute(
                "INSERT INTO tasks (generation_id, kind, variant, expected_ms, needs)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &task.id.as_str(),
                    &kind,
                    &variant,
                    &rows::ms(task.expected),
                    &task.needs,
                ],
            )
            .await?;
        self.notify_line(transaction).await
    }

    /// Runs a statement on one of this proxy's leases; whether it applied.
    async fn on_lease(&self, lease: &Lease, statement: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let rows = client
            .execute(statement, &[&lease.task.seq, &self.origin])
            .await?;
        Ok(rows > 0)
    }

    fn leases(rows: &[tokio_postgres::Row]) -> Result<Vec<Lease>, StoreError> {
        rows.iter()
            .map(|row| {
                let claimed: i64 = row.try_get(6)?;
                Ok(Lease {
                    task: rows::task(row)?,
                    server: row.try_get(7)?,
                    claimed_at: u64::try_from(claimed).unwrap_or_default(),
                    accepted: row.try_get(8)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Repository for Postgres {
    fn is_exclusive(&self) -> bool {
        false
    }

    fn events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn publish_progress(&self, id: &GenerationId, progress: Progress) {
        self.tell(Event::Progress {
            id: id.clone(),
            progress,
        });
        let payload = rows::progress_payload(&self.origin, id, progress);
        let sent = match self.client().await {
            Ok(client) => client
                .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
                .await
                .map(drop)
                .map_err(StoreError::from),
            Err(err) => Err(err),
        };
        if let Err(err) = sent {
            tracing::debug!(error = %err, "could not share a job's progress");
        }
    }

    async fn insert(
        &self,
        id: &GenerationId,
        stored: &StoredGeneration,
        bytes: u64,
        task: Option<NewTask>,
    ) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let generation = &stored.generation;
        transaction
            .execute(
                "INSERT INTO generations (id, created_at, settled, owner_hash, extractions, bytes, record, version, cache_key, deployment)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &id.as_str(),
                    &i64::try_from(generation.created_at).unwrap_or(i64::MAX),
                    &generation.is_settled(),
                    &stored.owner.as_ref().map(|owner| owner.as_str()),
                    &i32::try_from(stored.extractions).unwrap_or(i32::MAX),
                    &i64::try_from(bytes).unwrap_or(i64::MAX),
                    &to_json(generation)?,
                    &rows::version(stored.version),
                    &stored.cache_key,
                    &stored.deployment,
                ],
            )
            .await?;
        Self::notify(
            &transaction,
            &rows::changed_payload(&self.origin, id, stored.version),
        )
        .await?;
        if let Some(task) = &task {
            self.insert_task(&transaction, task).await?;
        }
        transaction.commit().await?;
        self.changed(id, stored);
        if task.is_some() {
            self.tell(Event::Line);
        }
        Ok(())
    }

    async fn lookup(&self, id: &GenerationId) -> Result<Lookup, StoreError> {
        let client = self.client().await?;
        let found = client
            .query_opt(
                &format!("SELECT {GENERATION_COLUMNS} FROM generations WHERE id = $1"),
                &[&id.as_str()],
            )
            .await?;
        if let Some(row) = found {
            return Ok(Lookup::Found(Box::new(rows::stored(&row)?.1)));
        }
        let reason = client
            .query_opt("SELECT reason FROM removed WHERE id = $1", &[&id.as_str()])
            .await?
            .map(|row| row.try_get::<_, String>(0))
            .transpose()?;
        Ok(match reason.as_deref() {
            Some("deleted") => Lookup::Removed(Removal::Deleted),
            Some(_) => Lookup::Removed(Removal::Expired),
            None => Lookup::Unknown,
        })
    }

    async fn update(
        &self,
        id: &GenerationId,
        change: Change,
    ) -> Result<Option<StoredGeneration>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let Some(row) = transaction
            .query_opt(
                &format!("SELECT {GENERATION_COLUMNS} FROM generations WHERE id = $1 FOR UPDATE"),
                &[&id.as_str()],
            )
            .await?
        else {
            return Ok(None);
        };
        let (_, mut stored) = rows::stored(&row)?;
        let effect = change(&mut stored);
        if effect == Effect::Unchanged {
            return Ok(None);
        }
        stored.version += 1;
        transaction
            .execute(
                "UPDATE generations SET settled = $2, extractions = $3, record = $4, version = $5,
                     cache_key = $6, deployment = $7
                 WHERE id = $1",
                &[
                    &id.as_str(),
                    &stored.generation.is_settled(),
                    &i32::try_from(stored.extractions).unwrap_or(i32::MAX),
                    &to_json(&stored.generation)?,
                    &rows::version(stored.version),
                    &stored.cache_key,
                    &stored.deployment,
                ],
            )
            .await?;
        Self::notify(
            &transaction,
            &rows::changed_payload(&self.origin, id, stored.version),
        )
        .await?;
        let queued = if let Effect::Queue(task) = &effect {
            self.insert_task(&transaction, task).await?;
            true
        } else {
            false
        };
        transaction.commit().await?;
        self.changed(id, &stored);
        if queued {
            self.tell(Event::Line);
        }
        Ok(Some(stored))
    }

    async fn set_bytes(&self, id: &GenerationId, bytes: u64) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE generations SET bytes = $2 WHERE id = $1",
                &[&id.as_str(), &i64::try_from(bytes).unwrap_or(i64::MAX)],
            )
            .await?;
        Ok(())
    }

    async fn remove(&self, id: &GenerationId, why: Removal) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("DELETE FROM generations WHERE id = $1", &[&id.as_str()])
            .await?;
        transaction
            .execute(
                "DELETE FROM tasks WHERE generation_id = $1 AND state = 'queued'",
                &[&id.as_str()],
            )
            .await?;
        let reason = match why {
            Removal::Expired => "expired",
            Removal::Deleted => "deleted",
        };
        transaction
            .execute(
                "INSERT INTO removed (id, removed_at, reason) VALUES ($1, $2, $3)
                 ON CONFLICT (id) DO UPDATE SET removed_at = excluded.removed_at, reason = excluded.reason",
                &[
                    &id.as_str(),
                    &i64::try_from(now_ms()).unwrap_or(i64::MAX),
                    &reason,
                ],
            )
            .await?;
        Self::notify(
            &transaction,
            &rows::changed_payload(&self.origin, id, u64::MAX),
        )
        .await?;
        self.notify_line(&transaction).await?;
        transaction.commit().await?;
        self.tell(Event::Changed {
            id: id.clone(),
            version: u64::MAX,
            stored: None,
        });
        self.tell(Event::Line);
        Ok(())
    }

    async fn unsettled(&self) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {GENERATION_COLUMNS} FROM generations WHERE NOT settled ORDER BY created_at, id"
                ),
                &[],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| rows::stored(row).ok())
            .collect())
    }

    async fn ids(&self) -> Result<HashSet<String>, StoreError> {
        let client = self.client().await?;
        let rows = client.query("SELECT id FROM generations", &[]).await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<_, String>(0)?))
            .collect()
    }

    async fn settled(
        &self,
        cutoff_ms: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let cutoff = cutoff_ms.map_or(i64::MAX, |ms| i64::try_from(ms).unwrap_or(i64::MAX));
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT id, bytes FROM generations WHERE settled AND created_at < $1
                 ORDER BY created_at, id LIMIT $2",
                &[&cutoff, &limit],
            )
            .await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get(0)?;
            let bytes: i64 = row.try_get(1)?;
            if let Ok(id) = GenerationId::parse(&id) {
                candidates.push(Candidate {
                    id,
                    bytes: u64::try_from(bytes).unwrap_or_default(),
                });
            }
        }
        Ok(candidates)
    }

    async fn total_bytes(&self) -> Result<u64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "SELECT coalesce(sum(bytes), 0)::BIGINT FROM generations",
                &[],
            )
            .await?;
        let total: i64 = row.try_get(0)?;
        Ok(u64::try_from(total).unwrap_or_default())
    }

    async fn reusable(
        &self,
        cache_key: &str,
    ) -> Result<Vec<(GenerationId, StoredGeneration)>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {GENERATION_COLUMNS} FROM generations WHERE cache_key = $1 AND settled
                     ORDER BY created_at DESC LIMIT {REUSE_CANDIDATES}"
                ),
                &[&cache_key],
            )
            .await?;
        Ok(rows
            .iter()
            .filter_map(|row| rows::stored(row).ok())
            .filter(|(_, stored)| stored.is_reusable())
            .collect())
    }

    async fn waiting(&self) -> Result<usize, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one("SELECT count(*) FROM tasks WHERE state = 'queued'", &[])
            .await?;
        let count: i64 = row.try_get(0)?;
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    async fn claim(&self, choose: &Chooser<'_>) -> Result<Option<Lease>, StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        transaction
            .execute("SELECT pg_advisory_xact_lock($1)", &[&CLAIM_LOCK])
            .await?;
        let waiting = transaction
            .query(
                &format!(
                    "SELECT {TASK_COLUMNS} FROM tasks WHERE state = 'queued'
                     ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED"
                ),
                &[&CLAIM_WINDOW],
            )
            .await?;
        if waiting.is_empty() {
            return Ok(None);
        }
        let waiting = waiting
            .iter()
            .map(rows::task)
            .collect::<Result<Vec<_>, _>>()?;
        let loads = transaction
            .query(
                "SELECT server, count(*) FROM tasks WHERE state = 'running' GROUP BY server",
                &[],
            )
            .await?;
        let loads: Vec<(String, i64)> = loads
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_, StoreError>>()?;
        let running: HashMap<&str, usize> = loads
            .iter()
            .map(|(server, count)| (server.as_str(), usize::try_from(*count).unwrap_or_default()))
            .collect();
        let Some((index, server)) = choose(&waiting, &running) else {
            return Ok(None);
        };
        let task = waiting
            .get(index)
            .cloned()
            .ok_or_else(|| StoreError::Damaged("the scheduler chose no task".to_owned()))?;
        let claimed = transaction
            .query_one(
                "UPDATE tasks SET state = 'running', server = $2, owner = $3, claimed_at = clock_timestamp(),
                     lease_expires = clock_timestamp() + $4 * interval '1 millisecond', accepted = FALSE
                 WHERE seq = $1
                 RETURNING (extract(epoch FROM claimed_at) * 1000)::BIGINT",
                &[&task.seq, &server, &self.origin, &self.lease_ms()],
            )
            .await?;
        let claimed_at: i64 = claimed.try_get(0)?;
        self.notify_line(&transaction).await?;
        transaction.commit().await?;
        self.tell(Event::Line);
        Ok(Some(Lease {
            task,
            server,
            claimed_at: u64::try_from(claimed_at).unwrap_or_default(),
            accepted: false,
        }))
    }

    async fn heartbeat(&self, lease: &Lease) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let rows = client
            .execute(
                "UPDATE tasks SET lease_expires = clock_timestamp() + $3 * interval '1 millisecond'
                 WHERE seq = $1 AND owner = $2 AND state = 'running'",
                &[&lease.task.seq, &self.origin, &self.lease_ms()],
            )
            .await?;
        Ok(rows > 0)
    }

    async fn accept(&self, lease: &Lease) -> Result<(), StoreError> {
        self.on_lease(
            lease,
            "UPDATE tasks SET accepted = TRUE WHERE seq = $1 AND owner = $2",
        )
        .await
        .map(drop)
    }

    async fn finish(&self, lease: &Lease) -> Result<(), StoreError> {
        self.change_line(
            "DELETE FROM tasks WHERE seq = $1 AND owner = $2",
            &[&lease.task.seq, &self.origin],
        )
        .await
        .map(drop)
    }

    async fn requeue(&self, lease: &Lease) -> Result<(), StoreError> {
        self.change_line(
            "UPDATE tasks SET state = 'queued', server = NULL, owner = NULL, claimed_at = NULL,
                 lease_expires = NULL, accepted = FALSE
             WHERE seq = $1 AND owner = $2",
            &[&lease.task.seq, &self.origin],
        )
        .await
        .map(drop)
    }

    async fn dequeue(&self, id: &GenerationId) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let transaction = client.transaction().await?;
        let removed = transaction
            .execute(
                "DELETE FROM tasks WHERE generation_id = $1 AND state = 'queued'",
                &[&id.as_str()],
            )
            .await?;
        if removed > 0 {
            self.notify_line(&transaction).await?;
        }
        transaction.commit().await?;
        if removed > 0 {
            self.tell(Event::Line);
        }
        Ok(())
    }

    async fn take_over_expired(&self) -> Result<Vec<Lease>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "UPDATE tasks SET owner = $1, lease_expires = clock_timestamp() + $2 * interval '1 millisecond'
                     WHERE seq IN (
                         SELECT seq FROM tasks WHERE state = 'running' AND lease_expires < clock_timestamp()
                         FOR UPDATE SKIP LOCKED
                     )
                     RETURNING {TASK_COLUMNS}, (extract(epoch FROM claimed_at) * 1000)::BIGINT, server, accepted"
                ),
                &[&self.origin, &self.lease_ms()],
            )
            .await?;
        Self::leases(&rows)
    }

    async fn line(&self) -> Result<Line, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {TASK_COLUMNS}, state, server,
                         (extract(epoch FROM (clock_timestamp() - claimed_at)) * 1000)::BIGINT
                     FROM tasks ORDER BY seq"
                ),
                &[],
            )
            .await?;
        let mut line = Line::default();
        for row in &rows {
            let task = rows::task(row)?;
            let state: String = row.try_get(6)?;
            if state == "running" {
                let elapsed: Option<i64> = row.try_get(8)?;
                line.running.push(RunningTask {
                    server: row.try_get::<_, Option<String>>(7)?.unwrap_or_default(),
                    expected: task.expected,
                    elapsed: Duration::from_millis(
                        elapsed
                            .and_then(|ms| u64::try_from(ms).ok())
                            .unwrap_or_default(),
                    ),
                });
            } else {
                line.waiting.push(task);
            }
        }
        Ok(line)
    }

    async fn timings(&self) -> Result<HashMap<String, Observed>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query("SELECT key, seconds, runs FROM timings", &[])
            .await?;
        rows.iter()
            .map(|row| {
                let runs: i64 = row.try_get(2)?;
                Ok((
                    row.try_get(0)?,
                    Observed {
                        seconds: row.try_get(1)?,
                        runs: u64::try_from(runs).unwrap_or_default(),
                    },
                ))
            })
            .collect()
    }

    async fn observe(
        &self,
        key: &str,
        seconds: f64,
        smoothing: f64,
    ) -> Result<Observed, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO timings (key, seconds, runs) VALUES ($1, $2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                     seconds = timings.seconds + $3 * ($2 - timings.seconds),
                     runs = timings.runs + 1
                 RETURNING seconds, runs",
                &[&key, &seconds, &smoothing],
            )
            .await?;
        let runs: i64 = row.try_get(1)?;
        Ok(Observed {
            seconds: row.try_get(0)?,
            runs: u64::try_from(runs).unwrap_or_default(),
        })
    }

    async fn usage(&self, day: u64, backend: BackendKind) -> Result<f64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT seconds FROM engine_usage WHERE day = $1 AND backend = $2",
                &[&i64::try_from(day).unwrap_or(i64::MAX), &backend.as_str()],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?.unwrap_or(0.0))
    }

    async fn add_usage(
        &self,
        day: u64,
        backend: BackendKind,
        seconds: f64,
    ) -> Result<f64, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                "INSERT INTO engine_usage (day, backend, seconds) VALUES ($1, $2, $3)
                 ON CONFLICT (day, backend) DO UPDATE SET seconds = engine_usage.seconds + excluded.seconds
                 RETURNING seconds",
                &[
                    &i64::try_from(day).unwrap_or(i64::MAX),
                    &backend.as_str(),
                    &seconds,
                ],
            )
            .await?;
        Ok(row.try_get(0)?)
    }

    async fn add_key(&self, key: NewKey) -> Result<bool, StoreError> {
        let client = self.client().await?;
        // The unique index on active names decides between proxies.
        let inserted = client
            .execute(
                "INSERT INTO api_keys (name, hash, prefix, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&key.name, &key.hash.as_str(), &key.prefix, &unix_ms_now()],
            )
            .await?;
        Ok(inserted == 1)
    }

    async fn keys(&self) -> Result<Vec<KeyInfo>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                "SELECT name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
                &[],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let created_at: i64 = row.try_get(2)?;
                let revoked_at: Option<i64> = row.try_get(3)?;
                Ok(KeyInfo {
                    name: row.try_get(0)?,
                    prefix: row.try_get(1)?,
                    created_at: u64::try_from(created_at).unwrap_or_default(),
                    revoked_at: revoked_at.map(|at| u64::try_from(at).unwrap_or_default()),
                })
            })
            .collect()
    }

    async fn revoke_key(&self, name: &str) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let revoked = client
            .execute(
                "UPDATE api_keys SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                &[&name, &unix_ms_now()],
            )
            .await?;
        Ok(revoked > 0)
    }

    async fn key_name(&self, hash: &TokenHash) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT name FROM api_keys WHERE hash = $1 AND revoked_at IS NULL",
                &[&hash.as_str()],
            )
            .await?;
        Ok(row.map(|row| row.try_get(0)).transpose()?)
    }

    async fn count_hourly(
        &self,
        client: &TokenHash,
        per_hour: NonZeroU32,
    ) -> Result<Option<Duration>, StoreError> {
        let mut connection = self.client().await?;
        let transaction = connection.transaction().await?;
        // The client's row (a new one holds no count yet), locked until the
        // count is decided, so proxies counting one client at once take
        // turns, even for its first generation.
        transaction
            .execute(
                "INSERT INTO client_rates (client, tat_ms) VALUES ($1, 0) ON CONFLICT DO NOTHING",
                &[&client.as_str()],
            )
            .await?;
        let tat: i64 = transaction
            .query_one(
                "SELECT tat_ms FROM client_rates WHERE client = $1 FOR UPDATE",
                &[&client.as_str()],
            )
            .await?
            .try_get(0)?;
        let tat = u64::try_from(tat).unwrap_or_default();
        let next = match rate::take(Some(tat), now_ms(), per_hour) {
            Ok(next) => next,
            Err(wait) => return Ok(Some(wait)),
        };
        transaction
            .execute(
                "UPDATE client_rates SET tat_ms = $2 WHERE client = $1",
                &[&client.as_str(), &i64::try_from(next).unwrap_or(i64::MAX)],
            )
            .await?;
        transaction.commit().await?;
        Ok(None)
    }

    async fn forget_quiet_clients(&self) -> Result<(), StoreError> {
        self.client()
            .await?
            .execute(
                "DELETE FROM client_rates WHERE tat_ms <= $1",
                &[&unix_ms_now()],
            )
            .await?;
        Ok(())
    }
}

/// Now, in Unix milliseconds, as the tables store it.
fn unix_ms_now() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}
