//! The GLB for DCC tools: offered only when the loaded file has WebP
//! textures, which Blender, Maya and others refuse, and converted on click
//! because re-encoding big textures takes a moment.

use super::{ViewerState, downloads};
use crate::viewer::{AlphaMode, has_webp_images, with_alpha_mode, with_png_textures};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The "Download GLB for DCC tools" button, busy while converting.
#[component]
pub(super) fn DccDownload(
    /// The loaded GLB file.
    file: StoredValue<Option<Vec<u8>>, LocalStorage>,
    /// The alpha mode the shaded view uses, written into the copy too.
    alpha: RwSignal<AlphaMode>,
    /// Where a failed conversion is reported.
    state: RwSignal<ViewerState>,
    /// The start of the file's name.
    file_stem: Signal<String>,
) -> impl IntoView {
    // Mounted per rendered model, so the file cannot change under it.
    let has_webp = file.with_value(|file| file.as_deref().is_some_and(has_webp_images));
    let busy = RwSignal::new(false);
    let on_click = move |_| {
        let alpha = alpha.get_untracked();
        let rewritten = file.with_value(|file| {
            let file = file.as_deref()?;
            Some(with_alpha_mode(file, alpha).map_err(|e| e.to_string()))
        });
        let Some(rewritten) = rewritten else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let converted = match rewritten {
                Ok(glb) => with_png_textures(&glb).await,
                Err(e) => Err(e),
            };
            // A disposed signal means the viewer has moved on to another
            // model, whose state an old error must not replace.
            let still_shown = busy.try_set(false).is_none();
            match converted {
                Ok(glb) => downloads::save_png_glb(&glb, &file_stem.get_untracked()),
                Err(e) if still_shown => state.set(ViewerState::Error(format!(
                    "The GLB for DCC tools could not be made: {e}."
                ))),
                Err(_) => {}
            }
        });
    };
    has_webp.then(|| {
        view! {
            <button
                type="button"
                class="viewer-button"
                id="viewer-download-png"
                title="Download the GLB with its WebP textures re-encoded as PNG, for Blender, Maya and other tools without WebP support"
                prop:disabled=move || busy.get()
                aria-busy=move || busy.get().to_string()
                on:click=on_click
            >
                {move || if busy.get() {
                    "Converting textures to PNG…"
                } else {
                    "Download GLB for DCC tools (PNG textures)"
                }}
            </button>
        }
    })
}
