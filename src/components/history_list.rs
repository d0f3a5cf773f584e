use crate::history::HistoryEntry;
use crate::share::{SharedView, share_url};
use leptos::prelude::*;

/// The generations this browser made, newest first, with their links and
/// what can be done again with them.
#[component]
pub fn HistoryList(
    entries: RwSignal<Vec<HistoryEntry>>,
    /// Loads the entry's photo and settings (same seed) into the form.
    on_rerun: Callback<HistoryEntry>,
    /// Deletes the entry here and on the server.
    on_delete: Callback<HistoryEntry>,
) -> impl IntoView {
    view! {
        <details class="history" id="history" open=move || !entries.with(Vec::is_empty)>
            <summary>{move || format!("Your generations ({})", entries.with(Vec::len))}</summary>
            <Show when=move || entries.with(Vec::is_empty)>
                <p class="muted">"Generations you make in this browser are listed here, with their links."</p>
            </Show>
            <ul class="history-list">
                <For each=move || entries.get() key=|e| e.id.clone() let:entry>
                    <HistoryItem entry on_rerun on_delete />
                </For>
            </ul>
        </details>
    }
}

#[component]
fn HistoryItem(
    entry: HistoryEntry,
    on_rerun: Callback<HistoryEntry>,
    on_delete: Callback<HistoryEntry>,
) -> impl IntoView {
    let link = share_url(&entry.id, &SharedView::default());
    let when = js_sys::Date::new(&entry.created_at.into())
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default();
    let summary = format!(
        "{} · seed {}",
        entry.params.pipeline_type, entry.params.seed
    );
    let (rerun, delete) = (entry.clone(), entry.clone());
    view! {
        <li class="history-item" data-id=entry.id.clone()>
            <img src=entry.thumbnail.clone() alt="" width="48" height="48" />
            <div class="history-text">
                <a href=link class="history-link">{entry.name.clone()}</a>
                <small>{when}" · "{summary}</small>
            </div>
            <div class="history-actions">
                <button type="button" class="secondary" on:click=move |_| on_rerun.run(rerun.clone())>"Re-run"</button>
                <button type="button" class="secondary" aria-label=format!("Delete {}", entry.name) on:click=move |_| on_delete.run(delete.clone())>"Delete"</button>
            </div>
        </li>
    }
}
