//! The GLB for DCC tools: offered when the original file has WebP
//! textures, which Blender, Maya and others refuse (or may have them: an
//! original not downloaded yet), and converted on click because
//! re-encoding big textures takes a moment.

use super::original::OriginalFile;
use super::{ViewerState, downloads};
use crate::viewer::{AlphaMode, with_alpha_mode, with_png_textures};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The "Download GLB for DCC tools" button, busy while converting.
#[component]
pub(super) fn DccDownload(
    /// The model's original file.
    file: StoredValue<Option<OriginalFile>, LocalStorage>,
    /// The alpha mode the shaded view uses, written into the copy too.
    alpha: RwSignal<AlphaMode>,
    /// Where a failed conversion is reported.
    state: RwSignal<ViewerState>,
    /// The start of the file's name.
    file_stem: Signal<String>,
) -> impl IntoView {
    // Mounted per rendered model, so the file cannot change under it.
    let original = file.get_value();
    let may_have_webp = original
        .as_ref()
        .is_some_and(|original| original.has_webp_images() != Some(false));
    let busy = RwSignal::new(false);
    let on_click = move |_| {
        let alpha = alpha.get_untracked();
        let Some(original) = original.clone() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let converted = match original.bytes().await {
                Ok(bytes) => match with_alpha_mode(&bytes, alpha) {
                    Ok(glb) => with_png_textures(&glb).await,
                    Err(e) => Err(e.to_string()),
                },
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
    may_have_webp.then(|| {
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
