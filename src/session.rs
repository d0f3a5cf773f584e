//! The studio's state and what the user can do with it. Components get the
//! signals they show; the actions that span several of them live here.

use crate::api::{self, ApiClientError};
use crate::components::FieldProblems;
use crate::history::{self, HistoryEntry};
use crate::photo::{self, PreparedPhoto};
use crate::share::{clear_address_bar, show_in_address_bar};
use futures::StreamExt;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeMap;
use trellis_api::{
    AccessMode, CutoutPreview, GenerateParams, Generation, Health, JobStatus, codes,
};
use web_sys::Blob;

/// What the engine would take as the subject of the chosen photo.
#[derive(Debug, Clone, PartialEq)]
pub enum Cutout {
    /// Nothing asked yet, or no photo.
    None,
    Loading,
    Ready(CutoutPreview),
    /// The engine would find no subject: said before anything runs.
    NoSubject(String),
    /// The server could not be asked; the photo may still work.
    Unavailable(String),
}

/// A problem shown in the stage, where the person is looking: what
/// happened, and what to do next.
#[derive(Debug, Clone, PartialEq)]
pub struct StageProblem {
    pub what: String,
    pub next: String,
    /// Whether "Try again" can re-submit the photo still in the form.
    pub can_retry: bool,
}

/// The studio's state. Every field is a signal, so the whole is `Copy`.
#[derive(Clone, Copy)]
pub struct Session {
    pub photo: RwSignal<Option<PreparedPhoto>, LocalStorage>,
    pub cutout: RwSignal<Cutout>,
    pub preparing: RwSignal<bool>,
    /// Why the last photo could not be used, shown in the photo panel.
    pub photo_problem: RwSignal<Option<String>>,
    pub params: RwSignal<GenerateParams>,
    pub problems: FieldProblems,
    /// Whether the advanced settings are shown.
    pub advanced_open: RwSignal<bool>,
    pub submitting: RwSignal<bool>,
    /// Why the last Generate press did not start a job.
    pub submit_problem: RwSignal<Option<String>>,
    /// The generation being followed: a new job, or one opened by link.
    pub job: RwSignal<Option<Generation>>,
    /// The generation whose model is on screen. A new job replaces it only
    /// once it has a model, so a cancelled or failed job leaves it there.
    pub shown: RwSignal<Option<Generation>>,
    /// The version picked in the viewer (`ModelVariant::variant`).
    pub chosen_variant: RwSignal<Option<String>>,
    pub stage_problem: RwSignal<Option<StageProblem>>,
    /// The ids whose event streams are open, so each is opened once.
    watching: RwSignal<Vec<String>>,
    pub history: RwSignal<Vec<HistoryEntry>>,
    pub health: LocalResource<api::ApiResult<Health>>,
    /// Why the page asks for the operator's API key, while it does.
    pub key_prompt: RwSignal<Option<String>>,
    /// Whether this browser holds an API key.
    pub key_stored: RwSignal<bool>,
    /// When a refused request may be tried again (`Date.now()` ms), after
    /// a "not now" answer (429, or 503 while the server sheds load).
    pub retry_at: RwSignal<Option<f64>>,
}

impl Session {
    pub fn new() -> Self {
        let session = Self {
            photo: RwSignal::new_local(None),
            cutout: RwSignal::new(Cutout::None),
            preparing: RwSignal::new(false),
            photo_problem: RwSignal::new(None),
            params: RwSignal::new(GenerateParams::default()),
            problems: RwSignal::new(BTreeMap::new()),
            advanced_open: RwSignal::new(false),
            submitting: RwSignal::new(false),
            submit_problem: RwSignal::new(None),
            job: RwSignal::new(None),
            shown: RwSignal::new(None),
            chosen_variant: RwSignal::new(None),
            stage_problem: RwSignal::new(None),
            watching: RwSignal::new(Vec::new()),
            history: RwSignal::new(Vec::new()),
            health: LocalResource::new(api::health),
            key_prompt: RwSignal::new(None),
            key_stored: RwSignal::new(crate::api_key::stored().is_some()),
            retry_at: RwSignal::new(None),
        };
        session.refresh_history();
        session.keep_shown_model_current();
        session
    }

    /// True while the followed job still has work queued or running.
    pub fn job_active(&self) -> bool {
        self.job
            .with(|g| g.as_ref().is_some_and(|g| !g.status.is_terminal()))
    }

    /// Whether the photo and settings may be changed (not mid-job).
    pub fn editable(&self) -> bool {
        !self.submitting.get() && !self.preparing.get() && !self.job_active()
    }

    /// What the server's health says, once known.
    pub fn health_value(&self) -> Option<Health> {
        self.health.get().and_then(Result::ok)
    }

