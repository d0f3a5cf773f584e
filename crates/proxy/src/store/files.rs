//! The generations' files: one folder each,
//! `generations/<id>/{input.png,state.bin,preview.mp4,models/<variant>.glb}`,
//! and the files derived from the models: `poster.png`, the web-optimized
//! `models/<variant>.{web,coarse}.glb` with their precompressed `.gz` and
//! `.br` copies, and `conversions/<variant>/<file>` each with a `.json`
//! record. The records describing them live in the database
//! ([`super::Records`]).
//!
//! Every file is written to a temporary name, synced and then renamed into
//! place, so a reader (or a restart after a crash) sees either the whole
//! old file or the whole new one, never half of either.
//!
//! With a bucket (`--store s3://…`) the folder is this proxy's copy of the
//! bucket's files ([`Mirror`]): each file is uploaded once it is in place,
//! before the caller records it, and fetched before it is first read.

use std::{
    collections::HashSet,
    fs::{self, File},
    io::{self, Write},
    path::{Path, PathBuf},
};

use super::mirror::Mirror;
use crate::id::{GenerationId, random_hex};

pub(super) const GENERATIONS_DIR: &str = "generations";
const INPUT_FILE: &str = "input.png";
const STATE_FILE: &str = "state.bin";
const VIDEO_FILE: &str = "preview.mp4";
const MODELS_DIR: &str = "models";
const POSTER_FILE: &str = "poster.png";
const CONVERSIONS_DIR: &str = "conversions";
/// Name endings of a model's files after the variant: the original and
/// the web-optimized levels. Their URLs end the same way.
pub const MODEL_SUFFIX: &str = ".glb";
pub const OPTIMIZED_SUFFIX: &str = ".web.glb";
pub const COARSE_SUFFIX: &str = ".coarse.glb";
/// Temporary files start with this; a crash can leave them behind, and
/// they are removed at the next start.
const TEMP_PREFIX: &str = ".tmp-";
/// Random bytes in a temporary name: enough that two writers never collide.
const TEMP_NAME_BYTES: usize = 8;

/// The folders of the generations.
#[derive(Debug)]
pub struct Files {
    root: PathBuf,
    mirror: Option<Mirror>,
}

impl Files {
    /// Opens (creating if needed) the generations' folder of `data_dir`.
    pub fn open(data_dir: &Path) -> io::Result<Self> {
        let root = data_dir.join(GENERATIONS_DIR);
        fs::create_dir_all(&root)?;
        Ok(Self { root, mirror: None })
    }

    /// Like [`Files::open`], with the files kept in `bucket` under `prefix`
    /// and the folder holding this proxy's copies. Fails when the bucket
    /// does not answer.
    pub async fn open_mirrored(
        data_dir: &Path,
        bucket: std::sync::Arc<dyn object_store::ObjectStore>,
        prefix: &str,
    ) -> io::Result<Self> {
        let mut files = Self::open(data_dir)?;
        let mirror = Mirror::new(bucket, prefix, &files.root);
        mirror.check().await?;
        files.mirror = Some(mirror);
        Ok(files)
    }

    /// Whether the files live in a bucket, with this folder as a copy.
    pub fn is_mirrored(&self) -> bool {
        self.mirror.is_some()
    }

