//! Generations are kept for `--retention-days` and within
//! `--max-disk-gb`; the sweeper removes expired ones, oldest first, never
//! one that is waiting or running, and their links answer 410. Settled
//! generations are not held in memory.

use std::time::Duration;

use axum::http::StatusCode;
use trellis_api::JobStatus;

use crate::{
    common::{TestServer, listen},
    fake::FakeEngine,
    images::subject_png,
};

/// About 86 ms: long enough to order two submissions, short enough to wait.
const BLINK_DAYS: &str = "0.000001";

#[tokio::test]
async fn an_expired_generation_is_removed_and_its_link_says_so() {
    let server =
        TestServer::with_backend_and(FakeEngine::instant(), &["--retention-days", BLINK_DAYS])
            .await;
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;
    server.wait_saved(&id).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let swept = server.state.sweep_now().await.unwrap();
    assert_eq!(swept.expired, 1);

    let model = generation.ready_model().unwrap().url.clone().unwrap();
    for path in [
        format!("/api/generations/{id}"),
        format!("/api/generations/{id}/events"),
        format!("/api/{model}"),
    ] {
        let reply = server.get(&path).await;
        reply.assert_error(
            StatusCode::GONE,
            "generation_expired",
            "This model has expired",
        );
    }
    assert!(!server.generations_dir().join(&id).exists());
    // Its creator learns the same.
    let reply = server.cancel(&id).await;
    reply.assert_error(StatusCode::GONE, "generation_expired", "expired");
}

#[tokio::test]
async fn waiting_and_running_generations_are_never_swept() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend_and(
        engine.clone(),
        &[
            "--retention-days",
            BLINK_DAYS,
            "--max-disk-gb",
            "0.000000001",
        ],
    )
    .await;
    let running = server.submit(&subject_png(), &[]).await;
    let waiting = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&running, JobStatus::Running).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let swept = server.state.sweep_now().await.unwrap();
    assert_eq!((swept.expired, swept.for_space), (0, 0));
    for id in [&running, &waiting] {
        assert_eq!(
            server.get(&format!("/api/generations/{id}")).await.status,
            StatusCode::OK
        );
        assert!(
            server
                .generations_dir()
                .join(id)
                .join("input.png")
                .is_file()
        );
    }
    engine.release_one();
    engine.release_one();
    server.wait_for_status(&waiting, JobStatus::Succeeded).await;
}

#[tokio::test]
async fn over_the_disk_budget_the_oldest_settled_generations_go_first() {
    // Each fake generation takes a few KiB: the input, the state (a copy
    // of the input) and a tiny model. The budget holds about two.
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        let id = server.submit(&subject_png(), &[]).await;
        server.wait_for_status(&id, JobStatus::Succeeded).await;
        server.wait_saved(&id).await;
        ids.push(id);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The sizes the records hold: keep room for the newest two.
    let db =
        rusqlite::Connection::open(server.dir.path().join("data").join(trellis_proxy::DB_FILE))
            .unwrap();
    let sizes: Vec<u64> = db
        .prepare("SELECT bytes FROM generations ORDER BY created_at")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(sizes.iter().all(|&bytes| bytes > 0), "{sizes:?}");
    let budget = sizes[2] + sizes[3] + sizes[0] / 2;
    let budget_gb = format!("{}", budget as f64 / 1e9);
    let server = server
        .reconfigure(1, &["--max-disk-gb".to_owned(), budget_gb])
        .await;

    let swept = server.state.sweep_now().await.unwrap();
    assert_eq!(swept.for_space, 2, "{swept:?}");
    for (id, kept) in ids.iter().zip([false, false, true, true]) {
        let status = server.get(&format!("/api/generations/{id}")).await.status;
        assert_eq!(status == StatusCode::OK, kept, "{id}: {status}");
        assert_eq!(server.generations_dir().join(id).exists(), kept);
    }
}

#[tokio::test]
async fn settled_generations_are_read_from_disk_not_held_in_memory() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(server.submit(&subject_png(), &[]).await);
    }
    for id in &ids {
        server.wait_for_status(id, JobStatus::Succeeded).await;
    }
    server.wait_saved(ids.last().unwrap()).await;
    // Eviction follows the last save; give it a moment.
    for _ in 0..100 {
        if server.state.live_generations() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.state.live_generations(), 0);
    // Reading them does not bring them back either; asking for a model does,
    // until it is done.
    assert_eq!(
        server.generation(&ids[0]).await.status,
        JobStatus::Succeeded
    );
    assert_eq!(server.state.live_generations(), 0);
    let reply = server
        .extract(&ids[0], &serde_json::json!({ "preset": "fast" }))
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    server
        .wait_until(&ids[0], |g| {
            g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    assert_eq!(server.generation(&ids[0]).await.models.len(), 2);
}

#[tokio::test]
async fn the_server_sweeps_by_itself_from_its_start() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    server.wait_saved(&id).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The same data dir served with a retention it is past.
    let addr = listen(server.dir.path(), &["--retention-days", BLINK_DAYS]).await;
    let url = format!("http://{addr}/api/generations/{id}");
    let give_up = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = reqwest::get(&url).await.unwrap().status();
        if status == StatusCode::GONE {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "still {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
