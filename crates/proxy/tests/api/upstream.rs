//! Contract-faithful fakes of the two GPU servers (contract §1 and §2): a
//! real axum server on 127.0.0.1, answering each endpoint from a script
//! the test writes, and recording every request it sees.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use futures_util::{StreamExt, stream};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use trellis_inflate::glb::{MeshData, write_glb};

/// One scripted answer.
#[derive(Clone)]
pub enum Reply {
    /// 200 with this JSON.
    Json(Value),
    /// This status, content type and body.
    Status(u16, &'static str, String),
    /// 303 to the same path with `?hop=n`, this many times, then the reply.
    Redirects(usize, Box<Reply>),
    /// Waits, then answers.
    After(Duration, Box<Reply>),
    /// Starts a 200 answer with these bytes, then breaks the connection.
    Reset(Vec<u8>),
    /// Starts a 200 answer with these bytes, then sends nothing more.
    Stall(Vec<u8>),
    /// These exact bytes as a complete 200 answer (e.g. cut-short JSON).
    Raw(String),
    /// Never answers.
    Hang,
}

/// A request the fake saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Default)]
struct Shared {
    scripts: Mutex<HashMap<String, VecDeque<Reply>>>,
    defaults: Mutex<HashMap<String, Reply>>,
    seen: Mutex<Vec<Seen>>,
    /// Set when the server dies: see [`Upstream::stop`].
    stopped: tokio::sync::watch::Sender<bool>,
}

/// A running fake upstream.
#[derive(Clone)]
pub struct Upstream {
    pub url: String,
    shared: Arc<Shared>,
}

impl Upstream {
    async fn start(defaults: HashMap<String, Reply>) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.defaults.lock().unwrap() = defaults;
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut stopped = shared.stopped.subscribe();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|stopped| *stopped).await;
                })
                .await
        });
        Self { url, shared }
    }

    /// The server dies: answers under way break off mid-body, and new
    /// connections are refused.
    pub fn stop(&self) {
        self.shared.stopped.send_replace(true);
    }

    /// The Modal service: instant successes unless scripted otherwise.
    pub async fn modal() -> Self {
        Self::start(HashMap::from([
            ("/generate".to_owned(), Reply::Json(modal_generated())),
            ("/extract_glb".to_owned(), Reply::Json(json!({ "glb": STANDARD.encode(fake_glb()), "request_id": "req_00000000000000e1" }))),
            ("/health".to_owned(), Reply::Json(json!({ "status": "ok", "service": "trellis2-api" }))),
        ]))
        .await
    }

    /// The FastAPI server: ready, answering with a small coloured mesh.
    pub async fn fastapi() -> Self {
        Self::start(HashMap::from([
            (
                "/generate".to_owned(),
                Reply::Json(mesh_answer(&[[0, 1, 2], [0, 2, 3]])),
            ),
            ("/health".to_owned(), Reply::Json(fastapi_health("ready"))),
        ]))
        .await
    }

    /// Queues answers for the next requests to `path`.
    pub fn script(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        let mut scripts = self.shared.scripts.lock().unwrap();
        scripts.entry(path.to_owned()).or_default().extend(replies);
    }

    /// Sets the answer to `path` once its script runs out.
    pub fn set_default(&self, path: &str, reply: Reply) {
        self.shared
            .defaults
            .lock()
            .unwrap()
            .insert(path.to_owned(), reply);
    }

    /// Every request to `path`, in order.
    pub fn seen(&self, path: &str) -> Vec<Seen> {
        let seen = self.shared.seen.lock().unwrap();
        seen.iter().filter(|s| s.path == path).cloned().collect()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    shared.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    });
    let reply = {
        let scripted = shared
            .scripts
            .lock()
            .unwrap()
            .get_mut(&path)
            .and_then(VecDeque::pop_front);
        scripted.or_else(|| shared.defaults.lock().unwrap().get(&path).cloned())
    };
    let Some(reply) = reply else {
        return (StatusCode::NOT_FOUND, "no such endpoint").into_response();
    };
    let mut stopped = shared.stopped.subscribe();
    tokio::select! {
        answer = play(&shared, &path, reply) => answer,
        _ = stopped.wait_for(|stopped| *stopped) => broken(Vec::new()),
    }
}

