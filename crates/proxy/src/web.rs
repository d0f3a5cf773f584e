//! The built web app at `/`, from the dist dir.

use std::{convert::Infallible, path::Path, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::Request,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use tower::{ServiceExt as _, service_fn};
use tower_http::services::{ServeDir, ServeFile};

use crate::routes::compression;

/// Says how to fix a missing build, in the words of the project's scripts.
const NOT_BUILT: &str = "web app not built; run scripts/serve\n";

/// Files from the dist dir (`.wasm` as `application/wasm`, `/` as
/// `index.html`). Paths that are not files but look like pages fall back
/// to `index.html`, so links into the app work.
pub fn router<S: Clone + Send + Sync + 'static>(dist_dir: &Path) -> Router<S> {
    let index: Arc<Path> = Arc::from(dist_dir.join("index.html"));
    let fallback = service_fn(move |request: Request| not_a_file(Arc::clone(&index), request));
    let files = ServeDir::new(dist_dir)
        .append_index_html_on_directories(true)
        .fallback(fallback);
    Router::new().fallback_service(files).layer(compression())
}

/// Answers a path that names no file. The build is checked per request, so
/// building the app while the server runs needs no restart.
async fn not_a_file(index: Arc<Path>, request: Request) -> Result<Response, Infallible> {
    if !tokio::fs::try_exists(&*index).await.unwrap_or(false) {
        return Ok((StatusCode::SERVICE_UNAVAILABLE, NOT_BUILT).into_response());
    }
    let last_segment = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        // A missing asset (`x.js`), not a page: serving HTML would only
        // confuse the browser.
        return Ok((StatusCode::NOT_FOUND, "not found\n").into_response());
    }
    let page = ServeFile::new(&*index).oneshot(request).await?;
    Ok(page.map(Body::new))
}
