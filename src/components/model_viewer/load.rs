//! One model load: download, parse, upload, first frame, each timed.

use super::scene_handle::SceneHandle;
use super::source::ModelSource;
use super::stats_panel::{LoadReport, Timings};
use crate::viewer::{AlphaMode, ModelStats, parse_glb};

/// A model that finished loading.
pub(super) struct Loaded {
    pub report: LoadReport,
    /// The alpha mode the file declares.
    pub alpha: AlphaMode,
    /// The file as downloaded, kept for "Download GLB" with another alpha.
    pub file: Vec<u8>,
}

/// Downloads, parses, uploads and draws one model, timing each step.
/// `Ok(None)` means a newer load took over while this one was in flight.
pub(super) async fn load(
    scene: &SceneHandle,
    source: &ModelSource,
    still_current: impl Fn() -> bool + 'static,
) -> Result<Option<Loaded>, String> {
    let start = js_sys::Date::now();
    let bytes = source.fetch().await?;
    if !still_current() {
        return Ok(None);
    }
    let downloaded = js_sys::Date::now();
    let file_bytes = bytes.len() as u64;
    let (cpu_model, alpha) = parse_glb(bytes.clone()).map_err(|e| e.to_string())?;
    let stats = ModelStats::of(&cpu_model);
    let parsed = js_sys::Date::now();
    scene
        .with(|viewer| {
            // Before the first frame, so it already shows the file's alpha.
            viewer.set_alpha(alpha);
            viewer.upload(&cpu_model)
        })
        .ok_or_else(|| "The 3D view is not available in this browser.".to_string())?
        .map_err(|e| e.to_string())?;
    drop(cpu_model);
    let uploaded = js_sys::Date::now();
    let (sender, receiver) = futures::channel::oneshot::channel();
    scene.request_frame(move || {
        let _ = sender.send(js_sys::Date::now());
    });
    let drawn = receiver.await.unwrap_or(uploaded);
    let report = LoadReport {
        stats,
        file_bytes,
        timings: Timings {
            download_ms: downloaded - start,
            parse_ms: parsed - downloaded,
            upload_ms: uploaded - parsed,
            first_frame_ms: drawn - uploaded,
        },
    };
    Ok(still_current().then_some(Loaded {
        report,
        alpha,
        file: bytes,
    }))
}