    /// Uploads a file just put in place. On failure it is removed again,
    /// so this proxy never serves what the others cannot. A removal of the
    /// generation takes its folder away before emptying the bucket, so a
    /// file whose folder went while it was uploading is taken back out.
    async fn push(&self, path: &Path) -> io::Result<()> {
        let Some(mirror) = &self.mirror else {
            return Ok(());
        };
        let pushed = mirror.upload(path).await;
        if pushed.is_err() {
            let _ = tokio::fs::remove_file(path).await;
            return pushed;
        }
        if !tokio::fs::try_exists(path).await? {
            mirror.remove(path).await?;
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "the generation was removed while its file was uploading",
            ));
        }
        Ok(())
    }

    /// Makes sure this proxy has its copy of `path` before it is read.
    /// Nothing to do without a bucket, or when the copy is here; a file the
    /// bucket lacks stays missing, for the caller's open to report.
    pub async fn fetch(&self, path: &Path) -> io::Result<()> {
        let Some(mirror) = &self.mirror else {
            return Ok(());
        };
        if tokio::fs::try_exists(path).await? {
            return Ok(());
        }
        let dir = path
            .parent()
            .ok_or_else(|| io::Error::other("a file without a folder"))?;
        tokio::fs::create_dir_all(dir).await?;
        // Removed when dropped, so a failed download leaves nothing.
        let temp = temp_in(dir, &dir_name(path))?;
        if mirror.download(path, temp.path()).await? {
            tokio::fs::rename(temp.path(), path).await?;
        }
        Ok(())
    }

    /// Removes this proxy's copies of a generation another proxy removed
    /// from the bucket. Best effort: a later start clears what is left.
    pub async fn drop_copies(&self, id: &GenerationId) {
        if self.mirror.is_none() {
            return;
        }
        if let Err(err) = tokio::fs::remove_dir_all(self.dir(id)).await
            && err.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(%id, error = %err, "could not remove the local copies of a removed generation");
        }
    }

    /// Reads a whole file, fetched first.
    pub async fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.fetch(path).await?;
        tokio::fs::read(path).await
    }

    /// Like [`Files::fetch`] for every file the bucket holds under `dir`.
    pub async fn fetch_dir(&self, dir: &Path) -> io::Result<()> {
        let Some(mirror) = &self.mirror else {
            return Ok(());
        };
        for (path, _) in mirror.list(dir).await? {
            self.fetch(&path).await?;
        }
        Ok(())
    }

    pub(super) fn dir(&self, id: &GenerationId) -> PathBuf {
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
        self.dir(id)
            .join(MODELS_DIR)
            .join(format!("{variant}{MODEL_SUFFIX}"))
    }

    /// Where the web-optimized full level of a model is.
    pub fn optimized_path(&self, id: &GenerationId, variant: &str) -> PathBuf {
        self.dir(id)
            .join(MODELS_DIR)
            .join(format!("{variant}{OPTIMIZED_SUFFIX}"))
    }

    /// Where the coarse level of a model is.
    pub fn coarse_path(&self, id: &GenerationId, variant: &str) -> PathBuf {
        self.dir(id)
            .join(MODELS_DIR)
            .join(format!("{variant}{COARSE_SUFFIX}"))
    }

    /// Where the poster of a generation is.
    pub fn poster_path(&self, id: &GenerationId) -> PathBuf {
        self.dir(id).join(POSTER_FILE)
    }

    /// The folder of a generation's conversions, one folder per model.
    pub fn conversions_root(&self, id: &GenerationId) -> PathBuf {
        self.dir(id).join(CONVERSIONS_DIR)
    }

    /// The folder of a model's conversions. `variant` as for
    /// [`Files::model_path`].
    pub fn conversions_dir(&self, id: &GenerationId, variant: &str) -> PathBuf {
        self.conversions_root(id).join(variant)
    }

    /// The files of a generation's conversions whose names end in
    /// `suffix`, over all its models.
    pub async fn count_conversions(&self, id: &GenerationId, suffix: &str) -> io::Result<usize> {
        let root = self.conversions_root(id);
        if let Some(mirror) = &self.mirror {
            let files = mirror.list(&root).await?;
            return Ok(files
                .iter()
                .filter(|(path, _)| path.to_string_lossy().ends_with(suffix))
                .count());
        }
        let suffix = suffix.to_owned();
        blocking(move || {
            let mut count = 0;
            for dir in subdirs(&root)? {
                for entry in fs::read_dir(dir)? {
                    if entry?.file_name().to_string_lossy().ends_with(&suffix) {
                        count += 1;
                    }
                }
            }
            Ok(count)
        })
        .await
    }

    /// Creates the folder of a model's conversions if needed. Only its
    /// last two levels are created: a generation removed meanwhile stays
    /// removed (this fails) rather than growing an orphan folder.
    pub async fn create_conversions_dir(&self, id: &GenerationId, variant: &str) -> io::Result<()> {
        let dir = self.conversions_dir(id, variant);
        blocking(move || {
            for level in [dir.parent(), Some(dir.as_path())].into_iter().flatten() {
                match fs::create_dir(level) {
                    Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                    result => result?,
                }
            }
            Ok(())
        })
        .await
    }

    /// Stores a file made from a generation's files (an optimized model, a
    /// poster, a conversion) at `target`, inside that generation's folder.
    /// Its temporary file waits in the generations' root, which every start
    /// clears, because such files are also written for settled generations,
    /// whose folders a start does not look into. Fails, leaving nothing,
    /// when the generation was removed meanwhile. Returns the size.
    pub async fn store_derived(&self, target: PathBuf, bytes: Vec<u8>) -> io::Result<u64> {
        let temp = temp_in(&self.root, &dir_name(&target))?;
        let placed = target.clone();
        let size = blocking(move || {
            let mut file = File::create_new(temp.path())?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            fs::rename(temp.path(), &placed)?;
            if let Some(dir) = placed.parent() {
                sync_dir(dir)?;
            }
            Ok(bytes.len() as u64)
        })
        .await?;
        self.push(&target).await?;
        Ok(size)
    }

    /// Removes a derived file if it exists (a precompressed copy that a new
    /// version of its file no longer has).
    pub async fn remove_derived(&self, path: PathBuf) -> io::Result<()> {
        if let Some(mirror) = &self.mirror {
            mirror.remove(&path).await?;
        }
        match tokio::fs::remove_file(path).await {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            result => result,
        }
    }

    /// Creates a generation's folder with its input. Returns the bytes
    /// written. Until its record is stored the folder is an interrupted
    /// creation, which [`Files::remove_unknown`] removes at the next start.
    pub async fn create(&self, id: &GenerationId, input_png: Vec<u8>) -> io::Result<u64> {
        let dir = self.dir(id);
        let size = blocking(move || {
            fs::create_dir_all(dir.join(MODELS_DIR))?;
            write_atomic(&dir, INPUT_FILE, &input_png)?;
            Ok(input_png.len() as u64)
        })
        .await?;
        self.push(&self.input_path(id)).await?;
        Ok(size)
    }

    /// Gives generation `to` the input, state, preview video (when `video`)
    /// and model `variant` of generation `from`: hard links where the file
    /// system allows (the files never change once committed), else copies.
    /// Returns the bytes. Until its record is stored the new folder is an
    /// interrupted creation, removed at the next start.
    pub async fn share_result(
        &self,
        from: &GenerationId,
        to: &GenerationId,
        variant: &str,
        video: bool,
    ) -> io::Result<u64> {
        let mut pairs = vec![
            (self.input_path(from), self.input_path(to)),
            (self.model_path(from, variant), self.model_path(to, variant)),
        ];
        if video {
            pairs.push((self.video_path(from), self.video_path(to)));
        }
        // Optional: the state (engines without extraction leave none), and
        // the files made on the CPU afterwards (the poster and the
        // web-optimized levels with their precompressed copies), which a
        // model the renderer or optimizer could not handle lacks.
        let mut optional = vec![
            (self.state_path(from), self.state_path(to)),
            (self.poster_path(from), self.poster_path(to)),
        ];
        for (source, target) in [
            (
                self.optimized_path(from, variant),
                self.optimized_path(to, variant),
            ),
            (
                self.coarse_path(from, variant),
                self.coarse_path(to, variant),
            ),
        ] {
            for ending in ["", ".gz", ".br"] {
                optional.push((with_ending(&source, ending), with_ending(&target, ending)));
            }
        }
        let dir = self.dir(to);
        if let Some(mirror) = &self.mirror {
            tokio::fs::create_dir_all(dir.join(MODELS_DIR)).await?;
            return mirror_copies(mirror, pairs, optional).await;
        }
        blocking(move || {
            fs::create_dir_all(dir.join(MODELS_DIR))?;
            pairs.extend(optional.into_iter().filter(|(source, _)| source.exists()));
            let mut bytes = 0;
            for (source, target) in pairs {
                bytes += fs::metadata(&source)?.len();
                if fs::hard_link(&source, &target).is_err() {
                    let name = dir_name(&target);
                    let folder = target.parent().map(Path::to_owned).unwrap_or_default();
                    let temp = temp_in(&folder, &name)?;
                    fs::copy(&source, temp.path())?;
                    File::open(temp.path())?.sync_all()?;
                    fs::rename(temp.path(), &target)?;
                }
            }
            sync_dir(&dir)?;
            sync_dir(&dir.join(MODELS_DIR))?;
            Ok(bytes)
        })
        .await
    }

    /// Deletes a generation's folder. It is first renamed to a temporary
    /// name, atomically, so a crash midway leaves a folder that is no
    /// longer a generation's (and is removed at the next start), never a
    /// half-deleted one. A folder that is already gone is fine. Then its
    /// files leave the bucket, if there is one.
    pub async fn remove(&self, id: &GenerationId) -> io::Result<()> {
        let (root, dir) = (self.root.clone(), self.dir(id));
        let suffix = random_hex::<TEMP_NAME_BYTES>()?;
        let folder = dir.clone();
        blocking(move || {
            let doomed = root.join(format!("{TEMP_PREFIX}{}-{suffix}", dir_name(&folder)));
            match fs::rename(&folder, &doomed) {
                Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
                result => result?,
            }
            sync_dir(&root)?;
            fs::remove_dir_all(&doomed)
        })
        .await?;
        match &self.mirror {
            Some(mirror) => mirror.remove_dir(&dir).await,
            None => Ok(()),
        }
    }

    /// Reads a generation's normalized input.
    pub async fn read_input(&self, id: &GenerationId) -> io::Result<Vec<u8>> {
        self.read(&self.input_path(id)).await
    }

    /// A new temporary file in a generation's folder, for `name`.
    pub fn temp_file(&self, id: &GenerationId, name: &str) -> io::Result<TempFile> {
        temp_in(&self.copy_dir(self.dir(id))?, name)
    }

    /// A new temporary file next to where the model `variant` goes.
    pub fn temp_model(&self, id: &GenerationId, variant: &str) -> io::Result<TempFile> {
        temp_in(
            &self.copy_dir(self.dir(id).join(MODELS_DIR))?,
            &format!("{variant}{MODEL_SUFFIX}"),
        )
    }

    /// `dir`, created first when it holds copies of a bucket's files: this
    /// proxy may work on a generation another one created. Without a
    /// bucket a missing folder is a removed generation, not revived here.
    fn copy_dir(&self, dir: PathBuf) -> io::Result<PathBuf> {
        if self.mirror.is_some() {
            fs::create_dir_all(&dir)?;
        }
        Ok(dir)
    }

    /// Moves a finished temporary file to `target`, durably: the file is
    /// synced before the rename and the folder after. Returns its size.
    pub async fn commit(&self, temp: &TempFile, target: &Path) -> io::Result<u64> {
        let (temp, placed) = (temp.0.clone(), target.to_owned());
        let size = blocking(move || {
            let file = File::open(&temp)?;
            file.sync_all()?;
            let size = file.metadata()?.len();
            fs::rename(&temp, &placed)?;
            if let Some(dir) = placed.parent() {
                sync_dir(dir)?;
            }
            Ok(size)
        })
        .await?;
        self.push(target).await?;
        Ok(size)
    }

    /// The bytes a generation's files take, derived files included.
    pub async fn size(&self, id: &GenerationId) -> io::Result<u64> {
        let dir = self.dir(id);
        if let Some(mirror) = &self.mirror {
            return Ok(mirror.list(&dir).await?.iter().map(|(_, size)| size).sum());
        }
        blocking(move || {
            let mut total = files_size(&dir)? + files_size(&dir.join(MODELS_DIR))?;
            for variant in subdirs(&dir.join(CONVERSIONS_DIR))? {
                total += files_size(&variant)?;
            }
            Ok(total)
        })
        .await
    }

    /// Removes the temporary files a crash left in a generation's folder.
    /// Only generations that were being worked on can have any.
    pub async fn remove_temp_files(&self, id: &GenerationId) -> io::Result<()> {
        let dir = self.dir(id);
        blocking(move || {
            remove_temp_files(&dir)?;
            remove_temp_files(&dir.join(MODELS_DIR))
        })
        .await
    }

    /// Removes every folder that is not a generation in `known`: removals
    /// and creations a crash interrupted. Reads names only, so it is quick
    /// over a hundred thousand folders. Returns how many went.
    pub async fn remove_unknown(&self, known: HashSet<String>) -> io::Result<usize> {
        let root = self.root.clone();
        blocking(move || {
            let mut removed = 0;
            for entry in fs::read_dir(&root)? {
                let entry = entry?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if known.contains(name.as_ref()) {
                    continue;
                }
                let path = entry.path();
                if name.starts_with(TEMP_PREFIX) {
                    tracing::warn!(path = %path.display(), "removing what a crash left half-done (a removal, or a derived file being written)");
                } else if GenerationId::parse(&name).is_ok() {
                    tracing::warn!(id = %name, "removing the files of a creation a crash interrupted");
                } else {
                    tracing::warn!(path = %path.display(), "ignoring a file that is not a generation");
                    continue;
                }
                if path.is_dir() {
                    fs::remove_dir_all(&path)?;
                } else {
                    fs::remove_file(&path)?;
                }
                removed += 1;
            }
            Ok(removed)
        })
        .await
    }
}

