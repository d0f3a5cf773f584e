//! Writing a model to disk so that the output path holds either the whole
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
        let Self { path, part, file } = self;
        let mut writer = progress.downloading(model.bytes, file);
        let bytes = handle
            .download_glb(&model.variant, &mut writer)
            .await
            .map_err(|err| match err {
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
