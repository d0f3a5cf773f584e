use crate::api;
use crate::components::{
    Coaching, DropZone, ErrorBanner, ExamplePicker, HealthBadge, HistoryList, ModelViewer,
    PreviewVideo, ProgressCard, ReproCard, ResultBar, SettingsForm, ThemeToggle, VariantPicker,
};
use crate::history::{self, HistoryEntry};
use crate::photo::{self, PreparedPhoto};
use crate::share::{SharedView, show_in_address_bar};
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::time::Duration;
use trellis_api::{GenerateParams, Generation, JobStatus, ModelVariant};
use web_sys::{Blob, ClipboardEvent, DragEvent, File};

/// How often the elapsed-time display ticks.
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// The studio: pick a photo, generate, watch progress, inspect and share the
/// model. Opened with a generation id, it reattaches to that job.
#[component]
pub fn StudioPage(
    /// A generation to show at start (from a share link or a reload).
    initial_id: Option<String>,
) -> impl IntoView {
    let photo = RwSignal::new_local(None::<PreparedPhoto>);
    let view = RwSignal::new(SharedView::from_page());
    let preparing = RwSignal::new(false);
    let params = RwSignal::new(GenerateParams::default());
    let problems = RwSignal::new(BTreeMap::new());
    let generation = RwSignal::new(None::<Generation>);
    let chosen_variant = RwSignal::new(None::<String>);
    let watching = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let submitting = RwSignal::new(false);
    let health = LocalResource::new(api::health);
    let history_entries = RwSignal::new(Vec::<HistoryEntry>::new());
    let refresh_history = move || {
        spawn_local(async move {
            match history::list().await {
                Ok(entries) => history_entries.set(entries),
                Err(e) => problem.set(Some(e.to_string())),
            }
        })
    };
    refresh_history();
    let now_ms = RwSignal::new(js_sys::Date::now());
    if let Ok(clock) = set_interval_with_handle(move || now_ms.set(js_sys::Date::now()), CLOCK_TICK)
    {
        on_cleanup(move || clock.clear());
    }

    let job_active =
        move || generation.with(|g| g.as_ref().is_some_and(|g| !g.status.is_terminal()));
    let editable = Signal::derive(move || !submitting.get() && !preparing.get() && !job_active());
    let estimates = Signal::derive(move || {
        health
            .get()
            .and_then(Result::ok)
            .map(|h| h.pipeline_seconds)
            .unwrap_or_default()
    });
    let can_extract = Signal::derive(move || {
        health
            .get()
            .and_then(Result::ok)
            .is_some_and(|h| h.can_extract)
    });

    // Follows the generation over SSE whenever something may still change,
    // e.g. after an extraction was requested on a finished one.
    let follow = move |id: String| {
        watching.set(Some(id.clone()));
        spawn_local(async move {
            let mut updates = std::pin::pin!(api::watch_generation(id));
            while let Some(update) = updates.next().await {
                match update {
                    Ok(g) => {
                        if g.status == JobStatus::Failed {
                            problem.set(g.error.as_ref().map(|e| e.message.clone()));
                        }
                        generation.set(Some(g));
                    }
                    Err(e) => problem.set(Some(e.to_string())),
                }
            }
            watching.set(None);
        });
    };
    Effect::new(move |_| {
        let unsettled = generation.with(|g| {
            g.as_ref()
                .filter(|g| !api::settled(g))
                .map(|g| g.id.clone())
        });
        if let Some(id) = unsettled
            && watching.get_untracked().as_ref() != Some(&id)
        {
            follow(id);
        }
    });
    if let Some(id) = initial_id {
        follow(id);
    }

    let choose_blob = move |blob: Blob, name: String| {
        preparing.set(true);
        problem.set(None);
        spawn_local(async move {
            match photo::prepare(&blob, &name).await {
                Ok(prepared) => {
                    if let Some(old) = photo.get_untracked() {
                        old.release();
                    }
                    photo.set(Some(prepared));
                }
                Err(message) => problem.set(Some(message)),
            }
            preparing.set(false);
        });
    };
    let choose_file = Callback::new(move |file: File| {
        let name = file.name();
        choose_blob(file.into(), name);
    });
    let choose_example = Callback::new(move |(url, name): (String, String)| {
        spawn_local(async move {
            match photo::fetch_image(&url).await {
                Ok(blob) => choose_blob(blob, name),
                Err(message) => problem.set(Some(message)),
            }
        });
    });
    // A file dropped anywhere on the page, or pasted, counts as picked.
    let _ = window_event_listener(leptos::ev::dragover, |event: DragEvent| {
        event.prevent_default()
    });
    let _ = window_event_listener(leptos::ev::drop, move |event: DragEvent| {
        event.prevent_default();
        let file = event
            .data_transfer()
            .and_then(|t| t.files())
            .and_then(|f| f.get(0));
        if let (Some(file), true) = (file, editable.get_untracked()) {
            choose_file.run(file);
        }
    });
    let _ = window_event_listener(leptos::ev::paste, move |event: ClipboardEvent| {
        let file = event
            .clipboard_data()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let (Some(file), true) = (file, editable.get_untracked()) {
            event.prevent_default();
            choose_file.run(file);
        }
    });

    let on_generate = move |_| {
        let Some(prepared) = photo.get_untracked() else {
            problem.set(Some(
                "Choose a photo first: drop it on the page, paste it, or click the box.".into(),
            ));
            return;
        };
        if !problems.with_untracked(BTreeMap::is_empty) {
            problem.set(Some("Fix the highlighted settings first.".into()));
            return;
        }
        problem.set(None);
        submitting.set(true);
        spawn_local(async move {
            match api::generate(&prepared.png, &params.get_untracked()).await {
                Ok(accepted) => {
                    show_in_address_bar(&accepted.id);
                    let entry = HistoryEntry {
                        id: accepted.id.clone(),
                        created_at: js_sys::Date::now(),
                        thumbnail: prepared.thumbnail.clone(),
                        name: prepared.name.clone(),
                        params: params.get_untracked(),
                        delete_token: accepted.delete_token.clone(),
                    };
                    match history::save(&entry).await {
                        Ok(()) => refresh_history(),
                        Err(e) => problem.set(Some(e.to_string())),
                    }
                    chosen_variant.set(None);
                    generation.set(None);
                    follow(accepted.id);
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
            submitting.set(false);
        });
    };
    let on_cancel = Callback::new(move |()| {
        let Some(id) = generation.with_untracked(|g| g.as_ref().map(|g| g.id.clone())) else {
            return;
        };
        spawn_local(async move {
            match api::cancel(&id).await {
                Ok(g) => generation.set(Some(g)),
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    });

    let on_rerun = Callback::new(move |entry: HistoryEntry| {
        params.set(entry.params.clone());
        problems.set(BTreeMap::new());
        let url = api::resolve(&format!("generations/{}/input.png", entry.id));
        spawn_local(async move {
            match photo::fetch_image(&url).await {
                Ok(blob) => choose_blob(blob, entry.name),
                Err(message) => problem.set(Some(message)),
            }
        });
    });
    let on_delete = Callback::new(move |entry: HistoryEntry| {
        spawn_local(async move {
            if let Some(token) = &entry.delete_token
                && let Err(e) = api::delete_generation(&entry.id, token).await
            {
                problem.set(Some(e.to_string()));
                return;
            }
            match history::remove(&entry.id).await {
                Ok(()) => refresh_history(),
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    });

    // The version in the viewer: the one picked, else the first finished.
    let shown_model = Signal::derive(move || -> Option<ModelVariant> {
        generation.with(|g| {
            let g = g.as_ref()?;
            let ready = |m: &&ModelVariant| m.status == JobStatus::Succeeded && m.url.is_some();
            chosen_variant
                .with(|c| {
                    c.as_ref()
                        .and_then(|c| g.models.iter().filter(ready).find(|m| &m.variant == c))
                })
                .or_else(|| g.models.iter().find(ready))
                .cloned()
        })
    });
    let model_url = Signal::derive(move || shown_model.get().and_then(|m| m.url));
    let video_url =
        Signal::derive(move || generation.with(|g| g.as_ref().and_then(|g| g.video_url.clone())));
    let cancelled =
        move || generation.with(|g| g.as_ref().is_some_and(|g| g.status == JobStatus::Cancelled));
    let generate_label = move || match (preparing.get(), submitting.get()) {
        (true, _) => "Preparing the photo…",
        (_, true) => "Uploading…",
        _ => "Generate",
    };

    view! {
        <header class="app-header">
            <h1>"Trellis Studio"</h1>
            <div class="header-tools">
                <HealthBadge health />
                <ThemeToggle />
            </div>
        </header>
        <main class="studio">
            <section class="input-column" aria-label="Input">
                <DropZone photo on_file=choose_file preparing enabled=editable />
                <ExamplePicker on_pick=choose_example enabled=editable />
                <Coaching photo />
                <SettingsForm params problems enabled=editable estimates />
                <button
                    id="generate"
                    class="button primary generate"
                    disabled=move || !editable.get() || photo.with(Option::is_none)
                    on:click=on_generate
                >
                    {generate_label}
                </button>
                <ErrorBanner message=problem />
                <HistoryList entries=history_entries on_rerun on_delete />
            </section>
            <section class="stage" aria-label="Model">
                // The preview plays while the GLB is made, then steps aside.
                <Show when=move || video_url.with(Option::is_some) && model_url.with(Option::is_none)>
                    <PreviewVideo url=Signal::derive(move || video_url.get().unwrap_or_default()) />
                </Show>
                <ModelViewer model_url view />
                <Show when=move || video_url.with(Option::is_some) && model_url.with(Option::is_some)>
                    <details class="preview-later">
                        <summary>"Preview video"</summary>
                        <PreviewVideo url=Signal::derive(move || video_url.get().unwrap_or_default()) />
                    </details>
                </Show>
                <ProgressCard generation now_ms on_cancel />
                <Show when=cancelled>
                    <p class="notice" role="status">"Cancelled. Nothing more will run for this job; press Generate to start again."</p>
                </Show>
                <ResultBar generation model=shown_model view />
                <VariantPicker generation chosen=chosen_variant can_extract problem />
                <ReproCard generation />
            </section>
        </main>
    }
}
