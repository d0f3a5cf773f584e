//! A share link and an embed open a generated model's web-optimized copy:
//! the coarse level first, then the optimized full level, and never the
//! original file as extracted (which downloads still save).

use std::time::Duration;
use trellis_e2e::main_thread::{MainThreadRecord, RECORDER};
use trellis_e2e::{Browser, Studio};

/// The proxy makes the optimized copy a moment after the extraction.
const OPTIMIZED_TIMEOUT: Duration = Duration::from_secs(120);
const LOAD_TIMEOUT: Duration = Duration::from_secs(120);

/// The generation the studio page shows, as the API gives it, once its
/// first model's web-optimized copy is no longer being made.
async fn settled_model(browser: &Browser, link: &str) -> serde_json::Value {
    // The app's link (`?g=ID`) or the server's share page (`share/ID?…`).
    let id = link
        .split("g=")
        .nth(1)
        .or_else(|| link.split("share/").nth(1))
        .expect("a generation link");
    let id = id.split(['&', '?']).next().unwrap_or(id);
    let deadline = tokio::time::Instant::now() + OPTIMIZED_TIMEOUT;
    loop {
        let generation = browser
            .client
            .execute_async(
                "const done = arguments[1];
                 fetch('api/generations/' + arguments[0]).then((r) => r.json()).then(done, (e) => done(String(e)));",
                vec![id.into()],
            )
            .await
            .expect("the generation");
        let model = generation["models"][0].clone();
        if model["optimized_status"] != "pending" {
            return model;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no optimized copy: {model}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The paths of every file the page downloaded, in order.
async fn fetched(browser: &Browser) -> Vec<String> {
    let names = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname);",
            vec![],
        )
        .await
        .expect("resource timing");
    names
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn share_and_embed_links_open_the_coarse_then_the_optimized_model() {
    // Given a generated model whose web-optimized copy the proxy has made
    let studio = Studio::start().await;
    let maker = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let link = maker.share_link().await;
    let model = settled_model(&maker, &link).await;
    maker.close().await;
    assert_eq!(model["optimized_status"], "ready", "{model}");
    let path = |key: &str| {
        let url = model[key].as_str().unwrap_or_else(|| panic!("no {key}"));
        url.rsplit_once("/api/")
            .map_or(url.to_string(), |(_, rest)| format!("/api/{rest}"))
    };
    let (original, optimized, coarse) = (path("url"), path("optimized_url"), path("coarse_url"));

    for (name, url) in [
        ("share link", link.clone()),
        ("embed", format!("{link}&embed=1")),
    ] {
        // When someone opens it
        let browser = Browser::launch(1000, 800).await;
        browser.run_before_page_scripts(RECORDER).await;
        browser.client.goto(&url).await.expect("open the link");
        let (state, message) = browser.wait_for_viewer(LOAD_TIMEOUT).await;
        assert_eq!(state, "rendered", "{name}: {message}");

        // Then the coarse level came first and was drawn, then the
        // optimized full level; the original was never downloaded
        let files = fetched(&browser).await;
        let at = |wanted: &str| files.iter().position(|f| f.ends_with(wanted));
        assert!(
            matches!((at(&coarse), at(&optimized)), (Some(c), Some(o)) if c < o),
            "{name} fetched {files:?}, not {coarse} then {optimized}"
        );
        assert_eq!(
            at(&original),
            None,
            "{name} fetched the original: {files:?}"
        );
        let record = MainThreadRecord::read(&browser).await;
        let states = record.states();
        assert!(
            states.ends_with(&["coarse", "rendered"]),
            "{name}: states {states:?}"
        );
        browser.close().await;
    }
}
