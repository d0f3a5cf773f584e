//! A job's phases with their expected durations, and where a job stands
//! given how long it has been running: the phase, the progress bar and the
//! time left. One upstream request may span several phases (Modal wakes,
//! generates and renders the preview in one call); within it, the phase
//! is estimated from the clock, and the request's last phase lasts until
//! the answer comes.

use std::{ops::Range, time::Duration};

use trellis_api::Phase;

/// How far through a phase the bar may go on the clock alone: it never
/// reaches the next phase's start before that phase has really begun.
const PHASE_CAP: f64 = 0.95;

/// The phases of a job, in order, with their expected durations.
#[derive(Debug, Clone)]
pub struct Plan {
    phases: Vec<(Phase, Duration)>,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub phase: Phase,
    /// 0..1 over the whole job.
    pub progress: f32,
    /// Seconds until the job is done.
    pub eta_seconds: f32,
}

impl Plan {
    /// A plan of these phases; it must have at least one.
    pub fn new(phases: Vec<(Phase, Duration)>) -> Self {
        Self { phases }
    }

    /// The expected duration of the whole job.
    pub fn total(&self) -> Duration {
        self.phases.iter().map(|(_, expected)| *expected).sum()
    }

    /// The phases the engine's generate call covers: all up to extraction.
    pub fn generate_phases(&self) -> Range<usize> {
        0..self
            .index(Phase::ExtractingGlb)
            .unwrap_or(self.phases.len())
    }

    /// The phases of the first extraction, if the job has one.
    pub fn extract_phases(&self) -> Option<Range<usize>> {
        self.index(Phase::ExtractingGlb).map(|at| at..at + 1)
    }

    fn index(&self, phase: Phase) -> Option<usize> {
        self.phases.iter().position(|(p, _)| *p == phase)
    }

    /// Where the job stands `elapsed` into the request covering `request`.
    pub fn estimate(&self, request: Range<usize>, elapsed: Duration) -> Estimate {
        let total = self.total().as_secs_f64().max(f64::EPSILON);
        let last = request.end.saturating_sub(1).max(request.start);
        let mut start = Duration::ZERO;
        let mut at = request.start;
        for index in request.clone() {
            let expected = self.phases[index].1;
            if elapsed < start + expected || index == last {
                at = index;
                break;
            }
            start += expected;
        }
        let (phase, expected) = self
            .phases
            .get(at)
            .copied()
            .unwrap_or((Phase::Generating, Duration::ZERO));
        let before: Duration = self.phases[..at.min(self.phases.len())]
            .iter()
            .map(|(_, d)| *d)
            .sum();
        let after: Duration = self
            .phases
            .get(at + 1..)
            .unwrap_or_default()
            .iter()
            .map(|(_, d)| *d)
            .sum();
        let within = elapsed.saturating_sub(start).as_secs_f64();
        let expected_secs = expected.as_secs_f64();
        let fraction = if expected_secs > 0.0 {
            (within / expected_secs).min(PHASE_CAP)
        } else {
            PHASE_CAP
        };
        // Past its expected end, a phase is assumed to have the capped
        // share left rather than nothing.
        let left = (expected_secs - within).max(expected_secs * (1.0 - PHASE_CAP));
        Estimate {
            phase,
            progress: ((before.as_secs_f64() + expected_secs * fraction) / total) as f32,
            eta_seconds: (left + after.as_secs_f64()) as f32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn cold_modal() -> Plan {
        Plan::new(vec![
            (Phase::WakingGpu, secs(100)),
            (Phase::Generating, secs(50)),
            (Phase::RenderingPreview, secs(10)),
            (Phase::ExtractingGlb, secs(40)),
        ])
    }

    #[test]
    fn phases_follow_the_clock_within_one_request() {
        let plan = cold_modal();
        let request = plan.generate_phases();
        assert_eq!(request, 0..3);
        let at = |s| plan.estimate(request.clone(), secs(s));
        assert_eq!(at(0).phase, Phase::WakingGpu);
        assert_eq!(at(0).eta_seconds, 200.0);
        assert_eq!(at(120).phase, Phase::Generating);
        assert_eq!(at(120).progress, 0.6);
        assert_eq!(at(155).phase, Phase::RenderingPreview);
        // The request's last phase lasts until the answer, capped below
        // the next phase's start.
        let late = at(1000);
        assert_eq!(late.phase, Phase::RenderingPreview);
        assert!(late.progress < 160.0 / 200.0, "{late:?}");
        assert!(late.eta_seconds >= 40.0);
    }

    #[test]
    fn the_extraction_starts_where_the_generate_step_ends() {
        let plan = cold_modal();
        let extract = plan.extract_phases().unwrap();
        let start = plan.estimate(extract, Duration::ZERO);
        assert_eq!(
            (start.phase, start.progress, start.eta_seconds),
            (Phase::ExtractingGlb, 0.8, 40.0)
        );
        let no_extract = Plan::new(vec![(Phase::Generating, secs(10))]);
        assert_eq!(no_extract.extract_phases(), None);
        assert_eq!(no_extract.generate_phases(), 0..1);
    }
}
