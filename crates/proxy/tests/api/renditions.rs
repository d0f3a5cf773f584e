//! What the proxy makes after every extraction, on the CPU: the
//! web-optimized copy (full and coarse levels, precompressed) and the
//! generation's poster.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use trellis_api::{Generation, JobStatus, ModelVariant, OptimizedStatus};
use trellis_testkit::assert_valid_glbs;

use crate::{
    common::TestServer,
    fake::FakeEngine,
    images::subject_png,
    models::{ball_glb, decode},
};

/// A finished generation of the CPU engine (fast preset), once its
/// optimized copy and poster are made.
async fn finished_builtin(server: &TestServer) -> Generation {
    let id = server
        .submit(&subject_png(), &[("extract_preset", "fast")])
        .await;
    server.wait_until(&id, Generation::is_settled).await
}

fn only_model(generation: &Generation) -> &ModelVariant {
    assert_eq!(generation.status, JobStatus::Succeeded, "{generation:?}");
    &generation.models[0]
}

/// The `extensionsRequired` of a GLB.
fn required_extensions(glb: &[u8]) -> Vec<String> {
    let chunks = trellis_glb::split(glb).unwrap();
    let document = trellis_glb::parse(chunks.json).unwrap();
    trellis_glb::array(&document, "extensionsRequired")
        .iter()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_model_gets_a_web_optimized_copy_that_the_khronos_validator_accepts() {
    // Given a model of the CPU engine
    let server = TestServer::builtin().await;
    let generation = finished_builtin(&server).await;
    let model = only_model(&generation);

    // Then its optimized levels are listed next to it
    assert_eq!(model.optimized_status, Some(OptimizedStatus::Ready));
    let (id, variant) = (&generation.id, &model.variant);
    let full_url = model.optimized_url.clone().unwrap();
    let coarse_url = model.coarse_url.clone().unwrap();
    assert_eq!(
        full_url,
        format!("generations/{id}/models/{variant}.web.glb")
    );
    assert_eq!(
        coarse_url,
        format!("generations/{id}/models/{variant}.coarse.glb")
    );

    // And both download as GLBs of the listed sizes, cached for good
    let full = server.get(&format!("/api/{full_url}")).await;
    full.assert_status(StatusCode::OK);
    assert_eq!(full.header("content-type"), Some("model/gltf-binary"));
    assert!(full.header("cache-control").unwrap().contains("immutable"));
    let name = format!("trellis-{}-{variant}-web.glb", &id[..8]);
    assert!(full.header("content-disposition").unwrap().contains(&name));
    assert_eq!(Some(full.body.len() as u64), model.optimized_bytes);
    assert!(model.optimized_bytes < model.bytes, "{model:?}");
    let required = required_extensions(&full.body);
    for extension in ["EXT_meshopt_compression", "KHR_mesh_quantization"] {
        assert!(required.iter().any(|e| e == extension), "{required:?}");
    }
    let coarse = server.get(&format!("/api/{coarse_url}")).await;
    coarse.assert_status(StatusCode::OK);
    assert_eq!(Some(coarse.body.len() as u64), model.coarse_bytes);
    let (faces, coarse_faces) = (model.faces.unwrap(), model.coarse_faces.unwrap());
    assert!(
        coarse_faces > 0 && coarse_faces * 10 < faces,
        "{coarse_faces} of {faces}"
    );

    // And the Khronos validator finds no error in either level (the full
    // one also decoded, so it checks the quantized data too)
    let decoded = trellis_glb::meshopt::decompress(&full.body).unwrap();
    assert_valid_glbs(&[
        ("full.glb", &full.body),
        ("full-decoded.glb", &decoded),
        ("coarse.glb", &coarse.body),
    ]);
}

#[tokio::test]
async fn the_optimized_copy_is_sent_precompressed_on_request_and_ranges_get_the_file_itself() {
    let server = TestServer::with_backend(FakeEngine::writing(ball_glb()), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_until(&id, Generation::is_settled).await;
    let model = only_model(&generation);
    let uri = format!("/api/{}", model.optimized_url.as_deref().unwrap());
    let get = |accept: Option<&'static str>, range: Option<&'static str>| {
        let mut request = Request::get(&uri);
        if let Some(accept) = accept {
            request = request.header("accept-encoding", accept);
        }
        if let Some(range) = range {
            request = request.header("range", range);
        }
        server.send(request.body(Body::empty()).unwrap())
    };

    // The file itself, to a client that asks for no encoding
    let plain = get(None, None).await;
    plain.assert_status(StatusCode::OK);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(Some(plain.body.len() as u64), model.optimized_bytes);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));

    // Brotli to a browser that takes it, gzip to one that takes only gzip,
    // each decoding to the file and smaller than it
    for (accept, encoding) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
        let reply = get(Some(accept), None).await;
        reply.assert_status(StatusCode::OK);
        assert_eq!(reply.header("content-encoding"), Some(encoding), "{accept}");
        assert_eq!(reply.header("content-type"), Some("model/gltf-binary"));
        assert_eq!(reply.header("vary"), Some("accept-encoding"));
        assert!(reply.body.len() < plain.body.len(), "{encoding}");
        assert_eq!(decode(encoding, &reply.body), plain.body, "{encoding}");
    }

    // A range addresses the file itself, whatever the client accepts
    let range = get(Some("gzip, br"), Some("bytes=0-3")).await;
    range.assert_status(StatusCode::PARTIAL_CONTENT);
    assert_eq!(range.header("content-encoding"), None);
    assert_eq!(&range.body[..], b"glTF");
    let total = plain.body.len();
    assert_eq!(
        range.header("content-range"),
        Some(format!("bytes 0-3/{total}").as_str())
    );
}

