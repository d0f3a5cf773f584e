//! Shared helpers: a server on a temporary data dir, and requests to it.

use std::{
    collections::HashMap,
    io::Write,
    path::Path,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Request, StatusCode, header::CONTENT_TYPE},
};
use clap::Parser;
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;
use trellis_api::{GenerateAccepted, Generation, JobStatus, OWNER_TOKEN_HEADER};
use trellis_proxy::{AppState, Config, app, backend::Backend};

/// The Modal credentials of every test: distinctive, so a leak is found
/// by a plain text search of response bodies and logs.
pub const MODAL_KEY: &str = "wk-test-KEY-d3adb33fd3adb33f";
pub const MODAL_SECRET: &str = "ws-test-SECRET-c0ffee42c0ffee42";

/// Everything every test logged, at every level.
static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures the logs of the whole test binary (once), trace level included.
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = LogBuffer(Arc::clone(&buffer));
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        buffer
    });
}

/// The logs so far.
pub fn logs() -> String {
    let buffer = LOGS.get().expect("logs captured");
    String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned()
}

/// Then: neither credential value appears in `text`.
pub fn assert_no_secret(text: &[u8], what: &str) {
    let text = String::from_utf8_lossy(text);
    for secret in [MODAL_KEY, MODAL_SECRET] {
        assert!(!text.contains(secret), "{what} leaks a credential");
    }
}

/// Long enough for the CPU engine on a slow, busy machine.
pub const JOB_TIMEOUT: Duration = Duration::from_secs(180);
pub const CORS_ORIGIN: &str = "http://127.0.0.1:8080";

/// An app on its own temporary data dir, and the owner tokens of the
/// generations its tests submitted.
pub struct TestServer {
    pub app: Router,
    pub state: AppState,
    pub dir: TempDir,
    tokens: Mutex<HashMap<String, String>>,
}

/// The per-client limits, off for tests that are about something else (a
/// hundred uploads from one address); the quota tests turn them on.
const UNLIMITED: [(&str, &str); 4] = [
    ("--generations-per-hour", "0"),
    ("--waiting-per-client", "0"),
    ("--extractions-per-generation", "0"),
    ("--gpu-seconds-per-day", "0"),
];

/// The test config of a pool: the GPU servers of the config file `servers`
/// (TOML) instead of one engine, plus more flags.
pub fn pool_config(dir: &Path, servers: &str, extra: &[&str]) -> Config {
    let file = dir.join("trellis.toml");
    std::fs::write(&file, servers).unwrap();
    let data_dir = dir.join("data");
    let mut args = vec![
        "trellis-proxy".to_owned(),
        "--data-dir".to_owned(),
        data_dir.display().to_string(),
        "--dist-dir".to_owned(),
        data_dir.join("no-dist").display().to_string(),
        "--cors-origins".to_owned(),
        CORS_ORIGIN.to_owned(),
        "--config".to_owned(),
        file.display().to_string(),
    ];
    for (flag, value) in UNLIMITED {
        if !extra.contains(&flag) {
            args.extend([flag.to_owned(), value.to_owned()]);
        }
    }
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    Config::parse_from(args)
}

pub fn config(data_dir: &Path, concurrency: usize) -> Config {
    config_with(data_dir, concurrency, &[])
}

/// The test config plus more flags.
pub fn config_with(data_dir: &Path, concurrency: usize, extra: &[String]) -> Config {
    let data_dir = data_dir.join("data");
    let dist_dir = data_dir.join("no-dist");
    let mut args = vec![
        "trellis-proxy".to_owned(),
        "--data-dir".to_owned(),
        data_dir.display().to_string(),
        "--dist-dir".to_owned(),
        dist_dir.display().to_string(),
        "--cors-origins".to_owned(),
        CORS_ORIGIN.to_owned(),
        "--concurrency".to_owned(),
        concurrency.to_string(),
    ];
    for (flag, value) in UNLIMITED {
        if !extra.iter().any(|arg| arg == flag) {
            args.extend([flag.to_owned(), value.to_owned()]);
        }
    }
    args.extend_from_slice(extra);
    Config::parse_from(args)
}

