use super::ErrorBanner;
use crate::session::Session;
use leptos::prelude::*;
use trellis_api::BackendKind;

/// The Generate button, with a plain word about what this server's engine
/// makes, and why the last press did not start a job. On a phone it stays
/// at the bottom of the screen while a photo waits.
#[component]
pub fn GenerateBar(session: Session) -> impl IntoView {
    let label = move || match (session.preparing.get(), session.submitting.get()) {
        (true, _) => "Preparing the photo…",
        (_, true) => "Uploading…",
        _ => "Generate",
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
                disabled=move || !session.editable() || session.photo.with(Option::is_none) || no_subject()
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
            <ErrorBanner message=session.submit_problem />
        </section>
    }
}
