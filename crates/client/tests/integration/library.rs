//! The library against a running proxy.

use futures_util::TryStreamExt as _;
use trellis_client::{
    Client, ConversionReport, ConversionRequest, Error, ExtractRequest, GenerateParams,
    GenerateRequest, HealthStatus, JobStatus, MAX_IMAGE_BYTES, MAX_SEED, OptimizedStatus, Phase,
    Preset, StatusCode, api::BackendKind,
};

use crate::{
    photo::{subject_png, uniform_png},
    server::{JOB_TIMEOUT, TestServer, down_server_url, extract, finish, settle},
};

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_becomes_a_glb_file_through_generate_extract_and_download() {
    // Given the CPU engine and a photo with a subject
    let server = TestServer::builtin().await;
    let client = server.client();
    let request = GenerateRequest::from_bytes(subject_png())
        .seed(7)
        .extract_preset(Preset::Fast);

    // When it is generated, following the progress
    let handle = client.generate(request).await.unwrap();
    let mut seen = Vec::new();
    let done = tokio::time::timeout(
        JOB_TIMEOUT,
        handle.wait_with_progress(|g| seen.push((g.phase, g.progress))),
    )
    .await
    .unwrap()
    .unwrap();

    // Then it succeeded with the seed asked for, reporting progress on the way
    assert_eq!(done.status, JobStatus::Succeeded);
    assert_eq!(done.params.seed, 7);
    assert_eq!(seen.last(), Some(&(Phase::Done, 1.0)));
    assert!(seen.windows(2).all(|w| w[0].1 <= w[1].1), "{seen:?}");

    // When a lighter custom model is extracted and downloaded to a file
    let custom = ExtractRequest {
        decimation_target: Some(20_000),
        texture_size: Some(512),
        ..ExtractRequest::default()
    };
    let model = extract(&handle, custom).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.glb");
    let mut file = tokio::fs::File::create(&path).await.unwrap();
    let written = handle
        .download_glb(&model.variant, &mut file)
        .await
        .unwrap();

    // Then the file on disk is that GLB, whole
    assert_eq!(model.variant, "20000-512");
    let glb = tokio::fs::read(&path).await.unwrap();
    assert_eq!(&glb[..4], b"glTF");
    assert_eq!(Some(written), model.bytes);
    assert_eq!(glb.len() as u64, written);

    // And the first model (the preset's) downloads into any writer
    let first = done.ready_model().unwrap();
    let mut in_memory = Vec::new();
    handle
        .download_glb(&first.variant, &mut in_memory)
        .await
        .unwrap();
    assert_eq!(&in_memory[..4], b"glTF");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_event_stream_starts_with_the_current_state_and_ends_once_settled() {
    // Given a finished generation, with its optimized copy made
    let server = TestServer::builtin().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()).extract_preset(Preset::Fast))
        .await
        .unwrap();
    settle(&handle).await;

    // When its events are read
    let events: Vec<_> = handle.events().await.unwrap().try_collect().await.unwrap();

    // Then there is one: the final state
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].status, JobStatus::Succeeded);
    assert_eq!(events[0], handle.status().await.unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_converts_and_every_file_an_answer_links_to_downloads() {
    // Given a finished model, with its optimized copy and poster made
    let server = TestServer::builtin().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()).extract_preset(Preset::Fast))
        .await
        .unwrap();
    let done = settle(&handle).await;
    let model = done.ready_model().unwrap();
    assert_eq!(model.optimized_status, Some(OptimizedStatus::Ready));

    // When its creator converts it to STL
    let stl = ConversionRequest::Stl {
        height_mm: 80.0,
        make_printable: false,
    };
    let conversion = handle.convert(&model.variant, stl).await.unwrap();

    // Then the print report and the listing describe it, and it downloads
    let ConversionReport::Stl(report) = &conversion.report else {
        panic!("a print report: {:?}", conversion.report);
    };
    assert!((report.size_mm[2] - 80.0).abs() < 0.01, "{report:?}");
    let listed = handle.conversions(&model.variant).await.unwrap();
    assert_eq!(listed, [conversion.clone()]);
    let viewer = server.client().generation(handle.id());
    let mut stl_bytes = Vec::new();
    let written = viewer
        .download(&conversion.url, &mut stl_bytes)
        .await
        .unwrap();
    assert_eq!(written, conversion.bytes);

    // And so do the optimized levels and the poster
    for (url, size) in [
        (model.optimized_url.as_deref(), model.optimized_bytes),
        (model.coarse_url.as_deref(), model.coarse_bytes),
    ] {
        let mut glb = Vec::new();
        let written = viewer.download(url.unwrap(), &mut glb).await.unwrap();
        assert_eq!((Some(written), &glb[..4]), (size, &b"glTF"[..]));
    }
    let mut poster = Vec::new();
    viewer
        .download(done.poster_url.as_deref().unwrap(), &mut poster)
        .await
        .unwrap();
    assert_eq!(&poster[1..4], b"PNG");

    // A viewer cannot convert, and a bad height fails before sending
    let err = viewer
        .convert(&model.variant, ConversionRequest::Obj {})
        .await
        .unwrap_err();
    assert_eq!(err.code(), "owner_token_required");
    let err = handle
        .convert(&model.variant, ConversionRequest::Usdz { height_m: 500.0 })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn the_health_check_names_the_builtin_engine() {
    let server = TestServer::builtin().await;
    let health = server.client().health().await.unwrap();
    assert_eq!(health.backend, BackendKind::Builtin);
    assert_eq!(health.status, HealthStatus::Ready);
}

