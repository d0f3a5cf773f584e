use super::progress_card::duration;
use leptos::prelude::*;
use std::collections::BTreeMap;
use trellis_api::{
    GenerateParams, MAX_GUIDANCE_STRENGTH, MAX_SAMPLING_STEPS, MAX_SEED, PipelineEstimate,
    PipelineType,
};

/// Messages for fields that hold a value the server would refuse, by field.
pub type FieldProblems = RwSignal<BTreeMap<String, String>>;

/// The generation settings: pipeline, seed and the sampler knobs, checked as
/// they are typed with the same rules the server applies.
#[component]
pub fn SettingsForm(
    params: RwSignal<GenerateParams>,
    problems: FieldProblems,
    /// Whether editing is allowed (not while a job runs).
    #[prop(into)]
    enabled: Signal<bool>,
    /// The server's current estimate of a whole job per pipeline type.
    #[prop(into)]
    estimates: Signal<Vec<PipelineEstimate>>,
) -> impl IntoView {
    let pipeline_options = PipelineType::ALL
        .into_iter()
        .map(|p| {
            view! {
                <option value=p.as_str() selected=move || params.with(|v| v.pipeline_type == p)>
                    {move || {
                        let eta = estimates.with(|e| {
                            e.iter()
                                .find(|e| e.pipeline_type == p)
                                .map(|e| format!(" (about {})", duration(e.seconds as f64)))
                        });
                        format!("{} — {}{}", p.as_str(), p.description(), eta.unwrap_or_default())
                    }}
                </option>
            }
        })
        .collect_view();

    let random_seed = move |_| {
        // Uniform over 0..=MAX_SEED: floor of [0, MAX_SEED + 1).
        let seed = (js_sys::Math::random() * (MAX_SEED + 1) as f64).floor() as u64;
        params.update(|p| p.seed = seed);
        problems.update(|m| {
            m.remove("seed");
        });
    };
    let reset = move |_| {
        params.set(GenerateParams::default());
        problems.set(BTreeMap::new());
    };

    view! {
        <fieldset class="settings" disabled=move || !enabled.get()>
            <legend>"Settings"</legend>
            <label for="pipeline_type">"Quality"</label>
            <select
                id="pipeline_type"
                on:change=move |ev| apply(params, problems, "pipeline_type", &event_target_value(&ev))
            >
                {pipeline_options}
            </select>
            <div class="seed-row">
                <Field params problems name="seed" label="Seed" step="1" min="0" max=MAX_SEED.to_string()
                    value=move || params.with(|p| p.seed.to_string()) />
                <button type="button" class="secondary" on:click=random_seed>"Random"</button>
            </div>
            <details class="advanced">
                <summary>"Advanced sampler settings"</summary>
                <Field params problems name="ss_sampling_steps" label="Structure steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                    value=move || params.with(|p| p.ss_sampling_steps.to_string()) />
                <Field params problems name="ss_guidance_strength" label="Structure guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                    value=move || params.with(|p| p.ss_guidance_strength.to_string()) />
                <Field params problems name="shape_slat_sampling_steps" label="Shape steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                    value=move || params.with(|p| p.shape_slat_sampling_steps.to_string()) />
                <Field params problems name="shape_slat_guidance_strength" label="Shape guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                    value=move || params.with(|p| p.shape_slat_guidance_strength.to_string()) />
                <Field params problems name="tex_slat_sampling_steps" label="Texture steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                    value=move || params.with(|p| p.tex_slat_sampling_steps.to_string()) />
                <Field params problems name="tex_slat_guidance_strength" label="Texture guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                    value=move || params.with(|p| p.tex_slat_guidance_strength.to_string()) />
                <button type="button" class="secondary" on:click=reset>"Reset to defaults"</button>
            </details>
        </fieldset>
    }
}

/// One numeric setting with its inline validation message.
#[component]
fn Field(
    params: RwSignal<GenerateParams>,
    problems: FieldProblems,
    name: &'static str,
    label: &'static str,
    step: &'static str,
    min: &'static str,
    #[prop(into)] max: String,
    value: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    let message_id = format!("{name}-problem");
    let problem = move || problems.with(|m| m.get(name).cloned());
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type="number"
                inputmode="decimal"
                step=step
                min=min
                max=max
                prop:value=value
                aria-invalid=move || problem().is_some().to_string()
                aria-describedby=message_id.clone()
                on:change=move |ev| apply(params, problems, name, &event_target_value(&ev))
            />
            <p class="field-problem" id=message_id>{problem}</p>
        </div>
    }
}

fn apply(params: RwSignal<GenerateParams>, problems: FieldProblems, name: &str, value: &str) {
    let mut updated = params.get_untracked();
    match updated.set_field(name, value) {
        Ok(()) => {
            params.set(updated);
            problems.update(|m| {
                m.remove(name);
            });
        }
        Err(e) => problems.update(|m| {
            m.insert(name.to_string(), e.message);
        }),
    }
}
