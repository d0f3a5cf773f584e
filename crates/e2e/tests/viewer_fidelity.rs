//! The web-optimized model looks like the original: both drawn by our
//! viewer from six views, with the same canvas size, camera and lights,
//! and compared. The bar: PSNR ≥ 38 dB or SSIM ≥ 0.98 per view.

use image::RgbaImage;
use std::collections::HashMap;
use std::time::Duration;
use trellis_e2e::files::FileServer;
use trellis_e2e::glb::query_escape;
use trellis_e2e::image_compare::{psnr, ssim};
use trellis_e2e::trellis_glb::trellis_glb;
use trellis_e2e::viewer_page::stable_pixels;
use trellis_e2e::{Browser, Studio, drawn_fraction};

const LOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// The fidelity bar: a view passes on either figure.
const MIN_PSNR_DB: f64 = 38.0;
const MIN_SSIM: f64 = 0.98;
/// Six views around the test model (a bumpy sphere of radius about 1
/// at the origin), as `&cam=` eye and target: front, back, both sides,
/// and above and below (a little forward, as +Y is always up).
const VIEWS: [(&str, &str); 6] = [
    ("front", "0,0,3.2,0,0,0"),
    ("back", "0,0,-3.2,0,0,0"),
    ("left", "-3.2,0,0,0,0,0"),
    ("right", "3.2,0,0,0,0,0"),
    ("above", "0,3.1,0.8,0,0,0"),
    ("below", "0,-3.1,0.8,0,0,0"),
];

/// The canvas with `file` drawn from `camera`, once it stops changing.
async fn render(
    browser: &Browser,
    studio: &Studio,
    files: &FileServer,
    file: &str,
    camera: &str,
) -> RgbaImage {
    let url = format!(
        "{}?model={}&cam={camera}",
        studio.url,
        query_escape(&files.url(file))
    );
    browser.client.goto(&url).await.expect("open the model");
    let (state, message) = browser.wait_for_viewer(LOAD_TIMEOUT).await;
    assert_eq!(state, "rendered", "{file} failed: {message}");
    stable_pixels(browser).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_optimized_model_renders_like_the_original_from_six_views() {
    // Given a TRELLIS-shaped model (200k triangles, 2×1024²) and its
    // web-optimized full level
    let (raw, full) = tokio::task::spawn_blocking(|| {
        let raw = trellis_glb(200_000, 1024);
        let full = trellis_webopt::optimize(&raw).expect("optimize").full;
        (raw, full)
    })
    .await
    .expect("make the models");
    println!("raw {} B, web-optimized {} B", raw.len(), full.len());
    let files = FileServer::start(HashMap::from([
        ("raw.glb".to_string(), raw),
        ("optimized.glb".to_string(), full),
    ]))
    .await;
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;

    // When each is drawn from each view
    let mut renders = Vec::new();
    for (name, camera) in VIEWS {
        let original = render(&browser, &studio, &files, "raw.glb", camera).await;
        let optimized = render(&browser, &studio, &files, "optimized.glb", camera).await;
        assert!(
            drawn_fraction(&original) > 0.2 && drawn_fraction(&optimized) > 0.2,
            "the {name} view shows too little of the model"
        );
        renders.push((name, original, optimized));
    }

    // Then every view matches closely
    println!("view     PSNR dB   SSIM");
    let mut failures = Vec::new();
    for (name, original, optimized) in &renders {
        let (db, similarity) = (psnr(original, optimized), ssim(original, optimized));
        println!("{name:8} {db:7.2}  {similarity:.4}");
        if db < MIN_PSNR_DB && similarity < MIN_SSIM {
            failures.push(*name);
        }
    }
    assert!(
        failures.is_empty(),
        "views unlike the original: {failures:?}"
    );
    // And the measure tells different pictures apart (the front and back
    // of the model differ), so the figures above mean something
    let (front, back) = (&renders[0].1, &renders[1].1);
    let (db, similarity) = (psnr(front, back), ssim(front, back));
    println!("front vs back of the original: {db:.2} dB, SSIM {similarity:.4}");
    assert!(db < MIN_PSNR_DB && similarity < MIN_SSIM);
    browser.close().await;
}