    /// The owner token of generation `id`, if this browser created it: the
    /// creator's controls (cancel, delete, new versions) need it.
    pub fn owner_token_of(&self, id: &str) -> Option<String> {
        self.history.with(|entries| {
            entries
                .iter()
                .find(|e| e.id == id)
                .and_then(|e| e.owner_token.clone())
        })
    }

    /// Whether this browser created the generation held in `generation`.
    pub fn created(&self, generation: RwSignal<Option<Generation>>) -> bool {
        generation
            .with(|g| g.as_ref().map(|g| g.id.clone()))
            .is_some_and(|id| self.owner_token_of(&id).is_some())
    }

    /// Whether the server wants an API key this browser does not hold yet;
    /// if so, asks for it.
    fn needs_key(&self) -> bool {
        let keys = self
            .health_value()
            .is_some_and(|h| h.access == AccessMode::Keys);
        if keys && crate::api_key::stored().is_none() {
            self.key_prompt.set(Some(
                "This server makes models only for people with an API key from its operator."
                    .into(),
            ));
            return true;
        }
        false
    }

    /// Keeps a key the user typed, then goes on with what needed it.
    pub fn use_key(&self, key: &str) {
        crate::api_key::remember(key);
        self.key_stored.set(true);
        self.key_prompt.set(None);
        self.submit_problem.set(None);
        let unpreviewed = self
            .cutout
            .with_untracked(|c| matches!(c, Cutout::None | Cutout::Unavailable(_)));
        if let (true, Some(photo)) = (unpreviewed, self.photo.get_untracked()) {
            let this = *self;
            spawn_local(async move { this.preview_cutout(photo.png).await });
        }
    }

    /// Forgets the API key this browser holds.
    pub fn forget_key(&self) {
        crate::api_key::forget();
        self.key_stored.set(false);
    }

    /// Explains a refused request where the user is looking, and what it
    /// needs: a key, a wait, or nothing but the message.
    pub fn refused(&self, error: &ApiClientError) {
        match error.code() {
            Some(codes::API_KEY_REQUIRED) => {
                self.key_prompt.set(Some(error.to_string()));
                return;
            }
            Some(codes::API_KEY_INVALID) => {
                self.forget_key();
                self.key_prompt.set(Some(error.to_string()));
                return;
            }
            _ => {}
        }
        if let Some(seconds) = error.retry_after() {
            self.retry_at
                .set(Some(js_sys::Date::now() + seconds as f64 * 1000.0));
        }
        self.submit_problem.set(Some(error.to_string()));
    }

    /// The name of the photo generation `id` was made from, as picked in
    /// this browser; "model" for one opened by link.
    pub fn photo_name_of(&self, id: &str) -> String {
        self.history
            .with(|entries| entries.iter().find(|e| e.id == id).map(|e| e.name.clone()))
            .unwrap_or_else(|| "model".into())
    }

    pub fn refresh_history(&self) {
        let this = *self;
        spawn_local(async move { this.reload_history().await });
    }

    async fn reload_history(&self) {
        match history::list().await {
            Ok(entries) => self.history.set(entries),
            Err(e) => self.submit_problem.set(Some(e.to_string())),
        }
    }

    /// The job's model replaces the one on screen once it has one; until
    /// then the previous model stays. Updates to the shown generation (a new
    /// version extracted) are shown as they come.
    fn keep_shown_model_current(&self) {
        let (job, shown, chosen) = (self.job, self.shown, self.chosen_variant);
        Effect::new(move |_| {
            let Some(g) = job.get() else { return };
            let same = shown.with_untracked(|s| s.as_ref().map(|s| s.id.as_str()) == Some(&g.id));
            if !same && g.ready_model().is_some() {
                // A new generation: its own first version, unless a share
                // link asked for one (kept in `chosen` before it arrived).
                let keep = chosen.with_untracked(|c| {
                    c.as_ref()
                        .is_some_and(|c| g.models.iter().any(|m| &m.variant == c))
                });
                if !keep {
                    chosen.set(None);
                }
                shown.set(Some(g));
            }
        });
    }

    /// Follows a generation over SSE until nothing more can change: the job,
    /// or the model on screen while a new version is extracted. Errors on
    /// opening it (a bad, deleted or expired link) go to the stage.
    pub fn follow(&self, id: String) {
        let this = *self;
        if this.watching.with_untracked(|w| w.contains(&id)) {
            return;
        }
        this.watching.update(|w| w.push(id.clone()));
        spawn_local(async move {
            let mut updates = std::pin::pin!(api::watch_generation(id.clone()));
            let mut seen = false;
            while let Some(update) = updates.next().await {
                match update {
                    Ok(g) => {
                        seen = true;
                        this.record_outcome(&g);
                        this.apply_update(g);
                    }
                    Err(e) if !seen => this.stage_problem.set(Some(unopenable(&e))),
                    Err(e) => this.submit_problem.set(Some(e.to_string())),
                }
            }
            this.watching.update(|w| w.retain(|w| w != &id));
        });
    }

