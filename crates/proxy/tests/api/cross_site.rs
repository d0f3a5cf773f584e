//! Pages of other sites cannot make a visitor's browser start or change
//! work here: a state-changing request whose `Origin` (or
//! `Sec-Fetch-Site`) says it comes from elsewhere is refused before its
//! body is read.

use axum::{
    body::{Body, Bytes},
    http::{Request, StatusCode, header::HOST},
};
use futures_util::{StreamExt as _, stream};
use trellis_api::JobStatus;

use crate::{
    common::{CORS_ORIGIN, Part, TestServer, multipart},
    fake::FakeEngine,
    images::subject_png,
};

/// A multipart upload with these headers added.
fn upload(headers: &[(&'static str, &str)]) -> Request<Body> {
    let image = subject_png();
    let mut request = multipart(&[Part::File("image", &image)]);
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().unwrap());
    }
    request
}

#[tokio::test]
async fn a_plain_multipart_post_from_a_foreign_page_is_refused_and_nothing_is_stored() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server
        .send(upload(&[
            ("origin", "https://evil.example"),
            (HOST.as_str(), "127.0.0.1:8642"),
        ]))
        .await;
    reply.assert_error(
        StatusCode::FORBIDDEN,
        "cross_site_request",
        "came from a page of another site (from https://evil.example)",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn the_refusal_comes_before_the_body_is_read() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    // A body that never ends: reading it would hang the request.
    let endless = stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"--x\r\n"))])
        .chain(stream::pending());
    let request = Request::post("/api/generate")
        .header("content-type", "multipart/form-data; boundary=x")
        .header("origin", "https://evil.example")
        .header(HOST, "127.0.0.1:8642")
        .body(Body::from_stream(endless))
        .unwrap();
    let reply = tokio::time::timeout(std::time::Duration::from_secs(10), server.send(request))
        .await
        .expect("the body was read before refusing");
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cancelling_from_a_foreign_page_is_refused_even_with_the_token() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    for headers in [
        &[("origin", "https://evil.example")][..],
        &[("origin", "null")],
        &[("sec-fetch-site", "cross-site")],
    ] {
        let mut request = server.as_owner(&id, Request::delete(format!("/api/generations/{id}")));
        request = request.header(HOST, "127.0.0.1:8642");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let reply = server.send(request.body(Body::empty()).unwrap()).await;
        reply.assert_error(StatusCode::FORBIDDEN, "cross_site_request", "another site");
    }
    assert_ne!(server.generation(&id).await.status, JobStatus::Cancelled);
    engine.release_one();
}

#[tokio::test]
async fn the_app_itself_allowed_origins_and_programs_may_post() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    for headers in [
        // The app served by this server.
        &[
            (HOST.as_str(), "127.0.0.1:8642"),
            ("origin", "http://127.0.0.1:8642"),
            ("sec-fetch-site", "same-origin"),
        ][..],
        // The app on an allowed origin (a static host or trunk serve).
        &[
            (HOST.as_str(), "127.0.0.1:8642"),
            ("origin", CORS_ORIGIN),
            ("sec-fetch-site", "same-site"),
        ],
        // curl, the CLI, scripts: no Origin.
        &[(HOST.as_str(), "localhost:8642")],
    ] {
        let reply = server.send(upload(headers)).await;
        assert_eq!(
            reply.status,
            StatusCode::ACCEPTED,
            "{headers:?}: {}",
            reply.text()
        );
    }
    // Reading is anyone's, from anywhere.
    let request = Request::get("/api/health")
        .header("origin", "https://evil.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(request).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_foreign_name_pointed_at_a_loopback_server_is_refused() {
    // DNS rebinding: evil.example resolves to 127.0.0.1, so its page's
    // origin and the Host it sends match.
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let reply = server
        .send(upload(&[
            (HOST.as_str(), "evil.example:8642"),
            ("origin", "http://evil.example:8642"),
        ]))
        .await;
    reply.assert_error(
        StatusCode::FORBIDDEN,
        "cross_site_request",
        "addressed as \"evil.example:8642\"",
    );
    server.assert_nothing_stored();
}
