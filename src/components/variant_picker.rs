use super::custom_extract::CustomExtract;
use crate::api;
use crate::naming::{preset_name, preset_of, short_count, version_name};
use crate::session::Session;
use crate::sizes::predicted_mb;
use leptos::prelude::*;
use leptos::task::spawn_local;
use trellis_api::{ExtractRequest, JobStatus, Preset};

/// Phones and iOS Safari lose the WebGL context with 4096² textures
/// (model-viewer#3067, #4410).
const PHONE_UNSAFE_TEXTURE: u32 = 4096;

/// The GLB versions of the model on screen: pick which one to view and
/// download, or extract another preset without generating again.
#[component]
pub fn VariantPicker(session: Session) -> impl IntoView {
    let generation = session.shown;
    let chosen = session.chosen_variant;
    let can_extract = move || session.health_value().is_some_and(|h| h.can_extract);
    let variants =
        move || generation.with(|g| g.as_ref().map(|g| g.models.clone()).unwrap_or_default());
    // The version in the viewer: the one picked, else the first finished.
    let selected_name = move || {
        chosen.get().or_else(|| {
            variants()
                .into_iter()
                .find(|m| m.status == JobStatus::Succeeded)
                .map(|m| m.variant)
        })
    };
    let exists = move |preset: Preset| {
        variants()
            .iter()
            .any(|m| preset_of(&m.params) == Some(preset) && m.status != JobStatus::Failed)
    };
    // New versions cost the operator, so only the creator may ask for them;
    // anyone with the link sees and downloads the versions that exist.
    let creator = move || session.created(generation);
    let extract = Callback::new(move |request: ExtractRequest| {
        let Some(id) = generation.with_untracked(|g| g.as_ref().map(|g| g.id.clone())) else {
            return;
        };
        let Some(token) = session.owner_token_of(&id) else {
            return;
        };
        let params = match request.resolve() {
            Ok(params) => params,
            Err(e) => return session.submit_problem.set(Some(e.message)),
        };
        chosen.set(Some(params.variant_name()));
        spawn_local(async move {
            match api::extract_glb(&id, &request, &token).await {
                Ok(updated) => {
                    session.shown.set(Some(updated));
                    session.follow(id);
                }
                Err(e) => {
                    chosen.set(None);
                    session.refused(&e);
                }
            }
        });
    });

    view! {
        <section class="variants" aria-label="Model versions">
            <h2>"Versions"</h2>
            <div class="variant-list" role="group" aria-label="Shown version">
                {move || variants().into_iter().map(|m| {
                    let name = m.variant.clone();
                    let selected = {
                        let name = name.clone();
                        move || selected_name().as_deref() == Some(name.as_str())
                    };
                    let title = version_name(&m.params);
                    let detail = match m.status {
                        JobStatus::Succeeded => format!("{} faces · {}²", short_count(m.faces.unwrap_or(0)), m.texture_size),
                        JobStatus::Failed => "failed".to_string(),
                        _ => "extracting…".to_string(),
                    };
                    view! {
                        <button type="button" class="variant" data-variant=name.clone() aria-pressed=move || selected().to_string()
                            disabled=m.status != JobStatus::Succeeded
                            on:click=move |_| chosen.set(Some(name.clone()))>
                            <strong>{title}</strong>
                            <small>{detail}</small>
                        </button>
                    }
                }).collect_view()}
            </div>
            <Show when=move || can_extract() && creator()>
                <details class="more-versions">
                    <summary>"Make another version (no new generation needed)"</summary>
                    <div class="presets" role="group" aria-label="Make another version">
                        {Preset::ALL.into_iter().map(|preset| {
                            let params = preset.params();
                            let (file_mb, gpu_mb) = predicted_mb(&params);
                            let phone_warning = (params.texture_size >= PHONE_UNSAFE_TEXTURE)
                                .then_some(" · may crash phones");
                            view! {
                                <Show when=move || !exists(preset)>
                                    <button type="button" class="preset" data-preset=preset.as_str() on:click=move |_| extract.run(preset.into())>
                                        <strong>{preset_name(preset)}</strong>
                                        <small>{format!("{} faces, {}² · ≈{file_mb:.0} MB file, ≈{gpu_mb:.0} MB GPU{}",
                                            short_count(params.decimation_target as u64), params.texture_size, phone_warning.unwrap_or(""))}</small>
                                    </button>
                                </Show>
                            }
                        }).collect_view()}
                    </div>
                    <CustomExtract on_extract=extract />
                </details>
            </Show>
        </section>
    }
}
