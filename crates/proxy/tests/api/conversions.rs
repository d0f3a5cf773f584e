//! Conversions of a model to USDZ, STL and OBJ: made by the creator only,
//! downloaded by anyone with the link, made once per settings, refused
//! with the reason when the model cannot be converted, and bounded.

use std::time::{Duration, SystemTime};

use axum::{
    body::Body,
    http::{Request, StatusCode, header::AUTHORIZATION, header::CONTENT_TYPE},
};
use serde_json::{Value, json};
use trellis_api::{
    Conversion, ConversionList, ConversionReport, ConversionRequest, Generation, OWNER_TOKEN_HEADER,
};

use crate::{
    common::{Reply, TestServer},
    fake::FakeEngine,
    images::subject_png,
    keys::keys,
    models::{ball_glb, requiring_draco, usd_checker_report},
};

/// A server whose engine extracts `glb`, with `flags`, and a finished
/// generation of it: its id and its model's variant.
async fn server_with(glb: Vec<u8>, flags: &[&str]) -> (TestServer, String, String) {
    let server = TestServer::with_backend_and(FakeEngine::writing(glb), flags).await;
    let id = server.submit(&subject_png(), &[]).await;
    let generation = server.wait_until(&id, Generation::is_settled).await;
    let variant = generation.models[0].variant.clone();
    (server, id, variant)
}

fn conversions_uri(id: &str, variant: &str) -> String {
    format!("/api/generations/{id}/models/{variant}/conversions")
}

/// `POST …/conversions` with `body`, as `owner_token` (if any).
async fn convert(
    server: &TestServer,
    id: &str,
    variant: &str,
    owner_token: Option<&str>,
    body: &Value,
) -> Reply {
    let mut request =
        Request::post(conversions_uri(id, variant)).header(CONTENT_TYPE, "application/json");
    if let Some(token) = owner_token {
        request = request.header(OWNER_TOKEN_HEADER, token);
    }
    server
        .send(request.body(Body::from(body.to_string())).unwrap())
        .await
}

/// The creator's conversion, which must succeed.
async fn converted(server: &TestServer, id: &str, variant: &str, body: &Value) -> Conversion {
    let reply = convert(server, id, variant, Some(&server.token(id)), body).await;
    reply.assert_status(StatusCode::OK);
    reply.json()
}

