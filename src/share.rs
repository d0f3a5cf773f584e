//! Links to a generation: the share link (with the view it was shared
//! from), the embed link, and the address bar while a job runs. Query
//! parameters rather than paths keep links working on static hosts with no
//! rewrite rules and under any sub-path.

use crate::viewer::{CameraPose, DisplayMode};
use leptos::prelude::window;
pub use trellis_links::{
    COARSE_QUERY, EMBED_QUERY, GENERATION_QUERY, MODEL_QUERY, POSTER_QUERY, VERSION_QUERY,
};
use trellis_links::{GenerationLink, MODE_QUERY, Query};

/// How the model was being looked at when the link was made.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SharedView {
    pub mode: DisplayMode,
    /// `None` until a model is shown: the model's own framing.
    pub pose: Option<CameraPose>,
}

impl SharedView {
    /// The view this page's link asks for; unknown or broken values fall
    /// back to the defaults rather than failing the page.
    pub fn from_page() -> Self {
        Self {
            mode: current_query(MODE_QUERY)
                .and_then(|key| DisplayMode::from_key(&key))
                .unwrap_or_default(),
            pose: page_query().camera(),
        }
    }

    /// The link to generation `id` in this view, leaving out what a fresh
    /// viewer shows anyway.
    fn link<'a>(&self, id: &'a str, version: Option<&'a str>, embed: bool) -> GenerationLink<'a> {
        GenerationLink {
            id,
            version,
            embed,
            mode: (self.mode != DisplayMode::default()).then(|| self.mode.key()),
            pose: self.pose,
        }
    }
}

/// The page's query string.
fn page_query() -> Query {
    Query::parse(&window().location().search().unwrap_or_default())
}

/// Reads one parameter of the page's query string.
pub fn current_query(name: &str) -> Option<String> {
    page_query().get(name).map(str::to_string)
}

/// The link that reopens `id` as `view` shows it, at `version` (the first
/// finished one when `None`).
pub fn share_url(id: &str, view: &SharedView, version: Option<&str>) -> String {
    view.link(id, version, false).url(&page_url())
}

/// The link for an `<iframe>`: the viewer alone, as `view` shows it.
pub fn embed_url(id: &str, view: &SharedView, version: Option<&str>) -> String {
    view.link(id, version, true).url(&page_url())
}

/// Puts the generation's link in the address bar without reloading, so a
/// reload or a copied URL comes back to the same job.
pub fn show_in_address_bar(id: &str) {
    if let Ok(history) = window().history() {
        let url = SharedView::default().link(id, None, false).url(&page_url());
        // Failure only means the address bar keeps the old URL.
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Takes the generation out of the address bar, once it is deleted.
pub fn clear_address_bar() {
    if let Ok(history) = window().history() {
        let path = window().location().pathname().unwrap_or_default();
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
    }
}

/// This page's address without its query.
fn page_url() -> String {
    let location = window().location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    format!("{origin}{path}")
}
