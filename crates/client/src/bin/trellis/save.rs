//! Writing a model (or a conversion) to disk so that the output path holds either the whole
//! model or nothing new: a failed or interrupted download never leaves a
//! truncated GLB that a viewer would choke on.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use tokio::fs::File;
use trellis_client::{Error, GenerationHandle, ModelVariant};

use crate::{error::CliError, progress::Progress};

/// Appended to the output path while downloading.
const PART_SUFFIX: &str = ".part";

/// An output file being prepared as `<path>.part`, renamed to `<path>`
/// once the model is complete, and deleted if it never is.
pub struct ModelFile {
    path: PathBuf,
    part: RemoveOnDrop,
    file: File,
}

impl ModelFile {
    /// Creates `<path>.part` now, so that a path that cannot be written
    /// fails before minutes of work are queued for it.
    pub async fn create(path: &Path) -> Result<Self, CliError> {
        let mut part = OsString::from(path.as_os_str());
        part.push(PART_SUFFIX);
        let part = PathBuf::from(part);
        let file = File::create(&part)
            .await
            .map_err(|source| output_error(path, source))?;
        Ok(Self {
            path: path.to_owned(),
            part: RemoveOnDrop {
                path: part,
                armed: true,
            },
            file,
        })
    }

    /// Streams `model` into the file and moves it into place. Returns the
    /// bytes written.
    pub async fn download(
        self,
        handle: &GenerationHandle,
        model: &ModelVariant,
        progress: &Progress,
    ) -> Result<u64, CliError> {
        let source = Source::Model(&model.variant);
        self.write(handle, source, model.bytes, progress).await
    }

    /// Streams a file an answer links to (a conversion's `url`) into the
    /// file and moves it into place. Returns the bytes written.
    pub async fn download_url(
        self,
        handle: &GenerationHandle,
        url: &str,
        size: u64,
        progress: &Progress,
    ) -> Result<u64, CliError> {
        self.write(handle, Source::Url(url), Some(size), progress)
            .await
    }

    async fn write(
        self,
        handle: &GenerationHandle,
        source: Source<'_>,
        size: Option<u64>,
        progress: &Progress,
    ) -> Result<u64, CliError> {
        let Self { path, part, file } = self;
        let mut writer = progress.downloading(size, file);
        let downloaded = match source {
            Source::Model(variant) => handle.download_glb(variant, &mut writer).await,
            Source::Url(url) => handle.download(url, &mut writer).await,
        };
        let bytes = downloaded.map_err(|err| match err {
            Error::Write(source) => output_error(&path, source),
            other => other.into(),
        })?;
        // Closes the file before renaming it.
        drop(writer);
        tokio::fs::rename(&part.path, &path)
            .await
            .map_err(|source| output_error(&path, source))?;
        part.disarm();
        Ok(bytes)
    }
}

/// What a download reads.
enum Source<'a> {
    /// A model, by variant.
    Model(&'a str),
    /// A URL from an answer.
    Url(&'a str),
}

fn output_error(path: &Path, source: std::io::Error) -> CliError {
    CliError::Output {
        path: path.to_owned(),
        source,
    }
}

/// Deletes a file when dropped, unless disarmed: the cleanup also runs
/// when Ctrl-C drops the command's future half-way.
struct RemoveOnDrop {
    path: PathBuf,
    armed: bool,
}

impl RemoveOnDrop {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if self.armed {
            // Already gone is fine; anything else leaves a stray `.part`
            // file, which is harmless and named for what it is.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
