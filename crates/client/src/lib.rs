//! A client for the Trellis Studio API: turn a photo into a 3D model (GLB)
//! from Rust, without a browser.
//!
//! ```no_run
//! use trellis_client::{Client, GenerateRequest, Preset};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new("http://127.0.0.1:8642")?;
//! let request = GenerateRequest::from_path("photo.png")
//!     .await?
//!     .random_seed()
//!     .extract_preset(Preset::Fast);
//! let generation = client.generate(request).await?;
//! println!("follow it at {}", generation.share_url());
//!
//! let done = generation
//!     .wait_with_progress(|g| eprintln!("{} {:.0}%", g.phase_label, g.progress * 100.0))
//!     .await?;
//! if let Some(model) = done.ready_model() {
//!     let mut file = tokio::fs::File::create("model.glb").await?;
//!     generation.download_glb(&model.variant, &mut file).await?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Requests are checked locally with the proxy's own rules (shared through
//! `trellis-api`), so a bad value fails before a photo is uploaded. The
//! client never retries a submitted generation: a job takes minutes of GPU
//! time, and [`Error::is_retryable`] leaves that choice to the caller.
//!
//! It runs on tokio, as reqwest does, and sleeps on no timer of its own.

#![warn(missing_docs)]

mod client;
mod error;
mod events;
mod handle;
mod http;
mod request;
mod sse;

pub use client::{API_KEY_ENV, Client, ClientBuilder, DEFAULT_TIMEOUT, DEFAULT_USER_AGENT};
pub use error::{Error, Job};
pub use events::Events;
pub use handle::GenerationHandle;
pub use request::{GenerateRequest, MAX_IMAGE_BYTES};
/// The URL and HTTP status types in this API, so callers need no reqwest
/// dependency of their own.
pub use reqwest::{StatusCode, Url};
/// The wire types and validation rules shared with the proxy and the web app.
pub use trellis_api as api;
pub use trellis_api::{
    Conversion, ConversionFormat, ConversionReport, ConversionRequest, ErrorDetail, ExtractRequest,
    FieldError, GenerateParams, Generation, Health, HealthStatus, JobStatus, MAX_SEED,
    ModelVariant, OptimizedStatus, Phase, PipelineType, Preset,
};
