use crate::naming::{about, elapsed};
use leptos::prelude::*;
use trellis_api::{Generation, Phase};

/// Progress of the running job: phase, bar, place in line, time spent and
/// time left. Phase changes are announced to screen readers.
#[component]
pub fn ProgressCard(
    generation: RwSignal<Option<Generation>>,
    /// Milliseconds since the epoch, ticking while the job runs.
    #[prop(into)]
    now_ms: Signal<f64>,
    /// Called when the user cancels the job.
    on_cancel: Callback<()>,
    /// Whether this browser created the job: only the creator may cancel.
    #[prop(into)]
    can_cancel: Signal<bool>,
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
    let detail = move || generation.with(|g| g.as_ref().map(|g| describe(g, now_ms.get())));
    let waking =
        move || generation.with(|g| g.as_ref().is_some_and(|g| g.phase == Phase::WakingGpu));
    let cancellable = move || {
        can_cancel.get() && generation.with(|g| g.as_ref().is_some_and(|g| !g.status.is_terminal()))
    };

    view! {
        <Show when=running>
            <section class="progress-card" aria-label="Progress">
                <p class="phase" aria-live="polite" id="phase">{phase}</p>
                <progress max="1" prop:value=progress></progress>
                <p class="progress-detail" id="progress-detail">{detail}</p>
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

/// "Position 3 in line · 12 s so far · done in about 2 min": the place in
/// line while queued, and the time left whenever the server estimates it.
fn describe(g: &Generation, now_ms: f64) -> String {
    let mut parts = Vec::new();
    if let (Phase::Queued, Some(position)) = (g.phase, g.queue_position) {
        parts.push(if position <= 1 {
            "Next in line".to_string()
        } else {
            format!("Position {position} in line")
        });
    }
    let spent = (now_ms - g.created_at as f64) / 1000.0;
    parts.push(format!("{} so far", elapsed(spent)));
    if let Some(eta) = g.eta_seconds.filter(|_| !g.status.is_terminal()) {
        parts.push(format!("done in {}", about(f64::from(eta))));
    }
    parts.join(" · ")
}
