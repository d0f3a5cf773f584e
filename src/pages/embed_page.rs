use crate::api;
use crate::components::{ModelFiles, ModelViewer};
use crate::share::{POSTER_QUERY, SharedView, VERSION_QUERY, current_query};
use leptos::prelude::*;

/// The viewer alone, filling the frame, for embedding a generation's model
/// (`?g=<id>&embed=1`) or any GLB (`?model=<url>&embed=1`) in another page:
/// orbit, reset and full screen, a poster while loading (the photo, or
/// `&poster=<url>` for any GLB), and a
/// small link back to the full page.
#[component]
pub fn EmbedPage(
    /// The generation to show; `None` shows the page's `?model=` URL.
    id: Option<String>,
) -> impl IntoView {
    let generation = LocalResource::new(move || {
        let id = id.clone();
        async move {
            match id {
                Some(id) => api::generation(&id).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let version = current_query(VERSION_QUERY);
    let model = Signal::derive(move || {
        let g = generation.get()?.ok()??;
        let wanted = version.as_deref();
        g.models
            .iter()
            .filter(|m| m.url.is_some() && m.status == trellis_api::JobStatus::Succeeded)
            .find(|m| wanted.is_none_or(|w| w == m.variant))
            .or_else(|| g.ready_model())
            .and_then(ModelFiles::of)
    });
    // The photo it was made from, or for any GLB the page's `&poster=`.
    let poster_query = current_query(POSTER_QUERY);
    let poster = Signal::derive(move || {
        generation
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|g| api::resolve(&g.input_url))
            .or_else(|| poster_query.clone())
    });
    let problem = move || match generation.get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(Some(g))) if g.ready_model().is_none() => {
            Some("This model is not ready yet.".to_string())
        }
        _ => None,
    };
    let full_page = Signal::derive(full_page_url);
    view! {
        <main class="embed">
            <ModelViewer model view=RwSignal::new(SharedView::from_page()) poster minimal=true full_page_url=full_page />
            {move || problem().map(|p| view! { <p class="embed-problem" role="alert">{p}</p> })}
        </main>
    }
}

/// This page's address without `embed=1`: the studio (or viewer page) the
/// embed came from.
fn full_page_url() -> String {
    let location = window().location();
    let search = location.search().unwrap_or_default();
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok();
    if let Some(params) = &params {
        params.delete("embed");
    }
    let query = params
        .map(|p| String::from(p.to_string()))
        .unwrap_or_default();
    format!(
        "{}{}?{query}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    )
}
