//! A second origin serving fixed files with CORS, like a CDN or bucket a
//! user would open a GLB from with `?model=<url>`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::collections::HashMap;
use std::sync::Arc;

/// Serves `files` by name on a free loopback port until dropped.
pub struct FileServer {
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl FileServer {
    /// Starts serving `files` (name → bytes) as `model/gltf-binary`.
    pub async fn start(files: HashMap<String, Vec<u8>>) -> Self {
        let app = Router::new()
            .route("/{name}", axum::routing::get(serve))
            .with_state(Arc::new(files));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind file server");
        let base = format!("http://{}/", listener.local_addr().expect("local addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("file server serves");
        });
        Self { base, server }
    }

    /// The URL of the file called `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}{name}", self.base)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(
    State(files): State<Arc<HashMap<String, Vec<u8>>>>,
    Path(name): Path<String>,
) -> impl IntoResponse {
    match files.get(&name) {
        Some(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "model/gltf-binary"),
                (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            ],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
