use crate::history::HistoryEntry;
use crate::naming::quality_name;
use crate::session::Session;
use crate::share::{SharedView, share_url};
use leptos::prelude::*;
use trellis_api::JobStatus;

/// The generations this browser made, newest first: their outcome, which
/// one is open, and what can be done with them.
#[component]
pub fn HistoryList(session: Session) -> impl IntoView {
    let entries = session.history;
    view! {
        <details class="history" id="history" open=move || !entries.with(Vec::is_empty)>
            <summary>{move || format!("Your generations ({})", entries.with(Vec::len))}</summary>
            <Show when=move || entries.with(Vec::is_empty)>
                <p class="muted">"Generations you make in this browser are listed here, with their links."</p>
            </Show>
            <ul class="history-list">
                <For each=move || entries.get() key=|e| (e.id.clone(), e.status) let:entry>
                    <HistoryItem entry session />
                </For>
            </ul>
        </details>
    }
}

#[component]
fn HistoryItem(entry: HistoryEntry, session: Session) -> impl IntoView {
    let link = share_url(&entry.id, &SharedView::default(), None);
    let when = js_sys::Date::new(&entry.created_at.into())
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default();
    let summary = format!(
        "{} quality · seed {}",
        quality_name(entry.params.pipeline_type),
        entry.params.seed
    );
    let (status_class, status_text) = match entry.status {
        Some(JobStatus::Failed) => ("failed", Some("Failed")),
        Some(JobStatus::Cancelled) => ("cancelled", Some("Cancelled")),
        Some(JobStatus::Queued | JobStatus::Running) => ("running", Some("Running")),
        Some(JobStatus::Succeeded) | None => ("succeeded", None),
    };
    let id = entry.id.clone();
    let current = move || {
        let is = |g: &Option<trellis_api::Generation>| g.as_ref().is_some_and(|g| g.id == id);
        session.shown.with(is) || session.job.with(is)
    };
    let confirming = RwSignal::new(false);
    let (reuse, delete) = (entry.clone(), entry.clone());
    let name = entry.name.clone();
    view! {
        <li class=format!("history-item {status_class}") class:current=current.clone()
            aria-current=move || current().then_some("true") data-id=entry.id.clone()>
            <img src=entry.thumbnail.clone() alt="" width="48" height="48" />
            <div class="history-text">
                <a href=link class="history-link">{entry.name.clone()}</a>
                <small>
                    {status_text.map(|s| view! { <span class="status-badge">{s}</span>" · " })}
                    {when}" · "{summary}
                </small>
            </div>
            <Show when=move || !confirming.get() fallback=move || {
                let delete = delete.clone();
                view! {
                    <div class="history-confirm" role="group" aria-label="Confirm deletion">
                        <p>"Delete for good? Shared links to it will stop working."</p>
                        <button type="button" class="danger" on:click=move |_| session.delete(delete.clone())>"Delete"</button>
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep"</button>
                    </div>
                }
            }>
                <div class="history-actions">
                    <button type="button" class="secondary use-settings"
                        title="Put this photo and its settings back in the form"
                        disabled=move || !session.editable()
                        on:click={
                            let reuse = reuse.clone();
                            move |_| session.use_settings(reuse.clone())
                        }>"Use these settings"</button>
                    <button type="button" class="secondary" aria-label=format!("Delete {name}")
                        on:click=move |_| confirming.set(true)>"Delete"</button>
                </div>
            </Show>
        </li>
    }
}