impl TestServer {
    /// The engine and settings `extra` flags configure, on `dir`.
    pub async fn configured(dir: TempDir, concurrency: usize, extra: &[String]) -> Self {
        capture_logs();
        let state = AppState::new(&config_with(dir.path(), concurrency, extra))
            .await
            .unwrap();
        Self::of(state, dir)
    }

    /// A server of `state`, on `dir`.
    pub fn of(state: AppState, dir: TempDir) -> Self {
        Self {
            app: app(state.clone()),
            state,
            dir,
            tokens: Mutex::default(),
        }
    }

    /// A pool of the GPU servers `servers` (a config file) lists.
    pub async fn pooled(servers: &str, extra: &[&str]) -> Self {
        capture_logs();
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(&pool_config(dir.path(), servers, extra))
            .await
            .unwrap();
        Self::of(state, dir)
    }

    /// The built-in CPU engine, one worker.
    pub async fn builtin() -> Self {
        capture_logs();
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(&config(dir.path(), 1)).await.unwrap();
        Self::of(state, dir)
    }

    /// A fake engine and more flags.
    pub async fn with_backend_and(backend: Arc<dyn Backend>, extra: &[&str]) -> Self {
        capture_logs();
        let dir = tempfile::tempdir().unwrap();
        let extra: Vec<String> = extra.iter().map(|arg| (*arg).to_owned()).collect();
        let state = AppState::with_backend(&config_with(dir.path(), 1, &extra), backend)
            .await
            .unwrap();
        Self::of(state, dir)
    }

    /// A fake engine, `concurrency` workers.
    pub async fn with_backend(backend: Arc<dyn Backend>, concurrency: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::reopen(dir, backend, concurrency).await
    }

    /// A new server on an existing data dir: a restart.
    pub async fn reopen(dir: TempDir, backend: Arc<dyn Backend>, concurrency: usize) -> Self {
        capture_logs();
        let state = AppState::with_backend(&config(dir.path(), concurrency), backend)
            .await
            .unwrap();
        Self::of(state, dir)
    }

    /// A restart with other flags, keeping the owner tokens.
    pub async fn reconfigure(self, concurrency: usize, extra: &[String]) -> Self {
        let tokens = self.tokens.into_inner().unwrap();
        let server = Self::configured(self.dir, concurrency, extra).await;
        *server.tokens.lock().unwrap() = tokens;
        server
    }

    /// The owner token a submission of this server was answered with.
    pub fn token(&self, id: &str) -> String {
        self.tokens.lock().unwrap()[id].clone()
    }

    /// Lets this server's requests act as the creator of `id`, with the
    /// token another server's submission was answered with.
    pub fn know_token(&self, id: &str, token: String) {
        self.tokens.lock().unwrap().insert(id.to_owned(), token);
    }

    /// `request` as the creator of generation `id`.
    pub fn as_owner(
        &self,
        id: &str,
        request: axum::http::request::Builder,
    ) -> axum::http::request::Builder {
        request.header(OWNER_TOKEN_HEADER, self.token(id))
    }

    /// `DELETE /api/generations/{id}` by its creator: a cancellation.
    pub async fn cancel(&self, id: &str) -> Reply {
        let request = self.as_owner(id, Request::delete(format!("/api/generations/{id}")));
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// `POST /api/generations/{id}/extract_glb` by its creator.
    pub async fn extract(&self, id: &str, json: &Value) -> Reply {
        let request = self
            .as_owner(
                id,
                Request::post(format!("/api/generations/{id}/extract_glb")),
            )
            .header(CONTENT_TYPE, "application/json");
        self.send(request.body(Body::from(json.to_string())).unwrap())
            .await
    }

    pub fn generations_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data").join("generations")
    }

