use crate::session::Session;
use leptos::prelude::*;

/// In the header while this browser holds an API key: forgets it, for a
/// shared computer or a key that should no longer be used here.
#[component]
pub fn ForgetKeyButton(session: Session) -> impl IntoView {
    view! {
        <Show when=move || session.key_stored.get()>
            <button type="button" class="secondary forget-key" id="forget-key"
                title="Remove the API key kept in this browser"
                on:click=move |_| session.forget_key()>
                "Forget API key"
            </button>
        </Show>
    }
}
