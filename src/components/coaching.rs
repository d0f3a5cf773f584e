use crate::photo::Tone;
use crate::session::Session;
use leptos::prelude::*;
use trellis_api::BackendKind;

/// Notes about the chosen photo, shown before any GPU time is spent: what
/// will be sent, how its background will be handled by this server's
/// engine, and what could make the result better.
#[component]
pub fn Coaching(session: Session) -> impl IntoView {
    let backend = move || session.health_value().map(|h| h.backend);
    move || {
        session.photo.get().map(|photo| {
            let (ow, oh) = photo.original_size;
            let (sw, sh) = photo.sent_size;
            let sizes = format!(
                "{}: {ow}×{oh}, {} · sent as {sw}×{sh} PNG, {}",
                photo.name,
                megabytes(photo.original_bytes),
                megabytes(photo.sent_bytes)
            );
            let background = background_note(photo.has_alpha, backend());
            let notes = background
                .into_iter()
                .chain(photo.notes.into_iter().map(|n| (n.tone, n.text)))
                .map(|(tone, text)| {
                    let class = match tone {
                        Tone::Good => "note good",
                        Tone::Info => "note info",
                        Tone::Warning => "note warning",
                    };
                    view! { <li class=class>{text}</li> }
                })
                .collect_view();
            view! {
                <section class="coaching" aria-label="About this photo">
                    <p class="photo-sizes" id="photo-sizes" data-sent-bytes=photo.sent_bytes.to_string()
                        data-sent-size=format!("{sw}x{sh}")>{sizes}</p>
                    <ul class="notes" id="coaching-notes">{notes}</ul>
                </section>
            }
        })
    }
}

/// How the background will be handled, which depends on the engine: the
/// CPU preview separates by colour, a GPU server with its own model.
fn background_note(has_alpha: bool, backend: Option<BackendKind>) -> Option<(Tone, String)> {
    let text = match (has_alpha, backend?) {
        (true, _) => {
            return Some((
                Tone::Good,
                "Transparent background: your cut-out is used as the subject.".into(),
            ));
        }
        (false, BackendKind::Builtin) => {
            "No transparency: the CPU preview separates the subject from the background by colour. Check the cut-out."
        }
        (false, BackendKind::Modal | BackendKind::Fastapi) => {
            "No transparency: the GPU server removes the background with its own model when the job runs."
        }
    };
    Some((Tone::Info, text.into()))
}

fn megabytes(bytes: u64) -> String {
    if bytes < 1_048_576 {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    }
}
