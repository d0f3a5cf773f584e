use crate::sizes::predicted_mb;
use leptos::prelude::*;
use trellis_api::{
    ExtractRequest, MAX_DECIMATION_TARGET, MIN_DECIMATION_TARGET, Preset, TEXTURE_SIZES,
};

/// Extraction with the user's own face count and texture size, checked with
/// the server's rules before anything is sent.
#[component]
pub fn CustomExtract(
    /// Called with a request that passed validation.
    on_extract: Callback<ExtractRequest>,
) -> impl IntoView {
    let balanced = Preset::Balanced.params();
    let faces = RwSignal::new(balanced.decimation_target.to_string());
    let texture = RwSignal::new(balanced.texture_size);
    let message = RwSignal::new(None::<String>);

    let request = move || -> Result<ExtractRequest, String> {
        let decimation_target = faces.get().trim().parse::<u32>().map_err(|_| {
            format!(
                "Faces must be a whole number from {MIN_DECIMATION_TARGET} to {MAX_DECIMATION_TARGET}"
            )
        })?;
        let request = ExtractRequest {
            decimation_target: Some(decimation_target),
            texture_size: Some(texture.get()),
            ..ExtractRequest::default()
        };
        request
            .resolve()
            .map_err(|e| e.message_for(label_of(&e.field)))?;
        Ok(request)
    };
    let prediction = move || match request().and_then(|r| r.resolve().map_err(|e| e.message)) {
        Ok(params) => {
            let (file_mb, gpu_mb) = predicted_mb(&params);
            format!("≈{file_mb:.0} MB file, ≈{gpu_mb:.0} MB GPU")
        }
        Err(_) => String::new(),
    };
    let submit = move |_| match request() {
        Ok(request) => {
            message.set(None);
            on_extract.run(request);
        }
        Err(problem) => message.set(Some(problem)),
    };

    view! {
        <details class="custom-extract">
            <summary>"Custom settings"</summary>
            <div class="custom-row">
                <label>
                    "Faces "
                    <input id="custom-faces" type="number" inputmode="numeric" min=MIN_DECIMATION_TARGET
                        max=MAX_DECIMATION_TARGET step="1000" prop:value=faces
                        aria-invalid=move || message.with(Option::is_some).to_string()
                        on:input=move |ev| faces.set(event_target_value(&ev)) />
                </label>
                <label>
                    "Texture "
                    <select id="custom-texture" on:change=move |ev| {
                        if let Ok(size) = event_target_value(&ev).parse() {
                            texture.set(size);
                        }
                    }>
                        {TEXTURE_SIZES.into_iter().map(|size| view! {
                            <option value=size.to_string() selected=move || texture.get() == size>{format!("{size}²")}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" id="custom-extract" class="secondary" on:click=submit>"Extract"</button>
            </div>
            <p class="field-problem" id="custom-extract-problem">{move || message.get()}</p>
            <p class="muted">{prediction}</p>
        </details>
    }
}

/// The label this form shows for an extraction setting.
fn label_of(field: &str) -> &'static str {
    match field {
        "decimation_target" => "Faces",
        "texture_size" => "Texture",
        _ => "This setting",
    }
}
