use leptos::prelude::*;

/// A problem in one plain sentence, announced to screen readers.
#[component]
pub fn ErrorBanner(
    /// The message, or `None` to show nothing.
    #[prop(into)]
    message: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="error-banner" role="alert">{move || message.get()}</p>
        </Show>
    }
}
