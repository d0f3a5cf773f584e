//! Limits per client (an address in open mode, an API key in keys mode)
//! and the engine's daily budget: going over one is a 429 with
//! `Retry-After` and a plain message, and other clients are unaffected.

use std::{net::SocketAddr, time::Duration};

use axum::{
    body::Body,
    extract::ConnectInfo,
    http::{Request, StatusCode},
};
use trellis_api::{ApiError, JobStatus};

use crate::{
    common::{Part, Reply, TestServer, multipart},
    fake::FakeEngine,
    images::subject_png,
};

/// `request` as if it came over a connection from `peer`.
fn from_peer(mut request: Request<Body>, peer: &str) -> Request<Body> {
    request
        .extensions_mut()
        .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
    request
}

/// A generate request from the connection `peer`.
pub fn upload_from(peer: &str) -> Request<Body> {
    let image = subject_png();
    from_peer(multipart(&[Part::File("image", &image)]), peer)
}

/// Then: a 429 with this code, a `Retry-After` of at most `most` seconds,
/// the same value in the body, and a message with these words.
pub fn assert_limited(reply: &Reply, code: &str, words: &str, most: u64) {
    reply.assert_error(StatusCode::TOO_MANY_REQUESTS, code, words);
    let header: u64 = reply
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=most).contains(&header), "Retry-After: {header}");
    let body: ApiError = reply.json();
    assert_eq!(body.error.retry_after_seconds, Some(header));
}

