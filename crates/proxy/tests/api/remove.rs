//! Removing a generation for good with its creator's owner token
//! (`DELETE /api/generations/{id}?remove=true`), in the `X-Owner-Token`
//! header or, as before the rename, `Authorization: Bearer`.

use axum::{
    body::Body,
    http::{Request, StatusCode, header::AUTHORIZATION},
};
use serde_json::Value;
use trellis_api::{GenerateAccepted, JobStatus, OWNER_TOKEN_HEADER};

use crate::{
    common::{Part, TestServer, logs, multipart},
    fake::FakeEngine,
    images::subject_png,
};

/// Submits a photo; its id and delete token.
async fn submit(server: &TestServer) -> (String, String) {
    let image = subject_png();
    let reply = server.send(multipart(&[Part::File("image", &image)])).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let accepted: GenerateAccepted = reply.json();
    let token = accepted.owner_token.clone().expect("an owner token");
    // Under its old name too, for apps from before the rename.
    assert_eq!(accepted.delete_token.as_deref(), Some(token.as_str()));
    (accepted.id, token)
}

/// `DELETE ...?remove=true`, with `authorization` as the header if any.
async fn remove(
    server: &TestServer,
    id: &str,
    authorization: Option<&str>,
) -> crate::common::Reply {
    let mut request = Request::delete(format!("/api/generations/{id}?remove=true"));
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    server.send(request.body(Body::empty()).unwrap()).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `DELETE ...?remove=true` with the token in `X-Owner-Token`.
async fn remove_as_owner(server: &TestServer, id: &str, token: &str) -> crate::common::Reply {
    let request = Request::delete(format!("/api/generations/{id}?remove=true"))
        .header(OWNER_TOKEN_HEADER, token)
        .body(Body::empty())
        .unwrap();
    server.send(request).await
}

/// Then: the generation is gone from the API (its link says it was
/// deleted) and from the disk.
async fn assert_removed(server: &TestServer, id: &str) {
    for path in ["", "/input.png", "/events"] {
        let reply = server.get(&format!("/api/generations/{id}{path}")).await;
        reply.assert_error(
            StatusCode::GONE,
            "generation_deleted",
            "deleted by its creator",
        );
    }
    assert!(!server.generations_dir().join(id).exists());
    let leftovers: Vec<_> = std::fs::read_dir(server.generations_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[tokio::test]
async fn the_token_is_given_once_and_never_served_or_logged() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let (id, token) = submit(&server).await;
    // At least 128 random bits, as hex.
    assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()));
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    for path in ["", "/events"] {
        let reply = server.get(&format!("/api/generations/{id}{path}")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(!reply.text().contains(&token), "{path} serves the token");
        assert!(
            !reply.text().contains("delete_token"),
            "{path} names the token"
        );
    }
    assert!(!logs().contains(&token), "the logs hold a delete token");
    // Only a hash is on disk.
    let dir = server.generations_dir().join(&id);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&bytes).contains(&token));
    }
}

#[tokio::test]
async fn the_creator_removes_a_generation_and_its_folder() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let (id, token) = submit(&server).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    let reply = remove_as_owner(&server, &id, &token).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert!(reply.body.is_empty());
    assert_removed(&server, &id).await;

    // Removing twice is what was asked for, so it is fine.
    let reply = remove(&server, &id, Some(&bearer(&token))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
}

#[tokio::test]
async fn the_old_authorization_bearer_form_still_removes() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let (id, token) = submit(&server).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    let reply = remove(&server, &id, Some(&bearer(&token))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_removed(&server, &id).await;
}

