use crate::api;
use crate::app::share_url;
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::Generation;

/// Under the finished model: download it, and copy a link to it.
#[component]
pub fn ResultBar(generation: RwSignal<Option<Generation>>) -> impl IntoView {
    let model = move || generation.with(|g| g.as_ref().and_then(|g| g.ready_model().cloned()));
    let link = move || generation.with(|g| g.as_ref().map(|g| share_url(&g.id)));
    let copied = RwSignal::new(false);

    let copy = move |_| {
        let Some(text) = link() else { return };
        let clipboard = window().navigator().clipboard();
        spawn_local(async move {
            let copied_ok = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text))
                .await
                .is_ok();
            copied.set(copied_ok);
        });
    };

    view! {
        <Show when=move || model().is_some()>
            <section class="result-bar" aria-label="Result">
                {move || model().map(|m| {
                    let size = m.bytes.map(|b| format!(" ({:.1} MB)", b as f64 / 1_048_576.0)).unwrap_or_default();
                    let file_name = format!("trellis-{}.glb", m.variant);
                    view! {
                        <a id="download-glb" class="button primary" href=api::resolve(m.url.as_deref().unwrap_or_default()) download=file_name>
                            {format!("Download GLB{size}")}
                        </a>
                    }
                })}
                <div class="share">
                    <label for="share-link">"Share link"</label>
                    <input id="share-link" readonly prop:value=move || link().unwrap_or_default()
                        on:focus=|ev| { event_target::<web_sys::HtmlInputElement>(&ev).select() } />
                    <button type="button" id="copy-share-link" class="secondary" on:click=copy>
                        {move || if copied.get() { "Copied" } else { "Copy share link" }}
                    </button>
                </div>
            </section>
        </Show>
    }
}
