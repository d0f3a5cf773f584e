//! The app on a server that strangers use: it asks once for the
//! operator's API key and can forget it, shows creator controls only where
//! it holds the owner token, says when a quota lets it try again, and
//! explains removed links.

use fantoccini::Locator;
use std::time::Duration;
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio, engine::TestEngine};

async fn stored_key(browser: &Browser) -> Option<String> {
    let key = browser
        .client
        .execute("return localStorage.getItem('trellis-api-key');", vec![])
        .await
        .unwrap();
    key.as_str().map(str::to_string)
}

/// Types `key` into the key prompt and submits it.
async fn give_key(browser: &Browser, key: &str) {
    let input = browser.wait_for("#api-key-prompt #api-key").await;
    input.clear().await.unwrap();
    input.send_keys(key).await.unwrap();
    browser
        .wait_for("#api-key-prompt button[type='submit']")
        .await
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_with_keys_asks_for_one_once_keeps_it_and_forgets_it_on_request() {
    let (studio, key) = Studio::start_with_api_key().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    browser.pick_example("mug.png").await;

    // Asked before anything uses the server; a wrong key is refused in words.
    let reason = browser.text("#api-key-prompt .reason").await;
    assert!(reason.contains("API key"), "{reason}");
    give_key(&browser, "trk_not-a-real-key").await;
    let reason = browser.text("#api-key-prompt .reason").await;
    assert!(reason.to_lowercase().contains("key"), "{reason}");
    assert_eq!(stored_key(&browser).await, None, "a refused key was kept");

    // The right key works, is kept, and the model is made.
    give_key(&browser, &key).await;
    browser.wait_for("#show-cutout").await;
    assert_eq!(stored_key(&browser).await.as_deref(), Some(key.as_str()));
    browser.generate().await;

    // Not asked again after a reload; forgotten on request.
    browser.open(&studio.url).await;
    browser.pick_example("robot.png").await;
    browser.wait_for("#show-cutout").await;
    assert!(
        browser
            .client
            .find(Locator::Css("#api-key-prompt"))
            .await
            .is_err()
    );
    browser.wait_for("#forget-key").await.click().await.unwrap();
    assert_eq!(stored_key(&browser).await, None);
    assert!(
        browser
            .client
            .find(Locator::Css("#forget-key"))
            .await
            .is_err()
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_link_opened_elsewhere_shows_no_creator_controls() {
    let (engine, gate) = TestEngine::gated();
    let studio = Studio::start_with_backend(engine).await;
    let creator = Browser::launch(1280, 900).await;
    creator.open(&studio.url).await;
    creator.pick_example("cactus.png").await;
    creator.press_generate().await;
    creator.wait_for("#cancel").await;
    let job_link = creator.client.current_url().await.unwrap().to_string();

    // A viewer of the running job sees its progress, but no Cancel.
    let viewer = Browser::launch(1280, 900).await;
    viewer.client.goto(&job_link).await.unwrap();
    viewer.wait_for("#phase").await;
    assert!(viewer.client.find(Locator::Css("#cancel")).await.is_err());

    gate.open();
    for browser in [&creator, &viewer] {
        let (state, message) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
        assert_eq!(state, "rendered", "{message}");
    }
    // The creator may make new versions; the viewer may only download.
    creator.wait_for("details.more-versions").await;
    viewer.wait_for("#download-glb").await;
    assert!(
        viewer
            .client
            .find(Locator::Css("details.more-versions"))
            .await
            .is_err(),
        "a viewer is offered paid GPU work"
    );
    creator.close().await;
    viewer.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn over_the_hourly_quota_the_page_says_when_to_try_again() {
    let studio = Studio::start_with(&["--generations-per-hour", "1"]).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.pick_example("robot.png").await;
    browser.press_generate().await;
    let problem = browser.text(".generate-bar .error-banner").await;
    assert!(!problem.is_empty());
    let label = browser.text("#generate").await;
    assert!(label.starts_with("Try again in"), "{label}");
    assert_eq!(browser.property("#generate", "disabled").await, "true");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn links_to_removed_models_say_whether_they_expired_or_were_deleted() {
    // Kept for about a quarter of a second.
    let studio = Studio::start_with(&["--retention-days", "0.000003"]).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let expired_link = browser.share_link().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    studio.sweep_now().await;
    browser.close().await;

    let visitor = Browser::launch(1280, 900).await;
    visitor.client.goto(&expired_link).await.unwrap();
    let problem = visitor.text("#stage-problem").await;
    assert!(problem.contains("This model has expired"), "{problem}");
    visitor.close().await;

    // Deleted by its creator
    let studio = Studio::start().await;
    let creator = Browser::with_model_from_example(&studio.url, "cactus.png").await;
    let deleted_link = creator.share_link().await;
    creator.delete_shown_generation().await;
    creator.close().await;
    let visitor = Browser::launch(1280, 900).await;
    visitor.client.goto(&deleted_link).await.unwrap();
    let problem = visitor.text("#stage-problem").await;
    assert!(problem.contains("deleted by its creator"), "{problem}");
    visitor.close().await;
}
