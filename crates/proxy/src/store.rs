//! The data directory: one folder per generation,
//! `generations/<id>/{generation.json,delete_token.sha256,input.png,state.bin,preview.mp4,models/<variant>.glb}`.
//!
//! Every file is written to a temporary name in its final folder, synced and
//! then renamed into place, so a reader (or a restart after a crash) sees
//! either the whole old file or the whole new one, never half of either.

use std::{
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
};

use trellis_api::Generation;

use crate::{delete_token::TokenHash, error::AppError, id::GenerationId, id::random_hex};

const GENERATIONS_DIR: &str = "generations";
const GENERATION_FILE: &str = "generation.json";
const INPUT_FILE: &str = "input.png";
const STATE_FILE: &str = "state.bin";
const VIDEO_FILE: &str = "preview.mp4";
const MODELS_DIR: &str = "models";
/// The hash of the creator's delete token, beside the record rather than in
/// it, because the record is the wire type served to everyone.
const TOKEN_HASH_FILE: &str = "delete_token.sha256";
/// Temporary files start with this; a crash can leave them behind, and
/// [`Store::load_all`] removes them.
const TEMP_PREFIX: &str = ".tmp-";
/// Random bytes in a temporary name: enough that two writers never collide.
const TEMP_NAME_BYTES: usize = 8;

/// Access to the data directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the data directory.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let root = data_dir.join(GENERATIONS_DIR);
        fs::create_dir_all(&root)?;
        Ok(Self { root })
    }

    fn dir(&self, id: &GenerationId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Where the normalized input of a generation is.
    pub fn input_path(&self, id: &GenerationId) -> PathBuf {
        self.dir(id).join(INPUT_FILE)
    }

    /// Where the engine's state of a generation is.
    pub fn state_path(&self, id: &GenerationId) -> PathBuf {
        self.dir(id).join(STATE_FILE)
    }

    /// Where the preview video of a generation is.
    pub fn video_path(&self, id: &GenerationId) -> PathBuf {
        self.dir(id).join(VIDEO_FILE)
    }

    /// Where a model of a generation is. `variant` must come from
    /// `ExtractParams::variant_name`, which only makes safe file names.
    pub fn model_path(&self, id: &GenerationId, variant: &str) -> PathBuf {
        self.dir(id).join(MODELS_DIR).join(format!("{variant}.glb"))
    }

    /// Creates a generation's folder with its input and delete token hash,
    /// then its record. The record comes last: a folder without one is an
    /// interrupted creation.
    pub async fn create(
        &self,
        id: &GenerationId,
        generation: &Generation,
        token_hash: &TokenHash,
        input_png: Vec<u8>,
    ) -> Result<(), AppError> {
        let dir = self.dir(id);
        let record = serde_json::to_vec_pretty(generation).map_err(AppError::internal)?;
        let token_hash = token_hash.as_str().to_owned();
        blocking(move || {
            fs::create_dir_all(dir.join(MODELS_DIR))?;
            write_atomic(&dir, INPUT_FILE, &input_png)?;
            write_atomic(&dir, TOKEN_HASH_FILE, token_hash.as_bytes())?;
            write_atomic(&dir, GENERATION_FILE, &record)
        })
        .await
    }

    /// Deletes a generation's folder. It is first renamed to a temporary
    /// name, atomically, so a crash midway leaves a folder that is no
    /// longer a generation (and that [`Store::load_all`] removes), never a
    /// half-deleted one that would still be served.
    pub async fn remove(&self, id: &GenerationId) -> Result<(), AppError> {
        let (root, dir) = (self.root.clone(), self.dir(id));
        let suffix = random_hex::<TEMP_NAME_BYTES>()?;
        blocking(move || {
            let doomed = root.join(format!("{TEMP_PREFIX}{}-{suffix}", dir_name(&dir)));
            fs::rename(&dir, &doomed)?;
            sync_dir(&root)?;
            fs::remove_dir_all(&doomed)
        })
        .await
    }

    /// Replaces a generation's record.
    pub async fn save(&self, id: &GenerationId, generation: &Generation) -> Result<(), AppError> {
        let dir = self.dir(id);
        let record = serde_json::to_vec_pretty(generation).map_err(AppError::internal)?;
        blocking(move || write_atomic(&dir, GENERATION_FILE, &record)).await
    }

    /// Reads a generation's normalized input.
    pub async fn read_input(&self, id: &GenerationId) -> Result<Vec<u8>, AppError> {
        Ok(tokio::fs::read(self.input_path(id)).await?)
    }

    /// A new temporary file in a generation's folder, for `name`.
    pub fn temp_file(&self, id: &GenerationId, name: &str) -> Result<TempFile, AppError> {
        temp_in(&self.dir(id), name)
    }

    /// A new temporary file next to where the model `variant` goes.
    pub fn temp_model(&self, id: &GenerationId, variant: &str) -> Result<TempFile, AppError> {
        temp_in(&self.dir(id).join(MODELS_DIR), &format!("{variant}.glb"))
    }

    /// Moves a finished temporary file to `target`, durably: the file is
    /// synced before the rename and the folder after. Returns its size.
    pub async fn commit(&self, temp: &TempFile, target: &Path) -> Result<u64, AppError> {
        let (temp, target) = (temp.0.clone(), target.to_owned());
        blocking(move || {
            let file = File::open(&temp)?;
            file.sync_all()?;
            let size = file.metadata()?.len();
            fs::rename(&temp, &target)?;
            if let Some(dir) = target.parent() {
                sync_dir(dir)?;
            }
            Ok(size)
        })
        .await
    }

    /// Reads every stored generation, oldest first. Removes temporary files
    /// and interrupted creations; skips (and logs) anything unreadable
    /// rather than refusing to start.
    pub async fn load_all(&self) -> io::Result<Vec<Stored>> {
        let root = self.root.clone();
        let mut generations = tokio::task::spawn_blocking(move || load_all(&root))
            .await
            .map_err(io::Error::other)??;
        generations.sort_by(|a, b| {
            (a.generation.created_at, &a.id).cmp(&(b.generation.created_at, &b.id))
        });
        Ok(generations)
    }
}

