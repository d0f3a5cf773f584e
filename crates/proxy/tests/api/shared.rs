//! Two proxies sharing a real PostgreSQL (`--database`) and one folder of
//! files (`--store file:`): a generation made through one is seen, followed
//! live and downloaded through the other.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::json;
use trellis_api::{Generation, JobStatus};
use trellis_proxy::AppState;
use trellis_testkit::Postgres;

use crate::{
    common::{TestServer, capture_logs, config_with},
    images::subject_png,
    modal::modal_args,
    upstream::{Reply, Upstream, fake_glb, modal_generated},
};

/// How long following a job through the other proxy may take.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(60);

/// A proxy in front of `upstream` on its own data dir, with the records in
/// `database` and the files in `files`.
async fn proxy(upstream: &Upstream, database: &str, files: &std::path::Path) -> TestServer {
    capture_logs();
    let store = format!("file:{}", files.display());
    let extra = ["--database", database, "--store", &store];
    let args = modal_args(&format!("{}/generate", upstream.url), &upstream.url, &extra);
    let dir = tempfile::tempdir().unwrap();
    let state = AppState::new(&config_with(dir.path(), 1, &args))
        .await
        .unwrap();
    TestServer::of(state, dir)
}

async fn model(server: &TestServer, generation: &Generation, variant: &str) -> Vec<u8> {
    let model = generation
        .models
        .iter()
        .find(|m| m.variant == variant)
        .unwrap();
    let reply = server
        .get(&format!("/api/{}", model.url.clone().unwrap()))
        .await;
    reply.assert_status(StatusCode::OK);
    reply.body.to_vec()
}

#[tokio::test]
async fn a_generation_made_through_one_proxy_is_followed_and_downloaded_through_the_other() {
    let postgres = Postgres::start().unwrap();
    let database = postgres.create_database("trellis").unwrap();
    let files = tempfile::tempdir().unwrap();
    let upstream = Upstream::modal().await;
    upstream.set_default(
        "/generate",
        Reply::After(
            Duration::from_millis(1500),
            Box::new(Reply::Json(modal_generated())),
        ),
    );
    let a = proxy(&upstream, &database, files.path()).await;
    let b = proxy(&upstream, &database, files.path()).await;

    let id = a.submit(&subject_png(), &[]).await;
    // B knows it at once, and its event stream follows it to the end.
    assert_eq!(b.generation(&id).await.id, id);
    let events = tokio::time::timeout(
        FOLLOW_TIMEOUT,
        b.get(&format!("/api/generations/{id}/events")),
    )
    .await
    .expect("B's event stream ends when the job settles");
    let text = events.text();
    assert!(text.contains("\"status\":\"running\""), "{text}");
    assert!(text.contains("\"status\":\"succeeded\""), "{text}");
    assert_eq!(upstream.seen("/generate").len(), 1, "generated once");

    let done = b.generation(&id).await;
    assert_eq!(done.status, JobStatus::Succeeded);
    let first = done.models[0].variant.clone();
    assert_eq!(model(&b, &done, &first).await, fake_glb());

    // A model extracted through A downloads from B.
    let asked = a
        .as_owner(
            &id,
            axum::http::Request::post(format!("/api/generations/{id}/extract_glb")),
        )
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "decimation_target": 150_000, "texture_size": 1024 }).to_string(),
        ))
        .unwrap();
    let reply = a.send(asked).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let both = b
        .wait_until(&id, |g| {
            g.models.len() == 2 && g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    let second = both.models[1].variant.clone();
    assert_eq!(model(&b, &both, &second).await, fake_glb());
}
