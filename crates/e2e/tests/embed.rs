//! The embed (`&embed=1`): the viewer alone, for a generation or any GLB,
//! with orbit, reset, full screen and a link back, a poster while loading,
//! and nothing else; usable at 300×300.

use fantoccini::Locator;
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio, drawn_fraction};

/// Records the first poster the page shows, however briefly.
const WATCH_POSTER: &str = "new MutationObserver(() => {
    const poster = document.querySelector('.viewer-poster');
    if (poster && !window.__posterSeen) window.__posterSeen = poster.src;
}).observe(document, { subtree: true, childList: true, attributes: true });";

/// What must not be in an embed, whatever its size.
const STUDIO_ONLY: [&str; 8] = [
    "#generate",
    "#image-input",
    ".app-header",
    "#share-link",
    "#viewer-mode",
    "#viewer-more",
    "#viewer-alpha-download",
    "#viewer-stats",
];

async fn assert_viewer_alone(browser: &Browser, what: &str) {
    for control in STUDIO_ONLY {
        assert!(
            browser.client.find(Locator::Css(control)).await.is_err(),
            "{control} shown in the {what} embed"
        );
    }
    for control in ["#viewer-reset", "#viewer-fullscreen", "#viewer-home"] {
        browser.wait_for(control).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generation_embeds_at_300_by_300_with_minimal_controls_and_a_poster() {
    let studio = Studio::start().await;
    let maker = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let link = maker.share_link().await;
    maker.close().await;

    let embed = Browser::launch_emulated(300, 300, true).await;
    embed.run_before_page_scripts(WATCH_POSTER).await;
    embed.watch_console().await;
    embed.client.goto(&format!("{link}&embed=1")).await.unwrap();
    let (state, message) = embed.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "embed: {message}");
    embed.screenshot("phone-embed").await;
    assert_viewer_alone(&embed, "300×300").await;

    let viewer = embed.rect("#viewer").await;
    assert!(
        viewer.width >= 299.0 && viewer.height >= 299.0,
        "the viewer does not fill the frame: {viewer:?}"
    );
    let (reset, fullscreen, home) = (
        embed.rect("#viewer-reset").await,
        embed.rect("#viewer-fullscreen").await,
        embed.rect("#viewer-home").await,
    );
    assert!(reset.overlap(&fullscreen) < 1.0 && reset.overlap(&home) < 1.0);
    let covered = reset.area() + fullscreen.area() + home.area();
    assert!(covered / viewer.area() < 0.1, "controls crowd the model");
    assert!(drawn_fraction(&embed.canvas_pixels().await) > 0.03);

    let poster = embed
        .client
        .execute("return window.__posterSeen || null;", vec![])
        .await
        .unwrap();
    let poster = poster.as_str().unwrap_or_default();
    assert!(
        poster.contains("/input.png"),
        "no poster while loading: {poster:?}"
    );
    let home = embed.property("#viewer-home", "href").await;
    assert!(
        home.contains("?g=") && !home.contains("embed"),
        "the link back: {home}"
    );
    assert_eq!(embed.console_problems().await, Vec::<String>::new());
    embed.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn any_glb_embeds_with_model_and_embed_1() {
    let studio = Studio::start().await;
    let maker = Browser::with_model_from_example(&studio.url, "robot.png").await;
    let glb_url = maker.property("#download-glb", "href").await;
    maker.close().await;

    let embed = Browser::launch(640, 480).await;
    embed.run_before_page_scripts(WATCH_POSTER).await;
    let poster = format!("{}examples/robot.png", studio.url);
    let url = format!(
        "{}?model={}&embed=1&poster={}",
        studio.url,
        trellis_e2e::glb::query_escape(&glb_url),
        trellis_e2e::glb::query_escape(&poster)
    );
    embed.client.goto(&url).await.unwrap();
    let (state, message) = embed.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "embed: {message}");
    embed.screenshot("desktop-embed").await;
    assert_viewer_alone(&embed, "?model=").await;
    let seen = embed
        .client
        .execute("return window.__posterSeen || null;", vec![])
        .await
        .unwrap();
    assert_eq!(seen.as_str(), Some(poster.as_str()), "the &poster= image");
    embed.close().await;
}
