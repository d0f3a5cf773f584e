//! The studio: pick a photo, check its cut-out, generate, watch progress,
//! then inspect, download and share the model.
//!
//! One column on a phone, in the order of the work: photo, Generate, the
//! stage (progress, then the model), settings. On a desktop the photo,
//! Generate and settings form a left column beside the stage.

use crate::components::{
    Coaching, DropZone, ExamplePicker, ForgetKeyButton, GenerateBar, HealthBadge, HistoryList,
    SettingsForm, Stage, ThemeToggle,
};
use crate::session::{Session, scroll_stage_into_view};
use crate::share::{VERSION_QUERY, current_query};
use leptos::prelude::*;
use web_sys::{ClipboardEvent, DragEvent};

/// The studio page. Opened with a generation id (a share link or a
/// reload), it reattaches to that job or shows its model.
#[component]
pub fn StudioPage(
    /// A generation to show at start.
    initial_id: Option<String>,
) -> impl IntoView {
    let session = Session::new();
    if let Some(id) = initial_id {
        session.chosen_variant.set(current_query(VERSION_QUERY));
        session.follow(id);
    }
    accept_dropped_and_pasted_files(session);
    follow_the_job_on_screen(session);

    view! {
        <header class="app-header">
            <h1>"Trellis Studio"</h1>
            <div class="header-tools">
                <HealthBadge health=session.health />
                <ForgetKeyButton session />
                <ThemeToggle />
            </div>
        </header>
        <main class="studio">
            <section class="photo-panel" id="photo" aria-label="Photo">
                <DropZone session />
                <ExamplePicker
                    on_pick=Callback::new(move |(url, name)| session.choose_example(url, name))
                    enabled=Signal::derive(move || session.editable())
                />
                <Coaching session />
            </section>
            <GenerateBar session />
            <Stage session />
            <SettingsForm session />
            <HistoryList session />
        </main>
    }
}

/// A file dropped anywhere on the page, or pasted, counts as picked.
fn accept_dropped_and_pasted_files(session: Session) {
    let _ = window_event_listener(leptos::ev::dragover, |event: DragEvent| {
        event.prevent_default()
    });
    let _ = window_event_listener(leptos::ev::drop, move |event: DragEvent| {
        event.prevent_default();
        let file = event
            .data_transfer()
            .and_then(|t| t.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file
            && session.editable()
        {
            let name = file.name();
            session.choose_photo(file.into(), name);
        }
    });
    let _ = window_event_listener(leptos::ev::paste, move |event: ClipboardEvent| {
        let file = event
            .clipboard_data()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file
            && session.editable()
        {
            event.prevent_default();
            let name = file.name();
            session.choose_photo(file.into(), name);
        }
    });
}

/// On a phone the stage sits below Generate: bring the progress into view
/// when a job starts, and the model when it arrives.
fn follow_the_job_on_screen(session: Session) {
    Effect::new(move |previous: Option<(Option<String>, Option<String>)>| {
        let job = session.job.with(|g| g.as_ref().map(|g| g.id.clone()));
        let shown = session.shown.with(|g| g.as_ref().map(|g| g.id.clone()));
        let now = (job, shown);
        if let Some((old_job, old_shown)) = &previous {
            let new_job = now.0.is_some() && &now.0 != old_job;
            let new_model = now.1.is_some() && &now.1 != old_shown;
            if new_job || new_model {
                scroll_stage_into_view();
            }
        }
        now
    });
}
