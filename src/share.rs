//! Links to a generation: the share link (with the view it was shared
//! from), the embed link, and the address bar while a job runs. Query
//! parameters rather than paths keep links working on static hosts with no
//! rewrite rules and under any sub-path.

use crate::viewer::{CameraPose, DisplayMode};
use leptos::prelude::window;

/// The query parameter that carries a generation id.
pub const GENERATION_QUERY: &str = "g";
/// The query parameter that names any GLB to open in the viewer.
pub const MODEL_QUERY: &str = "model";
/// With [`MODEL_QUERY`]: a coarse level of that model, drawn first.
pub const COARSE_QUERY: &str = "coarse";
/// An image to show while a `?model=` GLB loads in an embed.
pub const POSTER_QUERY: &str = "poster";
/// `embed=1` shows only the viewer, for an `<iframe>` on another site.
pub const EMBED_QUERY: &str = "embed";
/// The model version the link was shared with (`ModelVariant::variant`).
pub const VERSION_QUERY: &str = "v";
/// The display mode the link was shared in (`DisplayMode::key`).
const MODE_QUERY: &str = "mode";
/// The camera the link was shared from (`CameraPose::to_param`).
const CAMERA_QUERY: &str = "cam";

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
            pose: current_query(CAMERA_QUERY).and_then(|p| CameraPose::from_param(&p)),
        }
    }

    /// `&mode=…&cam=…`, leaving out what a fresh viewer shows anyway.
    fn query(&self) -> String {
        let mut query = String::new();
        if self.mode != DisplayMode::default() {
            query.push_str(&format!("&{MODE_QUERY}={}", self.mode.key()));
        }
        if let Some(pose) = self.pose {
            query.push_str(&format!("&{CAMERA_QUERY}={}", pose.to_param()));
        }
        query
    }
}

/// Reads one parameter of the page's query string.
pub fn current_query(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|value| !value.is_empty())
}

/// The link that reopens `id` as `view` shows it, at `version` (the first
/// finished one when `None`).
pub fn share_url(id: &str, view: &SharedView, version: Option<&str>) -> String {
    format!(
        "{}{}{}",
        generation_url(id),
        version_query(version),
        view.query()
    )
}

/// The link for an `<iframe>`: the viewer alone, as `view` shows it.
pub fn embed_url(id: &str, view: &SharedView, version: Option<&str>) -> String {
    format!(
        "{}&{EMBED_QUERY}=1{}{}",
        generation_url(id),
        version_query(version),
        view.query()
    )
}

fn version_query(version: Option<&str>) -> String {
    version.map_or_else(String::new, |v| {
        let encoded = js_sys::encode_uri_component(v);
        format!("&{VERSION_QUERY}={encoded}")
    })
}

/// Puts the generation's link in the address bar without reloading, so a
/// reload or a copied URL comes back to the same job.
pub fn show_in_address_bar(id: &str) {
    if let Ok(history) = window().history() {
        let url = generation_url(id);
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

/// This page's address with only `?g=<id>`.
fn generation_url(id: &str) -> String {
    let location = window().location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    format!("{origin}{path}?{GENERATION_QUERY}={id}")
}
