//! What the proxy makes from a model, timed through its own path: the
//! poster and web-optimized copy after an extraction (optimize,
//! precompress, store, publish), and each conversion as a creator's
//! `POST …/conversions` answers it (read the GLB, convert, store,
//! record). The model is the optimizer's own TRELLIS-like 1M-triangle
//! model with two 4096² textures (`crates/webopt/tests/common`), so the
//! figures compare with `cargo bench -p trellis-webopt`, which times the
//! optimizer alone; `cargo bench -p trellis-convert` times the converters
//! alone.
//!
//!   cargo bench -p trellis-proxy --bench renditions
//!   cargo bench -p trellis-proxy --bench renditions -- model.glb   (an existing file)
//!
//! One run each: these take seconds, and a single wall-clock figure on a
//! shared machine is an order of magnitude, not a statistic.

#[path = "../../webopt/tests/common/mod.rs"]
mod model;

use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use async_trait::async_trait;
use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode, header::CONTENT_TYPE},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use clap::Parser as _;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use trellis_api::{
    BackendKind, Conversion, ExtractParams, GenerateAccepted, Generation, HealthStatus,
    OWNER_TOKEN_HEADER, OptimizedStatus,
};
use trellis_proxy::{
    AppState, Config,
    backend::{
        Backend, BackendError, BackendHealth, Builtin, Capabilities, GenerateOutputs,
        GenerateRequest, Generated, ModelCounts,
    },
};

/// How often the bench looks at the generation while it waits.
const POLL: Duration = Duration::from_millis(20);

/// An engine whose every model is the bench's GLB, at once.
struct Fixed(Vec<u8>);

#[async_trait]
impl Backend for Fixed {
    fn kind(&self) -> BackendKind {
        BackendKind::Builtin
    }

    fn capabilities(&self) -> Capabilities {
        Builtin.capabilities()
    }

    async fn health(&self) -> BackendHealth {
        BackendHealth {
            status: HealthStatus::Ready,
            label: "bench".to_owned(),
        }
    }

    async fn generate(
        &self,
        _request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        tokio::fs::write(&outputs.state, b"state").await?;
        Ok(Generated::State { video: false })
    }

    async fn extract_glb(
        &self,
        _state: &Path,
        _params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        tokio::fs::write(model, &self.0).await?;
        Ok(ModelCounts {
            faces: 1_000_000,
            vertices: 500_000,
        })
    }
}

async fn send(app: &Router, request: Request<Body>) -> (StatusCode, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, body.to_vec())
}

async fn generation(app: &Router, id: &str) -> Generation {
    let request = Request::get(format!("/api/generations/{id}"))
        .body(Body::empty())
        .unwrap();
    serde_json::from_slice(&send(app, request).await.1).unwrap()
}

/// Polls until `done` holds; returns the generation and when it held.
async fn wait(app: &Router, id: &str, done: impl Fn(&Generation) -> bool) -> (Generation, Instant) {
    loop {
        let generation = generation(app, id).await;
        if done(&generation) {
            return (generation, Instant::now());
        }
        tokio::time::sleep(POLL).await;
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}

#[tokio::main]
async fn main() {
    let file = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let (label, glb) = match file {
        Some(path) => (
            path.clone(),
            std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
        ),
        None => (
            "1M triangles, 2 × 4096² (TRELLIS-like)".to_owned(),
            model::trellis_like_glb(1_000_000, 4096),
        ),
    };
    let raw_bytes = glb.len() as u64;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = Config::parse_from([
        "trellis-proxy",
        "--data-dir",
        data.to_str().unwrap(),
        "--dist-dir",
        dir.path().join("no-dist").to_str().unwrap(),
        "--conversion-timeout-secs",
        "600",
        "--max-conversion-mb",
        "1000",
    ]);
    let state = AppState::with_backend(&config, Arc::new(Fixed(glb)))
        .await
        .unwrap();
    let app = trellis_proxy::app(state);

    let mut photo = Vec::new();
    image::RgbaImage::from_pixel(64, 64, image::Rgba([200, 100, 50, 255]))
        .write_to(&mut std::io::Cursor::new(&mut photo), image::ImageFormat::Png)
        .unwrap();
    let body = json!({ "image": STANDARD.encode(&photo) }).to_string();
    let request = Request::post("/api/generate")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let accepted: GenerateAccepted = serde_json::from_slice(&send(&app, request).await.1).unwrap();
    let (id, token) = (accepted.id.clone(), accepted.owner_token.clone().unwrap());

    let (done, stored) = wait(&app, &id, |g| g.ready_model().is_some()).await;
    let variant = done.models[0].variant.clone();
    let (_, postered) = wait(&app, &id, |g| g.poster_url.is_some()).await;
    let (settled, optimized) = wait(&app, &id, Generation::is_settled).await;
    let model = &settled.models[0];
    assert_eq!(model.optimized_status, Some(OptimizedStatus::Ready));
    let models = data.join("generations").join(&id).join("models");
    let size = |name: String| std::fs::metadata(models.join(name)).map_or(0, |m| m.len());
    let full = model.optimized_bytes.unwrap_or_default();

    println!("model: {label}, GLB {}", megabytes(raw_bytes));
    println!("after the extraction (model stored → published):");
    println!(
        "  poster 1200×630                      {:>6.1} s",
        (postered - stored).as_secs_f64()
    );
    println!(
        "  web-optimize + precompress + store   {:>6.1} s   full {} ({:.1}% of the GLB; gzip {}, brotli {}), coarse {} ({} triangles)",
        (optimized - postered).as_secs_f64(),
        megabytes(full),
        100.0 * full as f64 / raw_bytes as f64,
        megabytes(size(format!("{variant}.web.glb.gz"))),
        megabytes(size(format!("{variant}.web.glb.br"))),
        megabytes(model.coarse_bytes.unwrap_or_default()),
        model.coarse_faces.unwrap_or_default(),
    );
    println!("conversions (POST …/conversions → 200):");
    let cases = [
        ("USDZ 30 cm", json!({ "format": "usdz" })),
        ("STL 100 mm + print report", json!({ "format": "stl" })),
        (
            "STL, make printable",
            json!({ "format": "stl", "height_mm": 120, "make_printable": true }),
        ),
        ("OBJ zip", json!({ "format": "obj" })),
        ("USDZ again (stored)", json!({ "format": "usdz" })),
    ];
    for (name, body) in cases {
        let request = Request::post(format!(
            "/api/generations/{id}/models/{variant}/conversions"
        ))
        .header(CONTENT_TYPE, "application/json")
        .header(OWNER_TOKEN_HEADER, &token)
        .body(Body::from(body.to_string()))
        .unwrap();
        let start = Instant::now();
        let (status, answer) = send(&app, request).await;
        let took = start.elapsed();
        if status != StatusCode::OK {
            let error: Value = serde_json::from_slice(&answer).unwrap_or_default();
            println!("  {name:<36} {status}: {}", error["error"]["message"]);
            continue;
        }
        let conversion: Conversion = serde_json::from_slice(&answer).unwrap();
        println!(
            "  {name:<36} {:>6.2} s   {}",
            took.as_secs_f64(),
            megabytes(conversion.bytes)
        );
    }
}
