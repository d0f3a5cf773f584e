//! The 3D view: a three-d scene drawn into a canvas the page owns. Knows
//! nothing about Leptos; the `ModelViewer` component drives it.

mod camera_control;
mod scene;

pub use scene::{ModelStats, Viewer};