/// [`Files::share_result`] inside a bucket: `required` must be there,
/// `optional` is copied where it is. The bytes copied.
async fn mirror_copies(
    mirror: &Mirror,
    required: Vec<(PathBuf, PathBuf)>,
    optional: Vec<(PathBuf, PathBuf)>,
) -> io::Result<u64> {
    let mut bytes = 0;
    for (source, target) in &required {
        bytes += mirror.copy(source, target).await?.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is missing from the bucket", source.display()),
            )
        })?;
    }
    for (source, target) in &optional {
        bytes += mirror.copy(source, target).await?.unwrap_or(0);
    }
    Ok(bytes)
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

fn temp_in(dir: &Path, name: &str) -> io::Result<TempFile> {
    let suffix = random_hex::<TEMP_NAME_BYTES>()?;
    Ok(TempFile(dir.join(format!("{TEMP_PREFIX}{name}-{suffix}"))))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// The bytes of the plain files directly in `dir` (0 when it is missing).
fn files_size(dir: &Path) -> io::Result<u64> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut total = 0;
    for entry in entries {
        let metadata = entry?.metadata()?;
        if metadata.is_file() {
            total += metadata.len();
        }
    }
    Ok(total)
}

/// The folders directly in `dir` (none when it is missing).
fn subdirs(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// `path` with `ending` added to its file name.
fn with_ending(path: &Path, ending: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(ending);
    PathBuf::from(name)
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
    let suffix = random_hex::<TEMP_NAME_BYTES>()?;
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
        fs::write(dir.path().join(".tmp-state-00"), b"half").unwrap();
        fs::write(dir.path().join("input.png"), b"kept").unwrap();
        remove_temp_files(dir.path()).unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["input.png"]);
    }

    #[tokio::test]
    async fn folders_of_unknown_generations_and_interrupted_removals_go() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        let (kept, orphan) = (
            GenerationId::random().unwrap(),
            GenerationId::random().unwrap(),
        );
        files.create(&kept, b"png".to_vec()).await.unwrap();
        files.create(&orphan, b"png".to_vec()).await.unwrap();
        fs::create_dir(dir.path().join(GENERATIONS_DIR).join(".tmp-x-00")).unwrap();
        let known = HashSet::from([kept.to_string()]);
        assert_eq!(files.remove_unknown(known).await.unwrap(), 2);
        assert!(files.input_path(&kept).is_file());
        assert!(!files.dir(&orphan).exists());
        assert_eq!(files.size(&kept).await.unwrap(), 3);
    }

    #[tokio::test]
    async fn derived_files_count_in_the_size_and_never_outlive_their_generation() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::open(dir.path()).unwrap();
        let id = GenerationId::random().unwrap();
        files.create(&id, b"png".to_vec()).await.unwrap();
        files
            .store_derived(files.optimized_path(&id, "v"), b"glTF..".to_vec())
            .await
            .unwrap();
        files.create_conversions_dir(&id, "v").await.unwrap();
        let target = files.conversions_dir(&id, "v").join("300mm.usdz");
        files.store_derived(target, b"usdz".to_vec()).await.unwrap();
        assert_eq!(files.size(&id).await.unwrap(), 3 + 6 + 4);

        files.remove(&id).await.unwrap();
        assert!(files.create_conversions_dir(&id, "v").await.is_err());
        let late = files.store_derived(files.poster_path(&id), b"png".to_vec());
        assert!(late.await.is_err());
        assert!(!files.dir(&id).exists(), "a late write revived the folder");
        let leftovers = fs::read_dir(dir.path().join(GENERATIONS_DIR))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0, "the temporary file stayed behind");
    }
}
