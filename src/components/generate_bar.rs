use super::{ApiKeyPrompt, ErrorBanner};
use crate::session::Session;
use leptos::prelude::*;
use std::time::Duration;
use trellis_api::BackendKind;

/// How often the "try again in …" countdown ticks.
const COUNTDOWN_TICK: Duration = Duration::from_secs(1);

/// The Generate button, with a plain word about what this server's engine
/// makes, and why the last press did not start a job. On a phone it stays
/// at the bottom of the screen while a photo waits.
#[component]
pub fn GenerateBar(session: Session) -> impl IntoView {
    // A clock that ticks only while a "try again in …" wait is running.
    let now_ms = RwSignal::new(js_sys::Date::now());
    let clock = StoredValue::new_local(None::<IntervalHandle>);
    Effect::new(move |_| {
        if let Some(running) = clock.try_update_value(Option::take).flatten() {
            running.clear();
        }
        let tick = move || {
            let now = js_sys::Date::now();
            now_ms.set(now);
            // Past the wait: the clock stops with it.
            if session.retry_at.get_untracked().is_some_and(|at| now >= at) {
                session.retry_at.set(None);
            }
        };
        if session.retry_at.get().is_some()
            && let Ok(handle) = set_interval_with_handle(tick, COUNTDOWN_TICK)
        {
            now_ms.set(js_sys::Date::now());
            clock.set_value(Some(handle));
        }
    });
    on_cleanup(move || {
        if let Some(running) = clock.try_update_value(Option::take).flatten() {
            running.clear();
        }
    });
    // Seconds until the server said it will take a new job again.
    let wait = move || {
        session
            .retry_at
            .get()
            .map(|at| ((at - now_ms.get()) / 1000.0).ceil())
            .filter(|seconds| *seconds > 0.0)
    };
    let label = move || match (session.preparing.get(), session.submitting.get(), wait()) {
        (true, _, _) => "Preparing the photo…".to_string(),
        (_, true, _) => "Uploading…".to_string(),
        (_, _, Some(seconds)) => format!("Try again in {}", crate::naming::elapsed(seconds)),
        _ => "Generate".to_string(),
    };
    let no_subject = move || {
        session
            .cutout
            .with(|c| matches!(c, crate::session::Cutout::NoSubject(_)))
    };
    let ready = move || session.photo.with(Option::is_some) && !session.job_active();
    let builtin = move || {
        session
            .health_value()
            .is_some_and(|h| h.backend == BackendKind::Builtin)
    };
    view! {
        <section class="generate-bar" class:waiting=ready aria-label="Generate">
            <button
                id="generate"
                class="button primary generate"
                disabled=move || !session.editable() || session.photo.with(Option::is_none) || no_subject() || wait().is_some()
                on:click=move |_| session.generate()
            >
                {label}
            </button>
            <Show when=builtin>
                <p class="engine-note" id="engine-note">
                    <strong>"CPU preview: "</strong>
                    "a rough inflation of the photo's silhouette, not AI reconstruction. "
                    "For real models, start the server with a TRELLIS.2 GPU server: "
                    <code>"scripts/serve --backend modal"</code>
                    " (see the README)."
                </p>
            </Show>
            <ApiKeyPrompt session />
            <ErrorBanner message=session.submit_problem />
        </section>
    }
}
