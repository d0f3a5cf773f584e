use crate::session::{Cutout, Session};
use leptos::prelude::*;

/// The chosen photo, and beside it on demand what will count as its
/// subject: the mask the built-in engine will use, or the photo's own
/// transparency. Doubts about the subject are said before anything runs.
#[component]
pub fn CutoutView(session: Session) -> impl IntoView {
    let showing_cutout = RwSignal::new(false);
    // A doubtful or missing subject is shown at once: that is the problem
    // to see.
    Effect::new(move |_| {
        let doubtful = session.cutout.with(|c| match c {
            Cutout::Ready(preview) => !preview.doubts.is_empty(),
            _ => false,
        });
        if doubtful {
            showing_cutout.set(true);
        }
    });
    let photo_url = move || {
        session
            .photo
            .with(|p| p.as_ref().map(|p| p.preview_url.clone()))
    };
    let has_alpha = move || {
        session
            .photo
            .with(|p| p.as_ref().is_some_and(|p| p.has_alpha))
    };
    // The cut-out image: the engine's, else the photo's own alpha.
    let cutout_url = move || match session.cutout.get() {
        Cutout::Ready(preview) => Some(preview.image),
        _ if has_alpha() => photo_url(),
        _ => None,
    };
    let status = move || match session.cutout.get() {
        Cutout::Loading => Some(("info", "Finding the subject…".to_string())),
        Cutout::NoSubject(message) => Some(("warning", message)),
        Cutout::Unavailable(message) => Some((
            "info",
            format!("The cut-out could not be previewed: {message}"),
        )),
        Cutout::Ready(_) | Cutout::None => None,
    };
    let doubts = move || match session.cutout.get() {
        Cutout::Ready(preview) => preview.doubts,
        _ => Vec::new(),
    };
    let shown_url = move || {
        if showing_cutout.get() {
            cutout_url().or_else(photo_url)
        } else {
            photo_url()
        }
    };
    let alt = move || {
        if showing_cutout.get() && cutout_url().is_some() {
            "What will count as the subject: the rest is cut away"
        } else {
            "The chosen photo, as it will be sent"
        }
    };

    view! {
        <div class="cutout-view">
            <div class="photo-frame" class:checkerboard=move || showing_cutout.get() && cutout_url().is_some()>
                <img class="input-preview" id="input-preview" src=shown_url alt=alt />
            </div>
            <Show when=move || cutout_url().is_some()>
                <div class="segmented" role="group" aria-label="Show">
                    <button type="button" id="show-photo" aria-pressed=move || (!showing_cutout.get()).to_string()
                        on:click=move |_| showing_cutout.set(false)>"Photo"</button>
                    <button type="button" id="show-cutout" aria-pressed=move || showing_cutout.get().to_string()
                        on:click=move |_| showing_cutout.set(true)>"Cut-out"</button>
                </div>
            </Show>
            <ul class="notes cutout-notes" id="cutout-notes" aria-live="polite">
                {move || status().map(|(tone, text)| view! { <li class=format!("note {tone}")>{text}</li> })}
                {move || doubts().into_iter().map(|d| view! { <li class="note warning doubt">{d}</li> }).collect_view()}
            </ul>
        </div>
    }
}
