//! The progress bar on stderr: phase, place in line, elapsed time, ETA.
//! Hidden with `--json`, and by indicatif when stderr is not a terminal.

use std::{
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use indicatif::{ProgressBar, ProgressBarIter, ProgressState, ProgressStyle};
use tokio::io::AsyncWrite;
use trellis_client::{Generation, JobStatus};

/// Bar positions: the job's 0..1 progress in percent.
const BAR_LENGTH: u64 = 100;
/// How often the spinner, clock and ETA redraw while no event arrives.
const TICK: Duration = Duration::from_millis(200);
/// Below this, progress says too little to extrapolate from: the proxy
/// moves it only at phase boundaries, and the first comes a moment after
/// the start, long before the slow part.
const MIN_PROGRESS_FOR_ESTIMATE: f32 = 0.5;
/// A job running for less than this gives too short a sample to scale;
/// on an engine that fast, it is nearly done anyway.
const MIN_RUNNING_FOR_ESTIMATE: Duration = Duration::from_secs(5);

/// `{eta_left}` is this module's live countdown; indicatif's own `{eta}`
/// assumes steady progress, which a job's phases are not.
const JOB_TEMPLATE: &str =
    "{spinner:.cyan} {elapsed_precise} [{bar:28.cyan/blue}] {percent:>3}% {msg}{eta_left}";
const WAIT_TEMPLATE: &str = "{spinner:.cyan} {elapsed_precise} {wide_msg}";
const DOWNLOAD_TEMPLATE: &str =
    "{spinner:.cyan} {elapsed_precise} [{bar:28.cyan/blue}] {bytes}/{total_bytes} {wide_msg}";

/// When the job should be done, if anyone knows; shared with the bar's
/// template, which counts down to it on every redraw.
type Deadline = Arc<Mutex<Option<Instant>>>;

/// One bar for a whole command; its clock starts when it is made.
pub struct Progress {
    bar: ProgressBar,
    /// When the job was first seen running: estimates count from there,
    /// not from time spent in line.
    running_since: Option<Instant>,
    deadline: Deadline,
}

impl Progress {
    /// A bar on stderr, or a hidden one.
    pub fn new(visible: bool) -> Self {
        let bar = if visible {
            ProgressBar::new(BAR_LENGTH)
        } else {
            ProgressBar::hidden()
        };
        let deadline = Deadline::default();
        bar.set_style(style(JOB_TEMPLATE).with_key("eta_left", countdown(Arc::clone(&deadline))));
        bar.enable_steady_tick(TICK);
        Self {
            bar,
            running_since: None,
            deadline,
        }
    }

    /// Shows a new state of the generation.
    pub fn update(&mut self, generation: &Generation) {
        if generation.status == JobStatus::Running && self.running_since.is_none() {
            self.running_since = Some(Instant::now());
        }
        let running_for = self.running_since.map(|since| since.elapsed());
        *lock(&self.deadline) =
            eta(generation, running_for).and_then(|left| Instant::now().checked_add(left));
        self.bar
            .set_position((generation.progress.clamp(0.0, 1.0) * 100.0).round() as u64);
        self.bar.set_message(describe(generation));
    }

    /// A step with no measurable progress, e.g. extracting a model.
    pub fn waiting(&self, message: String) {
        self.bar.set_style(style(WAIT_TEMPLATE));
        self.bar.set_message(message);
    }

    /// Counts the bytes written through `writer` against `total`.
    pub fn downloading<W: AsyncWrite + Unpin>(
        &self,
        total: Option<u64>,
        writer: W,
    ) -> ProgressBarIter<W> {
        self.bar.set_style(style(DOWNLOAD_TEMPLATE));
        self.bar.set_position(0);
        match total {
            Some(total) => self.bar.set_length(total),
            None => self.bar.unset_length(),
        }
        self.bar.set_message("Downloading the model");
        self.bar.wrap_async_write(writer)
    }

    /// Removes the bar, so what follows starts on a clean line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The templates are constants checked by a test, so the fallback only
/// guards against a broken edit reaching a user as a panic.
fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Nothing holding the lock can panic half-way, so a poisoned lock still
/// holds a whole value.
fn lock(deadline: &Deadline) -> std::sync::MutexGuard<'_, Option<Instant>> {
    deadline.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Renders `{eta_left}`: the time to the deadline, counting down between
/// events, or nothing when there is no estimate.
fn countdown(
    deadline: Deadline,
) -> impl Fn(&ProgressState, &mut dyn std::fmt::Write) + Send + Sync + Clone + 'static {
    move |_: &ProgressState, out: &mut dyn std::fmt::Write| {
        let Some(deadline) = *lock(&deadline) else {
            return;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        // A failed write only loses this redraw's ETA.
        let _ = if left < Duration::from_secs(1) {
            write!(out, " · ETA any moment")
        } else {
            write!(out, " · ETA {}", short_duration(left))
        };
    }
}

/// The bar's message: the phase, and the place in line while waiting.
fn describe(generation: &Generation) -> String {
    match generation.queue_position {
        Some(place) => format!("{} (#{place})", generation.phase_label),
        None => generation.phase_label.clone(),
    }
}

/// The server's estimate when it has one; otherwise the running time so
/// far scaled by the progress still to make, once both mean something.
fn eta(generation: &Generation, running_for: Option<Duration>) -> Option<Duration> {
    if let Some(server) = generation
        .eta_seconds
        .and_then(|seconds| Duration::try_from_secs_f32(seconds).ok())
    {
        return Some(server);
    }
    let progress = generation.progress;
    let ran = running_for.filter(|ran| *ran >= MIN_RUNNING_FOR_ESTIMATE)?;
    // progress is in [0.5, 1), so the factor is in (0, 1]: no overflow.
    (MIN_PROGRESS_FOR_ESTIMATE..1.0)
        .contains(&progress)
        .then(|| ran.mul_f32((1.0 - progress) / progress))
}

/// `42s`, `3m 05s`, `1h 02m`: short enough for a status line.
fn short_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match (seconds / 3600, seconds / 60 % 60, seconds % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use trellis_client::{GenerateParams, Phase, api::BackendKind};

    fn generation(progress: f32, eta_seconds: Option<f32>) -> Generation {
        Generation {
            id: "0".repeat(32),
            status: JobStatus::Running,
            phase: Phase::Generating,
            phase_label: Phase::Generating.label().to_owned(),
            progress,
            queue_position: None,
            eta_seconds,
            created_at: 0,
            started_at: Some(0),
            finished_at: None,
            timings: Vec::new(),
            backend: BackendKind::Builtin,
            params: GenerateParams::default(),
            error: None,
            input_url: String::new(),
            video_url: None,
            models: Vec::new(),
            poster_url: None,
        }
    }

    #[test]
    fn every_template_parses() {
        for template in [JOB_TEMPLATE, WAIT_TEMPLATE, DOWNLOAD_TEMPLATE] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }

    #[test]
    fn the_servers_eta_wins_over_the_estimate() {
        let ran = Some(Duration::from_secs(10));
        assert_eq!(
            eta(&generation(0.5, Some(3.0)), ran),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            eta(&generation(0.5, None), ran),
            Some(Duration::from_secs(10))
        );
    }

    #[test]
    fn no_eta_is_guessed_early_briefly_or_from_nonsense() {
        let ran = Some(Duration::from_secs(10));
        assert_eq!(eta(&generation(0.05, None), ran), None);
        assert_eq!(
            eta(&generation(0.5, None), Some(Duration::from_millis(100))),
            None
        );
        assert_eq!(eta(&generation(f32::NAN, None), ran), None);
        assert_eq!(eta(&generation(1.0, None), ran), None);
        assert_eq!(eta(&generation(0.5, Some(-1.0)), None), None);
    }

    #[test]
    fn the_message_names_the_phase_and_the_place_in_line() {
        let mut queued = generation(0.0, None);
        queued.phase_label = Phase::Queued.label().to_owned();
        queued.queue_position = Some(2);
        assert_eq!(describe(&queued), "Waiting in line (#2)");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(short_duration(Duration::from_secs(42)), "42s");
        assert_eq!(short_duration(Duration::from_secs(185)), "3m 05s");
        assert_eq!(short_duration(Duration::from_secs(3720)), "1h 02m");
    }
}
