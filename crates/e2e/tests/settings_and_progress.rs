//! Settings that speak the user's language and progress that says what is
//! happening, on a desktop: labels in messages, hidden mistakes brought
//! into view, a Reset that works on the first click, named quality levels,
//! an ETA while queued, a theme button that names what it does, a share row
//! that holds still, and a console with nothing to complain about.

use fantoccini::{Locator, key::Key};
use trellis_e2e::{Browser, Studio, engine::TestEngine};

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_setting_in_the_closed_advanced_section_is_opened_and_focused() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    browser.pick_example("mug.png").await;
    browser.set_value("ss_sampling_steps", "0").await;
    assert_eq!(browser.property("#advanced", "open").await, "false");

    browser.press_generate().await;
    browser.wait_for("#advanced[open]").await;
    let focused = browser
        .client
        .execute("return document.activeElement.id;", vec![])
        .await
        .unwrap();
    assert_eq!(focused, "ss_sampling_steps");
    let problem = browser.text("#ss_sampling_steps-problem").await;
    assert!(problem.starts_with("Structure steps"), "{problem}");
    assert!(browser.client.find(Locator::Css("#phase")).await.is_err());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_to_defaults_works_on_the_first_click_after_a_bad_value() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    browser
        .client
        .execute("document.getElementById('advanced').open = true;", vec![])
        .await
        .unwrap();
    // Typed by hand, so the message appears as the field loses focus to the
    // click, between the button's mouse-down and mouse-up.
    let field = browser.wait_for("#shape_slat_sampling_steps").await;
    field.click().await.unwrap();
    field
        .send_keys(&format!("{}{}0", Key::End, Key::Backspace))
        .await
        .unwrap();
    let reset = browser.wait_for("#reset-settings").await;
    reset.click().await.unwrap();

    assert_eq!(
        browser
            .property("#shape_slat_sampling_steps", "value")
            .await,
        "12"
    );
    assert_eq!(browser.text("#shape_slat_sampling_steps-problem").await, "");
    // Not flush against what is above it.
    let summary = browser.rect("#advanced > summary").await;
    let button = browser.rect("#reset-settings").await;
    assert!(button.y - summary.bottom() >= 8.0, "{summary:?} {button:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn quality_levels_have_names_costs_and_results_rather_than_pipeline_ids() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    let quality = browser.text("#pipeline_type").await;
    for name in ["Draft", "Standard", "Detailed", "Finest", "recommended"] {
        assert!(quality.contains(name), "{name} missing: {quality}");
    }
    for raw in ["1024_cascade", "1536_cascade", "0 s", "0–"] {
        assert!(!quality.contains(raw), "{raw} shown: {quality}");
    }
    assert!(quality.contains("a few seconds"), "no cost: {quality}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_queued_job_shows_its_place_and_an_eta_and_never_about_0_s() {
    let (engine, gate) = TestEngine::gated();
    let studio = Studio::start_with_backend(engine).await;
    let first = Browser::launch(1280, 900).await;
    first.open(&studio.url).await;
    first.pick_example("mug.png").await;
    first.press_generate().await;
    first.wait_for("#phase").await;

    let second = Browser::launch(1280, 900).await;
    second.open(&studio.url).await;
    second.pick_example("robot.png").await;
    second.press_generate().await;
    let detail = second.text("#progress-detail").await;
    assert!(detail.contains("Next in line"), "{detail}");
    assert!(detail.contains("done in"), "no ETA while queued: {detail}");
    assert!(!detail.contains("about 0 s"), "{detail}");
    second.screenshot("desktop-queued").await;
    // The stage shows the photo being worked on, not an empty viewer.
    let photo = second.property(".stage-photo", "src").await;
    assert!(photo.ends_with("/input.png"), "{photo}");
    gate.open();
    first.close().await;
    second.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_theme_button_names_the_theme_it_switches_to() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    let button = browser.wait_for("#theme-toggle").await;
    let before = button.text().await.unwrap();
    button.click().await.unwrap();
    let after = browser.text("#theme-toggle").await;
    let theme = browser
        .client
        .execute("return document.documentElement.dataset.theme;", vec![])
        .await
        .unwrap();
    let expected = if theme == "dark" {
        "Light theme"
    } else {
        "Dark theme"
    };
    assert!(
        after.contains(expected),
        "{theme} page, button says {after}"
    );
    assert_ne!(before, after);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copying_the_share_link_says_copied_without_moving_the_row() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.allow_clipboard().await;
    browser.watch_console().await;
    browser.open(&studio.url).await;
    browser.pick_example("mug.png").await;
    browser.generate().await;
    let before = (
        browser.rect("#copy-share-link").await,
        browser.rect("#copy-embed").await,
    );
    browser
        .wait_for("#copy-share-link")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for("#copy-share-link span:not(.gone)[aria-live]")
        .await;
    let after = (
        browser.rect("#copy-share-link").await,
        browser.rect("#copy-embed").await,
    );
    assert_eq!(before, after, "the share row moved");
    // And the whole visit left nothing in the console.
    assert_eq!(browser.console_problems().await, Vec::<String>::new());
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_glb_on_a_static_host_with_no_api_is_viewer_only_and_quiet() {
    let site = tempfile::tempdir().unwrap();
    trellis_e2e::static_host::copy_dir(&trellis_e2e::dist_dir(), site.path());
    let host = trellis_e2e::static_host::StaticHost::start(site.path(), "/viewer").await;
    let glb = trellis_e2e::glb::TestGlb::blob(trellis_e2e::glb::Textures::Png).to_bytes();
    let browser = Browser::launch(1280, 900).await;
    browser.watch_console().await;
    let (_files, (state, message)) = browser
        .open_glb(
            &format!("{}/viewer/", host.origin),
            glb,
            trellis_e2e::GENERATION_TIMEOUT,
        )
        .await;
    assert_eq!(state, "rendered", "{message}");
    let badge = browser.text("#health").await;
    assert!(badge.contains("Viewer only"), "{badge}");
    let page = browser.page_text().await;
    assert!(!page.contains("HTTP 404"), "{page}");
    assert_eq!(browser.console_problems().await, Vec::<String>::new());
    browser.close().await;
}
