//! The 3D view: a three-d scene drawn into a canvas the page owns, plus the
//! GLB checks and rewrites that run before it. Knows nothing about Leptos;
//! the `ModelViewer` component drives it.

mod camera_control;
mod channel_material;
mod display;
mod gestures;
mod glb;
mod mask_material;
mod scene;
mod stats;

pub use display::DisplayMode;
pub use gestures::{Gesture, Gestures};
pub use glb::{AlphaMode, DEFAULT_ALPHA_CUTOFF, with_alpha_mode};
pub use scene::{Viewer, parse_glb};
pub use stats::ModelStats;
