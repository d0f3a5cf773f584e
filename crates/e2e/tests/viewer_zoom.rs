//! Zoom limits: however far the wheel, a pinch, the +/- keys or a shared
//! link's camera go, the camera never enters the model and the model never
//! shrinks to a dot.
//!
//! The model is a blue box with a red core inside: red on the canvas means
//! the camera got inside the box. Shown in the unlit base-colour mode, so
//! the two colours read the same from every angle.

use fantoccini::Locator;
use image::RgbaImage;
use std::time::Duration;
use trellis_e2e::scene_glb::{Material, Part, cube, scene_glb};
use trellis_e2e::viewer_page::{model_coverage, open_glb_with_view, pinch, stable_pixels, wheel};
use trellis_e2e::{Browser, Studio};

/// A small GLB loads in well under a second; SwiftShader on a busy machine
/// gets plenty of slack.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// Side of the blue box and of the red core inside it.
const BOX_SIDE: f32 = 2.0;
const CORE_SIDE: f32 = 0.5;
/// Wheel delta per event and events per gesture: each event alone would
/// double or halve the distance, and twenty go far past any sane limit.
const WHEEL_DELTA: f64 = 500.0;
const WHEEL_EVENTS: u32 = 20;
/// Key presses per zoom test; each zooms by about a fifth.
const KEY_PRESSES: usize = 30;
/// Zoomed all the way out, the model must keep at least this share of
/// the canvas area it covers when framed: it stays an object, not a dot.
const MIN_ZOOMED_OUT_SHARE: f64 = 1.0 / 6.0;
/// Red pixels (anti-aliasing aside) mean the core is in sight.
const MAX_RED_FRACTION: f64 = 0.0005;

fn boxed_core() -> Vec<u8> {
    let flat = |rgb: [f32; 3]| Material {
        base_color_factor: [rgb[0], rgb[1], rgb[2], 1.0],
        ..Material::matte()
    };
    scene_glb(&[
        Part {
            mesh: cube(BOX_SIDE),
            vertex_colors: None,
            material: flat([0.05, 0.2, 0.8]),
        },
        Part {
            mesh: cube(CORE_SIDE),
            vertex_colors: None,
            material: flat([1.0, 0.0, 0.0]),
        },
    ])
}

/// Share of the canvas whose pixels pass `test`.
fn share(pixels: &RgbaImage, test: impl Fn(&image::Rgba<u8>) -> bool) -> f64 {
    let count = pixels.pixels().filter(|p| test(p)).count();
    count as f64 / f64::from(pixels.width() * pixels.height())
}

/// The core's red.
fn is_red(p: &image::Rgba<u8>) -> bool {
    p[0] > 150 && p[1] < 80 && p[2] < 80
}

/// The box's blue.
fn is_blue(p: &image::Rgba<u8>) -> bool {
    p[2] > 150 && p[0] < 120
}

/// Opens the boxed core in base-colour mode plus `view_query`; returns the
/// file server, which must live as long as the page.
async fn open(
    browser: &Browser,
    studio: &Studio,
    view_query: &str,
) -> trellis_e2e::files::FileServer {
    let query = format!("&mode=base-color{view_query}");
    let (files, (state, message)) =
        open_glb_with_view(browser, &studio.url, boxed_core(), &query, LOAD_TIMEOUT).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    files
}

async fn assert_outside(browser: &Browser, how: &str) {
    let pixels = stable_pixels(browser).await;
    browser.screenshot(&format!("viewer-zoom-{how}")).await;
    let red = share(&pixels, is_red);
    assert!(
        red <= MAX_RED_FRACTION,
        "{how}: the camera is inside the model ({:.1}% of the canvas shows the core)",
        red * 100.0
    );
}

async fn assert_not_a_dot(browser: &Browser, how: &str, framed: f64) {
    let coverage = model_coverage(browser).await;
    browser.screenshot(&format!("viewer-zoom-{how}")).await;
    assert!(
        coverage >= framed * MIN_ZOOMED_OUT_SHARE,
        "{how}: the model shrank to {:.2}% of the canvas (framed: {:.2}%)",
        coverage * 100.0,
        framed * 100.0
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wheel_pinch_and_keys_keep_the_model_framed() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let _files = open(&browser, &studio, "").await;
    let framed = model_coverage(&browser).await;
    assert_outside(&browser, "framed").await;

    // The wheel, far in, then far out
    wheel(&browser, -WHEEL_DELTA, WHEEL_EVENTS).await;
    assert_outside(&browser, "wheel-in").await;
    wheel(&browser, WHEEL_DELTA, WHEEL_EVENTS).await;
    assert_not_a_dot(&browser, "wheel-out", framed).await;

    // A pinch spreading the fingers 30 times apart, then closing them
    pinch(&browser, 20.0, 600.0, 30).await;
    assert_outside(&browser, "pinch-in").await;
    pinch(&browser, 600.0, 20.0, 30).await;
    assert_not_a_dot(&browser, "pinch-out", framed).await;

    // The +/- keys, held down
    let canvas = browser
        .client
        .find(Locator::Css("#viewer canvas"))
        .await
        .unwrap();
    canvas.send_keys(&"+".repeat(KEY_PRESSES)).await.unwrap();
    assert_outside(&browser, "keys-in").await;
    canvas.send_keys(&"-".repeat(KEY_PRESSES)).await.unwrap();
    assert_not_a_dot(&browser, "keys-out", framed).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pinching_on_a_phone_keeps_the_model_framed() {
    // Where the issue saw it: a touch screen at phone size
    let studio = Studio::start().await;
    let browser = Browser::launch_phone().await;
    let _files = open(&browser, &studio, "").await;
    let framed = model_coverage(&browser).await;
    pinch(&browser, 20.0, 300.0, 30).await;
    assert_outside(&browser, "phone-pinch-in").await;
    pinch(&browser, 300.0, 20.0, 30).await;
    pinch(&browser, 300.0, 20.0, 30).await;
    assert_not_a_dot(&browser, "phone-pinch-out", framed).await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shared_camera_is_kept_within_the_limits() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let _files = open(&browser, &studio, "").await;
    let framed = model_coverage(&browser).await;

    // A link whose camera sits inside the box, next to the core: moved
    // out, it sees the box up close
    let _files = open(&browser, &studio, "&cam=0.4,0.3,0.5,0,0,0").await;
    assert_outside(&browser, "link-inside").await;
    let blue = share(&stable_pixels(&browser).await, is_blue);
    assert!(
        blue > 0.5,
        "the box fills only {:.0}% of the view",
        blue * 100.0
    );

    // And one whose camera is a kilometre away
    let _files = open(&browser, &studio, "&cam=0,0,1000,0,0,0").await;
    assert_not_a_dot(&browser, "link-far", framed).await;
    browser.close().await;
}
