use serde::{Deserialize, Serialize};

/// Where a cut-out preview's mask comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutoutSource {
    /// The photo's own transparency: a deliberate cut-out.
    Alpha,
    /// The engine separated the subject from the background by colour.
    Engine,
}

/// The answer to `POST /api/cutout`: what the engine would take as the
/// subject of a photo, shown before any job is queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutoutPreview {
    pub source: CutoutSource,
    /// The subject on transparency as a `data:image/png;base64,…` URL, at
    /// most [`CUTOUT_PREVIEW_SIDE`] pixels a side.
    pub image: String,
    /// Share of the frame the subject covers, `0..=1`.
    pub coverage: f32,
    /// Reasons to think the subject is not the object the user meant, each
    /// a sentence with what to do; empty when the cut-out looks clean.
    pub doubts: Vec<String>,
}

/// The longest side of a cut-out preview: enough to judge the outline in a
/// page column, a small fraction of the full mask's bytes.
pub const CUTOUT_PREVIEW_SIDE: u32 = 512;
