use leptos::prelude::*;
use trellis_api::{Generation, JobStatus, Phase};

/// Progress of the running job: phase, bar, place in line and time spent.
/// Phase changes are announced to screen readers.
#[component]
pub fn ProgressCard(
    generation: RwSignal<Option<Generation>>,
    /// Milliseconds since the epoch, ticking while the job runs.
    #[prop(into)]
    now_ms: Signal<f64>,
    /// Called when the user cancels the job.
    on_cancel: Callback<()>,
) -> impl IntoView {
    let running = move || {
        generation.with(|g| {
            g.as_ref().is_some_and(|g| {
                !g.status.is_terminal() || g.models.iter().any(|m| !m.status.is_terminal())
            })
        })
    };
    let phase = move || generation.with(|g| g.as_ref().map(|g| g.phase_label.clone()));
    let progress = move || generation.with(|g| g.as_ref().map_or(0.0, |g| g.progress));
    let detail = move || {
        generation.with(|g| {
            let g = g.as_ref()?;
            let elapsed = ((now_ms.get() - g.created_at as f64) / 1000.0).max(0.0);
            let mut parts = vec![format!("{} elapsed", duration(elapsed))];
            if let (Phase::Queued, Some(position)) = (g.phase, g.queue_position) {
                parts.insert(0, format!("position {position} in line"));
            }
            if let Some(eta) = g.eta_seconds.filter(|_| g.status == JobStatus::Running) {
                parts.push(format!("about {} left", duration(eta as f64)));
            }
            Some(parts.join(" · "))
        })
    };
    let waking =
        move || generation.with(|g| g.as_ref().is_some_and(|g| g.phase == Phase::WakingGpu));
    let cancellable =
        move || generation.with(|g| g.as_ref().is_some_and(|g| !g.status.is_terminal()));

    view! {
        <Show when=running>
            <section class="progress-card" aria-label="Progress">
                <p class="phase" aria-live="polite" id="phase">{phase}</p>
                <progress max="1" prop:value=progress></progress>
                <p class="progress-detail">{detail}</p>
                <Show when=waking>
                    <p class="cold-start">
                        "The GPU server was asleep. Waking it loads the model onto the GPU, which takes about two minutes once; later jobs start right away."
                    </p>
                </Show>
                <Show when=cancellable>
                    <button type="button" id="cancel" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </Show>
            </section>
        </Show>
    }
}

/// 75 → "1 min 15 s".
pub fn duration(seconds: f64) -> String {
    let total = seconds.round() as u64;
    match (total / 60, total % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}
