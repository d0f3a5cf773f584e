//! The line of jobs: positions, cancelling, and surviving a restart. A
//! gated fake engine holds jobs in place so every state can be observed.

use std::fs;

use axum::http::StatusCode;
use serde_json::json;
use trellis_api::{Generation, JobStatus, Phase};

use crate::{common::TestServer, fake::FakeEngine, images::subject_png};

#[tokio::test]
async fn cancelling_a_queued_job_removes_it_and_moves_the_others_up() {
    // Given one worker busy with A, and B and C waiting
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let image = subject_png();
    let a = server.submit(&image, &[]).await;
    server.wait_for_status(&a, JobStatus::Running).await;
    let b = server.submit(&image, &[]).await;
    let c = server.submit(&image, &[]).await;
    assert_eq!(server.generation(&b).await.queue_position, Some(1));
    assert_eq!(server.generation(&c).await.queue_position, Some(2));

    // When B is cancelled
    let reply = server.cancel(&b).await;

    // Then B is cancelled at once and C is next in line
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let cancelled: Generation = reply.json();
    assert_eq!(
        (cancelled.status, cancelled.phase),
        (JobStatus::Cancelled, Phase::Cancelled)
    );
    assert_eq!(cancelled.queue_position, None);
    assert_eq!(cancelled.models[0].status, JobStatus::Cancelled);
    assert_eq!(server.generation(&c).await.queue_position, Some(1));

    // And B never reaches the engine: A and C do
    engine.release_one();
    engine.release_one();
    server.wait_for_status(&a, JobStatus::Succeeded).await;
    server.wait_for_status(&c, JobStatus::Succeeded).await;
    assert_eq!(engine.generated(), 2);
    assert_eq!(server.generation(&b).await.status, JobStatus::Cancelled);
}

#[tokio::test]
async fn a_running_job_that_is_cancelled_discards_the_engines_result() {
    // Given a job the engine is working on
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let a = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&a, JobStatus::Running).await;

    // When it is cancelled, and then the engine finishes it
    assert_eq!(server.cancel(&a).await.status, StatusCode::OK);
    engine.release_one();
    // (the next job runs on the same worker, so A's result has arrived
    // once B is done)
    let b = server.submit(&subject_png(), &[]).await;
    engine.release_one();
    server.wait_for_status(&b, JobStatus::Succeeded).await;

    // Then A stays cancelled, with no state or model stored
    let generation = server.generation(&a).await;
    assert_eq!(generation.status, JobStatus::Cancelled);
    assert!(generation.models.iter().all(|m| m.url.is_none()));
    let dir = server.generations_dir().join(&a);
    assert!(!dir.join("state.bin").exists());
    assert_eq!(fs::read_dir(dir.join("models")).unwrap().count(), 0);
}

#[tokio::test]
async fn cancelling_twice_is_fine_but_cancelling_a_finished_job_is_a_conflict() {
    let engine = FakeEngine::instant();
    let server = TestServer::with_backend(engine, 1).await;
    let done = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&done, JobStatus::Succeeded).await;

    let reply = server.cancel(&done).await;
    reply.assert_error(
        StatusCode::CONFLICT,
        "already_finished",
        "nothing to cancel",
    );
    assert_eq!(server.generation(&done).await.status, JobStatus::Succeeded);
}

#[tokio::test]
async fn cancelling_an_already_cancelled_job_answers_with_it_again() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine, 1).await;
    let a = server.submit(&subject_png(), &[]).await;
    assert_eq!(server.cancel(&a).await.status, StatusCode::OK);
    let again = server.cancel(&a).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json::<Generation>().status, JobStatus::Cancelled);
}

#[tokio::test]
async fn a_model_cannot_be_extracted_before_generation_finishes() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine, 1).await;
    let a = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&a, JobStatus::Running).await;

    let reply = server.extract(&a, &json!({ "preset": "quality" })).await;

    reply.assert_error(StatusCode::CONFLICT, "not_finished", "not finished yet");
}

#[tokio::test]
async fn a_model_already_underway_is_not_queued_twice() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let a = server
        .submit(&subject_png(), &[("extract_preset", "fast")])
        .await;
    engine.release_one();
    server.wait_for_status(&a, JobStatus::Succeeded).await;
    // Hold the worker so the extraction below stays queued.
    let blocker = server.submit(&subject_png(), &[]).await;
    server.wait_for_status(&blocker, JobStatus::Running).await;

    let first = server
        .extract(&a, &json!({ "decimation_target": 20000 }))
        .await;
    let second = server
        .extract(&a, &json!({ "decimation_target": 20000 }))
        .await;

    assert_eq!(
        (first.status, second.status),
        (StatusCode::ACCEPTED, StatusCode::ACCEPTED)
    );
    let generation: Generation = second.json();
    assert_eq!(generation.models.len(), 2);
    assert_eq!(generation.models[1].status, JobStatus::Queued);
    assert_eq!(generation.models[1].variant, "20000-2048");
}

#[tokio::test]
async fn a_restart_keeps_finished_work_resumes_waiting_jobs_and_fails_running_ones() {
    // Given a finished generation
    let first = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let finished = first.submit(&subject_png(), &[]).await;
    first.wait_until(&finished, Generation::is_settled).await;
    let before = first.wait_saved(&finished).await;

    // And, after a restart, one job running and one waiting
    let engine = FakeEngine::gated();
    let second = TestServer::reopen(first.dir, engine, 1).await;
    let running = second.submit(&subject_png(), &[]).await;
    second.wait_for_status(&running, JobStatus::Running).await;
    let waiting = second.submit(&subject_png(), &[]).await;
    // A temp file as a crash mid-write of the running job would leave it
    let temp = second
        .generations_dir()
        .join(&running)
        .join(".tmp-state-1234");
    fs::write(&temp, b"half").unwrap();

    // When the server restarts again on the same data dir
    let third = TestServer::reopen(second.dir, FakeEngine::instant(), 1).await;

    // Then the finished generation is unchanged and its model downloads
    assert_eq!(third.generation(&finished).await, before);
    let url = before.ready_model().and_then(|m| m.url.clone()).unwrap();
    assert_eq!(
        third.get(&format!("/api/{url}")).await.status,
        StatusCode::OK
    );
    assert!(!temp.exists());

    // And the running job failed as interrupted
    let interrupted = third.generation(&running).await;
    assert_eq!(
        (interrupted.status, interrupted.phase),
        (JobStatus::Failed, Phase::Failed)
    );
    let error = interrupted.error.unwrap();
    assert_eq!(error.code, "interrupted");
    assert_eq!(
        error.message,
        "The server restarted while this job was running; generate again."
    );

    // And the waiting job runs to the end
    third.wait_for_status(&waiting, JobStatus::Succeeded).await;
}
