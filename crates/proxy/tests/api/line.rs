//! One GPU, many users: the line is bounded, first in first out, and every
//! waiting job is told the truth about its place.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use futures_util::future::join_all;
use http_body_util::BodyExt;
use tower::ServiceExt;
use trellis_api::{Generation, JobStatus};

use crate::{
    common::TestServer, fake::FakeEngine, images::subject_png, modal::modal_server,
    upstream::Upstream,
};

/// Every event of a generation's stream, until it settles.
async fn events(server: &TestServer, id: &str) -> Vec<Generation> {
    let request = Request::get(format!("/api/generations/{id}/events"))
        .body(Body::empty())
        .unwrap();
    let response = server.app.clone().oneshot(request).await.unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body)
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[tokio::test]
async fn twenty_generations_on_one_worker_run_in_order_with_falling_positions() {
    // Given twenty photos submitted to a fast fake GPU, one at a time
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    let mut ids = Vec::new();
    for seed in 0..20 {
        ids.push(
            server
                .submit(&subject_png(), &[("seed", &seed.to_string())])
                .await,
        );
    }

    // When every event stream is followed to its end
    let streams = join_all(ids.iter().map(|id| events(&server, id))).await;

    // Then every one succeeded, each news of its wait was better than the
    // last (a place further on, or at the same place a shorter wait once
    // the job ahead finished), and the GPU saw them in the order they were
    // submitted
    for stream in &streams {
        assert_eq!(stream.last().unwrap().status, JobStatus::Succeeded);
        let waits: Vec<(u32, f32)> = stream
            .iter()
            .filter_map(|g| Some((g.queue_position?, g.eta_seconds?)))
            .collect();
        let better = |(place, wait): (u32, f32), (was_place, was_wait): (u32, f32)| {
            place < was_place || (place == was_place && wait < was_wait)
        };
        assert!(waits.windows(2).all(|w| better(w[1], w[0])), "{waits:?}");
        let queued_eta = stream
            .iter()
            .find(|g| g.status == JobStatus::Queued)
            .and_then(|g| g.eta_seconds);
        assert!(stream[0].status != JobStatus::Queued || queued_eta.is_some());
    }
    let seeds: Vec<u64> = upstream
        .seen("/generate")
        .iter()
        .map(|s| s.body["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, (0..20).collect::<Vec<_>>());
}

/// The line's bound in the test below (`--max-queue`).
const MAX_QUEUE: usize = 10;

#[tokio::test]
async fn a_full_line_refuses_new_work_with_503() {
    // Given one job running and the line full behind it
    let engine = FakeEngine::gated();
    let server =
        TestServer::with_backend_and(engine, &["--max-queue", &MAX_QUEUE.to_string()]).await;
    let running = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&running, JobStatus::Running).await;
    for _ in 0..MAX_QUEUE {
        server.submit(&subject_png(), &[]).await;
    }

    // When one more arrives, it is refused and nothing is stored for it
    let before = std::fs::read_dir(server.generations_dir()).unwrap().count();
    let reply = server
        .send(crate::common::multipart(&[crate::common::Part::File(
            "image",
            &subject_png(),
        )]))
        .await;
    reply.assert_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "queue_full",
        "queue of waiting jobs is full",
    );
    assert_eq!(reply.header("retry-after"), Some("60"));
    assert_eq!(
        std::fs::read_dir(server.generations_dir()).unwrap().count(),
        before
    );
}

#[tokio::test]
async fn a_waiting_job_is_told_the_time_left_on_the_running_one_too() {
    // Given one job running on the only worker and two waiting behind it
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine, 1).await;
    let running = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&running, JobStatus::Running).await;
    let second = server.submit(&subject_png(), &[]).await;
    let third = server.submit(&subject_png(), &[]).await;

    // Then the first in line waits for the running job and its own, and
    // each place further back adds one job's time
    let eta = |generation: Generation| generation.eta_seconds.expect("a queued ETA");
    let second_eta = eta(server.generation(&second).await);
    let one_job = eta(server.generation(&third).await) - second_eta;
    assert!(one_job > 0.0, "no time per job: {one_job}");
    assert!(
        second_eta > 1.5 * one_job,
        "the first in line waits {second_eta} s, one job takes {one_job} s: \
         the running job's time is missing"
    );
}
