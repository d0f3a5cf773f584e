use super::custom_extract::CustomExtract;
use crate::api;
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::{ExtractParams, ExtractRequest, Generation, JobStatus, Preset};

/// Bytes per vertex of a TRELLIS.2 GLB (f32 position, normal, uv) and per
/// face (u32 indices); a mesh has about half as many vertices as faces plus
/// seams, hence the 0.6 factor (anchors §3.3).
const GEOMETRY_BYTES_PER_FACE: f64 = 12.0 + 32.0 * 0.6;
/// Compressed texture bytes per texel, measured on TRELLIS.2 PNG exports
/// (two textures: base colour and metallic-roughness).
const TEXTURE_FILE_BYTES_PER_TEXEL: f64 = 2.0 * 0.9;
/// GPU bytes per texel: RGBA8 plus a full mip chain, for two textures.
const TEXTURE_GPU_BYTES_PER_TEXEL: f64 = 2.0 * 4.0 * 4.0 / 3.0;
/// Phones and iOS Safari lose the WebGL context with 4096² textures
/// (model-viewer#3067, #4410).
const PHONE_UNSAFE_TEXTURE: u32 = 4096;

/// Predicted download size and GPU memory of an extraction, in MB.
pub(super) fn predicted_mb(params: &ExtractParams) -> (f64, f64) {
    let texels = params.texture_size as f64 * params.texture_size as f64;
    let geometry = params.decimation_target as f64 * GEOMETRY_BYTES_PER_FACE;
    let file = geometry + texels * TEXTURE_FILE_BYTES_PER_TEXEL;
    let gpu = geometry + texels * TEXTURE_GPU_BYTES_PER_TEXEL;
    (file / 1_048_576.0, gpu / 1_048_576.0)
}

/// The GLB versions of a generation: pick which one to view and download,
/// or extract another preset without generating again.
#[component]
pub fn VariantPicker(
    generation: RwSignal<Option<Generation>>,
    /// The variant shown in the viewer.
    chosen: RwSignal<Option<String>>,
    /// Whether the backend can extract other settings at all.
    #[prop(into)]
    can_extract: Signal<bool>,
    /// Set when an extraction cannot start.
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let finished =
        move || generation.with(|g| g.as_ref().is_some_and(|g| g.status == JobStatus::Succeeded));
    let variants =
        move || generation.with(|g| g.as_ref().map(|g| g.models.clone()).unwrap_or_default());
    let extract = Callback::new(move |request: ExtractRequest| {
        let Some(id) = generation.with_untracked(|g| g.as_ref().map(|g| g.id.clone())) else {
            return;
        };
        let params = match request.resolve() {
            Ok(params) => params,
            Err(e) => return problem.set(Some(e.message)),
        };
        chosen.set(Some(params.variant_name()));
        spawn_local(async move {
            match api::extract_glb(&id, &request).await {
                Ok(updated) => generation.set(Some(updated)),
                Err(e) => problem.set(Some(e.to_string())),
            }
        });
    });

    view! {
        <Show when=finished>
            <section class="variants" aria-label="Model versions">
                <h2>"Versions of this model"</h2>
                <div class="variant-list" role="group" aria-label="Shown version">
                    {move || variants().into_iter().map(|m| {
                        let name = m.variant.clone();
                        let selected = {
                            let name = name.clone();
                            move || chosen.get().as_deref() == Some(name.as_str())
                        };
                        let label = match m.status {
                            JobStatus::Succeeded => format!("{} faces · {}²", short_count(m.faces.unwrap_or(0)), m.texture_size),
                            JobStatus::Failed => "failed".to_string(),
                            _ => format!("extracting {}²…", m.texture_size),
                        };
                        view! {
                            <button type="button" class="variant" aria-pressed=move || selected().to_string()
                                disabled=m.status != JobStatus::Succeeded
                                on:click=move |_| chosen.set(Some(name.clone()))>
                                {label}
                            </button>
                        }
                    }).collect_view()}
                </div>
                <Show when=move || can_extract.get()>
                    <h2>"Extract another version (no new generation needed)"</h2>
                    <div class="presets" role="group" aria-label="Extract another version">
                        {Preset::ALL.into_iter().map(|preset| {
                            let params = preset.params();
                            let (file_mb, gpu_mb) = predicted_mb(&params);
                            let phone_warning = (params.texture_size >= PHONE_UNSAFE_TEXTURE)
                                .then_some(" · may crash phones");
                            view! {
                                <button type="button" class="preset" data-preset=preset.as_str() on:click=move |_| extract.run(preset.into())>
                                    <strong>{preset_title(preset)}</strong>
                                    <small>{format!("{} faces, {}² · ≈{file_mb:.0} MB file, ≈{gpu_mb:.0} MB GPU{}",
                                        short_count(params.decimation_target as u64), params.texture_size, phone_warning.unwrap_or(""))}</small>
                                </button>
                            }
                        }).collect_view()}
                    </div>
                    <CustomExtract on_extract=extract />
                </Show>
            </section>
        </Show>
    }
}

fn preset_title(preset: Preset) -> &'static str {
    match preset {
        Preset::Fast => "Web light",
        Preset::Balanced => "Balanced",
        Preset::Quality => "DCC quality",
    }
}

/// 503020 → "503k", 1000000 → "1M".
fn short_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6).replace(".0M", "M"),
        n if n >= 1_000 => format!("{}k", (n as f64 / 1e3).round()),
        n => n.to_string(),
    }
}
