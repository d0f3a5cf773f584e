use crate::pages::{EmbedPage, StudioPage};
use crate::share::{EMBED_QUERY, GENERATION_QUERY, current_query};
use leptos::prelude::*;

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
