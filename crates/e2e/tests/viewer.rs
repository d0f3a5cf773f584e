//! The 3D viewer on its own, fed crafted GLBs through `?model=<url>` from a
//! second origin:
//! display modes, keyboard camera control, WebP textures, and malformed
//! files that must end in a clear error without taking the page down.

use fantoccini::Locator;
use std::time::Duration;
use trellis_e2e::glb::{Damage, TestGlb, Textures};
use trellis_e2e::{Browser, Studio, changed_fraction, drawn_fraction};

/// Loading a small crafted GLB takes well under a second; SwiftShader and a
/// busy machine get plenty of slack.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// The blob covers far more of the canvas than this.
const MIN_DRAWN_FRACTION: f64 = 0.03;
/// Two renders of the model count as different when at least this share
/// of the canvas changed clearly: well above anti-aliasing noise.
const MIN_CHANGED_FRACTION: f64 = 0.005;
/// Every display mode's key, in menu order.
const DISPLAY_MODES: [&str; 9] = [
    "shaded",
    "wireframe",
    "clay",
    "normals",
    "base-color",
    "metallic",
    "roughness",
    "alpha",
    "uv-checker",
];
/// WebDriver key codes (W3C WebDriver §17.4.2).
const ARROW_RIGHT: &str = "\u{E014}";
const ARROW_UP: &str = "\u{E013}";

/// Opens the studio with `glb` as its `?model=` and waits for the viewer.
async fn open_model(browser: &Browser, studio: &Studio, glb: &[u8]) -> (String, String) {
    browser
        .open_glb(&studio.url, glb.to_vec(), LOAD_TIMEOUT)
        .await
        .1
}

#[tokio::test(flavor = "multi_thread")]
async fn every_display_mode_draws_the_model_differently() {
    // Given a textured TRELLIS-shaped model in the viewer
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    let (state, message) =
        open_model(&browser, &studio, &TestGlb::blob(Textures::Png).to_bytes()).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    let page = &browser.client;
    let label = page
        .find(Locator::Css("#viewer canvas"))
        .await
        .unwrap()
        .attr("aria-label")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        label.starts_with("3D model: ") && label.contains("textured"),
        "canvas label: {label}"
    );

    // When each mode of the menu is chosen in turn
    let modes = page
        .execute(
            "return [...document.querySelectorAll('#viewer-mode option')].map(o => o.value);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(modes, serde_json::json!(DISPLAY_MODES), "display mode menu");
    let mut renders = Vec::new();
    for mode in DISPLAY_MODES {
        browser.set_display_mode(mode).await;
        assert_eq!(
            browser.property("#viewer-mode", "value").await,
            mode,
            "{mode} is not shown as chosen"
        );
        let pixels = browser.canvas_pixels().await;
        assert!(
            drawn_fraction(&pixels) > MIN_DRAWN_FRACTION,
            "{mode} draws nothing"
        );
        browser.screenshot(&format!("viewer-mode-{mode}")).await;
        renders.push((mode, pixels));
    }

    // Then no two modes look alike
    for (i, (mode_a, a)) in renders.iter().enumerate() {
        for (mode_b, b) in &renders[i + 1..] {
            let changed = changed_fraction(a, b);
            assert!(
                changed > MIN_CHANGED_FRACTION,
                "{mode_a} and {mode_b} look the same ({:.2}% differs)",
                changed * 100.0
            );
        }
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn arrow_keys_turn_the_camera_and_r_resets_it() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let (state, message) =
        open_model(&browser, &studio, &TestGlb::blob(Textures::Png).to_bytes()).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    let canvas = browser
        .client
        .find(Locator::Css("#viewer canvas"))
        .await
        .unwrap();
    browser.settle().await;
    let home = browser.canvas_pixels().await;

    // When the canvas gets arrow keys from the keyboard
    canvas
        .send_keys(&format!("{ARROW_RIGHT}{ARROW_RIGHT}{ARROW_UP}"))
        .await
        .unwrap();
    browser.settle().await;
    let turned = browser.canvas_pixels().await;

    // Then the view turned
    let changed = changed_fraction(&home, &turned);
    assert!(
        changed > MIN_CHANGED_FRACTION,
        "arrow keys did not turn the view ({:.2}%)",
        changed * 100.0
    );

    // And R brings back the starting view exactly
    canvas.send_keys("r").await.unwrap();
    browser.settle().await;
    let reset = browser.canvas_pixels().await;
    assert!(
        changed_fraction(&home, &reset) < MIN_CHANGED_FRACTION,
        "R did not return to the starting view"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_glb_with_webp_textures_from_the_official_exporter_renders() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let webp = TestGlb::blob(Textures::Webp).to_bytes();
    let (state, message) = open_model(&browser, &studio, &webp).await;
    assert_eq!(state, "rendered", "WebP GLB failed: {message}");
    let pixels = browser.canvas_pixels().await;
    assert!(
        drawn_fraction(&pixels) > MIN_DRAWN_FRACTION,
        "the WebP model is not visible"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_glbs_show_a_clear_error_and_the_page_keeps_working() {
    let cases = [
        (Damage::BadMagic, "not a GLB"),
        (Damage::Truncated, "cut off"),
        (Damage::IndexOutOfRange, "vertex 1000000"),
        (Damage::HugeTexture, "100000×100000"),
    ];
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    for (damage, expected) in cases {
        let name = format!("{damage:?}");
        let (state, message) = open_model(&browser, &studio, &damage.apply()).await;
        assert_eq!(
            state, "error",
            "{name}: the viewer did not refuse it ({message})"
        );
        assert!(
            message.contains(expected),
            "{name}: unclear message: {message}"
        );
    }
    browser.screenshot("viewer-malformed").await;

    // And after the last error the page still works: its controls still
    // answer (a wasm abort would leave every handler dead).
    let page = &browser.client;
    let theme = || page.execute("return document.documentElement.dataset.theme;", vec![]);
    let before = theme().await.unwrap();
    page.find(Locator::Css("#theme-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.settle().await;
    assert_ne!(theme().await.unwrap(), before, "the page stopped answering");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mask_and_blend_previews_change_how_alpha_shows() {
    // Given the blob, whose base colour fades to transparent along U but
    // which declares OPAQUE, as TRELLIS.2 exports
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let (state, message) =
        open_model(&browser, &studio, &TestGlb::blob(Textures::Png).to_bytes()).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    browser.open_viewer_sheet().await;
    let select = browser
        .client
        .find(Locator::Css("#viewer-alpha-mode"))
        .await
        .unwrap();
    assert_eq!(
        select.prop("value").await.unwrap().as_deref(),
        Some("OPAQUE")
    );
    browser.settle().await;
    let opaque = browser.canvas_pixels().await;

    // When MASK is chosen, then BLEND
    select.select_by_value("MASK").await.unwrap();
    browser.settle().await;
    let masked = browser.canvas_pixels().await;
    select.select_by_value("BLEND").await.unwrap();
    browser.settle().await;
    let blended = browser.canvas_pixels().await;

    // Then each shows the alpha differently
    for (name, a, b) in [
        ("MASK", &opaque, &masked),
        ("BLEND", &opaque, &blended),
        ("MASK/BLEND", &masked, &blended),
    ] {
        let changed = changed_fraction(a, b);
        assert!(
            changed > MIN_CHANGED_FRACTION,
            "{name}: no visible change ({:.2}%)",
            changed * 100.0
        );
    }
    browser.close().await;
}
