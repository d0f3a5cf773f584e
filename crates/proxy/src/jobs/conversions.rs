//! Conversions of a finished model to USDZ, STL or OBJ, made on demand on
//! the CPU from the stored GLB and kept next to it, one file per format
//! and settings, each with a `.json` record (the wire `Conversion`) written
//! after it: a file without its record was interrupted and is made again.
//!
//! Only the creator asks for one, as for extractions; anyone with the link
//! lists and downloads what exists. Two requests for the same file share
//! one conversion. A request waits for it up to the time limit; a slower
//! conversion carries on (a thread cannot be stopped midway, and its
//! input limits bound how long it can take) and the next request finds
//! it done.

use std::{
    collections::HashMap,
    io,
    path::{Path, PathBuf},
    sync::Arc,
};

use tokio::sync::{Mutex, Semaphore, watch};
use trellis_api::{Conversion, ConversionRequest, JobStatus};
use trellis_convert::{ConvertError, ErrorClass, limits::MAX_INPUT_BYTES};

use super::{GenerationError, Jobs, live::gone, owner::check_owner};
use crate::{
    clock::now_ms,
    config::ConversionLimits,
    id::GenerationId,
    quota::{Refusal, Ticket},
    renditions::convert::{self, Made},
    store::Removal,
};

/// Conversions made at once. Each runs on one thread and holds up to about
/// three times its model in memory (a few hundred MB for the largest), so
/// two keep a small server responsive; more wait their turn.
const PARALLEL_CONVERSIONS: usize = 2;
/// The ending of a conversion's record, after the file's own name.
const RECORD_SUFFIX: &str = ".json";

/// How a conversion ended, shared by every request waiting for it.
#[derive(Debug, Clone)]
enum Outcome {
    /// Boxed: the record is ten times the size of the other outcomes.
    Done(Box<Conversion>),
    /// The model cannot be converted: why, in words.
    Unconvertible(String),
    /// An option the converter refused.
    InvalidOption(String),
    Removed(Removal),
    /// Logged where it happened; the request gets a plain 500.
    Failed,
}

type Waiting = watch::Receiver<Option<Outcome>>;

/// The conversions being made, and the turns to make them.
pub struct Conversions {
    limits: ConversionLimits,
    turns: Arc<Semaphore>,
    /// By the path of the file being made. Also held while a request
    /// decides whether to start one, so the per-generation count and the
    /// sharing never race.
    in_flight: Mutex<HashMap<PathBuf, Waiting>>,
}

impl Conversions {
    pub fn new(limits: ConversionLimits) -> Self {
        Self {
            limits,
            turns: Arc::new(Semaphore::new(PARALLEL_CONVERSIONS)),
            in_flight: Mutex::default(),
        }
    }
}

/// A conversion file name from a URL: what `ConversionRequest::file_name`
/// makes (letters, digits, `-`, `.`), never a record or a hidden file.
fn is_conversion_file(file: &str) -> bool {
    !file.is_empty()
        && !file.starts_with('.')
        && !file.ends_with(RECORD_SUFFIX)
        && file
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
}

fn record_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(RECORD_SUFFIX);
    PathBuf::from(name)
}