/// A 200 answer that starts with `start`, then breaks the connection.
fn broken(start: Vec<u8>) -> Response {
    // The error comes a moment later, so the headers and the first bytes
    // are on the wire when the connection breaks.
    let pieces = stream::iter([Some(start), None]).then(|piece| async move {
        match piece {
            Some(start) => Ok(Bytes::from(start)),
            None => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Err(std::io::Error::other("connection reset by the test"))
            }
        }
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::CONTENT_LENGTH, "100000000")
        .body(Body::from_stream(pieces))
        .unwrap()
}

async fn play(shared: &Shared, path: &str, mut reply: Reply) -> Response {
    loop {
        reply = match reply {
            Reply::After(wait, then) => {
                tokio::time::sleep(wait).await;
                *then
            }
            Reply::Json(value) => return axum::Json(value).into_response(),
            Reply::Raw(text) => {
                return ([(header::CONTENT_TYPE, "application/json")], text).into_response();
            }
            Reply::Status(status, content_type, body) => {
                let status = StatusCode::from_u16(status).unwrap();
                return (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
            }
            Reply::Redirects(0, then) => *then,
            Reply::Redirects(hops, then) => {
                let mut scripts = shared.scripts.lock().unwrap();
                let script = scripts.entry(path.to_owned()).or_default();
                script.push_front(Reply::Redirects(hops - 1, then));
                let location = format!("{path}?__modal_function_call_id=fc-test&hop={hops}");
                return (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
            }
            Reply::Reset(start) => return broken(start),
            Reply::Stall(start) => {
                let pieces = stream::iter([Some(start), None]).then(|piece| async move {
                    match piece {
                        Some(start) => Ok::<_, std::io::Error>(Bytes::from(start)),
                        None => std::future::pending().await,
                    }
                });
                return Response::builder()
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from_stream(pieces))
                    .unwrap();
            }
            Reply::Hang => std::future::pending().await,
        }
    }
}

/// The state blob of the fake: 300 KB of bytes that are not text, so the
/// base64 is long and any leak of it is easy to spot.
pub fn fake_state() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// The preview video of the fake (a few bytes are enough to be served).
pub fn fake_video() -> Vec<u8> {
    b"\x00\x00\x00\x18ftypmp42 fake preview video bytes".repeat(100)
}

/// A GLB of two triangles.
pub fn fake_glb() -> Vec<u8> {
    let mesh = MeshData {
        positions: vec![
            [0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 1.0, 0.0],
        ],
        indices: vec![0, 1, 2, 0, 2, 3],
        ..MeshData::default()
    };
    write_glb(&mesh, None).unwrap()
}

/// Modal's generate success (contract §1.5).
pub fn modal_generated() -> Value {
    json!({
        "state": STANDARD.encode(fake_state()),
        "video": STANDARD.encode(fake_video()),
        "request_id": "req_0123456789abcdef",
    })
}

/// Modal's application error envelope, sent with HTTP 200 (§1.7).
pub fn modal_error(code: &str, message: &str) -> Reply {
    Reply::Json(json!({ "error": { "code": code, "message": message } }))
}

/// The FastAPI server's mesh answer (§2.2), four vertices with colours.
pub fn mesh_answer(faces: &[[i64; 3]]) -> Value {
    json!({
        "vertices": [[0.0, 0.0, 0.0], [0.5, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 0.5]],
        "faces": faces,
        "vertex_colors": [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 1.0, 1.0]],
        "vertex_normals": null,
    })
}

/// The FastAPI server's `/health` answer.
pub fn fastapi_health(status: &str) -> Value {
    json!({
        "status": status, "trellis_available": true, "gpu_available": true,
        "gpu_name": "Test GPU", "model_loaded": status == "ready", "error": null,
    })
}

/// The URL of a port where nothing listens: bound, then released.
pub async fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    url
}
