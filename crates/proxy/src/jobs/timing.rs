//! How long each step takes: a table from the upstream's documentation
//! (contract §1.9), refined by a moving average of what this server saw,
//! kept in the data dir so estimates survive restarts.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use trellis_api::{BackendKind, ExtractParams, PipelineType};

use crate::store::write_atomic;

/// The file of observations, in the data dir.
const TIMINGS_FILE: &str = "timings.json";
/// Weight of the newest run in the moving average: about the last five
/// runs count, so the estimate follows a changed GPU within a few jobs
/// while one odd run moves it by less than a third.
const SMOOTHING: f64 = 0.3;
/// Extractions up to this many faces are "fast" (the fast preset: 100k),
/// from this many on "quality" (1M); in between "balanced".
const FAST_FACES: u32 = 200_000;
const QUALITY_FACES: u32 = 750_000;

/// A step whose duration is estimated.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    /// Waking a GPU container that scaled down.
    ColdStart,
    /// The generate step, warm, without the preview video.
    Generate(PipelineType),
    /// Rendering the preview video.
    Preview,
    /// Extracting one GLB.
    Extract(ExtractParams),
}

/// Documented durations, in seconds (contract §1.9: A100 timings of the
/// Modal service; the builtin engine's from its benchmark).
fn documented(kind: BackendKind, step: Step) -> f64 {
    match (kind, step) {
        (BackendKind::Builtin, Step::Extract(_)) => 2.0,
        (BackendKind::Builtin, _) => 1.0,
        (_, Step::ColdStart) => 143.0,
        (_, Step::Generate(PipelineType::P512)) => 10.0,
        (_, Step::Generate(PipelineType::P1024)) => 25.0,
        (_, Step::Generate(PipelineType::P1024Cascade)) => 30.0,
        (_, Step::Generate(PipelineType::P1536Cascade)) => 90.0,
        (_, Step::Preview) => 7.0,
        (_, Step::Extract(params)) => match extract_class(&params) {
            "fast" => 15.0,
            "quality" => 45.0,
            _ => 30.0,
        },
    }
}

fn extract_class(params: &ExtractParams) -> &'static str {
    if params.decimation_target <= FAST_FACES && params.texture_size <= 1024 {
        "fast"
    } else if params.decimation_target >= QUALITY_FACES || params.texture_size >= 4096 {
        "quality"
    } else {
        "balanced"
    }
}

fn key(kind: BackendKind, step: Step) -> String {
    let step = match step {
        Step::ColdStart => "cold_start".to_owned(),
        Step::Generate(pipeline) => format!("generate/{pipeline}"),
        Step::Preview => "preview".to_owned(),
        Step::Extract(params) => format!("extract/{}", extract_class(&params)),
    };
    format!("{}/{step}", kind.as_str())
}

/// A moving average of one step's observed durations.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Observed {
    seconds: f64,
    runs: u64,
}

/// Expected durations for one engine.
pub struct Timings {
    kind: BackendKind,
    cold_start: Duration,
    path: PathBuf,
    observed: Mutex<HashMap<String, Observed>>,
}

impl Timings {
    /// Loads the observations in `data_dir`; a missing or unreadable file
    /// starts from the table (logged, never fatal: these are estimates).
    /// `cold_start` replaces the table's cold start until one is observed.
    pub fn load(data_dir: &Path, kind: BackendKind, cold_start: Duration) -> Self {
        let path = data_dir.join(TIMINGS_FILE);
        let observed = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|err| {
                tracing::warn!(path = %path.display(), error = %err, "ignoring unreadable timings");
                HashMap::new()
            }),
            Err(_) => HashMap::new(),
        };
        Self {
            kind,
            cold_start,
            path,
            observed: Mutex::new(observed),
        }
    }

    /// The expected duration of a step.
    pub async fn expected(&self, step: Step) -> Duration {
        let observed = self
            .observed
            .lock()
            .await
            .get(&key(self.kind, step))
            .copied();
        let seconds = match (observed, step) {
            (Some(observed), _) => observed.seconds,
            (None, Step::ColdStart) => self.cold_start.as_secs_f64(),
            (None, _) => documented(self.kind, step),
        };
        Duration::from_secs_f64(seconds.max(0.0))
    }

    /// Records how long a step took and saves the averages.
    pub async fn observe(&self, step: Step, took: Duration) {
        let mut observed = self.observed.lock().await;
        let entry = observed.entry(key(self.kind, step)).or_insert(Observed {
            seconds: took.as_secs_f64(),
            runs: 0,
        });
        entry.seconds += SMOOTHING * (took.as_secs_f64() - entry.seconds);
        entry.runs += 1;
        let Ok(json) = serde_json::to_vec_pretty(&*observed) else {
            return;
        };
        let dir = self.path.parent().map(Path::to_owned).unwrap_or_default();
        // Saved under the lock, so an older table never overwrites a newer.
        let saved =
            tokio::task::spawn_blocking(move || write_atomic(&dir, TIMINGS_FILE, &json)).await;
        if let Ok(Err(err)) | Err(err) = saved.map_err(std::io::Error::other) {
            tracing::warn!(error = %err, "could not save the timings");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_api::Preset;

    #[tokio::test]
    async fn observations_refine_the_table_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let timings = Timings::load(dir.path(), BackendKind::Modal, Duration::from_secs(143));
        let step = Step::Generate(PipelineType::P512);
        assert_eq!(timings.expected(step).await, Duration::from_secs(10));
        assert_eq!(
            timings
                .expected(Step::Extract(Preset::Quality.params()))
                .await,
            Duration::from_secs(45)
        );

        timings.observe(step, Duration::from_secs(20)).await;
        timings.observe(step, Duration::from_secs(30)).await;
        let reloaded = Timings::load(dir.path(), BackendKind::Modal, Duration::from_secs(143));
        assert_eq!(reloaded.expected(step).await, Duration::from_secs(23));
    }
}
