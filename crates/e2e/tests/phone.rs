//! The studio on a phone (390×844, touch), where it was seen to fail: a
//! blank viewer on the first screen, Generate that seemed to do nothing, and
//! viewer controls on top of each other.

use fantoccini::Locator;
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Rect, Studio, drawn_fraction, engine::TestEngine};

/// The share of the viewer the model must keep, clear of controls.
const MIN_CANVAS_SHARE: f64 = 0.75;

/// Whether the element matching `css` takes up space on the page.
async fn is_displayed(browser: &Browser, css: &str) -> bool {
    browser
        .client
        .execute(
            "const e = document.querySelector(arguments[0]);
             return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';",
            vec![css.into()],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_empty_page_on_a_phone_offers_the_camera_and_no_blank_viewer() {
    let studio = Studio::start().await;
    let browser = Browser::launch_phone().await;
    browser.open(&studio.url).await;
    browser.screenshot("phone-empty").await;

    assert!(
        !is_displayed(&browser, "#stage").await,
        "a blank stage fills the first screen"
    );
    let zone = browser.wait_for(".drop-zone").await.text().await.unwrap();
    assert!(zone.contains("Take or choose a photo"), "{zone}");
    assert!(
        !zone.to_lowercase().contains("paste") && !zone.to_lowercase().contains("drop"),
        "desktop wording on a touch screen: {zone}"
    );
    let capture = browser
        .client
        .find(Locator::Css("#camera-input"))
        .await
        .expect("a camera input")
        .attr("capture")
        .await
        .unwrap();
    assert_eq!(capture.as_deref(), Some("environment"));
    // The photo and its examples are on the first screen.
    let (_, height) = browser.viewport().await;
    assert!(browser.rect(".examples").await.bottom() < height);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn generate_on_a_phone_brings_the_progress_then_the_model_into_view() {
    let (engine, gate) = TestEngine::gated();
    let studio = Studio::start_with_backend(engine).await;
    let browser = Browser::launch_phone().await;
    browser.open(&studio.url).await;
    browser.pick_example("mug.png").await;

    // The order of the work: photo, Generate, (stage), settings collapsed.
    let photo = browser.rect("#photo").await;
    let generate = browser.rect("#generate").await;
    let settings = browser.rect("#settings").await;
    assert!(photo.y < generate.y && generate.bottom() < settings.y);
    let settings_open = browser.property("#settings", "open").await;
    assert_eq!(
        settings_open, "false",
        "settings start collapsed on a phone"
    );

    // Scrolled as a reader would, with Generate at the bottom of the screen.
    browser
        .client
        .execute(
            "document.getElementById('generate').scrollIntoView({block: 'end'});",
            vec![],
        )
        .await
        .unwrap();
    browser.press_generate().await;
    browser.wait_for("#phase").await;
    let (_, height) = browser.viewport().await;
    wait_until_in_view(&browser, ".progress-card", height).await;
    browser.screenshot("phone-running").await;
    let stage = browser.rect("#stage").await;
    assert!(
        browser.rect("#generate").await.bottom() <= stage.y + 1.0,
        "the stage comes after Generate"
    );
    assert!(stage.bottom() <= browser.rect("#settings").await.y + 1.0);

    gate.open();
    let (state, message) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "{message}");
    wait_until_in_view(&browser, "#viewer", height).await;
    browser.screenshot("phone-result").await;
    assert!(drawn_fraction(&browser.canvas_pixels().await) > 0.03);
    browser.close().await;
}

/// Waits until the element is wholly on screen (scrolling is smooth).
async fn wait_until_in_view(browser: &Browser, css: &str, height: f64) {
    let mut rect = browser.rect(css).await;
    for _ in 0..50 {
        if rect.within_viewport(height) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        rect = browser.rect(css).await;
    }
    panic!("{css} is off screen: {rect:?} in a viewport {height} px tall");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_viewer_controls_on_a_phone_do_not_overlap_and_leave_the_model_room() {
    let studio = Studio::start().await;
    let browser = Browser::launch_phone().await;
    browser.open(&studio.url).await;
    browser.pick_example("robot.png").await;
    browser.generate().await;

    let viewer = browser.rect("#viewer").await;
    let controls = visible_rects(
        &browser,
        "#viewer .viewer-bar > *, #viewer .viewer-home, #viewer .viewer-message",
    )
    .await;
    assert!(
        controls.len() >= 4,
        "the control bar is missing: {controls:?}"
    );
    for (i, (a_name, a)) in controls.iter().enumerate() {
        assert!(
            a.x >= viewer.x - 0.5 && a.right() <= viewer.right() + 0.5,
            "{a_name} is cut off by the viewer's edge: {a:?} in {viewer:?}"
        );
        for (b_name, b) in &controls[i + 1..] {
            assert!(a.overlap(b) < 1.0, "{a_name} overlaps {b_name}");
        }
    }
    let covered: f64 = controls.iter().map(|(_, r)| r.overlap(&viewer)).sum();
    let share = 1.0 - covered / viewer.area();
    assert!(
        share >= MIN_CANVAS_SHARE,
        "the controls cover {:.0}% of the viewer",
        (1.0 - share) * 100.0
    );
    // Statistics and alpha live in a sheet, closed until asked for.
    assert!(!is_displayed(&browser, "#viewer-stats").await);
    browser.open_viewer_sheet().await;
    assert!(is_displayed(&browser, "#viewer-stats").await);
    assert!(is_displayed(&browser, "#viewer-alpha-download").await);
    let sheet = browser.rect("#viewer-sheet").await;
    assert!(sheet.bottom() <= viewer.bottom() + 0.5 && sheet.x >= viewer.x - 0.5);
    browser.screenshot("phone-result-details").await;
    browser.close().await;
}

/// The boxes of the visible elements matching `css`, named for messages.
async fn visible_rects(browser: &Browser, css: &str) -> Vec<(String, Rect)> {
    let value = browser
        .client
        .execute(
            "return [...document.querySelectorAll(arguments[0])]
                .filter(e => e.getClientRects().length > 0 && e.textContent !== null)
                .filter(e => !(e.classList.contains('viewer-message') && !e.textContent.trim()))
                .map(e => { const r = e.getBoundingClientRect();
                            return [e.id || e.className || e.tagName, r.left, r.top, r.width, r.height]; });",
            vec![css.into()],
        )
        .await
        .unwrap();
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let item = item.as_array().unwrap();
            let n = |i: usize| item[i].as_f64().unwrap_or(0.0);
            (
                item[0].as_str().unwrap_or("?").to_string(),
                Rect {
                    x: n(1),
                    y: n(2),
                    width: n(3),
                    height: n(4),
                },
            )
        })
        .collect()
}
