//! Errors where the person is looking, and state that follows what they
//! did: failed jobs and bad links in the stage, history that tells failures
//! apart, a cancelled job that leaves the previous model, share links that
//! keep their version and show their source, and deletion that cleans up.

use async_trait::async_trait;
use fantoccini::Locator;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use trellis_api::{BackendKind, ExtractParams};
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio, drawn_fraction};
use trellis_proxy::backend::{
    Backend, BackendError, BackendHealth, Builtin, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts,
};

/// The built-in engine for the first generation; every later one either
/// fails (`fail_later`) or never finishes, as a stuck GPU job would.
struct FirstOnly {
    generated: AtomicUsize,
    fail_later: bool,
}

impl FirstOnly {
    fn new(fail_later: bool) -> Arc<Self> {
        Arc::new(Self {
            generated: AtomicUsize::new(0),
            fail_later,
        })
    }
}

#[async_trait]
impl Backend for FirstOnly {
    fn kind(&self) -> BackendKind {
        Builtin.kind()
    }

    fn capabilities(&self) -> Capabilities {
        Builtin.capabilities()
    }

    async fn health(&self) -> BackendHealth {
        Builtin.health().await
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        if self.generated.fetch_add(1, Ordering::SeqCst) == 0 {
            return Builtin.generate(request, outputs).await;
        }
        if self.fail_later {
            return Err(BackendError::Failed {
                step: "generating",
                detail: "the sampler diverged".into(),
            });
        }
        std::future::pending().await
    }

    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        Builtin.extract_glb(state, params, model).await
    }

    fn preview_cutout(
        &self,
        image: &image::RgbaImage,
    ) -> Result<trellis_proxy::backend::SubjectPreview, BackendError> {
        Builtin.preview_cutout(image)
    }
}

async fn text_of(browser: &Browser, css: &str) -> String {
    browser.wait_for(css).await.text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_job_is_explained_in_the_stage_and_marked_failed_in_the_history() {
    let studio = Studio::start_with_backend(FirstOnly::new(true)).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.pick_example("robot.png").await;
    browser.press_generate().await;

    let problem = text_of(&browser, "#stage #stage-problem").await;
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
    let failed = text_of(&browser, ".history-item.failed").await;
    assert!(
        failed.contains("Failed") && failed.contains("robot.png"),
        "{failed}"
    );
    let succeeded = text_of(&browser, ".history-item.succeeded").await;
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
    let problem = text_of(&browser, "#stage #stage-problem").await;
    assert!(problem.contains("No model has this link"), "{problem}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_new_job_keeps_the_previous_model_on_screen() {
    let studio = Studio::start_with_backend(FirstOnly::new(false)).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let link_before = browser.share_link().await;
    browser.pick_example("robot.png").await;
    browser.press_generate().await;
    // The new job's progress shows over the model that is still there.
    browser.wait_for(".stage-progress.over-model #phase").await;
    browser.screenshot("desktop-running").await;
    browser.wait_for("#cancel").await.click().await.unwrap();
    let notice = text_of(&browser, ".notice").await;
    assert!(notice.contains("model from before"), "{notice}");
    let (state, _) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered");
    browser.settle().await;
    assert!(
        drawn_fraction(&browser.canvas_pixels().await) > 0.03,
        "blanked"
    );
    assert_eq!(browser.share_link().await, link_before);
    let cancelled = text_of(&browser, ".history-item.cancelled").await;
    assert!(cancelled.contains("Cancelled"), "{cancelled}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_link_keeps_its_version_and_shows_the_photo_and_settings_it_came_from() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "cactus.png").await;
    browser.screenshot("desktop-result").await;
    let first = text_of(&browser, ".variant[aria-pressed='true']").await;
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
    let shown = text_of(&colleague, ".variant[aria-pressed='true']").await;
    assert!(shown.contains("Web light"), "opened at {shown}");
    let href = colleague.property("#download-glb", "href").await;
    assert!(href.contains("100000-1024"), "downloads {href}");
    let source = colleague.property("#source img", "src").await;
    assert!(source.ends_with("/input.png"), "{source}");
    let settings = text_of(&colleague, "#source-settings").await;
    assert!(settings.contains("quality · seed 42"), "{settings}");
    colleague.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_the_generation_on_screen_clears_its_viewer_link_and_downloads() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser
        .wait_for(
            ".history-item[aria-current='true'] .history-actions button[aria-label^='Delete']",
        )
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_for(".history-confirm button.danger")
        .await
        .click()
        .await
        .unwrap();
    browser.wait_for("#stage[data-view='empty']").await;
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
