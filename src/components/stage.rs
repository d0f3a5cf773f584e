use super::{
    FormatsMenu, ModelFiles, ModelViewer, PreviewVideo, ProgressCard, ReproCard, ResultBar,
    SourceCard, VariantPicker,
};
use crate::api;
use crate::naming::{file_stem, version_name};
use crate::renditions::Renditions;
use crate::session::Session;
use crate::share::SharedView;
use leptos::prelude::*;
use std::time::Duration;
use trellis_api::{Generation, JobStatus, ModelVariant};

/// How often the elapsed-time display ticks.
const CLOCK_TICK: Duration = Duration::from_secs(1);

/// What the stage shows; mirrored in `#stage[data-view]` for the layout
/// (a phone hides the empty stage) and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StageView {
    /// Nothing yet: how it works, on a desktop; hidden on a phone.
    Empty,
    /// A job runs and there is no model yet: the input photo, dimmed, under
    /// the progress.
    Working,
    /// The server's preview video plays while the GLB is made.
    Preview,
    /// The 3D viewer, possibly with a new job's progress over it.
    Model,
    /// A failed job or a link that cannot be opened.
    Problem,
}

impl StageView {
    fn as_attr(self) -> &'static str {
        match self {
            StageView::Empty => "empty",
            StageView::Working => "working",
            StageView::Preview => "preview",
            StageView::Model => "model",
            StageView::Problem => "problem",
        }
    }
}

/// The version of `g` to show: the one picked, else the first finished.
fn pick_version(g: &Generation, chosen: Option<&str>) -> Option<ModelVariant> {
    let ready = |m: &&ModelVariant| m.status == JobStatus::Succeeded && m.url.is_some();
    chosen
        .and_then(|c| g.models.iter().filter(ready).find(|m| m.variant == c))
        .or_else(|| g.models.iter().find(ready))
        .cloned()
}

