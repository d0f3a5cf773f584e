//! The viewer with full-size TRELLIS.2-shaped models: clay first, then
//! textures; the page never blocked for long; and memory that stays flat
//! when one model replaces another many times.

use std::collections::HashMap;
use std::time::Duration;
use trellis_e2e::files::FileServer;
use trellis_e2e::trellis_glb::trellis_glb;
use trellis_e2e::{Browser, Studio};

/// A 1M-triangle, 2×4096² model takes seconds under SwiftShader on 2 cores.
const LOAD_TIMEOUT: Duration = Duration::from_secs(180);
/// The responsiveness budget from the issue: no main-thread task longer
/// (asserted on each of the viewer's own steps, see below).
const LONG_TASK_LIMIT_MS: f64 = 200.0;
/// Models shown one after another in the memory test.
const REPLACEMENTS: usize = 20;
/// Loads before memory is expected to be flat: the allocator and the
/// browser's caches settle over the first few.
const WARM_UP_LOADS: usize = 4;

/// Held by each test for its whole run: the timings and memory figures
/// are only meaningful without the other test loading the machine's two
/// cores at the same time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Installed before the page's scripts: records long tasks (with `buffered`
/// so none is missed) and every `#viewer[data-state]` change with its time.
const RECORDER: &str = r#"
window.__longTasks = [];
window.__states = [];
window.__rendered = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    window.__longTasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) });
  }
}).observe({ type: 'longtask', buffered: true });
new MutationObserver((changes) => {
  for (const c of changes) {
    if (c.target.id !== 'viewer') continue;
    const state = c.target.getAttribute('data-state');
    window.__states.push({ at: Math.round(performance.now()), state });
    if (state === 'rendered') window.__rendered += 1;
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
"#;

async fn viewer_attr(browser: &Browser, name: &str) -> String {
    let script = format!("return document.getElementById('viewer').getAttribute('{name}') || '';");
    let value = browser.client.execute(&script, vec![]).await.expect(name);
    value.as_str().unwrap_or_default().to_string()
}

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
    // Long tasks are reported after they end; one more frame delivers them.
    browser
        .client
        .execute_async(
            "const done = arguments[0]; requestAnimationFrame(() => setTimeout(done, 200));",
            vec![],
        )
        .await
        .expect("settle");
    let record = browser
        .client
        .execute(
            "return { tasks: window.__longTasks, states: window.__states };",
            vec![],
        )
        .await
        .expect("recorded tasks");
    let clay_ms = viewer_attr(&browser, "data-clay-ms").await;
    let textured_ms = viewer_attr(&browser, "data-textured-ms").await;
    println!("bytes in memory → clay frame {clay_ms} ms, → textured frame {textured_ms} ms");
    for name in [
        "data-parse-ms",
        "data-upload-ms",
        "data-longest-step",
        "data-longest-step-ms",
    ] {
        println!("{name}: {}", viewer_attr(&browser, name).await);
    }
    println!("states: {}", record["states"]);
    println!("long tasks: {}", record["tasks"]);

    // Then the clay model was on screen before the textured one
    let states: Vec<&str> = record["states"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["state"].as_str())
        .collect();
    let clay = states.iter().position(|s| *s == "clay");
    let rendered = states.iter().position(|s| *s == "rendered");
    assert!(
        matches!((clay, rendered), (Some(c), Some(r)) if c < r),
        "no clay stage before the textured model: {states:?}"
    );
    let clay_ms: f64 = clay_ms.parse().expect("data-clay-ms");
    let textured_ms: f64 = textured_ms.parse().expect("data-textured-ms");
    assert!(
        clay_ms < textured_ms,
        "clay {clay_ms} ms, textured {textured_ms} ms"
    );

    // And none of the viewer's own main-thread steps (validation, parsing,
    // handing the textures to the browser's decoder, the geometry upload,
    // each texture strip, the mipmaps, the draw calls) took longer than the
    // budget. The browser's long tasks are printed, not asserted: under
    // SwiftShader the GPU is emulated on these same two cores, and the
    // browser's own frame tasks wait for it (a 1M-triangle frame takes
    // about a second to rasterise), which measures the emulator, not the
    // page's code.
    let longest: f64 = viewer_attr(&browser, "data-longest-step-ms")
        .await
        .parse()
        .expect("data-longest-step-ms");
    assert!(
        longest <= LONG_TASK_LIMIT_MS,
        "the viewer's {} step took {longest} ms",
        viewer_attr(&browser, "data-longest-step").await
    );
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
    browser.run_before_page_scripts(RECORDER).await;
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
