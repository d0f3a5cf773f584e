//! The `/api` routes, one module per resource.

mod conversions;
mod cutout;
mod events;
mod files;
mod generate;
mod generations;
mod health;
mod path;

use axum::{Router, extract::DefaultBodyLimit};

use crate::{
    compression,
    error::{method_not_allowed, no_such_endpoint},
    state::AppState,
};

/// The largest body of every route but `POST /generate` (which has its
/// own limit): extraction settings are a few hundred bytes of JSON, and
/// 16 KiB leaves room for any client's formatting, no more.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every API route, relative to `/api`.
pub fn router() -> Router<AppState> {
    let json = Router::new()
        .merge(health::router())
        .merge(generate::router())
        .merge(generations::router())
        .merge(conversions::router())
        .merge(cutout::router())
        .layer(compression::layer());
    // Not compressed: event streams must flush each event at once, and
    // models may be fetched by range, which compression would break.
    json.merge(events::router())
        .merge(files::router())
        .fallback(no_such_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        // The outer limit; a route's own layer (generate's) replaces it.
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}
