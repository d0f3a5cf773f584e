use crate::components::{ModelFiles, ModelViewer, ThemeToggle};
use crate::share::{MODEL_QUERY, SharedView, current_query};
use leptos::prelude::*;

/// Any GLB the browser can fetch, opened with `?model=<url>`: the viewer
/// with its controls, and no studio around it, so it also works on a static
/// host with no server behind it (so it never asks one, and a static host's
/// 404 for the API never reaches the console).
#[component]
pub fn ModelPage() -> impl IntoView {
    let stem = current_query(MODEL_QUERY).map_or_else(|| "model".into(), |url| stem_of(&url));
    view! {
        <header class="app-header">
            <h1>"Trellis Studio"</h1>
            <div class="header-tools">
                <span class="health-badge viewer-only" id="health">
                    <span class="dot" aria-hidden="true"></span>
                    "Viewer only"
                </span>
                <ThemeToggle />
            </div>
        </header>
        <main class="model-page">
            <section class="stage" id="stage" data-view="model" aria-label="Model">
                <div class="stage-frame">
                    <ModelViewer model=Signal::derive(|| None::<ModelFiles>) view=RwSignal::new(SharedView::from_page())
                        file_stem=Signal::derive(move || stem.clone()) />
                </div>
                <p class="muted">
                    "Viewing a GLB file. "
                    <a href="./">"Make a model from a photo"</a>
                    " in the studio."
                </p>
            </section>
        </main>
    }
}

/// The file name of a URL without its extension: downloads of
/// `…/chair.glb?x=1` are named `chair…`.
fn stem_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    if stem.is_empty() {
        "model".into()
    } else {
        stem.to_string()
    }
}
