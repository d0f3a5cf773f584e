//! The viewer with full-size TRELLIS.2-shaped models as extracted (no
//! web-optimized levels): clay first, then textures; the page never
//! blocked for long, by the browser's own long-task record; and memory
//! that stays flat when one model replaces another many times.

use std::collections::HashMap;
use std::time::Duration;
use trellis_e2e::files::FileServer;
use trellis_e2e::main_thread::{MainThreadRecord, RECORDER};
use trellis_e2e::trellis_glb::trellis_glb;
use trellis_e2e::{Browser, Studio};

/// A 1M-triangle, 2×4096² model takes seconds under SwiftShader on 2 cores.
const LOAD_TIMEOUT: Duration = Duration::from_secs(180);
/// The longest main-thread task the page's scripts may run while a raw
/// 1M-triangle, 2×4096² file loads. Links open the web-optimized files,
/// held to the issue's 50 ms (viewer_progressive.rs); a raw file of this
/// size, opened by URL or dropped, still has steps of 100–160 ms under
/// SwiftShader (its arrays read in from the worker, the geometry upload,
/// texture strips), so this only catches a step going back to blocking
/// for long, such as decoding on the main thread again.
const RAW_FILE_SCRIPT_TASK_MS: f64 = 200.0;
/// Models shown one after another in the memory test.
const REPLACEMENTS: usize = 20;
/// Loads before memory is expected to be flat: the allocator and the
/// browser's caches settle over the first few.
const WARM_UP_LOADS: usize = 4;

/// Held by each test for its whole run: the timings and memory figures
/// are only meaningful without the other test loading the machine's two
/// cores at the same time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Installed before the page's scripts: counts the viewer's arrivals at
/// `rendered`, so a test can wait for the next one.
const RENDER_COUNTER: &str = r#"
window.__rendered = 0;
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.target.id === 'viewer' && c.target.getAttribute('data-state') === 'rendered') {
      window.__rendered += 1;
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_million_triangle_4k_model_shows_clay_first_without_blocking_the_page() {
    let _quiet = ONE_AT_A_TIME.lock().await;
    // Given a TRELLIS.2-sized model: 1M triangles, two 4096² PNG textures
    let glb = tokio::task::spawn_blocking(|| trellis_glb(1_000_000, 4096))
        .await
        .expect("generate the model");
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    browser.run_before_page_scripts(RECORDER).await;

    // When the page opens it
    let (_files, (state, message)) = browser.open_glb(&studio.url, glb, LOAD_TIMEOUT).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    browser.screenshot("viewer-1m-4k").await;
    let record = MainThreadRecord::read(&browser).await;
    println!("{record}");

    // Then the clay model was on screen before the textured one
    let states = record.states();
    let clay = states.iter().position(|s| *s == "clay");
    let rendered = states.iter().position(|s| *s == "rendered");
    assert!(
        matches!((clay, rendered), (Some(c), Some(r)) if c < r),
        "no clay stage before the textured model: {states:?}"
    );

    // And, by the browser's own long-task entries, no main-thread task
    // from the start of the load to the textured frame spent the budget
    // in the page's scripts. Long tasks without script time (the main
    // thread waiting on SwiftShader, the GPU emulated on these same 2
    // cores) are printed, not asserted; see viewer_progressive.rs.
    let scripted: Vec<_> = record
        .tasks_between_states("loading", "rendered")
        .into_iter()
        .filter(|(_, script_ms)| *script_ms >= RAW_FILE_SCRIPT_TASK_MS)
        .collect();
    assert!(scripted.is_empty(), "long script tasks: {scripted:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn replacing_the_model_twenty_times_does_not_grow_memory() {
    let _quiet = ONE_AT_A_TIME.lock().await;
    // Given two different textured models, already fetched by the page
    let (a, b) =
        tokio::task::spawn_blocking(|| (trellis_glb(60_000, 1024), trellis_glb(30_000, 512)))
            .await
            .expect("generate the models");
    let files = FileServer::start(HashMap::from([
        ("a.glb".to_string(), a),
        ("b.glb".to_string(), b),
    ]))
    .await;
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    browser.run_before_page_scripts(RENDER_COUNTER).await;
    browser
        .client
        .goto(&studio.url)
        .await
        .expect("open the page");
    browser
        .client
        .execute_async(
            "const [urls, done] = arguments;
             const ready = () => typeof window.trellisViewerShow === 'function'
               ? Promise.resolve()
               : new Promise((r) => setTimeout(r, 50)).then(ready);
             Promise.all(urls.map((u) => fetch(u).then((r) => r.arrayBuffer())))
               .then((models) => { window.__models = models; return ready(); })
               .then(() => done());",
            vec![serde_json::json!([files.url("a.glb"), files.url("b.glb")])],
        )
        .await
        .expect("fetch the models");

    // When they replace each other twenty times in the same viewer
    let mut samples = Vec::new();
    for i in 0..REPLACEMENTS {
        let sample = browser
            .client
            .execute_async(
                "const [i, done] = arguments;
                 const before = window.__rendered;
                 window.trellisViewerShow(new Uint8Array(window.__models[i % 2]));
                 const poll = () => {
                   const viewer = document.getElementById('viewer');
                   if (window.__rendered > before) {
                     done({
                       textures: Number(viewer.getAttribute('data-live-texture-bytes')),
                       wasm: Number(viewer.getAttribute('data-wasm-memory-bytes')),
                       heap: performance.memory.usedJSHeapSize,
                     });
                   } else if (viewer.getAttribute('data-state') === 'error') {
                     done({ error: viewer.textContent });
                   } else {
                     setTimeout(poll, 20);
                   }
                 };
                 poll();",
                vec![serde_json::json!(i)],
            )
            .await
            .expect("show a model");
        assert!(sample.get("error").is_none(), "load {i} failed: {sample}");
        samples.push(sample);
    }
    println!("per load (GPU texture bytes alive, wasm memory, JS heap):");
    for (i, s) in samples.iter().enumerate() {
        println!("  {i:2}: {} {} {}", s["textures"], s["wasm"], s["heap"]);
    }

    // Then only the shown model's textures are alive after each load
    let texture_bytes = |side: u64| side * side * 4 * 4 / 3 * 2;
    for (i, s) in samples.iter().enumerate() {
        let expected = texture_bytes(if i % 2 == 0 { 1024 } else { 512 });
        let alive = s["textures"].as_u64().unwrap_or(u64::MAX);
        // Within rounding of the per-texture estimate.
        assert!(
            alive.abs_diff(expected) < 16,
            "load {i}: {alive} texture bytes alive, expected {expected}"
        );
    }
    // And the wasm memory stops growing after the first few loads
    let wasm = |s: &serde_json::Value| s["wasm"].as_u64().unwrap_or(u64::MAX);
    let settled = samples[..WARM_UP_LOADS].iter().map(wasm).max().unwrap_or(0);
    let last = wasm(&samples[REPLACEMENTS - 1]);
    assert!(settled > 0, "no wasm memory size reported");
    assert!(
        last <= settled,
        "wasm memory grew from {settled} to {last} bytes"
    );
    browser.close().await;
}