#[tokio::test]
async fn only_the_creator_converts_and_anyone_with_the_link_downloads_it() {
    let (server, id, variant) = server_with(ball_glb(), &[]).await;
    let other = server.submit(&subject_png(), &[]).await;
    let usdz = json!({ "format": "usdz" });

    // A viewer cannot make one, with no token or with another generation's
    convert(&server, &id, &variant, None, &usdz)
        .await
        .assert_error(
            StatusCode::UNAUTHORIZED,
            "owner_token_required",
            "X-Owner-Token",
        );
    let foreign = server.token(&other);
    convert(&server, &id, &variant, Some(&foreign), &usdz)
        .await
        .assert_error(
            StatusCode::FORBIDDEN,
            "not_creator",
            "not this generation's",
        );
    let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
    assert!(list.conversions.is_empty());

    // The creator makes a USDZ, 30 cm tall by default
    let made = converted(&server, &id, &variant, &usdz).await;
    assert_eq!(made.request, ConversionRequest::Usdz { height_m: 0.3 });
    assert_eq!(
        made.url,
        format!("generations/{id}/models/{variant}/conversions/300mm.usdz")
    );
    assert_eq!(made.media_type, "model/vnd.usdz+zip");
    let ConversionReport::Usdz(report) = &made.report else {
        panic!("a USDZ report: {:?}", made.report);
    };
    assert_eq!(report.triangles, 1024);
    assert!((report.size_m[1] - 0.3).abs() < 1e-3, "{report:?}");

    // Anyone lists and downloads it, served as Quick Look wants it
    let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
    assert_eq!(list.conversions, [made.clone()]);
    let file = server.get(&format!("/api/{}", made.url)).await;
    file.assert_status(StatusCode::OK);
    assert_eq!(file.header("content-type"), Some("model/vnd.usdz+zip"));
    let disposition = file.header("content-disposition").unwrap();
    assert_eq!(
        disposition,
        format!(
            "inline; filename=\"trellis-{}-{variant}-300mm.usdz\"",
            &id[..8]
        )
    );
    assert_eq!(file.body.len() as u64, made.bytes);

    // And Pixar's checker passes what was downloaded
    let checked = usd_checker_report(&file.body);
    for key in ["errors", "failed"] {
        assert_eq!(checked[key], json!([]), "{key}: {checked:#}");
    }
    assert_eq!(checked["triangles"], json!(1024));

    // The disk budget counts it
    let db = rusqlite::Connection::open(server.dir.path().join("data/trellis.sqlite3")).unwrap();
    let bytes: i64 = db
        .query_row("SELECT bytes FROM generations WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(bytes as u64 > made.bytes, "{bytes} bytes recorded");
}

#[tokio::test]
async fn the_same_settings_make_no_second_conversion() {
    let (server, id, variant) = server_with(ball_glb(), &[]).await;
    let first = converted(&server, &id, &variant, &json!({ "format": "usdz" })).await;
    let path = server
        .generations_dir()
        .join(&id)
        .join("conversions")
        .join(&variant)
        .join("300mm.usdz");
    let written = std::fs::metadata(&path).unwrap().modified().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Asking again, with a height that rounds to the same millimetre
    let again = json!({ "format": "usdz", "height_m": 0.3002 });
    let second = converted(&server, &id, &variant, &again).await;

    assert_eq!(second, first, "the stored conversion, not a new one");
    let unchanged: SystemTime = std::fs::metadata(&path).unwrap().modified().unwrap();
    assert_eq!(unchanged, written);
}

#[tokio::test]
async fn stl_comes_with_a_print_report_and_obj_as_a_zip() {
    let (server, id, variant) = server_with(ball_glb(), &[]).await;

    let stl = json!({ "format": "stl", "height_mm": 120, "make_printable": true });
    let made = converted(&server, &id, &variant, &stl).await;
    let ConversionReport::Stl(report) = &made.report else {
        panic!("a print report: {:?}", made.report);
    };
    assert!(report.closed && report.manifold, "{report:?}");
    assert!((report.size_mm[2] - 120.0).abs() < 0.01, "{report:?}");
    assert!(report.volume_mm3.is_some_and(|v| v > 0.0));
    assert!(report.repair.is_some());
    let file = server.get(&format!("/api/{}", made.url)).await;
    assert_eq!(file.header("content-type"), Some("model/stl"));
    assert!(
        file.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=\"")
    );
    assert!(made.url.ends_with("/120mm-printable.stl"));
    // A binary STL: 80-byte header, count, 50 bytes a triangle.
    let triangles = u32::from_le_bytes(file.body[80..84].try_into().unwrap());
    assert_eq!(file.body.len(), 84 + 50 * triangles as usize);

    let obj = converted(&server, &id, &variant, &json!({ "format": "obj" })).await;
    assert!(obj.url.ends_with("/model.obj.zip"));
    let file = server.get(&format!("/api/{}", obj.url)).await;
    assert_eq!(file.header("content-type"), Some("application/zip"));
    assert_eq!(&file.body[..2], b"PK");

    let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
    assert_eq!(list.conversions, [made, obj]);
}

#[tokio::test]
async fn a_model_the_converter_cannot_read_gets_a_422_with_the_reason() {
    // Given a valid GLB that needs Draco compression, which no converter reads
    let (server, id, variant) = server_with(requiring_draco(&ball_glb()), &[]).await;

    for format in ["usdz", "stl", "obj"] {
        let reply = convert(
            &server,
            &id,
            &variant,
            Some(&server.token(&id)),
            &json!({ "format": format }),
        )
        .await;
        reply.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "model_unconvertible",
            "KHR_draco_mesh_compression",
        );
        let name = format.to_uppercase();
        reply.assert_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "model_unconvertible",
            &format!("cannot be converted to {name}"),
        );
    }
    let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
    assert!(list.conversions.is_empty());
}

#[tokio::test]
async fn bad_settings_unknown_models_and_files_are_refused_before_any_work() {
    let (server, id, variant) = server_with(ball_glb(), &[]).await;
    let token = server.token(&id);
    for (body, words) in [
        (
            json!({ "format": "usdz", "height_m": 0 }),
            "height_m must be from 0.01 to 100 m",
        ),
        (
            json!({ "format": "stl", "height_mm": 5000 }),
            "height_mm must be from 1 to 2000 mm",
        ),
    ] {
        convert(&server, &id, &variant, Some(&token), &body)
            .await
            .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", words);
    }
    convert(
        &server,
        &id,
        &variant,
        Some(&token),
        &json!({ "format": "fbx" }),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "fbx");
    convert(
        &server,
        &id,
        "nope",
        Some(&token),
        &json!({ "format": "obj" }),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "model_not_found", "nope");
    let missing = format!("{}/300mm.usdz", conversions_uri(&id, &variant));
    server.get(&missing).await.assert_error(
        StatusCode::NOT_FOUND,
        "conversion_not_found",
        "300mm.usdz",
    );
    let sneaky = format!("{}/300mm.usdz.json", conversions_uri(&id, &variant));
    server
        .get(&sneaky)
        .await
        .assert_error(StatusCode::NOT_FOUND, "conversion_not_found", "json");
}

