//! What the studio says before anything runs, on a desktop: which engine
//! makes the model and what that means, what will count as the subject, and
//! photos refused in the browser before they are sent.

use fantoccini::Locator;
use trellis_e2e::engine::TestEngine;
use trellis_e2e::{Browser, Studio};

#[tokio::test(flavor = "multi_thread")]
async fn the_cpu_preview_says_what_it_is_and_shows_the_cut_out_it_will_use() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    browser.screenshot("desktop-empty").await;
    let note = browser.text("#engine-note").await;
    assert!(
        note.contains("rough inflation") && note.contains("not AI reconstruction"),
        "{note}"
    );
    assert!(note.contains("--backend modal"), "no way to a GPU: {note}");

    // The mug has no transparency: the engine's own mask is shown.
    browser.pick_example("mug.png").await;
    let coaching = browser.text("#coaching-notes").await;
    assert!(
        coaching.contains("CPU preview separates the subject")
            && !coaching.contains("removed on the server"),
        "{coaching}"
    );
    browser
        .wait_for("#show-cutout")
        .await
        .click()
        .await
        .unwrap();
    let src = browser.property("#input-preview", "src").await;
    assert!(
        src.starts_with("data:image/png"),
        "the cut-out is not shown: {src}"
    );
    let framed = browser.property(".photo-frame", "className").await;
    assert!(framed.contains("checkerboard"), "{framed}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scene_whose_subject_is_unclear_is_called_out_before_anything_runs() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    let dir = tempfile::tempdir().unwrap();
    // Sky over ground, as the rocket and garage photos were.
    let scene = image::RgbImage::from_fn(400, 300, |x, y| {
        let (dx, dy) = (x as f32 - 200.0, y as f32 - 160.0);
        if dx.hypot(dy) < 50.0 {
            image::Rgb([200, 40, 30])
        } else if y < 180 {
            image::Rgb([150, 190, 235])
        } else {
            image::Rgb([90, 70, 50])
        }
    });
    let path = dir.path().join("rocket.png");
    scene.save(&path).unwrap();
    browser.pick_file(&path).await;
    let doubt = browser.text(".doubt").await;
    assert!(doubt.contains("edges of the photo"), "{doubt}");
    // Shown at once: the cut-out is the thing to look at.
    let pressed = browser
        .client
        .find(Locator::Css("#show-cutout"))
        .await
        .unwrap()
        .attr("aria-pressed")
        .await
        .unwrap();
    assert_eq!(pressed.as_deref(), Some("true"));
    browser.screenshot("desktop-unclear-subject").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tiny_and_invisible_images_are_refused_in_the_browser_with_a_reason() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, image::RgbaImage, &str); 3] = [
        (
            "dot.png",
            image::RgbaImage::from_pixel(1, 1, image::Rgba([200, 0, 0, 255])),
            "only 1×1 pixels",
        ),
        (
            "icon.png",
            image::RgbaImage::from_pixel(48, 40, image::Rgba([200, 0, 0, 255])),
            "at least 64 pixels",
        ),
        (
            "empty.png",
            image::RgbaImage::from_pixel(200, 200, image::Rgba([0, 0, 0, 0])),
            "fully transparent",
        ),
    ];
    for (name, image, words) in cases {
        let path = dir.path().join(name);
        image.save(&path).unwrap();
        browser.pick_file(&path).await;
        let message = browser.text("#photo-problem").await;
        assert!(message.contains(words), "{name}: {message}");
        let generate_disabled = browser.property("#generate", "disabled").await;
        assert_eq!(generate_disabled, "true", "{name} could be sent");
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_gpu_server_the_page_says_the_server_removes_the_background() {
    let studio = Studio::start_with_backend(TestEngine::pretending_gpu()).await;
    let browser = Browser::launch(1280, 900).await;
    browser.open(&studio.url).await;
    browser.pick_example("mug.png").await;
    let coaching = browser.text("#coaching-notes").await;
    assert!(
        coaching.contains("GPU server removes the background"),
        "{coaching}"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("#engine-note"))
            .await
            .is_err(),
        "the CPU label on a GPU server"
    );
    assert!(
        browser
            .client
            .find(Locator::Css("#show-cutout"))
            .await
            .is_err(),
        "a cut-out the GPU server's model may not make"
    );
    // A cut-out photo's own alpha is what counts, whatever the engine.
    browser.pick_example("robot.png").await;
    browser.wait_for("#show-cutout").await;
    browser.close().await;
}
