use crate::api;
use crate::components::ModelViewer;
use crate::share::SharedView;
use leptos::prelude::*;

/// The viewer alone, filling the frame, for embedding a generation's model
/// in another page with an `<iframe>`.
#[component]
pub fn EmbedPage(id: String) -> impl IntoView {
    let generation = LocalResource::new(move || {
        let id = id.clone();
        async move { api::generation(&id).await }
    });
    let model_url = Signal::derive(move || {
        generation
            .get()
            .and_then(Result::ok)
            .and_then(|g| g.ready_model().and_then(|m| m.url.clone()))
    });
    let problem = move || match generation.get() {
        Some(Err(e)) => Some(e.to_string()),
        Some(Ok(g)) if g.ready_model().is_none() => {
            Some("This model is not ready yet.".to_string())
        }
        _ => None,
    };
    view! {
        <main class="embed">
            <ModelViewer model_url view=RwSignal::new(SharedView::from_page()) />
            {move || problem().map(|p| view! { <p class="embed-problem" role="alert">{p}</p> })}
        </main>
    }
}
