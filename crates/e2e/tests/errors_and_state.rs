//! Errors where the person is looking, and state that follows what they
//! did: failed jobs and bad links in the stage, history that tells failures
//! apart, a cancelled job that leaves the previous model, share links that
//! keep their version and show their source, and deletion that cleans up.

use fantoccini::Locator;
use trellis_e2e::engine::{AfterFirst, TestEngine};
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio, drawn_fraction};

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_job_is_explained_in_the_stage_and_marked_failed_in_the_history() {
    let studio = Studio::start_with_backend(TestEngine::after_first(AfterFirst::Fail)).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.pick_example("robot.png").await;
    browser.press_generate().await;

    let problem = browser.text("#stage #stage-problem").await;
    assert!(problem.contains("sampler diverged"), "{problem}");
    browser.wait_for("#retry").await;
    // The model from before stays under the message.
    let stage_view = browser
        .client
        .execute(
            "return document.getElementById('stage').dataset.view;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(stage_view, "model");
    let failed = browser.text(".history-item.failed").await;
    assert!(
        failed.contains("Failed") && failed.contains("robot.png"),
        "{failed}"
    );
    let succeeded = browser.text(".history-item.succeeded").await;
    assert!(!succeeded.contains("Failed"), "{succeeded}");
    browser.screenshot("desktop-failed").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_to_no_generation_says_so_in_the_stage() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser
        .client
        .goto(&format!(
            "{}?g={}",
            studio.url, "0123456789abcdef0123456789abcdef"
        ))
        .await
        .unwrap();
    let problem = browser.text("#stage #stage-problem").await;
    assert!(problem.contains("No model has this link"), "{problem}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_new_job_keeps_the_previous_model_on_screen() {
    let studio = Studio::start_with_backend(TestEngine::after_first(AfterFirst::Hang)).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let link_before = browser.share_link().await;
    browser.pick_example("robot.png").await;
    browser.press_generate().await;
    // The new job's progress shows over the model that is still there.
    browser.wait_for(".stage-progress.over-model #phase").await;
    browser.screenshot("desktop-running").await;
    browser.wait_for("#cancel").await.click().await.unwrap();
    let notice = browser.text(".notice").await;
    assert!(notice.contains("model from before"), "{notice}");
    let (state, _) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered");
    browser.settle().await;
    assert!(
        drawn_fraction(&browser.canvas_pixels().await) > 0.03,
        "blanked"
    );
    assert_eq!(browser.share_link().await, link_before);
    let cancelled = browser.text(".history-item.cancelled").await;
    assert!(cancelled.contains("Cancelled"), "{cancelled}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_link_keeps_its_version_and_shows_the_photo_and_settings_it_came_from() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "cactus.png").await;
    browser.screenshot("desktop-result").await;
    let first = browser.text(".variant[aria-pressed='true']").await;
    assert!(
        first.contains("Balanced"),
        "versions are named after presets: {first}"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("[data-preset='balanced']"))
            .await
            .is_err(),
        "Balanced is offered again though it exists"
    );
    let download = browser.property("#download-glb", "download").await;
    assert_eq!(download, "cactus-balanced.glb");

    // A second version, viewed
    browser
        .client
        .execute(
            "document.querySelector('details.more-versions').open = true;",
            vec![],
        )
        .await
        .unwrap();
    browser
        .wait_for("[data-preset='fast']")
        .await
        .click()
        .await
        .unwrap();
    let light = browser
        .wait_for(".variant[aria-pressed='true']:not([disabled])")
        .await;
    assert!(light.text().await.unwrap().contains("Web light"));
    let (state, _) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered");
    assert_eq!(
        browser.property("#download-glb", "download").await,
        "cactus-web-light.glb"
    );
    let link = browser.share_link().await;
    assert!(link.contains("&v="), "the link loses the version: {link}");
    browser.close().await;

    // Opened in a fresh browser: that version, with its source
    let colleague = Browser::launch(1280, 900).await;
    colleague.client.goto(&link).await.unwrap();
    let (state, message) = colleague.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "{message}");
    let shown = colleague.text(".variant[aria-pressed='true']").await;
    assert!(shown.contains("Web light"), "opened at {shown}");
    let href = colleague.property("#download-glb", "href").await;
    assert!(href.contains("100000-1024"), "downloads {href}");
    let source = colleague.property("#source img", "src").await;
    assert!(source.ends_with("/input.png"), "{source}");
    let settings = colleague.text("#source-settings").await;
    assert!(settings.contains("quality · seed 42"), "{settings}");
    colleague.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_generation_on_screen_clears_its_viewer_link_and_downloads() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.delete_shown_generation().await;
    for gone in ["#share-link", "#download-glb", ".history-item"] {
        assert!(
            browser.client.find(Locator::Css(gone)).await.is_err(),
            "{gone} is still there"
        );
    }
    let url = browser.client.current_url().await.unwrap();
    assert!(url.query().is_none(), "the address bar keeps {url}");
    browser.close().await;
}
