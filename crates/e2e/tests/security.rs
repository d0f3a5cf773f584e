//! The app under the server's Content-Security-Policy: the whole flow (an
//! example photo generated and rendered, display modes, the share and
//! embed links) runs without a single violation, while an injected inline
//! script is refused.

use trellis_e2e::{Browser, Studio, drawn_fraction};

/// Installed before the page's own scripts (through DevTools, which the
/// policy does not cover), so violations during loading count too.
const RECORD_VIOLATIONS: &str = r"
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));
";
/// A visible model covers well over this share of the canvas.
const MIN_DRAWN_FRACTION: f64 = 0.03;

/// The violations the page has seen so far.
async fn violations(browser: &Browser) -> Vec<String> {
    let seen = browser
        .client
        .execute(
            "return window.__cspViolations || ['the recorder is missing'];",
            vec![],
        )
        .await
        .expect("read the violations");
    serde_json::from_value(seen).expect("a list of violations")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_whole_app_works_under_its_content_security_policy() {
    // Given the studio served with its policy
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    browser.run_before_page_scripts(RECORD_VIOLATIONS).await;

    // When a model is made from an example and looked at every way
    browser.open(&studio.url).await;
    browser.pick_example("cactus.png").await;
    browser.generate().await;
    let pixels = browser.canvas_pixels().await;
    assert!(
        drawn_fraction(&pixels) > MIN_DRAWN_FRACTION,
        "no model on screen"
    );
    let modes = browser
        .client
        .execute(
            "return [...document.querySelectorAll('#viewer-mode option')].map(o => o.value);",
            vec![],
        )
        .await
        .unwrap();
    let modes = modes.as_array().expect("a list of modes").clone();
    assert!(!modes.is_empty(), "no display modes");
    for mode in modes {
        browser
            .set_display_mode(mode.as_str().unwrap_or_default())
            .await;
    }
    // The details sheet, with its alpha preview and downloads.
    browser.open_viewer_sheet().await;

    // And its share link and embed link are opened
    let link = browser.share_link().await;
    browser.client.goto(&link).await.unwrap();
    browser
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    let embed = format!("{link}&embed=1");
    browser.client.goto(&embed).await.unwrap();
    browser
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;

    // Then nothing was blocked
    assert_eq!(violations(&browser).await, Vec::<String>::new());

    // And the policy is really there: an injected inline script is refused
    let ran = browser
        .client
        .execute(
            "const s = document.createElement('script'); s.textContent = 'window.__injected = true;'; \
             document.head.appendChild(s); return window.__injected === true;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        ran,
        serde_json::json!(false),
        "an injected inline script ran"
    );
    browser.settle().await;
    let seen = violations(&browser).await;
    assert!(seen.iter().any(|v| v.starts_with("script-src")), "{seen:?}");
    browser.close().await;
}