#[tokio::test]
async fn a_client_over_its_hourly_generations_waits_while_others_go_on() {
    let server =
        TestServer::with_backend_and(FakeEngine::instant(), &["--generations-per-hour", "2"]).await;
    for _ in 0..2 {
        let reply = server.send(upload_from("192.0.2.1:5000")).await;
        reply.assert_status(StatusCode::ACCEPTED);
    }
    let reply = server.send(upload_from("192.0.2.1:5001")).await;
    assert_limited(
        &reply,
        "generation_rate_limited",
        "2 generations in the last hour",
        3600,
    );
    assert!(
        reply.text().contains("try again in 30 minutes"),
        "{}",
        reply.text()
    );

    // Another address is another client.
    let reply = server.send(upload_from("192.0.2.2:5000")).await;
    reply.assert_status(StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_client_may_have_only_so_many_jobs_waiting_at_once() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend_and(engine.clone(), &["--waiting-per-client", "2"]).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let reply = server.send(upload_from("192.0.2.1:5000")).await;
        reply.assert_status(StatusCode::ACCEPTED);
        ids.push(server.accepted(&reply));
    }
    let reply = server.send(upload_from("192.0.2.1:5000")).await;
    assert_limited(&reply, "too_many_waiting", "2 jobs waiting or running", 60);

    // Once one is done there is room again (the place is given back as
    // the worker lets go of the job, a moment after it is shown done).
    engine.release_one();
    server.wait_for_status(&ids[0], JobStatus::Succeeded).await;
    let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
    let reply = loop {
        let reply = server.send(upload_from("192.0.2.1:5000")).await;
        if reply.status != StatusCode::TOO_MANY_REQUESTS || tokio::time::Instant::now() > give_up {
            break reply;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    reply.assert_status(StatusCode::ACCEPTED);
    engine.release_one();
    engine.release_one();
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_address_is_its_own_client() {
    let flags = [
        "--generations-per-hour",
        "1",
        "--trusted-proxies",
        "10.0.0.0/8",
    ];
    let server = TestServer::with_backend_and(FakeEngine::instant(), &flags).await;
    let from = |peer: &str, forwarded: &str| {
        let mut request = upload_from(peer);
        request
            .headers_mut()
            .insert("x-forwarded-for", forwarded.parse().unwrap());
        request
    };
    // Through the trusted proxy, two clients.
    assert_eq!(
        server.send(from("10.0.0.1:1", "203.0.113.1")).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        server.send(from("10.0.0.1:2", "203.0.113.2")).await.status,
        StatusCode::ACCEPTED
    );
    let reply = server.send(from("10.0.0.1:3", "203.0.113.1")).await;
    reply.assert_status(StatusCode::TOO_MANY_REQUESTS);
    // From anyone else the header is a lie, and ignored.
    assert_eq!(
        server
            .send(from("198.51.100.9:1", "203.0.113.3"))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let reply = server.send(from("198.51.100.9:2", "203.0.113.4")).await;
    reply.assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_engine_budget_of_the_day_is_shared_and_survives_a_restart() {
    let engine = FakeEngine::slow(Duration::from_millis(1500));
    let server =
        TestServer::with_backend_and(engine.clone(), &["--gpu-seconds-per-day", "1"]).await;
    let reply = server.send(upload_from("192.0.2.1:1")).await;
    let id = server.accepted(&reply);
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    for peer in ["192.0.2.1:1", "192.0.2.99:1"] {
        let reply = server.send(upload_from(peer)).await;
        assert_limited(&reply, "gpu_budget_spent", "today's GPU time", 24 * 3600);
    }
    // Extractions are work too.
    let reply = server
        .extract(&id, &serde_json::json!({ "preset": "quality" }))
        .await;
    reply.assert_status(StatusCode::TOO_MANY_REQUESTS);

    // The spent time is on disk, so a restart does not refill it.
    let flags: Vec<String> = ["--gpu-seconds-per-day", "1"].map(str::to_owned).to_vec();
    let server = server.reconfigure(1, &flags).await;
    let reply = server.send(upload_from("192.0.2.1:1")).await;
    reply.assert_status(StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_client_may_follow_only_so_many_generations_at_once() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend_and(engine.clone(), &["--streams-per-client", "1"]).await;
    let id = server.submit(&subject_png(), &[]).await;
    let events = |peer: &str| {
        let request = Request::get(format!("/api/generations/{id}/events"));
        from_peer(request.body(Body::empty()).unwrap(), peer)
    };
    use tower::ServiceExt as _;
    let open = server
        .app
        .clone()
        .oneshot(events("192.0.2.1:1"))
        .await
        .unwrap();
    assert_eq!(open.status(), StatusCode::OK);
    let reply = server.send(events("192.0.2.1:2")).await;
    assert_limited(&reply, "too_many_streams", "follow 1 generations", 60);
    // Another client may; and once the first stream is closed, so may this one.
    let other = server
        .app
        .clone()
        .oneshot(events("192.0.2.2:1"))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::OK);
    drop(open);
    let again = server
        .app
        .clone()
        .oneshot(events("192.0.2.1:3"))
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    engine.release_one();
}

#[tokio::test]
async fn the_limits_are_on_by_default_and_shown_by_health() {
    let server = TestServer::with_backend_and(
        FakeEngine::instant(),
        &[
            "--generations-per-hour",
            "60",
            "--waiting-per-client",
            "10",
            "--extractions-per-generation",
            "10",
            "--retention-days",
            "30",
        ],
    )
    .await;
    let health: serde_json::Value = server.get("/api/health").await.json();
    assert_eq!(health["access"], "open");
    assert_eq!(
        health["limits"],
        serde_json::json!({
            "generations_per_hour": 60,
            "waiting_per_client": 10,
            "extractions_per_generation": 10,
            "retention_days": 30,
            "conversions_per_generation": 20,
        })
    );
    // Without any flag, the same defaults are on.
    let config =
        <trellis_proxy::Config as clap::Parser>::try_parse_from(["trellis-proxy"]).unwrap();
    assert_eq!(config.hosting.generations_per_hour, 60);
    assert_eq!(config.hosting.waiting_per_client, 10);
    assert_eq!(config.hosting.extractions_per_generation, 10);
    assert!(config.hosting.gpu_seconds_per_day > 0);
}
