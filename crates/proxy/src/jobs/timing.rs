//! How long each step takes: a table from the upstream's documentation
//! (contract §1.9), refined by a moving average of what the servers saw,
//! kept by the job repository so estimates survive restarts and, with a
//! shared database, learn from every proxy's jobs.

use std::{collections::HashMap, sync::Arc, time::Duration};

use tokio::sync::Mutex;
use trellis_api::{BackendKind, ExtractParams, PipelineType};

use crate::repo::{Observed, Repository};
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

/// Expected durations for one engine.
pub struct Timings {
    kind: BackendKind,
    cold_start: Duration,
    /// Where the averages are kept: a file in the data dir, or PostgreSQL
    /// shared by every proxy, so each learns from all of their jobs.
    repo: Arc<dyn Repository>,
    /// The averages as last read, so estimates cost no query.
    observed: Mutex<HashMap<String, Observed>>,
}

impl Timings {
    /// Loads the averages kept in `repo`; unreadable ones start from the
    /// table (logged, never fatal: these are estimates). `cold_start`
    /// replaces the table's cold start until one is observed.
    pub async fn load(repo: Arc<dyn Repository>, kind: BackendKind, cold_start: Duration) -> Self {
        let observed = repo.timings().await.unwrap_or_else(|err| {
            tracing::warn!(error = %err, "ignoring unreadable timings");
            HashMap::new()
        });
        Self {
            kind,
            cold_start,
            repo,
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

    /// Adds how long a step took to its average, and reads every average
    /// again: other proxies sharing the records add theirs too.
    pub async fn observe(&self, step: Step, took: Duration) {
        let key = key(self.kind, step);
        if let Err(err) = self.repo.observe(&key, took.as_secs_f64(), SMOOTHING).await {
            tracing::warn!(error = %err, "could not save a timing");
        }
        match self.repo.timings().await {
            Ok(all) => *self.observed.lock().await = all,
            Err(err) => tracing::warn!(error = %err, "could not read the timings"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{repo::Embedded, store::Store};
    use trellis_api::Preset;

    #[tokio::test]
    async fn observations_refine_the_table_and_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let repo = || async {
            let store = Store::open(dir.path()).await.unwrap();
            Arc::new(Embedded::new(store.tables(), dir.path())) as Arc<dyn Repository>
        };
        let timings =
            Timings::load(repo().await, BackendKind::Modal, Duration::from_secs(143)).await;
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
        assert_eq!(timings.expected(step).await, Duration::from_secs(23));
        let reloaded =
            Timings::load(repo().await, BackendKind::Modal, Duration::from_secs(143)).await;
        assert_eq!(reloaded.expected(step).await, Duration::from_secs(23));
    }
}
