//! The built web app at `/`, from the dist dir, with the headers that keep
//! its pages from being abused: a Content-Security-Policy (see [`policy`])
//! and no framing except for embed links.

mod policy;
mod share;

use std::{convert::Infallible, path::Path, sync::Arc};

use axum::{
    Router,
    body::Body,
    extract::{Request, State},
    http::{
        HeaderValue,
        header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_FRAME_OPTIONS},
    },
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower::{ServiceExt as _, service_fn};
use tower_http::services::{ServeDir, ServeFile};

use self::policy::PolicyMaker;
pub use self::share::{ShareLinks, router as share_router};
use crate::{compression, error::AppError};

/// The query of a share link (`?g=<id>`) and of its embed form (`&embed=1`),
/// as the app reads them: only that page is the bare viewer.
const GENERATION_QUERY: &str = "g";
const EMBED_QUERY: &str = "embed";

/// The web app's files and their policy.
#[derive(Debug)]
pub struct WebApp {
    dist: Arc<Path>,
    policies: PolicyMaker,
    /// Where share pages send people.
    pub share: ShareLinks,
}

impl WebApp {
    pub fn new(dist: &Path, model_origins: &[String], share: ShareLinks) -> Self {
        Self {
            dist: Arc::from(dist),
            policies: PolicyMaker::new(dist, model_origins),
            share,
        }
    }
}

/// Files from the dist dir (`.wasm` as `application/wasm`, `/` as
/// `index.html`). Paths that are not files but look like pages fall back
/// to `index.html`, so links into the app work.
pub fn router<S: Clone + Send + Sync + 'static>(web: &Arc<WebApp>) -> Router<S> {
    let dist = &web.dist;
    let index: Arc<Path> = Arc::from(dist.join("index.html"));
    let fallback = service_fn(move |request: Request| not_a_file(Arc::clone(&index), request));
    let files = ServeDir::new(dist)
        .append_index_html_on_directories(true)
        .fallback(fallback);
    Router::new()
        .fallback_service(files)
        .layer(compression::layer())
        .layer(middleware::from_fn_with_state(
            Arc::clone(web),
            page_headers,
        ))
}

/// Answers a path that names no file. The build is checked per request, so
/// building the app while the server runs needs no restart.
async fn not_a_file(index: Arc<Path>, request: Request) -> Result<Response, Infallible> {
    if !tokio::fs::try_exists(&*index).await.unwrap_or(false) {
        return Ok(AppError::AppNotBuilt.into_response());
    }
    let last_segment = request.uri().path().rsplit('/').next().unwrap_or_default();
    if last_segment.contains('.') {
        // A missing asset (`x.js`), not a page: serving HTML would only
        // confuse the browser.
        return Ok(AppError::AssetNotFound.into_response());
    }
    let page = ServeFile::new(&*index).oneshot(request).await?;
    Ok(page.map(Body::new))
}

/// Whether the query asks for the bare viewer of a generation.
fn is_embed(query: Option<&str>) -> bool {
    let pairs = || {
        query
            .unwrap_or_default()
            .split('&')
            .filter_map(|pair| pair.split_once('='))
    };
    pairs().any(|(name, value)| name == EMBED_QUERY && value == "1")
        && pairs().any(|(name, value)| name == GENERATION_QUERY && !value.is_empty())
}

/// Adds the policy to every page: the one that allows framing for embed
/// links, the one that forbids it (and `X-Frame-Options` for browsers that
/// predate `frame-ancestors`) for everything else.
async fn page_headers(State(web): State<Arc<WebApp>>, request: Request, next: Next) -> Response {
    let embed = is_embed(request.uri().query());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_html {
        let policies = web.policies.policies().await;
        let headers = response.headers_mut();
        if embed {
            headers.insert(CONTENT_SECURITY_POLICY, policies.embed);
        } else {
            headers.insert(CONTENT_SECURITY_POLICY, policies.page);
            headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_generations_embed_link_is_an_embed() {
        assert!(is_embed(Some("g=abc&embed=1&mode=clay")));
        assert!(!is_embed(Some("embed=1")));
        assert!(!is_embed(Some("g=abc&embed=0")));
        assert!(!is_embed(Some("g=abc")));
        assert!(!is_embed(None));
    }
}