#[tokio::test]
async fn the_share_link_opens_the_generation_in_the_web_app() {
    let client = Client::new("http://127.0.0.1:8642/studio").unwrap();
    let handle = client.generation("0123456789abcdef0123456789abcdef");
    assert_eq!(
        handle.share_url().as_str(),
        "http://127.0.0.1:8642/studio/?g=0123456789abcdef0123456789abcdef"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_generation_is_reported_as_cancelled_by_status_and_wait() {
    // Given a generation waiting in line
    let server = TestServer::builtin().await;
    let occupied = server.occupy().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()))
        .await
        .unwrap();

    // When it is cancelled
    let cancelled = handle.cancel().await.unwrap();

    // Then it says so, and waiting on it ends with that outcome
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert_eq!(handle.status().await.unwrap().phase, Phase::Cancelled);
    let err = handle.wait().await.unwrap_err();
    assert!(matches!(err, Error::Cancelled { .. }), "{err:?}");
    assert_eq!(err.code(), "cancelled");
    assert!(!err.is_retryable());
    // And cancelling again is not an error
    assert_eq!(handle.cancel().await.unwrap().status, JobStatus::Cancelled);
    occupied.release().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_of_an_unfinished_generation_is_refused_with_the_proxys_code() {
    let server = TestServer::builtin().await;
    let occupied = server.occupy().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(subject_png()))
        .await
        .unwrap();

    let err = handle.extract_glb(Preset::Fast).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(err.code(), "not_finished");
    assert!(err.is_user_error());
    occupied.release().await;
}

#[tokio::test]
async fn a_file_that_is_not_an_image_is_refused_with_the_proxys_code_and_message() {
    let server = TestServer::builtin().await;
    let request = GenerateRequest::from_bytes(b"just some text, not a photo".to_vec());

    let err = server.client().generate(request).await.unwrap_err();

    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(err.code(), "invalid_image");
    assert!(
        err.to_string()
            .starts_with("The upload is not an image this server reads"),
        "{err}"
    );
    assert!(err.is_user_error() && !err.is_retryable() && !err.is_transport());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_without_a_subject_fails_with_the_engines_own_code_and_message() {
    let server = TestServer::builtin().await;
    let handle = server
        .client()
        .generate(GenerateRequest::from_bytes(uniform_png()))
        .await
        .unwrap();

    let err = tokio::time::timeout(JOB_TIMEOUT, handle.wait())
        .await
        .unwrap()
        .unwrap_err();

    let Error::Failed { detail, .. } = &err else {
        panic!("expected a failed job, got {err:?}");
    };
    assert_eq!(detail.code, "no_subject");
    assert_eq!(err.code(), "no_subject");
    assert!(
        err.to_string()
            .starts_with(&format!("generation {} failed: ", handle.id())),
        "{err}"
    );
    assert_eq!(
        Some(detail),
        handle.status().await.unwrap().error.as_ref(),
        "the message is the server's, unchanged"
    );
}

#[tokio::test]
async fn values_out_of_range_are_refused_locally_in_the_proxys_words() {
    // Given a client of a server that is down, so nothing can be sent
    let client = Client::new(&down_server_url().await).unwrap();

    // When a request has a seed out of range
    let request = GenerateRequest::from_bytes(subject_png()).seed(MAX_SEED + 1);
    let err = client.generate(request).await.unwrap_err();

    // Then the shared validation refuses it before any connection
    let mut proxy_side = GenerateParams::default();
    let expected = proxy_side
        .set_field("seed", &(MAX_SEED + 1).to_string())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(e) if *e == expected),
        "{err:?}"
    );
    assert_eq!(err.code(), "invalid_field");

    // And so are model settings out of range
    let bad_texture = ExtractRequest {
        texture_size: Some(300),
        ..ExtractRequest::default()
    };
    let err = client
        .generation("0".repeat(32))
        .extract_glb(bad_texture)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("texture_size must be one of 512, 1024, 2048, 4096"),
        "{err}"
    );
}

