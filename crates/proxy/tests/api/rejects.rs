//! Every bad upload gets a 4xx with a specific message, and nothing of it
//! reaches the engine or the data dir.

use axum::{
    body::Body,
    http::{Request, StatusCode, header::CONTENT_TYPE},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::json;
use trellis_proxy::{MAX_IMAGE_BYTES, MAX_UPLOAD_BYTES};

use crate::{
    common::{Part, TestServer, multipart},
    fake::FakeEngine,
    images::{png_claiming, subject_png},
};

async fn server() -> TestServer {
    TestServer::with_backend(FakeEngine::instant(), 1).await
}

/// Sends one field value both as multipart and as JSON; both must be
/// refused with the same message.
async fn assert_field_refused(field: &str, value: &str, words: &str) {
    let server = server().await;
    let image = subject_png();

    let form = server
        .send(multipart(&[
            Part::File("image", &image),
            Part::Text(field, value),
        ]))
        .await;
    form.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", words);

    let json_value = value
        .parse::<serde_json::Number>()
        .map_or(json!(value), |n| json!(n));
    let body = json!({ "image": STANDARD.encode(&image), field: json_value });
    let json = server.post_json("/api/generate", &body).await;
    json.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", words);

    assert_eq!(
        form.json::<serde_json::Value>(),
        json.json::<serde_json::Value>()
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused_as_not_an_image() {
    let server = server().await;
    let reply = server
        .send(multipart(&[Part::File(
            "image",
            b"%PDF-1.7 this is a document",
        )]))
        .await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_image",
        "not an image",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_truncated_png_is_refused_as_damaged() {
    let server = server().await;
    let png = subject_png();
    let reply = server
        .send(multipart(&[Part::File("image", &png[..png.len() / 2])]))
        .await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_image",
        "damaged or cut short",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_png_header_claiming_100000_pixels_a_side_is_refused_without_decoding() {
    let server = server().await;
    let reply = server
        .send(multipart(&[Part::File(
            "image",
            &png_claiming(100_000, 100_000),
        )]))
        .await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "image_too_large",
        "100000×100000 pixels; the limit is 4096",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn an_image_file_over_10_mib_is_refused_in_either_encoding() {
    let server = server().await;
    let oversized = vec![0u8; MAX_IMAGE_BYTES + 1];

    let form = server
        .send(multipart(&[Part::File("image", &oversized)]))
        .await;
    form.assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the limit is 10 MiB",
    );

    let body = json!({ "image": STANDARD.encode(&oversized) });
    let json = server.post_json("/api/generate", &body).await;
    json.assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "the limit is 10 MiB",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_body_over_20_mib_is_refused_before_it_is_read_whole() {
    let server = server().await;
    let body = format!("{{\"image\":\"{}\"}}", "A".repeat(MAX_UPLOAD_BYTES));
    let request = Request::post("/api/generate")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        "over 20 MiB",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn an_unknown_pipeline_type_is_refused_naming_the_valid_ones() {
    assert_field_refused(
        "pipeline_type",
        "2048",
        "must be one of 512, 1024, 1024_cascade",
    )
    .await;
}

#[tokio::test]
async fn zero_sampling_steps_are_refused() {
    assert_field_refused("ss_sampling_steps", "0", "from 1 to 50 (got \"0\")").await;
}

#[tokio::test]
async fn a_thousand_sampling_steps_are_refused() {
    assert_field_refused(
        "tex_slat_sampling_steps",
        "1000",
        "from 1 to 50 (got \"1000\")",
    )
    .await;
}

#[tokio::test]
async fn a_negative_seed_is_refused() {
    assert_field_refused("seed", "-1", "seed must be a whole number").await;
}

#[tokio::test]
async fn a_non_numeric_seed_is_refused() {
    assert_field_refused("seed", "lucky", "(got \"lucky\")").await;
}

#[tokio::test]
async fn an_unknown_extract_preset_is_refused() {
    assert_field_refused("extract_preset", "ultra", "fast, balanced, quality").await;
}

#[tokio::test]
async fn a_misspelt_field_is_refused_rather_than_ignored() {
    assert_field_refused("sed", "7", "unknown field \"sed\"").await;
}

#[tokio::test]
async fn a_request_without_an_image_is_refused() {
    let server = server().await;
    let reply = server.send(multipart(&[Part::Text("seed", "7")])).await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_image",
        "\"image\" field",
    );
    let reply = server
        .post_json("/api/generate", &json!({ "seed": 7 }))
        .await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "missing_image",
        "\"image\" field",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn image_text_that_is_not_base64_is_refused() {
    let server = server().await;
    let body = json!({ "image": "data:image/png;base64,%%%not-base64%%%" });
    let reply = server.post_json("/api/generate", &body).await;
    reply.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_image",
        "not valid base64",
    );
    server.assert_nothing_stored();
}

#[tokio::test]
async fn malformed_json_gets_the_api_error_shape() {
    let server = server().await;
    let request = Request::post("/api/generate")
        .header(CONTENT_TYPE, "application/json")
        .body(Body::from("{\"image\": "))
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(StatusCode::BAD_REQUEST, "invalid_json", "not valid JSON");
    server.assert_nothing_stored();
}

#[tokio::test]
async fn a_body_that_is_neither_multipart_nor_json_is_refused_with_415() {
    let server = server().await;
    let request = Request::post("/api/generate")
        .header(CONTENT_TYPE, "image/png")
        .body(Body::from(subject_png()))
        .unwrap();
    let reply = server.send(request).await;
    reply.assert_error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "multipart/form-data",
    );
    server.assert_nothing_stored();
}
