use crate::api;
use leptos::prelude::*;
use trellis_api::{Generation, JobStatus};

/// Everything needed to make this model again: settings, seed, backend,
/// timings, and the same request as a `curl` command.
#[component]
pub fn ReproCard(generation: RwSignal<Option<Generation>>) -> impl IntoView {
    let shown =
        move || generation.with(|g| g.as_ref().is_some_and(|g| g.status == JobStatus::Succeeded));
    let card = move || {
        generation.with(|g| {
            let g = g.as_ref()?;
            let p = &g.params;
            let rows = [
                ("Backend", g.backend.as_str().to_string()),
                ("Pipeline", p.pipeline_type.as_str().to_string()),
                ("Seed", p.seed.to_string()),
                ("Structure", format!("{} steps, guidance {}", p.ss_sampling_steps, p.ss_guidance_strength)),
                ("Shape", format!("{} steps, guidance {}", p.shape_slat_sampling_steps, p.shape_slat_guidance_strength)),
                ("Texture", format!("{} steps, guidance {}", p.tex_slat_sampling_steps, p.tex_slat_guidance_strength)),
            ];
            let timings = g
                .timings
                .iter()
                .map(|t| format!("{} {:.1} s", t.phase.label(), t.ms as f64 / 1000.0))
                .collect::<Vec<_>>()
                .join(" · ");
            let curl = curl_command(g);
            Some(view! {
                <details class="repro-card">
                    <summary>"How this was made"</summary>
                    <dl>
                        {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                        <dt>"Timings"</dt><dd>{timings}</dd>
                    </dl>
                    <label for="curl-command">"The same request with curl"</label>
                    <textarea id="curl-command" readonly rows="4">{curl}</textarea>
                </details>
            })
        })
    };
    view! { <Show when=shown>{card}</Show> }
}

/// A `curl` call to the proxy API that submits the same job.
fn curl_command(g: &Generation) -> String {
    let endpoint = absolute(&api::resolve("generate"));
    let p = &g.params;
    let fields = [
        ("seed", p.seed.to_string()),
        ("pipeline_type", p.pipeline_type.as_str().to_string()),
        ("ss_sampling_steps", p.ss_sampling_steps.to_string()),
        ("ss_guidance_strength", p.ss_guidance_strength.to_string()),
        (
            "shape_slat_sampling_steps",
            p.shape_slat_sampling_steps.to_string(),
        ),
        (
            "shape_slat_guidance_strength",
            p.shape_slat_guidance_strength.to_string(),
        ),
        (
            "tex_slat_sampling_steps",
            p.tex_slat_sampling_steps.to_string(),
        ),
        (
            "tex_slat_guidance_strength",
            p.tex_slat_guidance_strength.to_string(),
        ),
    ];
    let mut command = "curl -F image=@photo.png \\\n".to_string();
    for (name, value) in fields {
        command.push_str(&format!("  -F {name}={value} \\\n"));
    }
    command.push_str(&format!("  {endpoint}"));
    command
}

/// Makes a page-relative URL absolute, for use outside the browser.
fn absolute(url: &str) -> String {
    web_sys::Url::new_with_base(url, &window().location().href().unwrap_or_default())
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_string())
}
