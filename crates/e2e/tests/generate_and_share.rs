//! The walking skeleton in a real browser: photo in, model on screen,
//! download, share link opened in a second browser profile.

use fantoccini::Locator;
use std::time::Duration;
use trellis_e2e::{Browser, Studio, changed_fraction, drawn_fraction, write_test_photo};

/// A visible model covers well over this share of the canvas.
const MIN_DRAWN_FRACTION: f64 = 0.03;
/// Two renders of the same view differ in fewer pixels than this: the link
/// rounds the camera to 1e-4, well under a pixel.
const SAME_VIEW_MAX_CHANGED: f64 = 0.005;
/// WebDriver's key codes.
const ARROW_RIGHT: &str = "\u{E014}";
const ARROW_UP: &str = "\u{E013}";

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_becomes_a_model_that_renders_orbits_downloads_and_opens_from_its_share_link() {
    // Given the studio and a photo on disk
    let studio = Studio::start().await;
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("product.png");
    write_test_photo(&photo);
    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;

    // When the photo is picked and Generate pressed
    browser.pick_file(&photo).await;
    browser.generate().await;

    // Then the model is drawn in the viewer
    browser.screenshot("desktop-rendered").await;
    let first = browser.canvas_pixels().await;
    let drawn = drawn_fraction(&first);
    assert!(
        drawn > MIN_DRAWN_FRACTION,
        "only {:.1}% of the canvas shows the model",
        drawn * 100.0
    );

    // And the address bar already holds the generation's link
    let page = &browser.client;
    let address = page.current_url().await.unwrap();
    assert!(
        address.query().is_some_and(|q| q.starts_with("g=")),
        "address bar: {address}"
    );

    // And dragging with the mouse orbits the camera
    page.execute(
        r#"const c = document.querySelector('#viewer canvas');
           const opts = { bubbles: true, pointerId: 1, buttons: 1, movementX: 140, movementY: 40 };
           c.dispatchEvent(new PointerEvent('pointerdown', opts));
           c.dispatchEvent(new PointerEvent('pointermove', opts));
           c.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, pointerId: 1 }));"#,
        vec![],
    )
    .await
    .unwrap();
    browser.settle().await;
    let orbited = browser.canvas_pixels().await;
    let changed = changed_fraction(&first, &orbited);
    assert!(
        changed > 0.01,
        "dragging did not move the view ({:.2}% of pixels changed)",
        changed * 100.0
    );

    // And the download link serves a binary GLB
    let href = browser.property("#download-glb", "href").await;
    let magic = page
        .execute_async(
            r#"const [url, done] = arguments;
               fetch(url).then(async r => done([r.headers.get('content-type'),
                   Array.from(new Uint8Array(await r.arrayBuffer()).slice(0, 4))]));"#,
            vec![href.clone().into()],
        )
        .await
        .unwrap();
    assert_eq!(magic[0], "model/gltf-binary", "download of {href}");
    assert_eq!(
        magic[1],
        serde_json::json!([0x67, 0x6c, 0x54, 0x46]),
        "GLB magic 'glTF'"
    );

    // And the share link opens the same model in a fresh browser profile
    let link = browser.share_link().await;
    assert!(link.contains("/share/"), "share link: {link}");
    browser.close().await;

    let colleague = Browser::launch(1000, 800).await;
    colleague.client.goto(&link).await.unwrap();
    let (state, message) = colleague
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "shared link failed: {message}");
    colleague.screenshot("shared-link").await;
    let shared = colleague.canvas_pixels().await;
    assert!(
        drawn_fraction(&shared) > MIN_DRAWN_FRACTION,
        "shared model not visible"
    );
    colleague.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_photo_with_no_subject_is_explained_before_anything_is_sent() {
    let studio = Studio::start().await;
    let files = tempfile::tempdir().unwrap();
    let blank = files.path().join("blank.png");
    image::RgbImage::from_pixel(400, 300, image::Rgb([200, 200, 200]))
        .save(&blank)
        .unwrap();
    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;
    browser.pick_file(&blank).await;

    let note = browser
        .client
        .wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#cutout-notes .note.warning"))
        .await
        .unwrap();
    let text = note.text().await.unwrap();
    browser.screenshot("no-subject-error").await;
    assert!(
        text.to_lowercase().contains("subject"),
        "explanation shown: {text}"
    );
    assert_eq!(
        browser.property("#generate", "disabled").await,
        "true",
        "a photo with no subject can still be sent"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_share_link_reopens_the_model_with_the_camera_and_display_mode_it_was_shared_with() {
    // Given a model turned and zoomed with the keyboard, shown as normals
    let studio = Studio::start().await;
    let sharer = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let canvas = sharer.wait_for("#viewer canvas").await;
    canvas
        .send_keys(&format!("{ARROW_RIGHT}{ARROW_RIGHT}{ARROW_UP}++"))
        .await
        .unwrap();
    sharer.set_display_mode("normals").await;
    let shared_view = sharer.canvas_pixels().await;

    // When its share link is opened in a fresh browser profile
    let link = sharer.share_link().await;
    assert!(
        link.contains("mode=normals") && link.contains("&cam="),
        "the share link does not carry the view: {link}"
    );
    sharer.close().await;
    let colleague = Browser::launch(1200, 900).await;
    colleague.client.goto(&link).await.unwrap();
    let (state, message) = colleague
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "shared link failed: {message}");
    colleague.settle().await;
    let reopened = colleague.canvas_pixels().await;

    // Then it is drawn in the shared mode, from the shared camera
    let mode = colleague.property("#viewer-mode", "value").await;
    assert_eq!(mode, "normals", "normals mode not restored");
    let difference = changed_fraction(&shared_view, &reopened);
    assert!(
        difference < SAME_VIEW_MAX_CHANGED,
        "the reopened view differs from the shared one in {:.2}% of pixels",
        difference * 100.0
    );

    // And without the camera in the link, the model's own framing differs,
    // so the match above came from the link
    let without_camera = link.split("&cam=").next().unwrap();
    colleague.client.goto(without_camera).await.unwrap();
    colleague
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    colleague.settle().await;
    let framed = colleague.canvas_pixels().await;
    assert!(
        changed_fraction(&shared_view, &framed) > SAME_VIEW_MAX_CHANGED * 4.0,
        "the camera in the link made no difference"
    );
    colleague.close().await;
}
