//! `POST /api/cutout`: the subject the engine would use, before any job.

use axum::{
    body::Body,
    http::{Request, StatusCode, header::CONTENT_TYPE},
};
use image::{ImageFormat, Rgba, RgbaImage};
use trellis_api::{CutoutPreview, CutoutSource, Health};

use crate::{
    common::TestServer,
    images::{encode, subject_png, uniform_png},
    upstream::Upstream,
};

async fn post_cutout(server: &TestServer, image: Vec<u8>) -> crate::common::Reply {
    let request = Request::post("/api/cutout")
        .header(CONTENT_TYPE, "image/png")
        .body(Body::from(image))
        .unwrap();
    server.send(request).await
}

/// The preview's PNG, decoded from its data URL.
fn preview_image(preview: &CutoutPreview) -> RgbaImage {
    use base64::Engine;
    let encoded = preview
        .image
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    image::load_from_memory(&bytes).unwrap().into_rgba8()
}

#[tokio::test]
async fn the_built_in_engine_shows_the_subject_it_would_use_and_nothing_is_stored() {
    let server = TestServer::builtin().await;
    let health: Health = server.get("/api/health").await.json();
    assert!(health.cutout_preview);

    // A grey backdrop with a dark disc: segmented by colour.
    let photo = RgbaImage::from_fn(200, 150, |x, y| {
        let (dx, dy) = (x as f32 - 100.0, y as f32 - 75.0);
        if dx.hypot(dy) < 40.0 {
            Rgba([40, 60, 160, 255])
        } else {
            Rgba([220, 220, 215, 255])
        }
    });
    let reply = post_cutout(&server, encode(&photo, ImageFormat::Png)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let preview: CutoutPreview = reply.json();
    assert_eq!(preview.source, CutoutSource::Engine);
    assert!(preview.doubts.is_empty(), "{:?}", preview.doubts);
    let area = std::f32::consts::PI * 40.0 * 40.0 / (200.0 * 150.0);
    assert!(
        (preview.coverage - area).abs() < 0.02,
        "{}",
        preview.coverage
    );
    let image = preview_image(&preview);
    assert_eq!((image.width(), image.height()), (200, 150));
    assert_eq!(image.get_pixel(100, 75)[3], 255, "the disc is the subject");
    assert_eq!(image.get_pixel(5, 5)[3], 0, "the backdrop is cut away");

    // A cut-out keeps its own alpha.
    let reply = post_cutout(&server, subject_png()).await;
    let preview: CutoutPreview = reply.json();
    assert_eq!(preview.source, CutoutSource::Alpha);
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_photo_with_no_subject_or_a_doubtful_one_is_explained_before_anything_runs() {
    let server = TestServer::builtin().await;
    post_cutout(&server, uniform_png()).await.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_subject",
        "background",
    );

    // Sky over ground: the ground is taken for the subject and runs off
    // the edges.
    let scene = RgbaImage::from_fn(200, 150, |_, y| {
        if y < 90 {
            Rgba([150, 190, 235, 255])
        } else {
            Rgba([90, 70, 50, 255])
        }
    });
    let preview: CutoutPreview = post_cutout(&server, encode(&scene, ImageFormat::Png))
        .await
        .json();
    assert!(
        preview
            .doubts
            .iter()
            .any(|d| d.contains("edges of the photo")),
        "{:?}",
        preview.doubts
    );

    post_cutout(&server, b"not an image".to_vec())
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_image", "");
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_gpu_server_cannot_preview_its_background_removal() {
    let upstream = Upstream::fastapi().await;
    let args = ["--backend", "fastapi", "--fastapi-url", &upstream.url].map(str::to_owned);
    let server = TestServer::configured(tempfile::tempdir().unwrap(), 1, &args).await;
    let health: Health = server.get("/api/health").await.json();
    assert!(!health.cutout_preview);
    post_cutout(&server, subject_png()).await.assert_error(
        StatusCode::NOT_FOUND,
        "no_cutout_preview",
        "cannot preview",
    );
}