    /// Given a rejected request, nothing may have been stored.
    pub fn assert_nothing_stored(&self) {
        let entries: Vec<_> = std::fs::read_dir(self.generations_dir())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(entries.is_empty(), "data dir has {entries:?}");
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_no_secret(&body, "a response body");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_json(&self, uri: &str, json: &Value) -> Reply {
        let request = Request::post(uri)
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string()))
            .unwrap();
        self.send(request).await
    }

    pub async fn generation(&self, id: &str) -> Generation {
        let reply = self.get(&format!("/api/generations/{id}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    /// Submits `image` (PNG bytes) as multipart with extra text fields;
    /// returns the new id.
    pub async fn submit(&self, image: &[u8], fields: &[(&str, &str)]) -> String {
        let mut parts: Vec<Part> = fields.iter().map(|&(n, v)| Part::Text(n, v)).collect();
        parts.push(Part::File("image", image));
        let reply = self.send(multipart(&parts)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
        self.accepted(&reply)
    }

    /// Keeps the owner token of a 202 answer; returns the id.
    pub fn accepted(&self, reply: &Reply) -> String {
        let accepted: GenerateAccepted = reply.json();
        let token = accepted.owner_token.expect("an owner token");
        self.tokens
            .lock()
            .unwrap()
            .insert(accepted.id.clone(), token);
        accepted.id
    }

    /// Polls until `done` holds, failing after [`JOB_TIMEOUT`].
    pub async fn wait_until(&self, id: &str, done: impl Fn(&Generation) -> bool) -> Generation {
        let give_up = tokio::time::Instant::now() + JOB_TIMEOUT;
        loop {
            let generation = self.generation(id).await;
            if done(&generation) {
                return generation;
            }
            assert!(
                tokio::time::Instant::now() < give_up,
                "timed out: {generation:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn wait_for_status(&self, id: &str, status: JobStatus) -> Generation {
        self.wait_until(id, |g| g.status == status).await
    }

    /// The record of generation `id` in the database on disk.
    pub fn saved(&self, id: &str) -> Option<Generation> {
        let db =
            rusqlite::Connection::open(self.dir.path().join("data").join(trellis_proxy::DB_FILE))
                .ok()?;
        let record: String = db
            .query_row(
                "SELECT record FROM generations WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .ok()?;
        serde_json::from_str(&record).ok()
    }

    /// Waits until the record on disk is the state served now: a change is
    /// published before it is saved, and a restart reads the disk.
    pub async fn wait_saved(&self, id: &str) -> Generation {
        let give_up = tokio::time::Instant::now() + JOB_TIMEOUT;
        loop {
            let served = self.generation(id).await;
            let saved = self.saved(id);
            if saved.as_ref() == Some(&served) {
                return served;
            }
            assert!(
                tokio::time::Instant::now() < give_up,
                "never saved: {served:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The real server loop (timeouts, sweeper) on a free port, over the data
/// dir under `dir` (as [`TestServer`] lays it out), with these flags.
pub async fn listen(dir: &Path, extra: &[&str]) -> std::net::SocketAddr {
    capture_logs();
    let extra: Vec<String> = extra.iter().map(|arg| (*arg).to_owned()).collect();
    let engine: Arc<dyn Backend> = crate::fake::FakeEngine::instant();
    let state = AppState::with_backend(&config_with(dir, 1, &extra), engine)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(trellis_proxy::serve_on(
        listener,
        state,
        std::future::pending(),
    ));
    addr
}

/// A collected response.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Then: this status (the body in the message otherwise).
    pub fn assert_status(&self, status: StatusCode) {
        assert_eq!(self.status, status, "{}", self.text());
    }

    /// Then: the API error shape, with this status and code, and a message
    /// containing `words`.
    pub fn assert_error(&self, status: StatusCode, code: &str, words: &str) {
        assert_eq!(self.status, status, "{}", self.text());
        let body: Value = self.json();
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{message:?} lacks {words:?}");
    }
}

pub enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

const BOUNDARY: &str = "trellis-test-boundary-7f3a";

/// A `POST /api/generate` multipart request.
pub fn multipart(parts: &[Part]) -> Request<Body> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"photo\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/api/generate")
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}
