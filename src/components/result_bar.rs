use crate::api;
use crate::share::{SharedView, embed_url, share_url};
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::{Generation, ModelVariant};

/// Under the finished model: download it, copy a link to it, or copy an
/// `<iframe>` that embeds the viewer elsewhere.
#[component]
pub fn ResultBar(
    generation: RwSignal<Option<Generation>>,
    /// The version shown in the viewer, which is the one downloaded.
    #[prop(into)]
    model: Signal<Option<ModelVariant>>,
    /// How the viewer shows the model now; links reopen it that way.
    view: RwSignal<SharedView>,
) -> impl IntoView {
    let id = move || generation.with(|g| g.as_ref().map(|g| g.id.clone()));
    let link = move || {
        id().map(|id| share_url(&id, &view.get()))
            .unwrap_or_default()
    };
    let copied = RwSignal::new(None::<&'static str>);

    let copy = move |what: &'static str, text: String| {
        let clipboard = window().navigator().clipboard();
        spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
            copied.set(done.is_ok().then_some(what));
        });
    };
    let iframe = move || {
        id().map(|id| {
            format!(
                "<iframe src=\"{}\" title=\"3D model\" width=\"640\" height=\"480\" style=\"border:0\" allowfullscreen></iframe>",
                embed_url(&id, &view.get())
            )
        })
    };

    view! {
        <Show when=move || model.with(Option::is_some)>
            <section class="result-bar" aria-label="Result">
                {move || model.get().map(|m| {
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
                    <input id="share-link" readonly prop:value=link
                        on:focus=|ev| { event_target::<web_sys::HtmlInputElement>(&ev).select() } />
                    <button type="button" id="copy-share-link" class="secondary" on:click=move |_| copy("link", link())>
                        {move || if copied.get() == Some("link") { "Copied" } else { "Copy share link" }}
                    </button>
                    <button type="button" id="copy-embed" class="secondary" on:click=move |_| copy("embed", iframe().unwrap_or_default())>
                        {move || if copied.get() == Some("embed") { "Copied" } else { "Copy embed code" }}
                    </button>
                </div>
            </section>
        </Show>
    }
}