#[tokio::test]
async fn each_generation_has_a_conversion_allowance_and_files_a_size_limit() {
    // One conversion per generation: a second format is refused, asking
    // for the first again is not a new one
    let (server, id, variant) =
        server_with(ball_glb(), &["--conversions-per-generation", "1"]).await;
    converted(&server, &id, &variant, &json!({ "format": "obj" })).await;
    let reply = convert(
        &server,
        &id,
        &variant,
        Some(&server.token(&id)),
        &json!({ "format": "stl" }),
    )
    .await;
    reply.assert_error(
        StatusCode::TOO_MANY_REQUESTS,
        "conversion_limit",
        "already has 1 conversions",
    );
    assert_eq!(reply.header("retry-after"), None);
    converted(&server, &id, &variant, &json!({ "format": "obj" })).await;
    let health: Value = server.get("/api/health").await.json();
    assert_eq!(health["limits"]["conversions_per_generation"], 1);

    // Files over the size limit are refused with their size, and not kept
    let (server, id, variant) = server_with(ball_glb(), &["--max-conversion-mb", "0.001"]).await;
    convert(
        &server,
        &id,
        &variant,
        Some(&server.token(&id)),
        &json!({ "format": "stl" }),
    )
    .await
    .assert_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "model_unconvertible",
        "more than the 1 KB this server keeps",
    );
    let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
    assert!(list.conversions.is_empty());
}

#[tokio::test]
async fn a_conversion_past_the_time_limit_carries_on_and_is_found_later() {
    let (server, id, variant) = server_with(ball_glb(), &["--conversion-timeout-secs", "0"]).await;
    let token = server.token(&id);
    let usdz = json!({ "format": "usdz" });

    let reply = convert(&server, &id, &variant, Some(&token), &usdz).await;
    reply.assert_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "conversion_timed_out",
        "carries on",
    );
    assert_eq!(reply.header("retry-after"), Some("10"));

    // The conversion went on; once stored, asking again answers with it
    let give_up = tokio::time::Instant::now() + crate::common::JOB_TIMEOUT;
    loop {
        let list: ConversionList = server.get(&conversions_uri(&id, &variant)).await.json();
        if !list.conversions.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "never stored");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let again = convert(&server, &id, &variant, Some(&token), &usdz).await;
    again.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn in_keys_mode_converting_also_needs_an_api_key() {
    let server =
        TestServer::with_backend_and(FakeEngine::writing(ball_glb()), &["--access", "keys"]).await;
    let (ok, key, _) = keys(&server.dir.path().join("data"), &["add", "maker"]);
    assert!(ok);
    let authorization = trellis_api::bearer(key.trim());
    let mut upload =
        crate::common::multipart(&[crate::common::Part::File("image", &subject_png())]);
    upload
        .headers_mut()
        .insert(AUTHORIZATION, authorization.parse().unwrap());
    let id = server.accepted(&server.send(upload).await);
    let generation = server.wait_until(&id, Generation::is_settled).await;
    let variant = &generation.models[0].variant;
    let token = server.token(&id);

    let obj = json!({ "format": "obj" });
    convert(&server, &id, variant, Some(&token), &obj)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "api_key_required", "API key");

    let request = Request::post(conversions_uri(&id, variant))
        .header(CONTENT_TYPE, "application/json")
        .header(OWNER_TOKEN_HEADER, &token)
        .header(AUTHORIZATION, &authorization)
        .body(Body::from(json!({ "format": "obj" }).to_string()))
        .unwrap();
    server.send(request).await.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn removing_a_generation_deletes_everything_made_from_it() {
    let (server, id, variant) = server_with(ball_glb(), &[]).await;
    let made = converted(&server, &id, &variant, &json!({ "format": "stl" })).await;
    let generation = server.generation(&id).await;
    let poster = generation.poster_url.clone().expect("a poster");
    let optimized = generation.models[0]
        .optimized_url
        .clone()
        .expect("an optimized copy");
    let folder = server.generations_dir().join(&id);
    assert!(folder.join("poster.png").is_file());

    let request = server.as_owner(
        &id,
        Request::delete(format!("/api/generations/{id}?remove=true")),
    );
    server
        .send(request.body(Body::empty()).unwrap())
        .await
        .assert_status(StatusCode::NO_CONTENT);

    assert!(!folder.exists());
    for url in [&made.url, &poster, &optimized] {
        server.get(&format!("/api/{url}")).await.assert_error(
            StatusCode::GONE,
            "generation_deleted",
            "deleted",
        );
    }
}
