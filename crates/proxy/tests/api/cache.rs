//! The result cache: the same photo, settings and engine give back the
//! earlier result at once, with no upstream call, as a generation of its
//! own marked as reused; `cache=false` and `--no-cache` ask for a new run.
//! A pool has it on by default, one engine with `--cache`.

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use trellis_api::{Generation, JobStatus};

use crate::{
    common::TestServer,
    images::subject_png,
    modal::modal_server,
    upstream::{Upstream, fake_glb},
};

/// The upstream calls so far: generate, extract.
fn calls(upstream: &Upstream) -> (usize, usize) {
    (
        upstream.seen("/generate").len(),
        upstream.seen("/extract_glb").len(),
    )
}

async fn download(server: &TestServer, generation: &Generation) -> Vec<u8> {
    let url = generation.ready_model().unwrap().url.clone().unwrap();
    let reply = server.get(&format!("/api/{url}")).await;
    reply.assert_status(StatusCode::OK);
    reply.body.to_vec()
}

#[tokio::test]
async fn an_identical_submission_is_answered_from_the_earlier_result_without_the_gpu() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &["--cache"]).await;
    let photo = subject_png();
    let first = server.submit(&photo, &[]).await;
    // Reused once settled: its poster and web-optimized copy made too.
    let made = server.wait_until(&first, Generation::is_settled).await;
    assert_eq!(made.status, JobStatus::Succeeded);
    assert_eq!(made.reused_from, None);
    assert_eq!(calls(&upstream), (1, 1));

    let again = server.submit(&photo, &[]).await;
    assert_ne!(again, first);
    let reused = server.generation(&again).await;
    assert_eq!(
        reused.status,
        JobStatus::Succeeded,
        "done at once: {reused:?}"
    );
    assert_eq!(reused.reused_from.as_deref(), Some(first.as_str()));
    assert!(
        reused.timings.is_empty(),
        "no engine time: {:?}",
        reused.timings
    );
    assert_eq!(calls(&upstream), (1, 1), "no upstream call");
    assert_eq!(download(&server, &reused).await, fake_glb());
    let video = server
        .get(&format!("/api/{}", reused.video_url.clone().unwrap()))
        .await;
    video.assert_status(StatusCode::OK);

    // Each is its own: deleting the first leaves the reused one whole.
    let remove = server.as_owner(
        &first,
        Request::delete(format!("/api/generations/{first}?remove=true")),
    );
    let removed = server.send(remove.body(Body::empty()).unwrap()).await;
    assert!(removed.status.is_success(), "{}", removed.text());
    assert_eq!(
        server
            .get(&format!("/api/generations/{first}"))
            .await
            .status,
        StatusCode::GONE
    );
    let kept = server.generation(&again).await;
    assert_eq!(download(&server, &kept).await, fake_glb());
    // Its derived files are its own too, under its own id.
    let model = &kept.models[0];
    let derived = [&kept.poster_url, &model.optimized_url, &model.coarse_url];
    assert!(
        derived.iter().any(|url| url.is_some()),
        "the first had a poster or an optimized copy to reuse: {kept:?}"
    );
    for url in derived.into_iter().flatten() {
        assert!(url.contains(&again), "{url}");
        server
            .get(&format!("/api/{url}"))
            .await
            .assert_status(StatusCode::OK);
    }
    // And more models of the reused one come from its own state.
    let reply = server
        .extract(
            &again,
            &serde_json::json!({ "decimation_target": 150_000, "texture_size": 1024 }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text());
    server
        .wait_until(&again, |g| {
            g.models.iter().all(|m| m.status == JobStatus::Succeeded) && g.models.len() == 2
        })
        .await;
    assert_eq!(calls(&upstream), (1, 2));
}

#[tokio::test]
async fn other_settings_a_request_opting_out_and_no_cache_run_again() {
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &["--cache"]).await;
    let photo = subject_png();
    let first = server.submit(&photo, &[]).await;
    server.wait_for_status(&first, JobStatus::Succeeded).await;

    for fields in [&[("seed", "7")][..], &[("cache", "false")][..]] {
        let id = server.submit(&photo, fields).await;
        let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;
        assert_eq!(generation.reused_from, None, "{fields:?}");
    }
    assert_eq!(calls(&upstream).0, 3);

    let bad = server
        .send(crate::common::multipart(&[
            crate::common::Part::Text("cache", "maybe"),
            crate::common::Part::File("image", &photo),
        ]))
        .await;
    bad.assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_field",
        "cache must be true or false",
    );

    // Without --cache, one engine runs every submission.
    let upstream = Upstream::modal().await;
    let server = modal_server(&upstream, &[]).await;
    for _ in 0..2 {
        let id = server.submit(&photo, &[]).await;
        let generation = server.wait_for_status(&id, JobStatus::Succeeded).await;
        assert_eq!(generation.reused_from, None);
    }
    assert_eq!(calls(&upstream).0, 2);
}

#[test]
fn a_pool_reuses_by_default_and_no_cache_turns_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let servers = "[[server]]\nname = \"cpu\"\nkind = \"builtin\"\n";
    let pool = crate::common::pool_config(dir.path(), servers, &[]);
    assert!(pool.scale.reuse_results());
    let off = crate::common::pool_config(dir.path(), servers, &["--no-cache"]);
    assert!(!off.scale.reuse_results());
    let one = crate::common::config(dir.path(), 1);
    assert!(!one.scale.reuse_results());
}