    /// A new state of a followed generation reaches whichever of the job
    /// and the model on screen it is.
    fn apply_update(&self, g: Generation) {
        let is = |held: &Option<Generation>| held.as_ref().is_some_and(|h| h.id == g.id);
        if self.shown.with_untracked(is) {
            self.shown.set(Some(g.clone()));
        }
        if self.job.with_untracked(|j| j.is_none() || is(j)) {
            if g.status == JobStatus::Failed {
                self.stage_problem.set(Some(failed_job(&g)));
            }
            self.job.set(Some(g));
        }
    }

    /// Keeps the history's status of `g` up to date, so failed and
    /// cancelled jobs do not look like successes there.
    fn record_outcome(&self, g: &Generation) {
        let changed = self.history.with_untracked(|entries| {
            entries
                .iter()
                .find(|e| e.id == g.id)
                .filter(|e| e.status != Some(g.status))
                .cloned()
        });
        if let Some(mut entry) = changed {
            entry.status = Some(g.status);
            let this = *self;
            spawn_local(async move {
                if history::save(&entry).await.is_ok() {
                    this.refresh_history();
                }
            });
        }
    }

    /// Prepares a picked, dropped, pasted or example photo, then asks the
    /// server what it would cut out of it.
    pub fn choose_photo(&self, blob: Blob, name: String) {
        let this = *self;
        this.preparing.set(true);
        this.photo_problem.set(None);
        this.submit_problem.set(None);
        spawn_local(async move {
            match photo::prepare(&blob, &name).await {
                Ok(prepared) => {
                    if let Some(old) = this.photo.get_untracked() {
                        old.release();
                    }
                    let png = prepared.png.clone();
                    this.photo.set(Some(prepared));
                    this.preparing.set(false);
                    this.preview_cutout(png).await;
                }
                Err(message) => {
                    this.photo_problem.set(Some(message));
                    this.preparing.set(false);
                }
            }
        });
    }

    async fn preview_cutout(&self, png: Blob) {
        let offered = self.health.await.ok().is_some_and(|h| h.cutout_preview);
        if !offered || self.needs_key() {
            self.cutout.set(Cutout::None);
            return;
        }
        self.cutout.set(Cutout::Loading);
        let result = api::cutout(&png).await;
        // A newer photo may have been chosen meanwhile.
        let current = self
            .photo
            .with_untracked(|p| p.as_ref().is_some_and(|p| p.png == png));
        if !current {
            return;
        }
        self.cutout.set(match result {
            Ok(preview) => Cutout::Ready(preview),
            Err(ApiClientError::Api(e)) if e.code == "no_subject" => Cutout::NoSubject(e.message),
            Err(e) => {
                self.refused(&e);
                Cutout::Unavailable(e.to_string())
            }
        });
    }

    /// Loads an example shipped with the app.
    pub fn choose_example(&self, url: String, name: String) {
        let this = *self;
        spawn_local(async move {
            match photo::fetch_image(&url).await {
                Ok(blob) => this.choose_photo(blob, name),
                Err(message) => this.photo_problem.set(Some(message)),
            }
        });
    }

    /// Submits the photo and settings. Invalid settings open their section
    /// and take the focus instead.
    pub fn generate(&self) {
        let this = *self;
        let Some(prepared) = this.photo.get_untracked() else {
            this.submit_problem.set(Some(
                "Choose a photo first: take one, pick a file, drop it on the page or paste it."
                    .into(),
            ));
            return;
        };
        if let Some(field) = this.problems.with_untracked(|p| p.keys().next().cloned()) {
            this.submit_problem
                .set(Some("Fix the highlighted setting first.".into()));
            this.advanced_open.set(true);
            focus_after_render(field);
            return;
        }
        if this.needs_key() {
            return;
        }
        this.submit_problem.set(None);
        this.stage_problem.set(None);
        this.submitting.set(true);
        spawn_local(async move {
            let params = this.params.get_untracked();
            match api::generate(&prepared.png, &params).await {
                Ok(accepted) => {
                    show_in_address_bar(&accepted.id);
                    let entry = HistoryEntry {
                        id: accepted.id.clone(),
                        created_at: js_sys::Date::now(),
                        thumbnail: prepared.thumbnail.clone(),
                        name: prepared.name.clone(),
                        params,
                        owner_token: accepted.token().map(str::to_string),
                        status: Some(JobStatus::Queued),
                    };
                    // Listed before the job is followed, so its outcome,
                    // however quick, is recorded against it.
                    match history::save(&entry).await {
                        Ok(()) => this.reload_history().await,
                        Err(e) => this.submit_problem.set(Some(e.to_string())),
                    }
                    this.job.set(None);
                    this.follow(accepted.id);
                }
                Err(e) => this.refused(&e),
            }
            this.submitting.set(false);
        });
    }

