use crate::photo::{PreparedPhoto, Tone};
use leptos::prelude::*;

/// Notes about the chosen photo, shown before any GPU time is spent: what
/// will be sent, and what could make the result better.
#[component]
pub fn Coaching(photo: RwSignal<Option<PreparedPhoto>, LocalStorage>) -> impl IntoView {
    move || {
        photo.get().map(|photo| {
            let (ow, oh) = photo.original_size;
            let (sw, sh) = photo.sent_size;
            let sizes = format!(
                "{}: {ow}×{oh}, {} · sent as {sw}×{sh} PNG, {}",
                photo.name,
                megabytes(photo.original_bytes),
                megabytes(photo.sent_bytes)
            );
            let notes = photo
                .notes
                .into_iter()
                .map(|note| {
                    let class = match note.tone {
                        Tone::Good => "note good",
                        Tone::Info => "note info",
                        Tone::Warning => "note warning",
                    };
                    view! { <li class=class>{note.text}</li> }
                })
                .collect_view();
            view! {
                <section class="coaching" aria-label="About this photo">
                    <p class="photo-sizes" id="photo-sizes" data-sent-bytes=photo.sent_bytes.to_string()
                        data-sent-size=format!("{sw}x{sh}")>{sizes}</p>
                    <ul class="notes">{notes}</ul>
                </section>
            }
        })
    }
}

fn megabytes(bytes: u64) -> String {
    if bytes < 1_048_576 {
        format!("{:.0} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    }
}
