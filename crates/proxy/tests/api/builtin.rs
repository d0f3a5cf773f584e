//! Whole jobs on the built-in CPU engine: photo in, GLB out.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;
use trellis_api::{GenerateAccepted, Generation, JobStatus, Phase, Preset};

use crate::{
    common::TestServer,
    images::{glb_faces, subject_png, uniform_png},
};

/// Then: the model downloads as a GLB whose face count is within 10% of
/// what the preset asks for, and matches what the status reports.
async fn assert_model_downloads(server: &TestServer, generation: &Generation, preset: Preset) {
    let target = u64::from(preset.params().decimation_target);
    let model = generation
        .models
        .iter()
        .find(|m| m.decimation_target == preset.params().decimation_target)
        .expect("a model with the preset's settings");
    assert_eq!(model.status, JobStatus::Succeeded);
    let url = model.url.as_deref().expect("a download URL");
    assert_eq!(
        url,
        format!("generations/{}/models/{}.glb", generation.id, model.variant)
    );

    let reply = server.get(&format!("/api/{url}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("model/gltf-binary"));
    let expected_name = format!("trellis-{}-{}.glb", &generation.id[..8], model.variant);
    assert!(
        reply
            .header("content-disposition")
            .unwrap()
            .contains(&expected_name)
    );
    assert!(reply.header("cache-control").unwrap().contains("immutable"));
    assert_eq!(&reply.body[..4], b"glTF");
    assert_eq!(Some(reply.body.len() as u64), model.bytes);

    let faces = glb_faces(&reply.body);
    assert_eq!(Some(faces), model.faces);
    assert!(
        faces.abs_diff(target) * 10 <= target,
        "{faces} faces for a target of {target}"
    );
}

#[tokio::test]
async fn a_photo_sent_as_multipart_becomes_a_downloadable_model() {
    // Given a cut-out photo and the CPU engine
    let server = TestServer::builtin().await;

    // When it is sent as a form with the fast preset
    let id = server
        .submit(&subject_png(), &[("extract_preset", "fast"), ("seed", "7")])
        .await;
    let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;

    // Then the job went through both phases and its model downloads
    assert_eq!(generation.phase, Phase::Done);
    assert_eq!(generation.progress, 1.0);
    assert_eq!(generation.params.seed, 7);
    let phases: Vec<_> = generation.timings.iter().map(|t| t.phase).collect();
    assert_eq!(phases, [Phase::Generating, Phase::ExtractingGlb]);
    assert!(generation.started_at.is_some() && generation.finished_at.is_some());
    assert_model_downloads(&server, &generation, Preset::Fast).await;
}

#[tokio::test]
async fn a_photo_sent_as_base64_json_works_with_and_without_a_data_uri() {
    let server = TestServer::builtin().await;
    let encoded = STANDARD.encode(subject_png());
    for image in [encoded.clone(), format!("data:image/png;base64,{encoded}")] {
        // When the image is sent as JSON, numbers as numbers
        let body = json!({ "image": image, "seed": 3, "extract_preset": "fast" });
        let reply = server.post_json("/api/generate", &body).await;

        // Then it is accepted at once with relative URLs
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
        let accepted: GenerateAccepted = reply.json();
        assert_eq!(accepted.status_url, format!("generations/{}", accepted.id));
        assert_eq!(
            accepted.events_url,
            format!("generations/{}/events", accepted.id)
        );

        // And it succeeds with a downloadable model
        let generation = server
            .wait_for_status(&accepted.id, JobStatus::Succeeded)
            .await;
        assert_model_downloads(&server, &generation, Preset::Fast).await;
    }
}

#[tokio::test]
async fn the_event_stream_sends_json_states_until_the_model_is_ready() {
    let server = TestServer::builtin().await;
    let id = server
        .submit(&subject_png(), &[("extract_preset", "fast")])
        .await;

    // When the events are read to the end
    let reply = server.get(&format!("/api/generations/{id}/events")).await;

    // Then every event is a Generation, and the last one has succeeded
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply
            .header("content-type")
            .unwrap()
            .starts_with("text/event-stream")
    );
    let events: Vec<Generation> = reply
        .text()
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    let last = events.last().expect("at least one event");
    assert_eq!(last.status, JobStatus::Succeeded);
    assert!(last.ready_model().is_some());
    assert!(events.iter().all(|g| g.id == id));
}

#[tokio::test]
async fn extracting_another_preset_adds_a_second_model() {
    // Given a finished generation with its fast model
    let server = TestServer::builtin().await;
    let id = server
        .submit(&subject_png(), &[("extract_preset", "fast")])
        .await;
    server.wait_for_status(&id, JobStatus::Succeeded).await;

    // When the balanced preset is asked for
    let reply = server.extract(&id, &json!({ "preset": "balanced" })).await;

    // Then it is accepted and listed next to the first
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    let accepted: Generation = reply.json();
    assert_eq!(accepted.models.len(), 2);
    assert!(!accepted.models[1].status.is_terminal());

    // And once extracted, it downloads, and asking again answers 200
    let generation = server
        .wait_until(&id, |g| {
            g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    assert_eq!(generation.status, JobStatus::Succeeded);
    assert_model_downloads(&server, &generation, Preset::Balanced).await;
    let again = server.extract(&id, &json!({ "preset": "balanced" })).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json::<Generation>().models.len(), 2);
}

#[tokio::test]
async fn a_photo_without_a_subject_fails_and_cannot_be_extracted() {
    // Given a photo of one flat colour
    let server = TestServer::builtin().await;
    let id = server
        .submit(&uniform_png(), &[("extract_preset", "fast")])
        .await;

    // When the engine has looked at it
    let generation = server.wait_for_status(&id, JobStatus::Failed).await;

    // Then the generation failed with the engine's advice
    let error = generation.error.expect("an error");
    assert_eq!(error.code, "no_subject");
    assert!(
        error.message.starts_with("No subject stands out"),
        "{}",
        error.message
    );
    assert_eq!(generation.phase, Phase::Failed);
    assert_eq!(generation.models[0].status, JobStatus::Failed);

    // And asking for a model is a conflict that says why
    let reply = server.extract(&id, &json!({ "preset": "fast" })).await;
    reply.assert_error(
        StatusCode::CONFLICT,
        "generation_failed",
        "failed, so it has no 3D result",
    );
}

#[tokio::test]
async fn a_model_can_be_fetched_by_range() {
    let server = TestServer::builtin().await;
    let id = server
        .submit(&subject_png(), &[("extract_preset", "fast")])
        .await;
    let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;
    let url = generation
        .ready_model()
        .and_then(|m| m.url.clone())
        .unwrap();

    let request = Request::get(format!("/api/{url}"))
        .header("range", "bytes=0-3")
        .body(Body::empty())
        .unwrap();
    let reply = server.send(request).await;

    assert_eq!(reply.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(&reply.body[..], b"glTF");
}
