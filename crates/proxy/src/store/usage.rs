//! Engine time spent per UTC day and engine, kept across restarts so a
//! restart does not reset the daily budget.

use rusqlite::{OptionalExtension as _, params};
use trellis_api::BackendKind;

use super::{StoreError, db::Db};

/// Engine seconds per day.
#[derive(Debug, Clone)]
pub struct Usage {
    db: Db,
}

impl Usage {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Seconds `backend` worked on `day` (days since the Unix epoch, UTC).
    pub async fn seconds(&self, day: u64, backend: BackendKind) -> Result<f64, StoreError> {
        self.db
            .call(move |conn| {
                Ok(conn
                    .query_row(
                        "SELECT seconds FROM engine_usage WHERE day = ?1 AND backend = ?2",
                        params![day, backend.as_str()],
                        |row| row.get(0),
                    )
                    .optional()?
                    .unwrap_or(0.0))
            })
            .await
    }

    /// Adds `seconds` to what `backend` worked on `day`.
    pub async fn add(
        &self,
        day: u64,
        backend: BackendKind,
        seconds: f64,
    ) -> Result<(), StoreError> {
        self.db
            .call(move |conn| {
                conn.execute(
                    "INSERT INTO engine_usage (day, backend, seconds) VALUES (?1, ?2, ?3)
                     ON CONFLICT (day, backend) DO UPDATE SET seconds = seconds + excluded.seconds",
                    params![day, backend.as_str(), seconds],
                )?;
                Ok(())
            })
            .await
    }
}