#[tokio::test]
async fn the_first_model_gets_a_poster_that_shows_the_model() {
    let server = TestServer::builtin().await;
    let generation = finished_builtin(&server).await;
    let url = generation.poster_url.clone().expect("a poster");
    assert_eq!(url, format!("generations/{}/poster.png", generation.id));

    let reply = server.get(&format!("/api/{url}")).await;
    reply.assert_status(StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("image/png"));
    let poster = image::load_from_memory(&reply.body).unwrap().into_rgb8();
    assert_eq!(poster.dimensions(), (1200, 630));
    // The background is a grey gradient, the same across each row; the
    // model is the photo's orange. Count the pixels that are neither.
    let model_pixels = poster
        .enumerate_pixels()
        .filter(|(_, y, pixel)| {
            let background = poster.get_pixel(0, *y);
            let off_background = pixel
                .0
                .iter()
                .zip(background.0)
                .any(|(&c, b)| c.abs_diff(b) > 40);
            let [r, g, b] = pixel.0;
            off_background && r > g.saturating_add(40) && r > b.saturating_add(60)
        })
        .count();
    let share = model_pixels as f64 / (1200.0 * 630.0);
    assert!(
        share > 0.03,
        "only {:.1}% of the poster shows the model",
        share * 100.0
    );
}

#[tokio::test]
async fn a_model_the_optimizer_cannot_read_just_has_no_optimized_copy() {
    // Given an engine whose model is not a GLB at all
    let server = TestServer::with_backend(FakeEngine::instant(), 1).await;
    let id = server.submit(&subject_png(), &[]).await;

    // When the generation settles
    let generation = server.wait_until(&id, Generation::is_settled).await;

    // Then the model is there, without an optimized copy or a poster
    let model = only_model(&generation);
    assert_eq!(model.status, JobStatus::Succeeded);
    assert_eq!(model.optimized_status, Some(OptimizedStatus::Unavailable));
    assert_eq!((&model.optimized_url, &model.coarse_url), (&None, &None));
    assert_eq!(generation.poster_url, None);
    let optimized = format!("/api/generations/{id}/models/{}.web.glb", model.variant);
    server.get(&optimized).await.assert_error(
        StatusCode::NOT_FOUND,
        "not_optimized",
        "Use the original",
    );
    server
        .get(&format!("/api/generations/{id}/poster.png"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "no_poster", "poster");
}

#[tokio::test]
async fn a_copy_a_crash_interrupted_is_made_again_at_the_next_start() {
    // Given a model whose optimized copy was being made when the server
    // died: its record says pending, and its files are not there
    let server = TestServer::with_backend(FakeEngine::writing(ball_glb()), 1).await;
    let id = server.submit(&subject_png(), &[]).await;
    let done = server.wait_until(&id, Generation::is_settled).await;
    let variant = done.models[0].variant.clone();
    let models = server.generations_dir().join(&id).join("models");
    let mut record = done.clone();
    let pending = &mut record.models[0];
    pending.optimized_status = Some(OptimizedStatus::Pending);
    pending.optimized_url = None;
    pending.coarse_url = None;
    let db = rusqlite::Connection::open(server.dir.path().join("data/trellis.sqlite3")).unwrap();
    db.execute(
        "UPDATE generations SET settled = 0, record = ?2 WHERE id = ?1",
        (&id, serde_json::to_string(&record).unwrap()),
    )
    .unwrap();
    for entry in std::fs::read_dir(&models).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(".web.") || path.to_string_lossy().contains(".coarse.") {
            std::fs::remove_file(path).unwrap();
        }
    }

    // When it starts again
    let restarted = TestServer::reopen(server.dir, FakeEngine::writing(ball_glb()), 1).await;

    // Then the copy is made again and served
    let again = restarted.wait_until(&id, Generation::is_settled).await;
    let model = &again.models[0];
    assert_eq!(model.optimized_status, Some(OptimizedStatus::Ready));
    let full = restarted
        .get(&format!("/api/generations/{id}/models/{variant}.web.glb"))
        .await;
    full.assert_status(StatusCode::OK);
    assert_eq!(Some(full.body.len() as u64), model.optimized_bytes);
    let saved = restarted.wait_saved(&id).await;
    assert_eq!(
        saved.models[0].optimized_status,
        Some(OptimizedStatus::Ready)
    );
}