/// The record of a finished conversion, if there is one.
async fn read_record(file: &Path) -> io::Result<Option<Conversion>> {
    match tokio::fs::read(record_path(file)).await {
        Ok(json) => serde_json::from_slice(&json)
            .map(Some)
            .map_err(io::Error::other),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

impl Outcome {
    fn into_result(self, request: &ConversionRequest) -> Result<Conversion, GenerationError> {
        match self {
            Self::Done(conversion) => Ok(*conversion),
            Self::Unconvertible(reason) => Err(GenerationError::Unconvertible {
                format: request.format(),
                reason,
            }),
            Self::InvalidOption(reason) => Err(GenerationError::InvalidOption(reason)),
            Self::Removed(why) => Err(gone(why)),
            Self::Failed => Err(GenerationError::internal(
                "the conversion failed; see the log",
            )),
        }
    }
}

impl Jobs {
    /// A succeeded model's name, checked against the generation: 404 for
    /// one it does not have (yet).
    async fn finished_model(
        &self,
        id: &GenerationId,
        variant: &str,
    ) -> Result<(), GenerationError> {
        let generation = self.get(id).await?;
        let ready = generation
            .models
            .iter()
            .any(|m| m.variant == variant && m.status == JobStatus::Succeeded);
        if ready {
            Ok(())
        } else {
            Err(GenerationError::ModelNotFound(variant.to_owned()))
        }
    }

    /// Converts a model as `request` (resolved) asks, or finds the
    /// conversion made before. Creator only; `admit` gives the client's
    /// place among its jobs, and is asked only when one is to be made.
    pub async fn convert(
        self: &Arc<Self>,
        id: &GenerationId,
        variant: &str,
        request: ConversionRequest,
        token: Option<&str>,
        admit: impl FnOnce() -> Result<Ticket, Refusal>,
    ) -> Result<Conversion, GenerationError> {
        check_owner(self.find(id).await?.owner(), token)?;
        self.finished_model(id, variant).await?;
        self.files
            .fetch_dir(&self.files.conversions_dir(id, variant))
            .await?;
        let file = self
            .files
            .conversions_dir(id, variant)
            .join(request.file_name());
        // A stored record is a finished conversion, even in the moment
        // before its maker has told the requests waiting for it.
        if let Some(done) = read_record(&file).await? {
            return Ok(done);
        }
        let mut waiting = {
            let mut in_flight = self.conversions.in_flight.lock().await;
            match in_flight.get(&file) {
                Some(waiting) => waiting.clone(),
                None => {
                    if let Some(done) = read_record(&file).await? {
                        return Ok(done);
                    }
                    if let Some(limit) = self.conversions.limits.per_generation {
                        let generation_dir = self.files.conversions_root(id);
                        let underway = in_flight
                            .keys()
                            .filter(|path| path.starts_with(&generation_dir))
                            .count();
                        let made = self.files.count_conversions(id, RECORD_SUFFIX).await?;
                        if made + underway >= limit as usize {
                            return Err(Refusal::Conversions { limit }.into());
                        }
                    }
                    let ticket = admit()?;
                    let (done, waiting) = watch::channel(None);
                    in_flight.insert(file.clone(), waiting.clone());
                    let jobs = Arc::clone(self);
                    let (id, variant) = (id.clone(), variant.to_owned());
                    tokio::spawn(async move {
                        let outcome = jobs.make_conversion(&id, &variant, request, &file).await;
                        done.send_replace(Some(outcome));
                        jobs.conversions.in_flight.lock().await.remove(&file);
                        drop(ticket);
                    });
                    waiting
                }
            }
        };
        let limit = self.conversions.limits.timeout;
        match tokio::time::timeout(limit, waiting.wait_for(Option::is_some)).await {
            Err(_) => Err(GenerationError::ConversionTimedOut),
            Ok(Err(closed)) => Err(GenerationError::internal(closed)),
            Ok(Ok(outcome)) => match outcome.clone() {
                Some(outcome) => outcome.into_result(&request),
                None => Err(GenerationError::internal(
                    "a conversion ended without an outcome",
                )),
            },
        }
    }

    /// Makes, stores and records one conversion.
    async fn make_conversion(
        &self,
        id: &GenerationId,
        variant: &str,
        request: ConversionRequest,
        file: &Path,
    ) -> Outcome {
        let Ok(_turn) = Arc::clone(&self.conversions.turns).acquire_owned().await else {
            return Outcome::Failed;
        };
        let model = self.files.model_path(id, variant);
        if let Err(err) = self.files.fetch(&model).await {
            return self.storage_outcome(id, "fetch the model", &err).await;
        }
        let glb = match read_model(&model).await {
            Ok(Ok(glb)) => glb,
            Ok(Err(refusal)) => return refusal,
            Err(err) => return self.storage_outcome(id, "read the model", &err).await,
        };
        let made = match tokio::task::spawn_blocking(move || convert::convert(&glb, &request)).await
        {
            Ok(Ok(made)) => made,
            Ok(Err(err)) => return refused(id, &err),
            Err(panic) => {
                tracing::error!(%id, variant, error = %panic, "a conversion panicked");
                return Outcome::Failed;
            }
        };
        let max = self.conversions.limits.max_bytes;
        if made.bytes.len() as u64 > max {
            return Outcome::Unconvertible(format!(
                "the file would take {}, more than the {} this server keeps; choose a lighter version of the model",
                spoken_size(made.bytes.len() as u64),
                spoken_size(max)
            ));
        }
        match self
            .store_conversion(id, variant, request, file, made)
            .await
        {
            Ok(conversion) => {
                tracing::info!(%id, variant, file = %conversion.url, bytes = conversion.bytes, "conversion made");
                Outcome::Done(Box::new(conversion))
            }
            Err(err) => self.storage_outcome(id, "store a conversion", &err).await,
        }
    }

    async fn store_conversion(
        &self,
        id: &GenerationId,
        variant: &str,
        request: ConversionRequest,
        file: &Path,
        made: Made,
    ) -> io::Result<Conversion> {
        let name = request.file_name();
        let conversion = Conversion {
            request,
            url: format!("generations/{id}/models/{variant}/conversions/{name}"),
            file_name: format!("trellis-{}-{variant}-{name}", id.short()),
            media_type: convert::media_type(&request).to_owned(),
            bytes: made.bytes.len() as u64,
            created_at: now_ms(),
            report: made.report,
            notes: made.notes,
        };
        let record = serde_json::to_vec(&conversion).map_err(io::Error::other)?;
        self.files.create_conversions_dir(id, variant).await?;
        self.files
            .store_derived(file.to_owned(), made.bytes)
            .await?;
        self.files.store_derived(record_path(file), record).await?;
        // The disk budget counts every file; a failure here only delays
        // that until the generation's next save.
        let size = self.files.size(id).await?;
        if let Err(err) = self.repo.set_bytes(id, size).await {
            tracing::warn!(%id, error = %err, "could not record a generation's new size");
        }
        Ok(conversion)
    }

    /// A file error: the generation was removed meanwhile (its link says
    /// so), or the disk is broken (logged, 500).
    async fn storage_outcome(&self, id: &GenerationId, what: &str, err: &io::Error) -> Outcome {
        match self.find(id).await {
            Err(GenerationError::Expired) => Outcome::Removed(Removal::Expired),
            Err(GenerationError::Deleted) => Outcome::Removed(Removal::Deleted),
            _ => {
                tracing::error!(%id, error = %err, "could not {what}");
                Outcome::Failed
            }
        }
    }

    /// The conversions of a finished model, oldest first.
    pub async fn conversions(
        &self,
        id: &GenerationId,
        variant: &str,
    ) -> Result<Vec<Conversion>, GenerationError> {
        self.finished_model(id, variant).await?;
        let dir = self.files.conversions_dir(id, variant);
        self.files.fetch_dir(&dir).await?;
        let mut entries = match tokio::fs::read_dir(&dir).await {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err.into()),
        };
        let mut conversions = Vec::new();
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(file) = name.to_str().and_then(|n| n.strip_suffix(RECORD_SUFFIX)) else {
                continue;
            };
            if let Some(conversion) = read_record(&dir.join(file)).await? {
                conversions.push(conversion);
            }
        }
        conversions.sort_by_key(|c| c.created_at);
        Ok(conversions)
    }

    /// Where a finished conversion is, with its record.
    pub async fn conversion_file(
        &self,
        id: &GenerationId,
        variant: &str,
        file: &str,
    ) -> Result<(PathBuf, Conversion), GenerationError> {
        self.finished_model(id, variant).await?;
        let missing = || GenerationError::ConversionNotFound(file.to_owned());
        if !is_conversion_file(file) {
            return Err(missing());
        }
        let path = self.files.conversions_dir(id, variant).join(file);
        self.files.fetch(&record_path(&path)).await?;
        self.files.fetch(&path).await?;
        match read_record(&path).await? {
            Some(conversion) => Ok((path, conversion)),
            None => Err(missing()),
        }
    }
}