#[tokio::test]
async fn a_server_that_is_down_is_a_retryable_transport_error_that_names_it() {
    let url = down_server_url().await;
    let client = Client::new(&url).unwrap();

    let err = client.health().await.unwrap_err();

    assert!(matches!(err, Error::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot reach the Trellis server at {url}/: ")),
        "{err}"
    );
    assert!(err.is_transport() && err.is_retryable() && !err.is_user_error());
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_user_errors_with_the_proxys_codes() {
    let server = TestServer::builtin().await;
    let client = server.client();

    let unknown = client
        .generation("0".repeat(32))
        .status()
        .await
        .unwrap_err();
    assert_eq!(
        (unknown.status(), unknown.code()),
        (Some(StatusCode::NOT_FOUND), "not_found")
    );

    let malformed = client.generation("../health").status().await.unwrap_err();
    assert_eq!(
        (malformed.status(), malformed.code()),
        (Some(StatusCode::BAD_REQUEST), "invalid_id")
    );

    let dots = client.generation("..").status().await.unwrap_err();
    assert!(matches!(dots, Error::Invalid(_)), "{dots:?}");
}

#[test]
fn the_client_checks_the_same_image_size_limit_as_the_proxy() {
    assert_eq!(MAX_IMAGE_BYTES, trellis_proxy::MAX_IMAGE_BYTES);
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_handle_with_the_owner_token_may_cancel_extract_or_remove() {
    // Given a finished generation, and a handle on it from its share link
    let server = TestServer::builtin().await;
    let client = server.client();
    let mine = client
        .generate(GenerateRequest::from_bytes(subject_png()).extract_preset(Preset::Fast))
        .await
        .unwrap();
    finish(&mine).await;
    let theirs = client.generation(mine.id());
    assert!(mine.owner_token().is_some() && theirs.owner_token().is_none());
    assert!(
        !format!("{mine:?}").contains(mine.owner_token().unwrap()),
        "Debug shows the token"
    );

    // The viewer reads; it may not extract or remove
    assert_eq!(theirs.status().await.unwrap().status, JobStatus::Succeeded);
    let err = theirs.extract_glb(Preset::Quality).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(StatusCode::UNAUTHORIZED), "owner_token_required")
    );
    let err = theirs.remove().await.unwrap_err();
    assert_eq!(err.code(), "owner_token_required");
    let forged = theirs.clone().with_owner_token("0".repeat(64));
    assert_eq!(forged.remove().await.unwrap_err().code(), "not_creator");

    // The creator does, even from a handle made later with the token kept
    let later = client
        .generation(mine.id())
        .with_owner_token(mine.owner_token().unwrap());
    extract(&later, Preset::Balanced).await.unwrap();
    later.remove().await.unwrap();
    later.remove().await.unwrap();
    let err = theirs.status().await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(StatusCode::GONE), "generation_deleted")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_key_goes_with_the_requests_and_a_missing_one_is_explained() {
    let (server, key) = TestServer::with_key().await;
    let request = || GenerateRequest::from_bytes(subject_png()).extract_preset(Preset::Fast);

    let err = server.client().generate(request()).await.unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (Some(StatusCode::UNAUTHORIZED), "api_key_required")
    );
    assert!(err.is_user_error() && !err.is_retryable());

    let client = Client::builder(&server.url).api_key(&key).build().unwrap();
    let handle = client.generate(request()).await.unwrap();
    finish(&handle).await;
    extract(&handle, Preset::Balanced).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn over_a_limit_the_error_is_retryable_and_says_when() {
    let server = TestServer::with_flags(&["--generations-per-hour", "1"]).await;
    let client = server.client();
    client
        .generate(GenerateRequest::from_bytes(subject_png()))
        .await
        .unwrap();
    let err = client
        .generate(GenerateRequest::from_bytes(subject_png()))
        .await
        .unwrap_err();
    assert_eq!(
        (err.status(), err.code()),
        (
            Some(StatusCode::TOO_MANY_REQUESTS),
            "generation_rate_limited"
        )
    );
    assert!(err.is_retryable());
    let wait = err.retry_after().expect("a retry time");
    assert!(
        wait > std::time::Duration::from_secs(60) && wait <= std::time::Duration::from_secs(3600),
        "{wait:?}"
    );
}
