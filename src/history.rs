//! This browser's own generations, kept in IndexedDB so they survive closed
//! tabs without accounts: thumbnail, settings and links.

use rexie::{ObjectStore, Rexie, TransactionMode};
use serde::{Deserialize, Serialize};
use trellis_api::{GenerateParams, JobStatus};
use wasm_bindgen::JsValue;

const DATABASE: &str = "trellis-studio";
/// Bump with every change to the stores' layout.
const DATABASE_VERSION: u32 = 1;
const STORE: &str = "generations";

/// One generation this browser started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    /// Unix milliseconds.
    pub created_at: f64,
    /// A small JPEG data URL of the input.
    pub thumbnail: String,
    pub name: String,
    pub params: GenerateParams,
    /// Proves to the server that this browser created the generation, so
    /// only it can cancel it, delete it or make new versions. Never put in
    /// links. Entries saved before the rename call it `delete_token`.
    #[serde(alias = "delete_token")]
    pub owner_token: Option<String>,
    /// How the job ended, as last seen; entries saved before this was kept
    /// have none.
    #[serde(default)]
    pub status: Option<JobStatus>,
}

/// Why history could not be read or written.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Your history could not be {0} (private browsing may block storage).")]
pub struct HistoryError(&'static str);

async fn open() -> Result<Rexie, HistoryError> {
    Rexie::builder(DATABASE)
        .version(DATABASE_VERSION)
        .add_object_store(ObjectStore::new(STORE))
        .build()
        .await
        .map_err(|_| HistoryError("opened"))
}

/// Adds or replaces an entry.
pub async fn save(entry: &HistoryEntry) -> Result<(), HistoryError> {
    let failed = |_| HistoryError("saved");
    let json = serde_json::to_string(entry).map_err(|_| HistoryError("saved"))?;
    let db = open().await?;
    let transaction = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(failed)?;
    let store = transaction.store(STORE).map_err(failed)?;
    store
        .put(
            &JsValue::from_str(&json),
            Some(&JsValue::from_str(&entry.id)),
        )
        .await
        .map_err(failed)?;
    transaction.done().await.map_err(failed)?;
    Ok(())
}

/// Every entry, newest first. Entries this version cannot read are skipped.
pub async fn list() -> Result<Vec<HistoryEntry>, HistoryError> {
    let failed = |_| HistoryError("read");
    let db = open().await?;
    let transaction = db
        .transaction(&[STORE], TransactionMode::ReadOnly)
        .map_err(failed)?;
    let store = transaction.store(STORE).map_err(failed)?;
    let values = store.get_all(None, None).await.map_err(failed)?;
    let mut entries: Vec<HistoryEntry> = values
        .into_iter()
        .filter_map(|v| v.as_string())
        .filter_map(|json| serde_json::from_str(&json).ok())
        .collect();
    entries.sort_by(|a, b| b.created_at.total_cmp(&a.created_at));
    Ok(entries)
}

/// Removes an entry.
pub async fn remove(id: &str) -> Result<(), HistoryError> {
    let failed = |_| HistoryError("changed");
    let db = open().await?;
    let transaction = db
        .transaction(&[STORE], TransactionMode::ReadWrite)
        .map_err(failed)?;
    let store = transaction.store(STORE).map_err(failed)?;
    store.delete(JsValue::from_str(id)).await.map_err(failed)?;
    transaction.done().await.map_err(failed)?;
    Ok(())
}