#[tokio::test]
async fn without_the_right_token_nothing_is_removed() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let (id, token) = submit(&server).await;
    let (_, other_token) = submit(&server).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    for missing in [
        None,
        Some(token.clone()),
        Some(format!("Basic {token}")),
        Some("Bearer ".to_owned()),
    ] {
        let reply = remove(&server, &id, missing.as_deref()).await;
        reply.assert_error(
            StatusCode::UNAUTHORIZED,
            "owner_token_required",
            "Only the creator of this generation can do this: send the owner token",
        );
    }
    for wrong in [bearer(&other_token), bearer(&token[1..])] {
        let reply = remove(&server, &id, Some(&wrong)).await;
        reply.assert_error(
            StatusCode::FORBIDDEN,
            "not_creator",
            "not this generation's",
        );
    }
    let reply = remove_as_owner(&server, &id, &other_token).await;
    reply.assert_error(
        StatusCode::FORBIDDEN,
        "not_creator",
        "not this generation's",
    );
    let generation = server.generation(&id).await;
    assert_eq!(generation.status, JobStatus::Succeeded);
    assert!(
        server
            .generations_dir()
            .join(&id)
            .join("input.png")
            .is_file()
    );
}

#[tokio::test]
async fn a_plain_delete_still_only_cancels() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let (id, token) = submit(&server).await;
    server.wait_for_status(&id, JobStatus::Running).await;

    let request = Request::delete(format!("/api/generations/{id}?remove=false"))
        .header(AUTHORIZATION, bearer(&token))
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json::<Value>()["status"], "cancelled");
    assert!(server.generations_dir().join(&id).is_dir());

    let request = Request::delete(format!("/api/generations/{id}?remove=maybe"))
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_query", "remove");
    engine.release_one();
}

#[tokio::test]
async fn removing_a_running_job_cancels_it_and_frees_the_worker() {
    let engine = FakeEngine::gated();
    let server = TestServer::with_backend(engine.clone(), 1).await;
    let (running, token) = submit(&server).await;
    let (waiting, waiting_token) = submit(&server).await;
    server.wait_for_status(&running, JobStatus::Running).await;

    let reply = remove(&server, &running, Some(&bearer(&token))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let reply = remove(&server, &waiting, Some(&bearer(&waiting_token))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());

    // The running call was abandoned with the job, so the worker is free
    // for the next one at once, and the waiting job never reached the
    // engine: only the next job's call ever finished.
    let (next, _) = submit(&server).await;
    engine.release_one();
    server.wait_for_status(&next, JobStatus::Succeeded).await;
    assert_eq!(engine.generated(), 1, "a removed job reached the engine");
    assert!(!server.generations_dir().join(&running).exists());
    assert!(!server.generations_dir().join(&waiting).exists());
}

#[tokio::test]
async fn a_restart_keeps_the_right_to_remove_and_finishes_interrupted_removals() {
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let (id, token) = submit(&server).await;
    let (legacy, legacy_token) = submit(&server).await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;
    server.wait_for_status(&legacy, JobStatus::Succeeded).await;
    server.wait_saved(&id).await;
    server.wait_saved(&legacy).await;
    // A generation made before owner tokens existed has no hash stored.
    let db =
        rusqlite::Connection::open(server.dir.path().join("data").join(trellis_proxy::DB_FILE))
            .unwrap();
    db.execute(
        "UPDATE generations SET owner_hash = NULL WHERE id = ?1",
        [&legacy],
    )
    .unwrap();
    // A removal a crash interrupted left its renamed folder behind, and a
    // creation a crash interrupted a folder with no record.
    let interrupted = server.generations_dir().join(".tmp-0123-removing");
    std::fs::create_dir_all(interrupted.join("models")).unwrap();
    let orphan = server
        .generations_dir()
        .join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(&orphan).unwrap();

    let server = TestServer::reopen(server.dir, FakeEngine::instant(), 1).await;
    assert!(
        !interrupted.exists(),
        "the interrupted removal was finished"
    );
    assert!(!orphan.exists(), "the interrupted creation was cleared");

    let reply = remove(&server, &legacy, Some(&bearer(&legacy_token))).await;
    reply.assert_error(
        StatusCode::FORBIDDEN,
        "not_creator",
        "only the browser or program that created it",
    );
    assert_eq!(
        server.generation(&legacy).await.status,
        JobStatus::Succeeded
    );

    let reply = remove_as_owner(&server, &id, &token).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let reply = server.get(&format!("/api/generations/{id}")).await;
    reply.assert_error(StatusCode::GONE, "generation_deleted", "deleted");
    assert!(!server.generations_dir().join(&id).exists());
    assert!(server.generations_dir().join(&legacy).is_dir());
}
