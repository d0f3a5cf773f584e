//! The collapsible stats panel: what the model costs and where load time
//! went.

use crate::viewer::ModelStats;
use leptos::prelude::*;

/// Milliseconds spent in each loading step of the shown (full) level.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Timings {
    /// Fetching the file (after the coarse level, when there is one).
    pub download_ms: f64,
    /// Decoding it in the decode worker, until its answer arrived.
    pub decode_ms: f64,
    /// Decoding and turning the answer into the viewer's model.
    pub parse_ms: f64,
    /// Creating GPU buffers.
    pub upload_ms: f64,
    /// Drawing the clay stand-in, when the textures took long enough to
    /// decode for one to be drawn.
    pub clay_frame_ms: Option<f64>,
    /// Waiting for the browser to finish decoding the textures after the
    /// geometry upload or clay frame (decoding starts right after parsing).
    pub texture_decode_ms: f64,
    /// Uploading the decoded textures to the GPU.
    pub texture_upload_ms: f64,
    /// Drawing the first frame with textures.
    pub textured_frame_ms: f64,
    /// From the file in memory to the clay stand-in on screen, if drawn.
    pub to_clay_ms: Option<f64>,
    /// From the start of the load to the coarse level on screen, if the
    /// model has one.
    pub to_coarse_ms: Option<f64>,
    /// From the file in memory to the first frame with textures.
    pub to_textured_ms: f64,
}

/// Everything known about a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LoadReport {
    /// Counts, textures and GPU estimate.
    pub stats: ModelStats,
    /// Size of the downloaded file.
    pub file_bytes: u64,
    /// Where the load time went.
    pub timings: Timings,
    /// Estimated GPU bytes of every texture the viewer uploaded that is
    /// still alive, this model's or a leaked one.
    pub live_texture_bytes: u64,
    /// The wasm linear memory's size once this model was shown.
    pub wasm_memory_bytes: u64,
}

/// Model statistics, in the details sheet so the model stays unobstructed.
#[component]
pub(super) fn StatsPanel(
    /// The loaded model's report, if a model is shown.
    #[prop(into)]
    report: Signal<Option<LoadReport>>,
) -> impl IntoView {
    move || {
        report.get().map(|report| {
            let LoadReport {
                stats,
                file_bytes,
                timings,
                ..
            } = report;
            let textures = if stats.textures.is_empty() {
                "none".to_string()
            } else {
                stats
                    .textures
                    .iter()
                    .map(|(w, h)| format!("{w}×{h}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            view! {
                <section class="viewer-stats" id="viewer-stats" aria-label="Model statistics">
                    <dl>
                        <dt>"Triangles"</dt><dd>{group_thousands(stats.triangles)}</dd>
                        <dt>"Vertices"</dt><dd>{group_thousands(stats.vertices)}</dd>
                        <dt>"Textures"</dt><dd>{textures}</dd>
                        <dt>"File size"</dt><dd>{megabytes(file_bytes)}</dd>
                        <dt>"GPU memory (est.)"</dt><dd>{megabytes(stats.gpu_bytes)}</dd>
                        {timings.to_coarse_ms.map(|ms| view! {
                            <dt>"Coarse view after"</dt><dd>{milliseconds(ms)}</dd>
                        })}
                        <dt>"Download"</dt><dd>{milliseconds(timings.download_ms)}</dd>
                        <dt>"Decode"</dt><dd>{milliseconds(timings.decode_ms)}</dd>
                        <dt>"Parse"</dt><dd>{milliseconds(timings.parse_ms - timings.decode_ms)}</dd>
                        <dt>"GPU upload"</dt><dd>{milliseconds(timings.upload_ms)}</dd>
                        {timings.clay_frame_ms.map(|ms| view! {
                            <dt>"Clay frame"</dt><dd>{milliseconds(ms)}</dd>
                        })}
                        <dt>"Texture decode"</dt><dd>{milliseconds(timings.texture_decode_ms)}</dd>
                        <dt>"Texture upload"</dt><dd>{milliseconds(timings.texture_upload_ms)}</dd>
                        <dt>"First textured frame"</dt><dd>{milliseconds(timings.textured_frame_ms)}</dd>
                    </dl>
                </section>
            }
        })
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn milliseconds(ms: f64) -> String {
    format!("{} ms", group_thousands(ms.round().max(0.0) as u64))
}

/// "3D model: 503 020 triangles, textured." for the canvas's accessible name.
pub(super) fn describe(stats: &ModelStats) -> String {
    let texture = if stats.textured() {
        "textured"
    } else {
        "untextured"
    };
    format!(
        "3D model: {} triangles, {texture}.",
        group_thousands(stats.triangles)
    )
}

/// 1234567 → "1 234 567" (thin spaces read well in every locale).
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}
