use crate::session::Session;
use leptos::html::Input;
use leptos::prelude::*;

/// Asks for the operator's API key, once, when the server requires one:
/// why, where the key goes, and where it comes from.
#[component]
pub fn ApiKeyPrompt(session: Session) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let key = input
            .get_untracked()
            .map(|input| input.value())
            .unwrap_or_default();
        if !key.trim().is_empty() {
            session.use_key(&key);
        }
    };
    move || {
        session.key_prompt.get().map(|reason| {
            view! {
                <form class="api-key-prompt" id="api-key-prompt" on:submit=submit>
                    <p class="reason" role="alert">{reason}</p>
                    <label for="api-key">"API key"</label>
                    <div class="api-key-row">
                        <input id="api-key" node_ref=input type="password" autocomplete="off"
                            spellcheck="false" placeholder="trk_…" required />
                        <button type="submit" class="primary">"Use this key"</button>
                    </div>
                    <small class="muted">
                        "Ask the person who runs this server for a key. It is kept in this browser only, and you can forget it at any time."
                    </small>
                </form>
            }
        })
    }
}