/// A generation as read back from the data dir.
#[derive(Debug)]
pub struct Stored {
    pub id: GenerationId,
    pub generation: Generation,
    /// `None` for generations made before delete tokens existed: those can
    /// never be removed through the API.
    pub token_hash: Option<TokenHash>,
}

/// The last component of a path, for naming its temporary twin.
fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A temporary file an engine writes; removed when dropped unless it was
/// committed (renamed away) first. Its name starts with [`TEMP_PREFIX`], so
/// one left by a crash is removed at the next start.
#[derive(Debug)]
pub struct TempFile(PathBuf);

impl TempFile {
    /// Where the file goes.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        // Best effort, and usually nothing to do: committed files are gone.
        let _ = fs::remove_file(&self.0);
    }
}

fn temp_in(dir: &Path, name: &str) -> Result<TempFile, AppError> {
    let suffix = random_hex::<TEMP_NAME_BYTES>()?;
    Ok(TempFile(dir.join(format!("{TEMP_PREFIX}{name}-{suffix}"))))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    Ok(tokio::task::spawn_blocking(work).await??)
}

fn load_all(root: &Path) -> io::Result<Vec<Stored>> {
    let mut generations = Vec::new();
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(TEMP_PREFIX) && entry.path().is_dir() {
            tracing::warn!(path = %entry.path().display(), "finishing a removal that a crash interrupted");
            fs::remove_dir_all(entry.path())?;
            continue;
        }
        let Some(id) = name.to_str().and_then(|n| GenerationId::parse(n).ok()) else {
            tracing::warn!(path = %entry.path().display(), "ignoring a file that is not a generation");
            continue;
        };
        let dir = entry.path();
        if !dir.join(GENERATION_FILE).is_file() {
            tracing::warn!(%id, "removing a generation whose creation was interrupted");
            fs::remove_dir_all(&dir)?;
            continue;
        }
        remove_temp_files(&dir)?;
        remove_temp_files(&dir.join(MODELS_DIR))?;
        match read_record(&dir, &id) {
            Ok(generation) => generations.push(Stored {
                token_hash: read_token_hash(&dir, &id),
                id,
                generation,
            }),
            Err(err) => tracing::error!(%id, error = %err, "skipping an unreadable generation"),
        }
    }
    Ok(generations)
}

fn read_record(dir: &Path, id: &GenerationId) -> io::Result<Generation> {
    let generation: Generation = serde_json::from_slice(&fs::read(dir.join(GENERATION_FILE))?)?;
    if generation.id != id.as_str() {
        return Err(io::Error::other(format!(
            "record names id {} but lives in folder {id}",
            generation.id
        )));
    }
    Ok(generation)
}

/// The stored hash of a generation's delete token, if it has one. An
/// unreadable one is logged and treated as none: the generation is still
/// served, it just can no longer be removed, which errs on the safe side.
fn read_token_hash(dir: &Path, id: &GenerationId) -> Option<TokenHash> {
    match fs::read_to_string(dir.join(TOKEN_HASH_FILE)) {
        Ok(hex) => Some(TokenHash::from_stored(&hex)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => None,
        Err(err) => {
            tracing::error!(%id, error = %err, "unreadable delete token hash");
            None
        }
    }
}

fn remove_temp_files(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(err),
    };
    for entry in entries {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Writes `dir/name` so that it is never seen half-written: temp file in the
/// same folder (a rename is only atomic within one file system), fsync,
/// rename, then fsync the folder so the rename itself survives a crash.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let suffix = random_hex::<TEMP_NAME_BYTES>().map_err(io::Error::other)?;
    let temp = dir.join(format!("{TEMP_PREFIX}{name}-{suffix}"));
    let result = (|| {
        let mut file = File::create_new(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: the original error is what matters, and a leftover
        // temp file is removed at the next start anyway.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Directories cannot be opened for syncing outside Unix; the rename is
/// still atomic there, just not guaranteed durable across power loss.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "a.txt", b"one").unwrap();
        write_atomic(dir.path(), "a.txt", b"two").unwrap();
        assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_files_left_by_a_crash_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".tmp-generation.json-00"), b"half").unwrap();
        fs::write(dir.path().join("input.png"), b"kept").unwrap();
        remove_temp_files(dir.path()).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["input.png"]);
    }
}
