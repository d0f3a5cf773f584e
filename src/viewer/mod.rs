//! The 3D view: a three-d scene drawn into a canvas the page owns, plus the
//! GLB checks and rewrites that run before it. Knows nothing about Leptos;
//! the `ModelViewer` component drives it.

mod camera_control;
mod camera_pose;
mod canvas;
mod channel_material;
mod clay_material;
mod colour;
mod display;
mod environment;
mod gestures;
mod glb;
mod parse;
mod png_export;
mod scene;
mod shader_ids;
mod stats;
mod surface_material;
mod textures;
mod wireframe;

pub use camera_pose::CameraPose;
pub use display::DisplayMode;
pub use gestures::{Gesture, Gestures};
pub use glb::{AlphaMode, DEFAULT_ALPHA_CUTOFF, with_alpha_mode};
pub use parse::{ParsedGlb, check_glb, parse_glb};
pub use png_export::{has_webp_images, with_png_textures};
pub use scene::Viewer;
pub use stats::ModelStats;
pub use textures::decode;
pub use wireframe::WireframeState;
