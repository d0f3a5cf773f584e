//! Writing a model to disk so that the output path holds either the whole
//! model or nothing new: a failed or interrupted download never leaves a
//! truncated GLB that a viewer would choke on.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

use trellis_client::{Error, GenerationHandle, ModelVariant};

use crate::{error::CliError, progress::Progress};

/// Appended to the output path while downloading.
const PART_SUFFIX: &str = ".part";

/// Downloads `model` to `path` through `<path>.part`, renamed when done.
/// Returns the bytes written.
pub async fn save_model(
    handle: &GenerationHandle,
    model: &ModelVariant,
    path: &Path,
    progress: &Progress,
) -> Result<u64, CliError> {
    let output_error = |source| CliError::Output {
        path: path.to_owned(),
        source,
    };
    let mut part = OsString::from(path.as_os_str());
    part.push(PART_SUFFIX);
    let part = RemoveOnDrop {
        path: PathBuf::from(part),
        armed: true,
    };
    let file = tokio::fs::File::create(&part.path)
        .await
        .map_err(output_error)?;
    let mut writer = progress.downloading(model.bytes, file);
    let bytes = handle
        .download_glb(&model.variant, &mut writer)
        .await
        .map_err(|err| match err {
            Error::Write(source) => output_error(source),
            other => other.into(),
        })?;
    // Closes the file before renaming it.
    drop(writer);
    tokio::fs::rename(&part.path, path)
        .await
        .map_err(output_error)?;
    part.disarm();
    Ok(bytes)
}

/// Deletes a file when dropped, unless disarmed: the cleanup also runs
/// when Ctrl-C drops the download future half-way.
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
