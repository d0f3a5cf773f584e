//! The generations' files in an S3-compatible bucket (`--store s3://…`),
//! shared by every proxy given the same one, through the `object_store`
//! crate (the Apache Arrow project's client: one interface over S3, MinIO,
//! R2 and the like, with streaming multipart uploads and ranged reads).
//!
//! The bucket holds the files; each proxy's data dir holds a read-through
//! copy of those it has used, because the engines, the converters and the
//! file server work on files. A file is uploaded before the record that
//! names it is saved, so another proxy never finds a record whose file the
//! bucket lacks; it is fetched the first time this proxy needs it.
//! Nothing goes through memory whole: uploads stream from the file in
//! parts, downloads stream into a temporary file.

use std::{
    fmt, io,
    path::{Path, PathBuf},
    sync::Arc,
};

use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::{ObjectStore, ObjectStoreExt as _, buffered::BufWriter, path::Path as Key};
use tokio::io::{AsyncWriteExt as _, BufReader};

/// Bytes buffered before an upload turns multipart; also each part's size.
/// S3 needs parts of at least 5 MiB; a GLB of a few MB goes in one request.
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Parts of one upload in flight at once: enough to fill a link without
/// holding more than a few parts in memory.
const PARTS_IN_FLIGHT: usize = 4;

/// A bucket (under a prefix) holding the files of a local folder.
#[derive(Clone)]
pub struct Mirror {
    bucket: Arc<dyn ObjectStore>,
    prefix: Key,
    local_root: PathBuf,
}

/// The bucket's name and prefix only: never its client's settings.
impl fmt::Debug for Mirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mirror({}/{})", self.bucket, self.prefix)
    }
}

impl Mirror {
    /// `bucket`, under `prefix`, mirroring `local_root`.
    pub fn new(bucket: Arc<dyn ObjectStore>, prefix: &str, local_root: &Path) -> Self {
        Self {
            bucket,
            prefix: Key::from(prefix),
            local_root: local_root.to_owned(),
        }
    }

    /// Checks that the bucket answers, so a wrong endpoint or credential
    /// stops the start rather than the first job.
    pub async fn check(&self) -> io::Result<()> {
        self.bucket
            .list_with_delimiter(Some(&self.prefix))
            .await
            .map(drop)
            .map_err(io::Error::from)
    }

    /// The object of a local path under the mirrored folder.
    fn key(&self, local: &Path) -> io::Result<Key> {
        let relative = local.strip_prefix(&self.local_root).map_err(|_| {
            io::Error::other(format!(
                "{} is outside the mirrored folder",
                local.display()
            ))
        })?;
        Ok(relative.iter().fold(self.prefix.clone(), |key, part| {
            key.join(part.to_string_lossy().as_ref())
        }))
    }

    /// Uploads a local file, streaming it in parts.
    pub async fn upload(&self, local: &Path) -> io::Result<()> {
        let key = self.key(local)?;
        let file = tokio::fs::File::open(local).await?;
        let mut upload = BufWriter::with_capacity(Arc::clone(&self.bucket), key, PART_BYTES)
            .with_max_concurrency(PARTS_IN_FLIGHT);
        let copied =
            tokio::io::copy_buf(&mut BufReader::with_capacity(PART_BYTES, file), &mut upload).await;
        match copied {
            Ok(_) => upload.shutdown().await,
            Err(err) => {
                // Best effort: S3 keeps an unfinished multipart upload's
                // parts until it is aborted.
                let _ = upload.abort().await;
                Err(err)
            }
        }
    }

    /// Streams the object of `local` into the new file `into`. `false`
    /// when the bucket has no such object (nothing is written).
    pub async fn download(&self, local: &Path, into: &Path) -> io::Result<bool> {
        let got = match self.bucket.get(&self.key(local)?).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(err) => return Err(err.into()),
        };
        let mut file = tokio::fs::File::create_new(into).await?;
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk?).await?;
        }
        file.sync_all().await?;
        Ok(true)
    }

    /// Copies the object of `from` to that of `to` inside the bucket. Its
    /// size, or `None` when there is no such object.
    pub async fn copy(&self, from: &Path, to: &Path) -> io::Result<Option<u64>> {
        let source = self.key(from)?;
        let size = match self.bucket.head(&source).await {
            Ok(meta) => meta.size,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(err) => return Err(err.into()),
        };
        self.bucket.copy(&source, &self.key(to)?).await?;
        Ok(Some(size))
    }

    /// Removes the object of a local path; one already gone is fine.
    pub async fn remove(&self, local: &Path) -> io::Result<()> {
        match self.bucket.delete(&self.key(local)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// The files under a local folder that the bucket holds, with their
    /// sizes, as local paths.
    pub async fn list(&self, local_dir: &Path) -> io::Result<Vec<(PathBuf, u64)>> {
        let prefix = self.key(local_dir)?;
        let objects: Vec<_> = self.bucket.list(Some(&prefix)).try_collect().await?;
        Ok(objects
            .into_iter()
            .filter_map(|object| {
                let relative: PathBuf = object
                    .location
                    .prefix_match(&self.prefix)?
                    .map(|part| part.as_ref().to_owned())
                    .collect();
                Some((self.local_root.join(relative), object.size))
            })
            .collect())
    }

    /// Removes every object under a local folder.
    pub async fn remove_dir(&self, local_dir: &Path) -> io::Result<()> {
        let prefix = self.key(local_dir)?;
        let listed = self
            .bucket
            .list(Some(&prefix))
            .map_ok(|object| object.location)
            .boxed();
        self.bucket
            .delete_stream(listed)
            .try_for_each(|_| async { Ok(()) })
            .await
            .map_err(io::Error::from)
    }
}
