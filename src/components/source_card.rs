use crate::api;
use crate::history::HistoryEntry;
use crate::naming::quality_name;
use crate::session::Session;
use leptos::prelude::*;
use trellis_api::BackendKind;

/// The photo and settings the model on screen was made from, for a model
/// opened by link or from history as much as for a new one, with a way to
/// start from them again.
#[component]
pub fn SourceCard(session: Session) -> impl IntoView {
    move || {
        session.shown.with(|g| g.as_ref().map(|g| {
            let engine = match g.backend {
                BackendKind::Builtin => "CPU preview (no AI model)",
                BackendKind::Modal | BackendKind::Fastapi => "TRELLIS.2 on a GPU server",
            };
            let settings = format!(
                "{} quality · seed {} · {engine}",
                quality_name(g.params.pipeline_type),
                g.params.seed
            );
            let entry = HistoryEntry {
                id: g.id.clone(),
                created_at: g.created_at as f64,
                thumbnail: String::new(),
                name: session.photo_name_of(&g.id),
                params: g.params.clone(),
                owner_token: None,
                status: Some(g.status),
            };
            view! {
                <section class="source-card" id="source" aria-label="Made from">
                    <img src=api::resolve(&g.input_url) alt="The photo this model was made from" width="64" height="64" />
                    <div class="source-text">
                        <strong>"Made from this photo"</strong>
                        <small id="source-settings">{settings}</small>
                    </div>
                    <button type="button" class="secondary" id="use-source"
                        disabled=move || !session.editable()
                        on:click=move |_| session.use_settings(entry.clone())>
                        "Use this photo and settings"
                    </button>
                </section>
            }
        }))
    }
}
