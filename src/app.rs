use crate::pages::{EmbedPage, ModelPage, StudioPage};
use crate::share::{EMBED_QUERY, GENERATION_QUERY, MODEL_QUERY, current_query};
use leptos::prelude::*;

/// The whole app: the studio (fresh, or on a shared generation), a GLB
/// given by URL in the viewer alone, or either embedded.
#[component]
pub fn App() -> impl IntoView {
    let shared_id = current_query(GENERATION_QUERY);
    let model = current_query(MODEL_QUERY);
    let embedded = current_query(EMBED_QUERY).as_deref() == Some("1");
    match (shared_id, model, embedded) {
        (id, _, true) => view! { <EmbedPage id /> }.into_any(),
        (None, Some(_), false) => view! { <ModelPage /> }.into_any(),
        (shared_id, _, false) => view! { <StudioPage initial_id=shared_id /> }.into_any(),
    }
}
