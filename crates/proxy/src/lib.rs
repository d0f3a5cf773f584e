//! Trellis Studio's server: the web app at `/`, and at `/api` a job queue
//! that turns photos into 3D models (GLB) with a pluggable engine.
//!
//! [`app`] builds the whole router for in-process tests; [`serve`] runs it.

mod access;
mod app;
pub mod backend;
pub mod cli;
mod clock;
mod compression;
pub mod config;
pub mod error;
pub mod id;
mod jobs;
mod json;
mod names;
pub mod pool;
mod quota;
mod renditions;
pub mod repo;
mod routes;
pub mod secret;
mod server;
mod state;
pub mod store;
#[cfg(test)]
mod testing;
pub mod tokens;
mod upload;
mod web;

pub use app::app;
pub use config::Config;
pub use server::{ServeError, serve, serve_on};
pub use state::{AppState, StartError};
pub use store::DB_FILE;
pub use upload::{MAX_IMAGE_BYTES, MAX_UPLOAD_BYTES};
