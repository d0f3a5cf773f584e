//! The generations' files in a real S3-compatible bucket (moto), shared by
//! two proxies: a state larger than one upload part goes up in parts and
//! is sent back to the GPU server by the other proxy, the video is served
//! there with ranges, and a removal empties the bucket of the generation.

use std::time::Duration;

use axum::{
    body::Body,
    http::{Request, StatusCode, header::RANGE},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::json;
use trellis_api::{JobStatus, OptimizedStatus};
use trellis_proxy::AppState;

use crate::{
    common::config_with,
    images::subject_png,
    modal::modal_args,
    shared::{self, BUCKET, Backing, PREFIX},
    upstream::{Reply, Upstream, fake_glb, fake_video},
};

/// Larger than the proxy's 8 MiB upload part, so it goes up in parts.
const LARGE_STATE_BYTES: usize = 20 * 1024 * 1024;

fn large_state() -> Vec<u8> {
    (0..LARGE_STATE_BYTES as u32)
        .map(|i| (i.wrapping_mul(2_246_822_519) >> 23) as u8)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generation_in_the_bucket_is_extracted_served_in_ranges_and_removed_through_another_proxy()
 {
    let backing = Backing::start();
    let (database, s3, store) = (&backing.database, &backing.s3, &backing.store);
    let state = large_state();
    let upstream = Upstream::modal().await;
    upstream.set_default(
        "/generate",
        Reply::Json(json!({
            "state": STANDARD.encode(&state),
            "video": STANDARD.encode(fake_video()),
            "request_id": "req_0123456789abcdef",
        })),
    );
    let a = shared::proxy(&upstream, database, store).await;
    let b = shared::proxy(&upstream, database, store).await;

    let id = a.submit(&subject_png(), &[]).await;
    let done = b.wait_for_status(&id, JobStatus::Succeeded).await;
    let stored = s3.keys(BUCKET, &format!("{PREFIX}/{id}/")).unwrap();
    for file in ["input.png", "state.bin", "preview.mp4"] {
        let key = format!("{PREFIX}/{id}/{file}");
        assert!(stored.contains(&key), "{key} not in {stored:?}");
    }
    let first = &done.models[0].variant;
    assert!(
        stored.contains(&format!("{PREFIX}/{id}/models/{first}.glb")),
        "{stored:?}"
    );

    // B has no copy of the video: it comes from the bucket, in ranges.
    let video = fake_video();
    let request = Request::get(format!("/api/generations/{id}/preview.mp4"))
        .header(RANGE, "bytes=100-299")
        .body(Body::empty())
        .unwrap();
    let part = b.send(request).await;
    part.assert_status(StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body.as_ref(), &video[100..300]);

    // B extracts from the state A stored: the same bytes reach the GPU server.
    b.know_token(&id, a.token(&id));
    let asked = b
        .extract(
            &id,
            &json!({ "decimation_target": 150_000, "texture_size": 1024 }),
        )
        .await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text());
    let both = a
        .wait_until(&id, |g| {
            g.models.len() == 2 && g.models.iter().all(|m| m.status == JobStatus::Succeeded)
        })
        .await;
    let sent = upstream.seen("/extract_glb");
    let sent_state = sent.last().unwrap().body["state"].as_str().unwrap();
    assert!(
        STANDARD.decode(sent_state).unwrap() == state,
        "the state sent back is not the one stored"
    );
    let second = both.models[1].url.clone().unwrap();
    let model = a.get(&format!("/api/{second}")).await;
    model.assert_status(StatusCode::OK);
    assert_eq!(model.body.to_vec(), fake_glb());

    // Removed through A once B has made the second model's web levels:
    // gone from the bucket, and for B.
    a.wait_until(&id, |g| {
        g.models
            .iter()
            .all(|m| m.optimized_status != Some(OptimizedStatus::Pending))
    })
    .await;

    let removal = a
        .as_owner(
            &id,
            Request::delete(format!("/api/generations/{id}?remove=true")),
        )
        .body(Body::empty())
        .unwrap();
    let removed = a.send(removal).await;
    assert!(removed.status.is_success(), "{}", removed.text());
    let left = s3.keys(BUCKET, &format!("{PREFIX}/{id}/")).unwrap();
    assert!(left.is_empty(), "left in the bucket: {left:?}");
    let asked = b.get(&format!("/api/generations/{id}")).await;
    asked.assert_error(StatusCode::GONE, "generation_deleted", "deleted");
    assert!(
        !b.generations_dir().join(&id).exists(),
        "B kept its copies of a removed generation"
    );
}

#[tokio::test]
async fn a_missing_bucket_stops_the_start_with_its_name_and_no_credential() {
    let s3 = trellis_testkit::S3::start().unwrap();
    let mut args = shared::s3_store(&s3);
    let flag = args.iter().position(|a| a == "--store").unwrap();
    args[flag + 1] = "s3://no-such-bucket/studio".to_owned();
    let upstream = Upstream::modal().await;
    let flags: Vec<&str> = args.iter().map(String::as_str).collect();
    let args = modal_args(&format!("{}/generate", upstream.url), &upstream.url, &flags);
    let dir = tempfile::tempdir().unwrap();
    let started = tokio::time::timeout(
        Duration::from_secs(60),
        AppState::new(&config_with(dir.path(), 1, &args)),
    )
    .await
    .expect("a missing bucket is reported, not retried for ever");
    let message = started.err().expect("the start fails").to_string();
    assert!(message.contains("s3://no-such-bucket/studio"), "{message}");
    for (variable, value) in s3.env() {
        if variable.contains("SECRET") {
            assert!(!message.contains(&value), "{message}");
        }
    }
}
