//! The wireframe overlay stays readable: a dense mesh seen whole gets faint
//! lines instead of turning into a dark blob (and says so on the canvas),
//! they come back when zoomed in, and a sparse mesh shows its edges.

use image::RgbaImage;
use std::time::Duration;
use trellis_e2e::glb::{TestGlb, Textures};
use trellis_e2e::trellis_glb::trellis_glb;
use trellis_e2e::viewer_page::{open_glb_with_view, stable_pixels, wheel};
use trellis_e2e::{Browser, Studio};

/// A 500k-triangle model takes a while under SwiftShader on 2 cores.
const LOAD_TIMEOUT: Duration = Duration::from_secs(180);
/// The dense case.
const DENSE_TRIANGLES: u32 = 500_000;
/// Small textures: this test is about lines, not texture upload.
const TEXTURE_SIDE: u32 = 256;
/// On a dense mesh, the lines may darken the model by this share of its
/// brightness on average, and no more.
const MAX_MEAN_DARKENING: f64 = 0.3;
/// A pixel the lines made darker than this share of its shaded brightness
/// is near-black for the purpose of this test...
const DARK_RATIO: f64 = 0.5;
/// ...and this share of the model's pixels at most may be.
const MAX_DARK_SHARE: f64 = 0.05;
/// On a sparse mesh, at least this share of the model's pixels must be
/// visibly darker (below 80% of their shaded brightness): the edges.
const MIN_EDGE_SHARE: f64 = 0.1;
const EDGE_RATIO: f64 = 0.8;

fn luminance(p: &image::Rgba<u8>) -> f64 {
    0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
}

/// Over the model's pixels (those unlike the background in `shaded`): the
/// mean of wireframe ÷ shaded brightness, and the shares of pixels below
/// `DARK_RATIO` and `EDGE_RATIO` of it.
fn darkening(shaded: &RgbaImage, wired: &RgbaImage) -> (f64, f64, f64) {
    let background = luminance(shaded.get_pixel(0, 0));
    let (mut count, mut sum, mut dark, mut edge) = (0usize, 0.0, 0usize, 0usize);
    for (s, w) in shaded.pixels().zip(wired.pixels()) {
        let lit = luminance(s);
        if (lit - background).abs() < 10.0 {
            continue;
        }
        let ratio = luminance(w) / lit.max(1.0);
        count += 1;
        sum += ratio.min(1.0);
        dark += usize::from(ratio < DARK_RATIO);
        edge += usize::from(ratio < EDGE_RATIO);
    }
    let count = count.max(1) as f64;
    (sum / count, dark as f64 / count, edge as f64 / count)
}

/// `glb` as the shaded and the wireframe mode draw it from the framing.
async fn shaded_and_wired(
    browser: &Browser,
    studio: &Studio,
    glb: &[u8],
    name: &str,
) -> (RgbaImage, RgbaImage) {
    let mut renders = Vec::new();
    for mode in ["shaded", "wireframe"] {
        let query = format!("&mode={mode}");
        let (_files, (state, message)) =
            open_glb_with_view(browser, &studio.url, glb.to_vec(), &query, LOAD_TIMEOUT).await;
        assert_eq!(state, "rendered", "{name} in {mode}: {message}");
        renders.push(stable_pixels(browser).await);
        browser
            .screenshot(&format!("viewer-wireframe-{name}-{mode}"))
            .await;
    }
    let wired = renders.pop().expect("two renders");
    (renders.pop().expect("two renders"), wired)
}

async fn wireframe_state(browser: &Browser) -> String {
    browser
        .client
        .execute(
            "return document.querySelector('#viewer canvas').dataset.wireframe || '';",
            vec![],
        )
        .await
        .expect("read data-wireframe")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dense_mesh_gets_faint_lines_not_a_dark_blob() {
    let glb = tokio::task::spawn_blocking(|| trellis_glb(DENSE_TRIANGLES, TEXTURE_SIDE))
        .await
        .expect("generate the model");
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let (shaded, wired) = shaded_and_wired(&browser, &studio, &glb, "dense").await;

    let (mean, dark, _) = darkening(&shaded, &wired);
    assert!(
        1.0 - mean <= MAX_MEAN_DARKENING,
        "the wireframe darkens the model by {:.0}% on average",
        (1.0 - mean) * 100.0
    );
    assert!(
        dark <= MAX_DARK_SHARE,
        "{:.1}% of the model is near-black under the wireframe",
        dark * 100.0
    );
    assert_eq!(wireframe_state(&browser).await, "faded");
    // The control bar says so, with the reason as its tooltip.
    let hint = browser.wait_for("#wireframe-hint").await;
    assert!(hint.text().await.unwrap().contains("zoom in"));
    let title = browser.property("#wireframe-hint", "title").await;
    assert!(title.contains("dense"), "no explanation: {title:?}");

    // Zoomed in, the edges have room and are drawn at full strength
    wheel(&browser, -500.0, 20).await;
    stable_pixels(&browser).await;
    browser.screenshot("viewer-wireframe-dense-zoomed").await;
    assert_eq!(wireframe_state(&browser).await, "clear");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sparse_mesh_shows_its_edges() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let glb = TestGlb::blob(Textures::Png).to_bytes();
    let (shaded, wired) = shaded_and_wired(&browser, &studio, &glb, "sparse").await;
    let (_, _, edges) = darkening(&shaded, &wired);
    assert!(
        edges >= MIN_EDGE_SHARE,
        "the edges show on only {:.1}% of the model",
        edges * 100.0
    );
    assert_eq!(wireframe_state(&browser).await, "clear");
    browser.close().await;
}
