//! Trellis Studio's server: the web app at `/`, and at `/api` a job queue
//! that turns photos into 3D models (GLB) with a pluggable engine.
//!
//! [`app`] builds the whole router for in-process tests; [`serve`] runs it.

pub mod backend;
pub mod config;
mod delete_token;
pub mod error;
mod id;
mod jobs;
mod json;
mod routes;
mod server;
mod state;
mod store;
mod upload;
mod web;

use axum::{
    Router,
    http::{
        Method,
        header::{AUTHORIZATION, CONTENT_TYPE},
    },
    middleware,
};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer},
};
use tracing::Level;

pub use config::Config;
pub use jobs::MAX_WAITING;
pub use server::{ServeError, serve};
pub use state::{AppState, StartError};
pub use upload::{MAX_IMAGE_BYTES, MAX_UPLOAD_BYTES};

/// The whole application: `/api` plus the web app.
pub fn app(state: AppState) -> Router {
    // Only the listed origins: the API has no accounts, so CORS is what
    // keeps other web sites from driving a local server.
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list(state.cors_origins.iter().cloned()))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        // Authorization carries the delete token of `DELETE ?remove=true`.
        .allow_headers([CONTENT_TYPE, AUTHORIZATION]);
    Router::new()
        .nest("/api", routes::router().layer(cors))
        .merge(web::router(&state.dist_dir))
        // Layers wrap what is above them: the error log runs inside the
        // trace span, so each logged error carries its request.
        .layer(middleware::from_fn(error::log_internal_errors))
        // One INFO line per request, so the default log shows traffic.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
