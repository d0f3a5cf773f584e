use crate::api;
use crate::app::show_in_address_bar;
use crate::components::{
    DropZone, ErrorBanner, HealthBadge, ModelViewer, ProgressCard, ResultBar, SelectedImage,
    SettingsForm,
};
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use std::time::Duration;
use trellis_api::{GenerateParams, Generation, JobStatus};

/// How often the elapsed-time display ticks.
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// The studio: pick a photo, generate, watch progress, inspect and share the
/// model. Opened with a generation id, it reattaches to that job.
#[component]
pub fn StudioPage(
    /// A generation to show at start (from a share link or a reload).
    initial_id: Option<String>,
) -> impl IntoView {
    let selected = RwSignal::new_local(None::<SelectedImage>);
    let params = RwSignal::new(GenerateParams::default());
    let problems = RwSignal::new(BTreeMap::new());
    let generation = RwSignal::new(None::<Generation>);
    let problem = RwSignal::new(None::<String>);
    let submitting = RwSignal::new(false);
    let now_ms = RwSignal::new(js_sys::Date::now());
    if let Ok(clock) = set_interval_with_handle(move || now_ms.set(js_sys::Date::now()), CLOCK_TICK)
    {
        on_cleanup(move || clock.clear());
    }

    let job_active = move || generation.with(|g| g.as_ref().is_some_and(|g| !api::settled(g)));
    let editable = Signal::derive(move || !submitting.get() && !job_active());

    let follow = move |id: String| {
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
        });
    };
    if let Some(id) = initial_id {
        follow(id);
    }

    let on_generate = move |_| {
        let Some(image) = selected.get_untracked() else {
            problem.set(Some(
                "Choose a photo first: drop it on the page or click the box.".into(),
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
            match api::generate(&image.file, &params.get_untracked()).await {
                Ok(accepted) => {
                    show_in_address_bar(&accepted.id);
                    generation.set(None);
                    follow(accepted.id);
                }
                Err(e) => problem.set(Some(e.to_string())),
            }
            submitting.set(false);
        });
    };

    let model_url = Signal::derive(move || {
        generation.with(|g| {
            g.as_ref()
                .and_then(|g| g.ready_model())
                .and_then(|m| m.url.clone())
        })
    });
    let generate_label = move || {
        if submitting.get() {
            "Uploading…"
        } else {
            "Generate"
        }
    };

    view! {
        <header class="app-header">
            <h1>"Trellis Studio"</h1>
            <HealthBadge />
        </header>
        <main class="studio">
            <section class="input-column" aria-label="Input">
                <DropZone selected problem enabled=editable />
                <SettingsForm params problems enabled=editable />
                <button
                    id="generate"
                    class="button primary generate"
                    disabled=move || !editable.get() || selected.with(Option::is_none)
                    on:click=on_generate
                >
                    {generate_label}
                </button>
                <ErrorBanner message=problem />
            </section>
            <section class="stage" aria-label="Model">
                <ModelViewer model_url />
                <ProgressCard generation now_ms />
                <ResultBar generation />
            </section>
        </main>
    }
}