/// The large area beside (or, on a phone, below) the inputs: how it works,
/// then the job's progress over its photo, the preview video, the model,
/// or what went wrong; with the result's downloads and versions under it.
#[component]
pub fn Stage(session: Session) -> impl IntoView {
    let view_state = RwSignal::new(SharedView::from_page());
    let now_ms = RwSignal::new(js_sys::Date::now());
    if let Ok(clock) = set_interval_with_handle(move || now_ms.set(js_sys::Date::now()), CLOCK_TICK)
    {
        on_cleanup(move || clock.clear());
    }

    let shown_model = Signal::derive(move || {
        session.shown.with(|g| {
            let g = g.as_ref()?;
            session
                .chosen_variant
                .with(|c| pick_version(g, c.as_deref()))
        })
    });
    // Memoized: the generation keeps changing after its model is ready
    // (the web-optimized copy, the poster), and the viewer loads the model
    // again whenever this notifies with other files.
    let model = Memo::new(move |_| shown_model.with(|m| m.as_ref().and_then(ModelFiles::of)));
    let file_stem = Signal::derive(move || {
        let photo = session
            .shown
            .with(|g| g.as_ref().map(|g| session.photo_name_of(&g.id)))
            .unwrap_or_default();
        let version = shown_model.with(|m| m.as_ref().map(|m| version_name(&m.params)));
        file_stem(&photo, &version.unwrap_or_default())
    });
    let renditions = Renditions::new(
        move || session.shown.with(|g| g.as_ref().map(|g| g.id.clone())),
        shown_model,
    );
    let formats = ViewFn::from(move || {
        view! { <FormatsMenu session model=shown_model renditions file_stem /> }
    });
    let job_running = move || session.job_active();
    let job_video = move || {
        session.job.with(|g| {
            g.as_ref()
                .filter(|g| g.ready_model().is_none())
                .and_then(|g| g.video_url.clone())
        })
    };
    let stage_view = Memo::new(move |_| {
        if model.with(Option::is_some) {
            StageView::Model
        } else if session.stage_problem.with(Option::is_some) {
            StageView::Problem
        } else if job_video().is_some() {
            StageView::Preview
        } else if job_running() {
            StageView::Working
        } else {
            StageView::Empty
        }
    });
    let is = move |view: StageView| move || stage_view.get() == view;
    let input_photo = move || {
        session
            .job
            .with(|g| g.as_ref().map(|g| api::resolve(&g.input_url)))
    };
    let on_cancel = Callback::new(move |()| session.cancel());
    let job_cancelled = move || {
        session
            .job
            .with(|g| g.as_ref().is_some_and(|g| g.status == JobStatus::Cancelled))
    };

    view! {
        <section
            class="stage"
            id="stage"
            aria-label="Model"
            data-view=move || stage_view.get().as_attr()
        >
            <div class="stage-frame">
                <ModelViewer model view=view_state file_stem formats />
                <Show when=is(StageView::Empty)>
                    <EmptyStage has_photo=Signal::derive(move || session.photo.with(Option::is_some)) />
                </Show>
                <Show when=is(StageView::Working)>
                    <img class="stage-photo" src=input_photo alt="Your photo, being turned into a model" />
                </Show>
                <Show when=is(StageView::Preview)>
                    <PreviewVideo url=Signal::derive(move || job_video().unwrap_or_default()) />
                </Show>
                <Show when=move || job_running() || job_cancelled()>
                    <div class="stage-progress" class:over-model=is(StageView::Model)>
                        <ProgressCard generation=session.job now_ms on_cancel
                            can_cancel=Signal::derive(move || session.created(session.job)) />
                        <Show when=job_cancelled>
                            <p class="notice" role="status">
                                {move || if model.with(Option::is_some) {
                                    "Cancelled. The model from before is still shown."
                                } else {
                                    "Cancelled. Nothing more will run for this job; press Generate to start again."
                                }}
                            </p>
                        </Show>
                    </div>
                </Show>
                <StageProblemCard session over_model=Signal::derive(is(StageView::Model)) />
            </div>
            <Show when=is(StageView::Model)>
                <ResultBar session model=shown_model view=view_state renditions />
                <SourceCard session />
                <VariantPicker session />
                <ReproCard generation=session.shown />
            </Show>
        </section>
    }
}

/// The empty stage on a desktop: how the studio works, in three steps,
/// with the one the user is at marked.
#[component]
fn EmptyStage(#[prop(into)] has_photo: Signal<bool>) -> impl IntoView {
    let step = move |photo_step: bool| move || (has_photo.get() == photo_step).then_some("step");
    view! {
        <div class="stage-empty">
            <h2>"From a photo to a 3D model"</h2>
            <ol>
                <li aria-current=step(false)>"Choose a photo of one object: pick a file, drop it anywhere on this page, or paste it."</li>
                <li aria-current=step(true)>"Check what will count as the subject, then press Generate."</li>
                <li>"Turn the model, check its textures, download a GLB and share a link."</li>
            </ol>
        </div>
    }
}

/// What went wrong and what to do next, in the stage. Over a model (a new
/// job failed) it can be dismissed; the model stays.
#[component]
fn StageProblemCard(session: Session, #[prop(into)] over_model: Signal<bool>) -> impl IntoView {
    let retryable = move || {
        session
            .stage_problem
            .with(|p| p.as_ref().is_some_and(|p| p.can_retry))
            && session.photo.with(Option::is_some)
    };
    move || {
        session.stage_problem.get().map(|problem| {
            view! {
                <div class="stage-problem" class:over-model=over_model role="alert" id="stage-problem">
                    <p class="what">{problem.what}</p>
                    <p class="next">{problem.next}</p>
                    <div class="actions">
                        <Show when=retryable>
                            <button type="button" class="primary" id="retry" on:click=move |_| session.retry()>"Try again"</button>
                        </Show>
                        <button type="button" class="secondary" on:click=move |_| session.stage_problem.set(None)>"Dismiss"</button>
                    </div>
                </div>
            }
        })
    }
}
