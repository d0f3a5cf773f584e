use crate::naming::{about, quality_gives, quality_name};
use crate::session::Session;
use leptos::prelude::*;
use std::collections::BTreeMap;
use trellis_api::{
    BackendKind, GenerateParams, MAX_GUIDANCE_STRENGTH, MAX_SAMPLING_STEPS, MAX_SEED, PipelineType,
};

/// Messages for fields that hold a value the server would refuse, by field.
pub type FieldProblems = RwSignal<BTreeMap<String, String>>;

/// The generation settings: quality, seed and the sampler knobs, checked as
/// they are typed with the same rules the server applies. Collapsed on a
/// phone, where it comes after the result.
#[component]
pub fn SettingsForm(session: Session) -> impl IntoView {
    let Session {
        params, problems, ..
    } = session;
    let enabled = move || session.editable();
    let builtin = move || {
        session
            .health_value()
            .is_some_and(|h| h.backend == BackendKind::Builtin)
    };
    let estimate = move |p: PipelineType| {
        session.health_value().and_then(|h| {
            h.pipeline_seconds
                .iter()
                .find(|e| e.pipeline_type == p)
                .map(|e| about(f64::from(e.seconds)))
        })
    };
    let quality_choices = PipelineType::ALL
        .into_iter()
        .map(|p| {
            view! {
                <label class="quality-choice">
                    <input
                        type="radio"
                        name="pipeline_type"
                        value=p.as_str()
                        prop:checked=move || params.with(|v| v.pipeline_type == p)
                        on:change=move |_| params.update(|v| v.pipeline_type = p)
                    />
                    <span class="quality-text">
                        <strong>{quality_name(p)}</strong>
                        <small>
                            {quality_gives(p)}
                            {move || estimate(p).map(|e| format!(" · {e}"))}
                        </small>
                    </span>
                </label>
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
    let summary = move || {
        params.with(|p| {
            format!(
                "Settings: {} quality, seed {}",
                quality_name(p.pipeline_type),
                p.seed
            )
        })
    };

    view! {
        <details class="settings-panel" id="settings" open=wide_screen()>
            <summary>{summary}</summary>
            <fieldset class="settings" disabled=move || !enabled()>
                <legend class="visually-hidden">"Settings"</legend>
                <Show when=builtin>
                    <p class="note info" id="settings-ignored">
                        "The CPU preview ignores these settings; they apply on a TRELLIS.2 GPU server."
                    </p>
                </Show>
                <fieldset class="quality" id="pipeline_type">
                    <legend>"Quality"</legend>
                    {quality_choices}
                </fieldset>
                <div class="seed-row">
                    <Field session name="seed" label="Seed" step="1" min="0" max=MAX_SEED.to_string()
                        value=move || params.with(|p| p.seed.to_string()) />
                    <button type="button" class="secondary" on:click=random_seed>"Random"</button>
                </div>
                <details class="advanced" id="advanced"
                    prop:open=move || session.advanced_open.get()
                    on:toggle=move |ev| session.advanced_open.set(event_target::<web_sys::HtmlDetailsElement>(&ev).open())>
                    <summary>"Advanced sampler settings"</summary>
                    <button type="button" class="secondary reset" id="reset-settings" on:click=reset>"Reset to defaults"</button>
                    <Field session name="ss_sampling_steps" label="Structure steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                        value=move || params.with(|p| p.ss_sampling_steps.to_string()) />
                    <Field session name="ss_guidance_strength" label="Structure guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                        value=move || params.with(|p| p.ss_guidance_strength.to_string()) />
                    <Field session name="shape_slat_sampling_steps" label="Shape steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                        value=move || params.with(|p| p.shape_slat_sampling_steps.to_string()) />
                    <Field session name="shape_slat_guidance_strength" label="Shape guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                        value=move || params.with(|p| p.shape_slat_guidance_strength.to_string()) />
                    <Field session name="tex_slat_sampling_steps" label="Texture steps" step="1" min="1" max=MAX_SAMPLING_STEPS.to_string()
                        value=move || params.with(|p| p.tex_slat_sampling_steps.to_string()) />
                    <Field session name="tex_slat_guidance_strength" label="Texture guidance" step="0.1" min="0" max=MAX_GUIDANCE_STRENGTH.to_string()
                        value=move || params.with(|p| p.tex_slat_guidance_strength.to_string()) />
                </details>
            </fieldset>
        </details>
    }
}

/// Wider than a phone: the settings start open beside the stage.
fn wide_screen() -> bool {
    window()
        .match_media("(min-width: 901px)")
        .ok()
        .flatten()
        .is_some_and(|q| q.matches())
}

/// One numeric setting with its inline validation message, checked when the
/// value is committed (typing mid-number such as "7." must not be rewritten).
#[component]
fn Field(
    session: Session,
    name: &'static str,
    label: &'static str,
    step: &'static str,
    min: &'static str,
    #[prop(into)] max: String,
    value: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    let message_id = format!("{name}-problem");
    let problem = move || session.problems.with(|m| m.get(name).cloned());
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
                on:change=move |ev| apply(session, name, label, &event_target_value(&ev))
            />
            <p class="field-problem" id=message_id>{problem}</p>
        </div>
    }
}

fn apply(session: Session, name: &str, label: &str, value: &str) {
    let mut updated = session.params.get_untracked();
    match updated.set_field(name, value) {
        Ok(()) => {
            session.params.set(updated);
            session.problems.update(|m| {
                m.remove(name);
            });
        }
        Err(e) => session.problems.update(|m| {
            m.insert(name.to_string(), e.message_for(label));
        }),
    }
}
