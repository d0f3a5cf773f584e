//! A plain static file host (no rewrites, no API) serving a folder under a
//! sub-path, like a bucket or GitHub Pages serving `dist/` at `/studio/`.

use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;

/// Serves `dir` at `http://127.0.0.1:<port><prefix>/` until dropped.
pub struct StaticHost {
    pub origin: String,
    server: tokio::task::JoinHandle<()>,
}

impl StaticHost {
    pub async fn start(dir: &Path, prefix: &str) -> Self {
        let app = Router::new().nest_service(prefix, ServeDir::new(dir));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind static host");
        let origin = format!("http://{}", listener.local_addr().expect("local addr"));
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("static host serves");
        });
        Self { origin, server }
    }
}

impl Drop for StaticHost {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Copies the files of `from` (one level, as trunk writes dist/) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read dist") {
        let entry = entry.expect("dist entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}
