//! Keyboard-only use: from a fresh page, Tab and Enter alone pick an
//! example, generate, and reach every control in page order, each showing
//! where focus is.

use serde_json::Value;
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio};

/// WebDriver's key codes.
const TAB: char = '\u{E004}';
const ENTER: char = '\u{E007}';
const ARROW_RIGHT: char = '\u{E014}';
/// More Tab presses than the finished page has stops, so a control that
/// Tab never reaches fails the test instead of looping forever.
const MAX_TAB_STOPS: usize = 150;

/// Landmarks a keyboard user must meet, in this order, top to bottom.
/// The order of the work: the photo, Generate, the model and what to do
/// with it, then the settings.
const EXPECTED_ORDER: [(&str, &str); 11] = [
    ("theme", ".theme-toggle"),
    ("photo", "#image-input"),
    ("example", "button[data-example]"),
    ("generate", "#generate"),
    ("canvas", "#viewer canvas"),
    ("display mode", "#viewer-mode"),
    ("reset view", "#viewer-reset"),
    ("download", "#download-glb"),
    ("share", "#copy-share-link"),
    ("quality", "input[name=pipeline_type]"),
    ("seed", "#seed"),
];

/// Run after every Tab: marks the focused element as reached, names it,
/// and says whether the element focused before it looked different while
/// it had focus (its own or a wrapping ancestor's outline or shadow).
const OBSERVE_FOCUS: &str = r#"
const [landmarks] = arguments;
const look = el => {
  let text = '';
  for (let n = el, depth = 0; n && depth < 3; n = n.parentElement, depth++) {
    const s = getComputedStyle(n);
    text += `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} ${s.boxShadow}|`;
  }
  return text;
};
const previous = window.__kbPrevious;
const previousShowedFocus = previous ? window.__kbPreviousLook !== look(previous) : true;
const previousName = previous ? window.__kbPreviousName : null;
const el = document.activeElement;
const landmark = landmarks.find(([, css]) => el.matches(css));
const name = landmark ? landmark[0]
  : el.id || el.dataset.mode || el.getAttribute('aria-label') || el.textContent.trim().slice(0, 40) || el.tagName;
el.dataset.kbReached = '1';
// Between the last control and the first, focus rests on the page itself.
window.__kbPrevious = el === document.body ? null : el;
window.__kbPreviousLook = look(el);
window.__kbPreviousName = name;
return [landmark ? landmark[0] : null, name, previousName, previousShowedFocus];
"#;

/// Every visible, enabled control Tab should reach but did not (a radio
/// group needs only one of its buttons reached).
const UNREACHED: &str = r#"
const controls = document.querySelectorAll(
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea, summary, [tabindex]:not([tabindex="-1"])');
return Array.from(controls)
  .filter(el => el.getClientRects().length > 0 || el.matches('#image-input'))
  // A closed <details> shows only its summary.
  .filter(el => !el.closest('details:not([open]) > :not(summary)'))
  .filter(el => !el.dataset.kbReached)
  .filter(el => !(el.type === 'radio' && document.querySelector(`input[name="${el.name}"][data-kb-reached]`)))
  .map(el => el.id || el.outerHTML.slice(0, 80));
"#;

struct Walk {
    /// Landmarks in the order focus first met them.
    landmarks: Vec<String>,
    /// Stops whose focus could not be seen.
    invisible: Vec<String>,
}

impl Walk {
    /// Presses Tab until focus lands on `landmark`, noting every stop.
    async fn tab_to(&mut self, browser: &Browser, landmark: &str) {
        for _ in 0..MAX_TAB_STOPS {
            browser.press_key(TAB).await;
            if self.observe(browser).await.as_deref() == Some(landmark) {
                return;
            }
        }
        panic!("Tab never reached the {landmark}; met {:?}", self.landmarks);
    }

    /// Notes where focus is; returns its landmark, if it is one.
    async fn observe(&mut self, browser: &Browser) -> Option<String> {
        let landmarks: Vec<Value> = EXPECTED_ORDER
            .iter()
            .map(|(name, css)| serde_json::json!([name, css]))
            .collect();
        let seen = browser
            .client
            .execute(OBSERVE_FOCUS, vec![Value::Array(landmarks)])
            .await
            .expect("observe focus");
        let landmark = seen[0].as_str().map(str::to_string);
        if let (Some(previous), Some(false)) = (seen[2].as_str(), seen[3].as_bool()) {
            self.invisible.push(previous.to_string());
        }
        if let Some(name) = &landmark
            && !self.landmarks.contains(name)
        {
            self.landmarks.push(name.clone());
        }
        landmark
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keyboard_alone_makes_a_model_and_reaches_every_control_in_order_with_visible_focus() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;
    let mut walk = Walk {
        landmarks: Vec::new(),
        invisible: Vec::new(),
    };

    // Tab to the first example photo and take it with Enter
    walk.tab_to(&browser, "example").await;
    browser.press_key(ENTER).await;
    browser.wait_for("#photo-sizes").await;

    // Tab on to Generate and press it with Enter
    walk.tab_to(&browser, "generate").await;
    browser.press_key(ENTER).await;
    let (state, message) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "the viewer failed: {message}");

    // The model can be turned from the keyboard once Tab reaches it
    walk.tab_to(&browser, "canvas").await;
    let before = browser.canvas_pixels().await;
    browser.press_key(ARROW_RIGHT).await;
    browser.settle().await;
    let after = browser.canvas_pixels().await;
    assert!(
        trellis_e2e::changed_fraction(&before, &after) > 0.005,
        "the arrow key did not turn the focused model"
    );

    // Then Tab goes on through the viewer, the result and the settings,
    // wraps round the page and comes back to Generate
    walk.tab_to(&browser, "seed").await;
    walk.tab_to(&browser, "generate").await;
    browser.screenshot("keyboard-walk").await;

    let expected: Vec<&str> = EXPECTED_ORDER.iter().map(|(name, _)| *name).collect();
    assert_eq!(walk.landmarks, expected, "focus order");
    assert!(
        walk.invisible.is_empty(),
        "focus was not visible on: {:?}",
        walk.invisible
    );
    let unreached = browser
        .client
        .execute(UNREACHED, vec![])
        .await
        .expect("list unreached controls");
    assert_eq!(
        unreached,
        Value::Array(vec![]),
        "controls Tab never reached"
    );
    browser.close().await;
}