    /// Cancels the followed job, which only its creator may; the model on
    /// screen, if any, stays.
    pub fn cancel(&self) {
        let this = *self;
        let Some(id) = this
            .job
            .with_untracked(|g| g.as_ref().map(|g| g.id.clone()))
        else {
            return;
        };
        let Some(token) = this.owner_token_of(&id) else {
            return;
        };
        spawn_local(async move {
            match api::cancel(&id, &token).await {
                Ok(g) => {
                    this.record_outcome(&g);
                    this.job.set(Some(g));
                }
                Err(e) => this.refused(&e),
            }
        });
    }

    /// Fills the form with a past generation's photo and settings.
    pub fn use_settings(&self, entry: HistoryEntry) {
        let this = *self;
        this.params.set(entry.params.clone());
        this.problems.set(BTreeMap::new());
        let url = api::resolve(&format!("generations/{}/input.png", entry.id));
        spawn_local(async move {
            match photo::fetch_image(&url).await {
                Ok(blob) => this.choose_photo(blob, entry.name),
                Err(message) => this.photo_problem.set(Some(message)),
            }
        });
        scroll_to("photo");
    }

    /// Deletes a generation here and on the server. If it is on screen, its
    /// viewer, link and downloads go too.
    pub fn delete(&self, entry: HistoryEntry) {
        let this = *self;
        spawn_local(async move {
            if let Some(token) = &entry.owner_token
                && let Err(e) = api::delete_generation(&entry.id, token).await
            {
                this.refused(&e);
                return;
            }
            let is = |g: &Option<Generation>| g.as_ref().is_some_and(|g| g.id == entry.id);
            if this.shown.with_untracked(is) {
                this.shown.set(None);
                this.chosen_variant.set(None);
            }
            if this.job.with_untracked(is) {
                this.job.set(None);
                clear_address_bar();
            }
            match history::remove(&entry.id).await {
                Ok(()) => this.refresh_history(),
                Err(e) => this.submit_problem.set(Some(e.to_string())),
            }
        });
    }

    /// "Try again" after a failed job: the same photo and settings.
    pub fn retry(&self) {
        self.stage_problem.set(None);
        self.generate();
    }
}

/// A failed job, in the stage's two sentences.
fn failed_job(g: &Generation) -> StageProblem {
    StageProblem {
        what: g
            .error
            .as_ref()
            .map_or_else(|| "The job failed.".to_string(), |e| e.message.clone()),
        next: "Your photo and settings are still in the form: change them, or try again."
            .to_string(),
        can_retry: true,
    }
}

/// A generation that could not be opened: deleted, expired, or unknown.
fn unopenable(error: &ApiClientError) -> StageProblem {
    let code = match error {
        ApiClientError::Api(detail) => detail.code.as_str(),
        _ => "",
    };
    let (what, next) = match code {
        "generation_deleted" => (
            "This model was deleted by its creator.",
            "Links to it no longer work. Make your own from a photo.",
        ),
        "generation_expired" => (
            "This model has expired.",
            "The server keeps models for a limited time. Make a new one from a photo.",
        ),
        "not_found" | "invalid_id" => (
            "No model has this link.",
            "Check that the link was copied whole, or make a model from a photo.",
        ),
        _ => {
            return StageProblem {
                what: error.to_string(),
                next: "Reload the page to try again.".to_string(),
                can_retry: false,
            };
        }
    };
    StageProblem {
        what: what.to_string(),
        next: next.to_string(),
        can_retry: false,
    }
}

/// Focuses the settings field `id` once the section holding it is open.
fn focus_after_render(id: String) {
    request_animation_frame(move || {
        if let Some(element) = document().get_element_by_id(&id)
            && let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element)
        {
            let _ = element.focus();
        }
    });
}

/// Brings the stage (progress, then the model) into view, which on a phone
/// is below the Generate button.
pub fn scroll_stage_into_view() {
    request_animation_frame(|| scroll_to("stage"));
}

/// Scrolls the element `id` into view, as little as needed.
fn scroll_to(id: &str) {
    if let Some(element) = document().get_element_by_id(id) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        let reduced = window()
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|q| q.matches());
        options.set_behavior(if reduced {
            web_sys::ScrollBehavior::Instant
        } else {
            web_sys::ScrollBehavior::Smooth
        });
        element.scroll_into_view_with_scroll_into_view_options(&options);
    }
}
