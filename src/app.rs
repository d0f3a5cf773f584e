use crate::pages::{EmbedPage, StudioPage};
use leptos::prelude::*;

/// The query parameter that carries a generation id in share links. A query
/// string (not a path) keeps links working on static hosts with no rewrites.
pub const GENERATION_QUERY: &str = "g";
/// `embed=1` shows only the viewer, for an `<iframe>` on another site.
pub const EMBED_QUERY: &str = "embed";

/// The whole app: the studio, opened fresh or on a shared generation, or the
/// bare viewer when embedded.
#[component]
pub fn App() -> impl IntoView {
    let shared_id = current_query(GENERATION_QUERY);
    match (shared_id, current_query(EMBED_QUERY).as_deref()) {
        (Some(id), Some("1")) => view! { <EmbedPage id /> }.into_any(),
        (shared_id, _) => view! { <StudioPage initial_id=shared_id /> }.into_any(),
    }
}

/// Reads one parameter of the page's query string.
pub fn current_query(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|value| !value.is_empty())
}

/// The link that reopens `id`: this page's address with only `?g=<id>`.
pub fn share_url(id: &str) -> String {
    let location = window().location();
    let origin = location.origin().unwrap_or_default();
    let path = location.pathname().unwrap_or_default();
    format!("{origin}{path}?{GENERATION_QUERY}={id}")
}

/// The link for an `<iframe>`: the viewer alone.
pub fn embed_url(id: &str) -> String {
    format!("{}&{EMBED_QUERY}=1", share_url(id))
}

/// Puts the generation's link in the address bar without reloading, so a
/// reload or a copied URL comes back to the same job.
pub fn show_in_address_bar(id: &str) {
    if let Ok(history) = window().history() {
        let url = share_url(id);
        // Failure only means the address bar keeps the old URL.
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}
