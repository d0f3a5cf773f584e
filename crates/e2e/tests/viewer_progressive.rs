//! A web-optimized model (its levels made by `trellis_webopt`, as the
//! proxy makes them) opens progressively: the coarse level is the first
//! model on screen, the full level replaces it without moving the camera
//! (even one the person moved meanwhile), and the browser's own long-task
//! record shows no main-thread task of 50 ms or more in the page's
//! scripts while the full level loads.

use std::collections::HashMap;
use std::time::Duration;
use trellis_e2e::files::FileServer;
use trellis_e2e::glb::query_escape;
use trellis_e2e::main_thread::{MainThreadRecord, RECORDER};
use trellis_e2e::trellis_glb::trellis_glb;
use trellis_e2e::{Browser, Studio};

/// Browser tests that time the main thread share 2 cores with SwiftShader;
/// one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// A 1M-triangle model under SwiftShader on 2 cores takes a while.
const LOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// The issue's responsiveness budget: no main-thread task this long.
const LONG_TASK_MS: f64 = 50.0;

/// Zooms in as soon as the coarse level is shown, as a person turning the
/// model while it sharpens would: the full level must keep that view.
const ZOOM_ON_COARSE: &str = r#"
new MutationObserver((changes, observer) => {
  for (const c of changes) {
    if (c.target.id === 'viewer' && c.target.getAttribute('data-state') === 'coarse') {
      observer.disconnect();
      const canvas = c.target.querySelector('canvas');
      for (let i = 0; i < 3; i++) {
        canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: -100, bubbles: true, cancelable: true }));
      }
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
"#;

/// Both levels of a web-optimized model, served; the link that opens them
/// (`?model=…&coarse=…`) in `studio`.
async fn serve_levels(triangles: u32, texture_side: u32, studio: &Studio) -> (FileServer, String) {
    let (raw_bytes, levels) = tokio::task::spawn_blocking(move || {
        let raw = trellis_glb(triangles, texture_side);
        let levels = trellis_webopt::optimize(&raw).expect("optimize the model");
        (raw.len(), levels)
    })
    .await
    .expect("make the model");
    println!(
        "raw {raw_bytes} B; full level {} B ({} triangles); coarse level {} B ({} triangles)",
        levels.full.len(),
        levels.triangles.0,
        levels.coarse.len(),
        levels.triangles.1
    );
    let files = FileServer::start(HashMap::from([
        ("full.glb".to_string(), levels.full),
        ("coarse.glb".to_string(), levels.coarse),
    ]))
    .await;
    let url = format!(
        "{}?model={}&coarse={}",
        studio.url,
        query_escape(&files.url("full.glb")),
        query_escape(&files.url("coarse.glb"))
    );
    (files, url)
}

/// The browser's record of opening `url`, once the full level is drawn.
async fn open(browser: &Browser, url: &str) -> MainThreadRecord {
    browser.client.goto(url).await.expect("open the link");
    let (state, message) = browser.wait_for_viewer(LOAD_TIMEOUT).await;
    assert_eq!(state, "rendered", "the viewer failed: {message}");
    let record = MainThreadRecord::read(browser).await;
    println!("{record}");
    record
}

/// Asserts the coarse level was the first model on screen, and only the
/// full level came after it (no clay, no empty frame).
fn assert_coarse_then_full(record: &MainThreadRecord) {
    let states = record.states();
    let coarse = states.iter().position(|s| *s == "coarse");
    assert!(
        coarse.is_some_and(|c| states[c + 1..] == ["rendered"]),
        "states: {states:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_web_optimized_million_triangle_model_shows_coarse_first_then_full_detail_in_place() {
    let _quiet = ONE_AT_A_TIME.lock().await;
    // Given the 1M-triangle, 2×4096² model, web-optimized
    let studio = Studio::start().await;
    let (_files, url) = serve_levels(1_000_000, 4096, &studio).await;
    let browser = Browser::launch(1000, 800).await;
    browser.run_before_page_scripts(RECORDER).await;
    browser.run_before_page_scripts(ZOOM_ON_COARSE).await;

    // When a link opens it with its coarse level
    let record = open(&browser, &url).await;
    browser.screenshot("viewer-progressive-1m").await;

    // Then the coarse level came first, then the textured full level
    assert_coarse_then_full(&record);
    let label = browser
        .client
        .execute(
            "return document.querySelector('#viewer canvas').getAttribute('aria-label');",
            vec![],
        )
        .await
        .expect("the canvas label");
    assert!(
        label.as_str().is_some_and(|l| l.contains("textured")),
        "{label}"
    );

    // And the full level kept the camera the person zoomed during the
    // coarse level: it was framed once, zoomed once, and never moved again
    let cameras = record.cameras_between(0.0, f64::INFINITY);
    assert_eq!(cameras.len(), 2, "camera changes: {cameras:?}");
    let final_camera = browser
        .client
        .execute(
            "return document.getElementById('viewer').getAttribute('data-camera');",
            vec![],
        )
        .await
        .expect("the camera");
    assert_eq!(final_camera.as_str(), Some(cameras[1]));
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_script_task_reaches_50_ms_while_the_full_level_replaces_the_coarse_one() {
    let _quiet = ONE_AT_A_TIME.lock().await;
    // Given a 200k-triangle, 2×1024² model, web-optimized
    let studio = Studio::start().await;
    let (_files, url) = serve_levels(200_000, 1024, &studio).await;
    let browser = Browser::launch(1000, 800).await;
    browser.run_before_page_scripts(RECORDER).await;

    // When a link opens it
    let record = open(&browser, &url).await;

    // Then the coarse level came first
    assert_coarse_then_full(&record);
    // And, by the browser's own long-task entries, no main-thread task
    // spent 50 ms or more in the page's scripts while the full level was
    // fetched, decoded (in the worker), uploaded and swapped in: from the
    // coarse level on screen to the full level on screen.
    //
    // The whole record is printed. Long tasks without script time are the
    // main thread waiting on SwiftShader (the GPU emulated on these same 2
    // cores: compiling each shader program on first use, rasterising);
    // the app's start and the first frame after the viewer is made are
    // outside this window (see the report in the README).
    let scripted: Vec<_> = record
        .tasks_between_states("coarse", "rendered")
        .into_iter()
        .filter(|(_, script_ms)| *script_ms >= LONG_TASK_MS)
        .collect();
    assert!(scripted.is_empty(), "long script tasks: {scripted:?}");
    browser.close().await;
}