/// The model's bytes, or a refusal when it is past what the converter
/// reads (checked before reading it into memory).
async fn read_model(path: &Path) -> io::Result<Result<Vec<u8>, Outcome>> {
    let size = tokio::fs::metadata(path).await?.len();
    if size > MAX_INPUT_BYTES {
        return Ok(Err(Outcome::Unconvertible(format!(
            "the model takes {}, more than the {} the converter reads",
            spoken_size(size),
            spoken_size(MAX_INPUT_BYTES)
        ))));
    }
    Ok(Ok(tokio::fs::read(path).await?))
}

/// A converter's refusal, by whose problem it is.
fn refused(id: &GenerationId, err: &ConvertError) -> Outcome {
    match err.class() {
        ErrorClass::UnprocessableModel => {
            tracing::info!(%id, reason = %err, "a model could not be converted");
            Outcome::Unconvertible(err.to_string())
        }
        ErrorClass::BadRequest => Outcome::InvalidOption(err.to_string()),
        ErrorClass::Internal => {
            tracing::error!(%id, error = %err, "a conversion failed");
            Outcome::Failed
        }
    }
}

/// A file size in words: "1.2 MB", "40 KB", "900 bytes".
#[allow(clippy::cast_precision_loss)] // sizes for messages
fn spoken_size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.0} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_a_request_makes_are_conversion_files() {
        assert!(is_conversion_file("300mm.usdz"));
        assert!(is_conversion_file("25.4mm-printable.stl"));
        assert!(is_conversion_file("model.obj.zip"));
        for bad in ["300mm.usdz.json", ".hidden", "..", "a/b", "a%2Fb", ""] {
            assert!(!is_conversion_file(bad), "{bad}");
        }
        assert_eq!(
            record_path(Path::new("/x/300mm.usdz")),
            Path::new("/x/300mm.usdz.json")
        );
    }

    #[test]
    fn sizes_are_spoken_in_a_fitting_unit() {
        assert_eq!(spoken_size(900), "900 bytes");
        assert_eq!(spoken_size(1_000), "1 KB");
        assert_eq!(spoken_size(256 << 20), "268.4 MB");
    }
}
