//! The formats section of the details sheet: the GLB as extracted and its
//! web-optimized copy, each with its size, then the formats the server
//! converts to (USDZ, STL, OBJ).

use super::format_row::FormatRow;
use crate::api;
use crate::formats::file_size;
use crate::renditions::Renditions;
use crate::session::Session;
use leptos::prelude::*;
use trellis_api::{ModelVariant, OptimizedStatus};

/// Every file of the model on screen, for download.
#[component]
pub fn FormatsMenu(
    session: Session,
    /// The version shown.
    #[prop(into)]
    model: Signal<Option<ModelVariant>>,
    renditions: Renditions,
    /// The start of download names, e.g. `cactus-balanced`.
    #[prop(into)]
    file_stem: Signal<String>,
) -> impl IntoView {
    let owner_token = Signal::derive(move || {
        let id = session.shown.with(|g| g.as_ref().map(|g| g.id.clone()))?;
        session.owner_token_of(&id)
    });
    let formats = move || {
        session
            .health_value()
            .map(|h| h.formats)
            .unwrap_or_default()
    };
    let original = move || {
        model.get().and_then(|m| {
            let url = m.url?;
            let size = m.bytes.map(file_size).unwrap_or_default();
            Some(view! {
                <a class="viewer-button format-file" id="format-original" href=api::resolve(&url)
                    download=format!("{}.glb", file_stem.get())
                    title="The GLB exactly as the engine made it: full precision, PNG textures, for any glTF tool">
                    {format!("Original GLB (as extracted) · {size}")}
                </a>
            })
        })
    };
    let web = move || {
        let m = model.get()?;
        Some(match (m.optimized_status, m.optimized_url) {
            (Some(OptimizedStatus::Ready), Some(url)) => {
                let size = m.optimized_bytes.map(file_size).unwrap_or_default();
                view! {
                    <a class="viewer-button format-file" id="format-web" href=api::resolve(&url)
                        download=format!("{}-web.glb", file_stem.get())
                        title="Quantized, meshopt-compressed geometry and WebP textures: for web viewers (three.js, Babylon.js, model-viewer)">
                        {format!("Web-optimized GLB · {size}")}
                    </a>
                }
                .into_any()
            }
            (Some(OptimizedStatus::Pending), _) => view! {
                <p class="muted" id="format-web-pending">"Web-optimized GLB: being made…"</p>
            }
            .into_any(),
            (Some(OptimizedStatus::Unavailable), _) => view! {
                <p class="muted" id="format-web-unavailable">
                    "Web-optimized GLB: unavailable, this model could not be optimized. The original works everywhere."
                </p>
            }
            .into_any(),
            _ => ().into_any(),
        })
    };

    view! {
        <section class="formats" id="formats" aria-label="Formats">
            <h4>"Formats"</h4>
            {original}
            {web}
            <For each=formats key=|format| *format let:format>
                <FormatRow format renditions owner_token file_stem />
            </For>
        </section>
    }
}
