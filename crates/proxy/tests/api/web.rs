//! The web app at `/`, CORS, and the API's answers for unknown routes.

use std::fs;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use trellis_proxy::AppState;

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
    reply.assert_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "app_not_built",
        "run scripts/serve",
    );
}

/// A dist dir whose `index.html` has trunk's inline loader script, and a
/// `config.json` when `api_base` is given.
async fn built_app(api_base: Option<&str>) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), 1);
    config.dist_dir = dir.path().join("dist");
    fs::create_dir_all(&config.dist_dir).unwrap();
    fs::write(config.dist_dir.join("index.html"), INDEX_HTML).unwrap();
    fs::write(config.dist_dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    if let Some(base) = api_base {
        fs::write(
            config.dist_dir.join("config.json"),
            format!("{{\"api_base\":\"{base}\"}}"),
        )
        .unwrap();
    }
    let state = AppState::with_backend(&config, FakeEngine::instant())
        .await
        .unwrap();
    TestServer::of(state, dir)
}

/// The loader trunk writes, exactly as the browser will hash it.
const LOADER: &str =
    "\nimport init from './app.js';\nawait init({ module_or_path: './app_bg.wasm' });\n";
const INDEX_HTML: &str = concat!(
    "<!doctype html><title>Trellis Studio</title><script type=\"module\">",
    "\nimport init from './app.js';\nawait init({ module_or_path: './app_bg.wasm' });\n",
    "</script>"
);

/// The directives of a Content-Security-Policy, by name.
fn directives(policy: &str) -> std::collections::HashMap<String, String> {
    policy
        .split(';')
        .filter_map(|part| {
            let part = part.trim();
            let (name, value) = part.split_once(' ').unwrap_or((part, ""));
            (!name.is_empty()).then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

#[tokio::test]
async fn pages_allow_wasm_and_the_loader_but_no_other_inline_script() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = built_app(None).await;
    let page = server.get("/").await;
    let policy = directives(page.header("content-security-policy").expect("a policy"));

    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(LOADER.as_bytes()));
    let scripts = &policy["script-src"];
    assert_eq!(
        scripts,
        &format!("'self' 'wasm-unsafe-eval' 'sha256-{hash}'")
    );
    assert!(!scripts.contains("'unsafe-inline'") && !scripts.contains("'unsafe-eval'"));
    // Only this origin is reachable (the API is on it), and what the page
    // made itself.
    assert_eq!(policy["connect-src"], "'self' blob: data:");
    assert_eq!(policy["object-src"], "'none'");
    assert_eq!(policy["base-uri"], "'none'");
    // Not framed, by browsers old or new.
    assert_eq!(policy["frame-ancestors"], "'none'");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));
    // App links are pages too.
    let link = server
        .get("/?g=0123456789abcdef0123456789abcdef&mode=clay")
        .await;
    assert_eq!(
        directives(link.header("content-security-policy").unwrap())["frame-ancestors"],
        "'none'"
    );
}

#[tokio::test]
async fn only_embed_links_may_be_framed_by_other_sites() {
    let server = built_app(None).await;
    let embed = server
        .get("/?g=0123456789abcdef0123456789abcdef&embed=1")
        .await;
    let policy = directives(embed.header("content-security-policy").unwrap());
    assert_eq!(policy["frame-ancestors"], "*");
    assert_eq!(embed.header("x-frame-options"), None);
    // The studio is not an embed, whatever its query says.
    let studio = server.get("/?embed=1").await;
    assert_eq!(
        directives(studio.header("content-security-policy").unwrap())["frame-ancestors"],
        "'none'"
    );
}

#[tokio::test]
async fn connect_src_follows_the_configured_api_base() {
    let server = built_app(Some("https://studio-api.example.com/api/")).await;
    let page = server.get("/").await;
    let policy = directives(page.header("content-security-policy").unwrap());
    assert_eq!(
        policy["connect-src"],
        "'self' blob: data: https://studio-api.example.com/api/"
    );
    assert!(policy["img-src"].contains("https://studio-api.example.com/api/"));
    assert!(policy["media-src"].contains("https://studio-api.example.com/api/"));
}

#[tokio::test]
async fn api_answers_are_no_pages_and_are_never_sniffed() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server.get("/api/health").await;
    assert_eq!(
        reply.header("content-security-policy"),
        Some("default-src 'none'; frame-ancestors 'none'")
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("same-origin"));
}

#[tokio::test]
async fn the_built_app_is_served_with_wasm_as_application_wasm() {
    let server = built_app(None).await;
    // `/` is the page, the wasm has its type, and app links load the page
    let index = server.get("/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.text().contains("Trellis Studio"));
    let wasm = server.get("/app_bg.wasm").await;
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    let page = server.get("/g/0123456789abcdef0123456789abcdef").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Trellis Studio"));
    server.get("/missing.js").await.assert_error(
        StatusCode::NOT_FOUND,
        "asset_not_found",
        "no file",
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
