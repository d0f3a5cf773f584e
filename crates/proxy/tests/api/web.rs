//! The web app at `/`, CORS, and the API's answers for unknown routes.

use std::fs;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use trellis_proxy::{AppState, app};

use crate::{
    common::{CORS_ORIGIN, TestServer, config},
    fake::FakeEngine,
};

fn preflight(origin: &str) -> Request<Body> {
    Request::options("/api/generate")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn cors_allows_the_configured_origin() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server.send(preflight(CORS_ORIGIN)).await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some(CORS_ORIGIN)
    );
    assert!(
        reply
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
}

#[tokio::test]
async fn cors_does_not_allow_other_origins() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server.send(preflight("http://evil.example")).await;
    assert_eq!(reply.header("access-control-allow-origin"), None);
    let request = Request::get("/api/health")
        .header("origin", "http://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        server
            .send(request)
            .await
            .header("access-control-allow-origin"),
        None
    );
}

#[tokio::test]
async fn without_a_built_app_the_root_says_how_to_build_it() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server.get("/").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        reply
            .text()
            .contains("web app not built; run scripts/serve")
    );
}

#[tokio::test]
async fn the_built_app_is_served_with_wasm_as_application_wasm() {
    // Given a dist dir with an app in it
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), 1);
    config.dist_dir = dir.path().join("dist");
    fs::create_dir_all(&config.dist_dir).unwrap();
    fs::write(
        config.dist_dir.join("index.html"),
        "<!doctype html><title>Trellis Studio</title>",
    )
    .unwrap();
    fs::write(config.dist_dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let state = AppState::with_backend(&config, FakeEngine::instant())
        .await
        .unwrap();
    let server = TestServer {
        app: app(state.clone()),
        state,
        dir,
    };

    // Then `/` is the page, the wasm has its type, and app links load the page
    let index = server.get("/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.text().contains("Trellis Studio"));
    let wasm = server.get("/app_bg.wasm").await;
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    let page = server.get("/g/0123456789abcdef0123456789abcdef").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Trellis Studio"));
    assert_eq!(
        server.get("/missing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn unknown_api_paths_and_methods_answer_in_the_api_error_shape() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server.get("/api/nothing-here").await;
    reply.assert_error(StatusCode::NOT_FOUND, "no_such_endpoint", "no API endpoint");
    let request = Request::put("/api/health").body(Body::empty()).unwrap();
    let reply = server.send(request).await;
    reply.assert_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method",
    );
}

#[tokio::test]
async fn json_answers_are_compressed_when_the_client_accepts_it() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let request = Request::get("/api/health")
        .header("accept-encoding", "gzip")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.header("content-encoding"), Some("gzip"));
}
