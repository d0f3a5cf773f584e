//! What the server keeps in its data dir: the generations' files
//! ([`Files`]), and a SQLite database with their records ([`Records`]),
//! the API keys ([`KeyTable`]) and the engine time spent ([`Usage`]).
//!
//! Records and files are separate on purpose: records are small, change
//! often and need queries (what is unsettled, what is oldest); files are
//! large and written once. Neither returns the HTTP error type.

mod db;
mod files;
mod keys;
mod migrate;
mod mirror;
mod records;
mod usage;

use std::{io, path::Path};

pub use self::{
    db::DB_FILE,
    files::{COARSE_SUFFIX, Files, MODEL_SUFFIX, OPTIMIZED_SUFFIX, TempFile},
    keys::{KeyInfo, KeyTable, NewKey},
    records::{Candidate, Lookup, Records, Removal, StoredGeneration},
    usage::Usage,
};
pub(crate) use files::write_atomic;
pub(crate) use records::{REUSE_CANDIDATES, from_columns, to_json};

/// Why the data dir could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("data directory: {0}")]
    Io(#[from] io::Error),
    #[error("records database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("a stored record is damaged: {0}")]
    Damaged(String),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    #[error("PostgreSQL connections: {0}")]
    Pool(String),
}

/// Everything in a data dir.
#[derive(Debug)]
pub struct Store {
    pub files: Files,
    pub records: Records,
    pub keys: KeyTable,
    pub usage: Usage,
}

/// The tables of a data dir's database, without its files.
#[derive(Debug, Clone)]
pub struct Tables {
    pub records: Records,
    pub keys: KeyTable,
    pub usage: Usage,
}

impl Store {
    /// Opens (creating if needed) `data_dir`, with the generations' files
    /// in `data_dir` too. A new database over a data dir of the old layout
    /// imports its generations first; folders without a record (an
    /// interrupted creation) are removed.
    pub async fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let files = Files::open(data_dir)?;
        Self::open_with_files(data_dir, files, true).await
    }

    /// Like [`Store::open`], with the generations' files in `files`.
    /// `clean`: remove folders without a record; never with a folder other
    /// proxies share, where one may be halfway through creating one.
    pub async fn open_with_files(
        data_dir: &Path,
        files: Files,
        clean: bool,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let (db, created) = db::Db::open(data_dir)?;
        let store = Self {
            files,
            records: Records::new(db.clone()),
            keys: KeyTable::new(db.clone()),
            usage: Usage::new(db),
        };
        if created {
            store.import_legacy(data_dir).await?;
        } else if clean {
            let known = store.records.ids().await?;
            store.files.remove_unknown(known).await?;
        }
        Ok(store)
    }

    /// Opens only the database, for `trellis-proxy keys`.
    pub fn open_tables(data_dir: &Path) -> Result<Tables, StoreError> {
        std::fs::create_dir_all(data_dir)?;
        let (db, _) = db::Db::open(data_dir)?;
        Ok(Tables {
            records: Records::new(db.clone()),
            keys: KeyTable::new(db.clone()),
            usage: Usage::new(db),
        })
    }

    /// Its tables, for the embedded repository.
    pub fn tables(&self) -> Tables {
        Tables {
            records: self.records.clone(),
            keys: self.keys.clone(),
            usage: self.usage.clone(),
        }
    }

    async fn import_legacy(&self, data_dir: &Path) -> Result<(), StoreError> {
        let dir = data_dir.to_owned();
        let legacy = tokio::task::spawn_blocking(move || migrate::read_legacy(&dir))
            .await
            .map_err(|err| StoreError::Io(io::Error::other(err)))??;
        if legacy.is_empty() {
            return Ok(());
        }
        tracing::info!(
            count = legacy.len(),
            "importing generations stored before the records database"
        );
        for generation in legacy {
            let bytes = self.files.size(&generation.id).await?;
            self.records
                .insert(&generation.id, &generation.stored, bytes)
                .await?;
        }
        Ok(())
    }
}
