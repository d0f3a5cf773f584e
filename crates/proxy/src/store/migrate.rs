//! Importing a data dir from before the database: each folder then held
//! its record in `generation.json` and its token hash in
//! `delete_token.sha256`. Runs once, when the database is created; the old
//! files are left in place, so nothing is lost if the import is cut short.

use std::{fs, io, path::Path};

use trellis_api::Generation;

use super::{StoreError, StoredGeneration, files::GENERATIONS_DIR};
use crate::{id::GenerationId, tokens::TokenHash};

const LEGACY_RECORD_FILE: &str = "generation.json";
const LEGACY_TOKEN_HASH_FILE: &str = "delete_token.sha256";

/// A generation read from the old layout.
pub struct Legacy {
    pub id: GenerationId,
    pub stored: StoredGeneration,
}

/// Reads every old-layout generation under `data_dir`. Folders without a
/// readable record are logged and skipped, never deleted.
pub fn read_legacy(data_dir: &Path) -> Result<Vec<Legacy>, StoreError> {
    let root = data_dir.join(GENERATIONS_DIR);
    let entries = match fs::read_dir(&root) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Some(id) = entry
            .file_name()
            .to_str()
            .and_then(|n| GenerationId::parse(n).ok())
        else {
            continue;
        };
        let dir = entry.path();
        let record = match fs::read(dir.join(LEGACY_RECORD_FILE)) {
            Ok(record) => record,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err.into()),
        };
        let generation = match serde_json::from_slice::<Generation>(&record) {
            Ok(generation) if generation.id == id.as_str() => generation,
            _ => {
                tracing::error!(%id, "not importing a generation whose record is unreadable");
                continue;
            }
        };
        let owner = fs::read_to_string(dir.join(LEGACY_TOKEN_HASH_FILE))
            .ok()
            .map(|hex| TokenHash::from_stored(&hex));
        let extractions = u32::try_from(generation.models.len()).unwrap_or(u32::MAX);
        found.push(Legacy {
            id,
            stored: StoredGeneration {
                extractions,
                ..StoredGeneration::new(generation, owner)
            },
        });
    }
    found.sort_by_key(|legacy| legacy.stored.generation.created_at);
    Ok(found)
}
