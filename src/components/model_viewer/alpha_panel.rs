//! Alpha handling: preview the model as OPAQUE, MASK (with a cutoff) or
//! BLEND, and download the GLB with that mode written into its JSON.

use crate::viewer::{AlphaMode, DEFAULT_ALPHA_CUTOFF};
use leptos::prelude::*;

/// The alpha-mode picker, the MASK cutoff slider and the download button.
#[component]
pub(super) fn AlphaPanel(
    /// The alpha mode the shaded view uses; starts as the file's own.
    alpha: RwSignal<AlphaMode>,
    /// Saves the GLB with `alpha` written into it.
    #[prop(into)]
    on_download: Callback<()>,
    /// More download buttons, shown after this one.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let is_mask = move || matches!(alpha.get(), AlphaMode::Mask { .. });
    let cutoff = move || match alpha.get() {
        AlphaMode::Mask { cutoff } => cutoff.to_string(),
        AlphaMode::Opaque | AlphaMode::Blend => DEFAULT_ALPHA_CUTOFF.to_string(),
    };
    let on_mode = move |event: leptos::ev::Event| {
        let mode = match event_target_value(&event).as_str() {
            "MASK" => AlphaMode::Mask {
                cutoff: DEFAULT_ALPHA_CUTOFF,
            },
            "BLEND" => AlphaMode::Blend,
            _ => AlphaMode::Opaque,
        };
        alpha.set(mode);
    };
    let on_cutoff = move |event: leptos::ev::Event| {
        if let Ok(cutoff) = event_target_value(&event).parse::<f32>() {
            alpha.set(AlphaMode::Mask {
                cutoff: cutoff.clamp(0.0, 1.0),
            });
        }
    };
    let selected = move |name: &'static str| {
        move || {
            let current = match alpha.get() {
                AlphaMode::Opaque => "OPAQUE",
                AlphaMode::Mask { .. } => "MASK",
                AlphaMode::Blend => "BLEND",
            };
            current == name
        }
    };
    view! {
        <div class="viewer-alpha" role="group" aria-label="Alpha">
            <label>
                "Alpha "
                <select id="viewer-alpha-mode" on:change=on_mode>
                    <option value="OPAQUE" prop:selected=selected("OPAQUE")>"Opaque"</option>
                    <option value="MASK" prop:selected=selected("MASK")>"Mask"</option>
                    <option value="BLEND" prop:selected=selected("BLEND")>"Blend"</option>
                </select>
            </label>
            // Kept mounted while in MASK, so dragging the slider is not
            // interrupted by re-rendering it.
            <Show when=is_mask>
                <label>
                    "Cutoff "
                    <input
                        type="range"
                        id="viewer-alpha-cutoff"
                        min="0"
                        max="1"
                        step="0.01"
                        prop:value=cutoff
                        on:input=on_cutoff
                    />
                </label>
            </Show>
            <button
                type="button"
                class="viewer-button"
                id="viewer-alpha-download"
                title="Download the GLB with this alpha mode written into it"
                on:click=move |_| on_download.run(())
            >
                "Download with this alpha"
            </button>
            {children.map(|children| children())}
        </div>
    }
}
