use super::ViewInYourSpace;
use crate::api;
use crate::formats::file_size;
use crate::naming::{download_name, version_name};
use crate::renditions::Renditions;
use crate::session::Session;
use crate::share::{SharedView, embed_url, share_url};
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::ModelVariant;

/// Under the model: download it, copy a link that reopens it as it is
/// shown (version, display mode, camera), or an `<iframe>` that embeds it.
#[component]
pub fn ResultBar(
    session: Session,
    /// The version shown in the viewer, which is the one downloaded.
    #[prop(into)]
    model: Signal<Option<ModelVariant>>,
    /// How the viewer shows the model now.
    view: RwSignal<SharedView>,
    /// The model's other formats, for "View in your space".
    renditions: Renditions,
) -> impl IntoView {
    let id = move || session.shown.with(|g| g.as_ref().map(|g| g.id.clone()));
    let version = move || model.with(|m| m.as_ref().map(|m| m.variant.clone()));
    // The proxy's page for the link, whenever it is reachable and has
    // them: chats show its picture and title, then it opens the app.
    let share_pages = move || session.health_value().is_some_and(|h| h.share_pages);
    let link = move || {
        id().map(|id| {
            let app_link = share_url(&id, &view.get(), version().as_deref());
            share_pages()
                .then(|| api::share_page_url(&id, &app_link))
                .flatten()
                .unwrap_or(app_link)
        })
        .unwrap_or_default()
    };
    let iframe = move || {
        id().map(|id| {
            format!(
                "<iframe src=\"{}\" title=\"3D model\" width=\"640\" height=\"480\" style=\"border:0\" allowfullscreen></iframe>",
                embed_url(&id, &view.get(), version().as_deref())
            )
        })
    };
    let copied = RwSignal::new(None::<&'static str>);
    let copy = move |what: &'static str, text: String| {
        let clipboard = window().navigator().clipboard();
        spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&text)).await;
            copied.set(done.is_ok().then_some(what));
        });
    };

    view! {
        <section class="result-bar" aria-label="Result">
            {move || model.get().map(|m| {
                let size = m.bytes.map(|b| format!(" ({})", file_size(b))).unwrap_or_default();
                let photo = id().map(|id| session.photo_name_of(&id)).unwrap_or_default();
                let file_name = download_name(&photo, &version_name(&m.params), "glb");
                view! {
                    <a id="download-glb" class="button primary" href=api::resolve(m.url.as_deref().unwrap_or_default()) download=file_name>
                        {format!("Download GLB{size}")}
                    </a>
                }
            })}
            <ViewInYourSpace session model renditions />
            <div class="share">
                <label for="share-link">"Share link"</label>
                <input id="share-link" readonly prop:value=link
                    on:focus=|ev| { event_target::<web_sys::HtmlInputElement>(&ev).select() } />
                <CopyButton id="copy-share-link" label="Copy share link" done=Signal::derive(move || copied.get() == Some("link"))
                    on_click=Callback::new(move |()| copy("link", link())) />
                <CopyButton id="copy-embed" label="Copy embed code" done=Signal::derive(move || copied.get() == Some("embed"))
                    on_click=Callback::new(move |()| copy("embed", iframe().unwrap_or_default())) />
            </div>
        </section>
    }
}

/// A copy button whose "Copied" confirmation takes the label's place
/// without changing its width: both words share one grid cell, and the
/// one not shown is only made invisible.
#[component]
fn CopyButton(
    id: &'static str,
    label: &'static str,
    #[prop(into)] done: Signal<bool>,
    on_click: Callback<()>,
) -> impl IntoView {
    view! {
        <button type="button" id=id class="secondary swap-label" on:click=move |_| on_click.run(())>
            <span class:gone=done>{label}</span>
            <span class:gone=move || !done.get() aria-live="polite">"Copied"</span>
        </button>
    }
}
