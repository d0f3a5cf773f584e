//! The 3D view: a three-d scene drawn into a canvas the page owns, fed by
//! the decode worker (`trellis_viewer_glb` does the GLB checks, reading and
//! rewrites). Knows nothing about Leptos; the `ModelViewer` component
//! drives it.

mod camera_control;
mod canvas;
mod channel_material;
mod clay_material;
mod colour;
mod decoder;
mod display;
mod environment;
mod gestures;
mod parse;
mod png_export;
mod scene;
mod shader_ids;
mod stats;
mod surface_material;
mod textures;
mod wireframe;

pub use decoder::Decoder;
pub use display::DisplayMode;
pub use gestures::{Gesture, Gestures};
pub use parse::{ParsedGlb, to_cpu_model};
pub use png_export::{has_webp_images, with_png_textures};
pub use scene::{Framing, StagedModel, Viewer};
pub use stats::ModelStats;
pub use textures::decode;
pub use trellis_links::CameraPose;
pub use trellis_viewer_glb::{AlphaMode, DEFAULT_ALPHA_CUTOFF, with_alpha_mode};
pub use wireframe::WireframeState;
