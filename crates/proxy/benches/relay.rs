//! What the proxy costs on the big path: a 40 MB base64 `extract_glb`
//! answer relayed from a fake Modal upstream to a binary GLB download,
//! against fetching the same answer straight from the fake. The proxy runs
//! as a child process so its peak memory (VmHWM) is its own.
//!
//! `cargo bench -p trellis-proxy --bench relay`

use std::{
    io::Cursor,
    net::SocketAddr,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::{Json, Router, body::Bytes, routing::any};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// Bytes of the GLB; its base64 answer is 40 MB.
const GLB_BYTES: usize = 30 * 1024 * 1024;
/// Transfers at once, per run.
const PARALLEL: [usize; 2] = [1, 8];

/// A GLB whose JSON names one triangle and whose binary chunk is padding:
/// the proxy reads only the JSON, so the size is what matters.
fn big_glb() -> Vec<u8> {
    let mut json = br#"{"asset":{"version":"2.0"},"accessors":[{"count":3},{"count":3}],"meshes":[{"primitives":[{"attributes":{"POSITION":0},"indices":1}]}]}"#.to_vec();
    while !json.len().is_multiple_of(4) {
        json.push(b' ');
    }
    let bin = GLB_BYTES - 28 - json.len();
    let mut glb = Vec::with_capacity(GLB_BYTES);
    glb.extend_from_slice(b"glTF");
    glb.extend_from_slice(&2u32.to_le_bytes());
    glb.extend_from_slice(&(GLB_BYTES as u32).to_le_bytes());
    glb.extend_from_slice(&(json.len() as u32).to_le_bytes());
    glb.extend_from_slice(b"JSON");
    glb.extend_from_slice(&json);
    glb.extend_from_slice(&(bin as u32).to_le_bytes());
    glb.extend_from_slice(b"BIN\0");
    glb.resize(GLB_BYTES, 0);
    glb
}

async fn fake_upstream(answer: Bytes) -> SocketAddr {
    let generated = json!({ "state": STANDARD.encode(b"small state"), "video": "AAAA", "request_id": "req_bench" });
    let app =
        Router::new()
            .route("/generate", any(move || async move { Json(generated) }))
            .route(
                "/extract_glb",
                any({
                    let answer = answer.clone();
                    // Reads the request (the streamed state) first, as the real
                    // service does; answering early would reset the upload.
                    move |_request: Bytes| async move {
                        ([("content-type", "application/json")], answer)
                    }
                }),
            )
            .route("/health", any(|| async { Json(json!({ "status": "ok" })) }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

fn start_proxy(
    upstream: SocketAddr,
    port: u16,
    data: &std::path::Path,
    concurrency: usize,
) -> Child {
    let up = format!("http://{upstream}");
    Command::new(env!("CARGO_BIN_EXE_trellis-proxy"))
        .args(["--bind", &format!("127.0.0.1:{port}"), "--backend", "modal"])
        .args(["--modal-generate-url", &format!("{up}/generate")])
        .args(["--modal-extract-url", &format!("{up}/extract_glb")])
        .args(["--modal-health-url", &format!("{up}/health")])
        .args(["--modal-key", "wk-bench", "--modal-secret", "ws-bench"])
        .args(["--concurrency", &concurrency.to_string()])
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("the proxy starts")
}

fn vm_hwm_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn wait_for(client: &reqwest::Client, url: &str, done: impl Fn(&Value) -> bool) -> Value {
    loop {
        if let Ok(reply) = client.get(url).send().await
            && let Ok(body) = reply.bytes().await
            && let Ok(value) = serde_json::from_slice::<Value>(&body)
        {
            assert!(value["status"] != "failed", "the job failed: {value}");
            if done(&value) {
                return value;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn png() -> Vec<u8> {
    let image = image::RgbaImage::from_pixel(32, 32, image::Rgba([200, 100, 50, 255]));
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// Generates once, then times `parallel` extractions fetched as GLBs.
async fn through_proxy(upstream: SocketAddr, parallel: usize) -> (Duration, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = start_proxy(upstream, port, dir.path(), parallel);
    let api = format!("http://127.0.0.1:{port}/api");
    let client = reqwest::Client::new();
    wait_for(&client, &format!("{api}/health"), |_| true).await;
    let mut body =
        b"--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p.png\"\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&png());
    body.extend_from_slice(b"\r\n--b--\r\n");
    let accepted: Value = serde_json::from_slice(
        &client
            .post(format!("{api}/generate"))
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    let id = accepted["id"].as_str().unwrap().to_owned();
    let status = format!("{api}/generations/{id}");
    wait_for(&client, &status, |g| g["status"] == "succeeded").await;
    let before = vm_hwm_kib(child.id());

    let clock = Instant::now();
    let transfers = (0..parallel).map(|i| {
        let (client, api, status) = (client.clone(), api.clone(), status.clone());
        let target = 10_000 + i as u64;
        async move {
            client
                .post(format!("{status}/extract_glb"))
                .json_body(json!({ "decimation_target": target }))
                .send()
                .await
                .unwrap();
            let done = wait_for(&client, &status, |g| {
                g["models"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["decimation_target"] == target && m["status"] == "succeeded")
            })
            .await;
            let model = done["models"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["decimation_target"] == target)
                .unwrap()
                .clone();
            let glb = client
                .get(format!("{api}/{}", model["url"].as_str().unwrap()))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(glb.len(), GLB_BYTES);
        }
    });
    futures_util::future::join_all(transfers).await;
    let took = clock.elapsed();
    let after = vm_hwm_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    (took, before, after)
}

/// Fetches the answer straight from the fake `parallel` times at once.
async fn direct(upstream: SocketAddr, parallel: usize) -> Duration {
    let client = reqwest::Client::new();
    let clock = Instant::now();
    let fetches = (0..parallel).map(|_| {
        let client = client.clone();
        async move {
            client
                .post(format!("http://{upstream}/extract_glb"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        }
    });
    futures_util::future::join_all(fetches).await;
    clock.elapsed()
}

trait JsonBody {
    fn json_body(self, value: Value) -> Self;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, value: Value) -> Self {
        self.header("content-type", "application/json")
            .body(value.to_string())
    }
}

#[tokio::main]
async fn main() {
    let answer = Bytes::from(
        json!({ "glb": STANDARD.encode(big_glb()), "request_id": "req_bench" }).to_string(),
    );
    println!(
        "relay bench: extract_glb answer {:.1} MB of JSON, GLB {:.1} MB",
        answer.len() as f64 / 1e6,
        GLB_BYTES as f64 / 1e6
    );
    let upstream = fake_upstream(answer).await;
    for parallel in PARALLEL {
        let straight = direct(upstream, parallel).await;
        let (relayed, before, after) = through_proxy(upstream, parallel).await;
        println!(
            "{parallel} at once: direct {:>6.0} ms, through the proxy {:>6.0} ms (added {:>6.0} ms); proxy peak memory {:.1} MiB (was {:.1} MiB before the transfers)",
            straight.as_secs_f64() * 1e3,
            relayed.as_secs_f64() * 1e3,
            (relayed.as_secs_f64() - straight.as_secs_f64()) * 1e3,
            after as f64 / 1024.0,
            before as f64 / 1024.0,
        );
    }
}
