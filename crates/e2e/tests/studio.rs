//! The generation experience in a real browser: examples, phone layout,
//! in-browser downscaling, form validation, history, versions.

use fantoccini::Locator;
use trellis_e2e::{Browser, GENERATION_TIMEOUT, Studio, drawn_fraction};

/// What a 12-megapixel phone photo must shrink to before upload.
const MAX_SENT_BYTES: u64 = 2 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
async fn an_example_becomes_a_model_on_a_phone_sized_screen_without_sideways_scrolling() {
    let studio = Studio::start().await;
    let browser = Browser::launch_phone().await;
    browser.open(&studio.url).await;
    let width = browser
        .client
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width, 390, "not a phone-sized viewport");

    browser.pick_example("robot.png").await;
    browser.generate().await;

    browser.screenshot("phone-rendered").await;
    let notes = browser
        .client
        .find(Locator::Css(".coaching"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        notes.contains("Transparent background"),
        "coaching: {notes}"
    );
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "page scrolls sideways by {overflow}px"
    );
    assert!(drawn_fraction(&browser.canvas_pixels().await) > 0.03);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_twelve_megapixel_photo_is_sent_as_a_1024_pixel_png_under_two_megabytes() {
    let studio = Studio::start().await;
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("phone.jpg");
    let (w, h) = (4000u32, 3000u32);
    let image = image::RgbImage::from_fn(w, h, |x, y| {
        // Sensor-like noise: what makes real phone JPEGs several megabytes.
        let hash =
            (x.wrapping_mul(2654435761) ^ y.wrapping_mul(2246822519)).wrapping_mul(3266489917);
        let grain = (hash >> 24) % 40;
        let inside =
            (x as f32 / w as f32 - 0.5).powi(2) + (y as f32 / h as f32 - 0.5).powi(2) < 0.06;
        let base = if inside {
            [170, 60, 40]
        } else {
            [210, 205, 198]
        };
        image::Rgb(base.map(|c: u32| (c + grain) as u8))
    });
    image.save(&photo).unwrap();
    let original = std::fs::metadata(&photo).unwrap().len();
    assert!(
        original > MAX_SENT_BYTES,
        "the test photo should be big ({original} bytes)"
    );

    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;
    browser.pick_file(&photo).await;
    let sizes = browser.wait_for("#photo-sizes").await;
    let sent: u64 = sizes
        .attr("data-sent-bytes")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    let size = sizes.attr("data-sent-size").await.unwrap().unwrap();
    assert_eq!(size, "1024x768");
    assert!(sent < MAX_SENT_BYTES, "sent {sent} bytes");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_out_of_range_setting_shows_its_own_message_next_to_the_field() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;
    browser
        .client
        .execute("document.getElementById('advanced').open = true;", vec![])
        .await
        .unwrap();
    for (field, label, bad) in [
        ("seed", "Seed", "-1"),
        ("seed", "Seed", "3000000000"),
        ("ss_sampling_steps", "Structure steps", "0"),
        ("shape_slat_sampling_steps", "Shape steps", "1000"),
        ("tex_slat_sampling_steps", "Texture steps", "51"),
        ("ss_guidance_strength", "Structure guidance", "11"),
        ("shape_slat_guidance_strength", "Shape guidance", "-2"),
        ("tex_slat_guidance_strength", "Texture guidance", "99"),
    ] {
        browser.set_value(field, bad).await;
        let message = browser
            .client
            .find(Locator::Id(&format!("{field}-problem")))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        // The field's label, as the form shows it, never its wire name.
        assert!(
            message.starts_with(label) && message.contains(bad) && !message.contains(field),
            "{field}={bad}: \"{message}\""
        );
        let invalid = browser
            .client
            .find(Locator::Id(field))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap();
        assert_eq!(
            invalid.as_deref(),
            Some("true"),
            "{field} not marked invalid"
        );
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_history_keeps_this_browsers_generations_across_reloads() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "cactus.png").await;
    let address = browser.client.current_url().await.unwrap();
    let id = address
        .query_pairs()
        .find(|(k, _)| k == "g")
        .map(|(_, v)| v.to_string())
        .expect("id in address bar");

    browser.client.goto(&studio.url).await.unwrap();
    let item = browser.wait_for(".history-item").await;
    assert_eq!(
        item.attr("data-id").await.unwrap().as_deref(),
        Some(id.as_str())
    );
    let link = browser.property(".history-link", "href").await;
    assert!(link.ends_with(&format!("?g={id}")), "history link {link}");
    let text = item.text().await.unwrap();
    assert!(
        text.contains("cactus.png") && text.contains("seed 42"),
        "history entry: {text}"
    );

    // "Use these settings" loads the same photo and seed into the form,
    // and starts nothing
    browser
        .client
        .execute("document.getElementById('seed').value = '7';", vec![])
        .await
        .unwrap();
    click_in_history(&browser, "Use these settings").await;
    browser.wait_for("#photo-sizes").await;
    assert!(
        browser.client.find(Locator::Css("#phase")).await.is_err(),
        "a job started"
    );
    let seed = browser
        .client
        .find(Locator::Id("seed"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(seed.as_deref(), Some("42"), "the seed comes back");

    // Delete asks first, saying what stops working, then removes it here
    // and on the server (the creator's token)
    click_in_history(&browser, "Delete").await;
    let confirm = browser.wait_for(".history-confirm").await;
    let warning = confirm.text().await.unwrap();
    assert!(warning.contains("links"), "no word about links: {warning}");
    confirm
        .find(Locator::Css("button.danger"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.wait_for("#history summary").await;
    let mut remaining = usize::MAX;
    for _ in 0..50 {
        remaining = browser
            .client
            .find_all(Locator::Css(".history-item"))
            .await
            .unwrap()
            .len();
        if remaining == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(remaining, 0, "the deleted entry is still listed");
    let status = browser
        .client
        .execute_async(
            "const [url, done] = arguments; fetch(url).then(r => done(r.status));",
            vec![format!("{}api/generations/{id}", studio.url).into()],
        )
        .await
        .unwrap();
    assert_eq!(status, 410, "the server still has the deleted generation");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_app_works_from_a_static_host_sub_path_with_the_api_on_another_origin() {
    // Given dist/ on a plain static host under /studio/, with a config.json
    // pointing at the proxy on another origin that allows this one
    let site = tempfile::tempdir().unwrap();
    trellis_e2e::static_host::copy_dir(&trellis_e2e::dist_dir(), site.path());
    let host = trellis_e2e::static_host::StaticHost::start(site.path(), "/studio").await;
    let studio = Studio::start_with(&["--cors-origins", &host.origin]).await;
    let config = serde_json::json!({ "api_base": format!("{}api/", studio.url) });
    std::fs::write(site.path().join("config.json"), config.to_string()).unwrap();

    // When a user makes a model there
    let browser =
        Browser::with_model_from_example(&format!("{}/studio/", host.origin), "mug.png").await;

    // Then its share link stays on the static host's sub-path and renders
    let link = browser.share_link().await;
    assert!(
        link.starts_with(&format!("{}/studio/?g=", host.origin)),
        "share link {link}"
    );
    let download = browser.property("#download-glb", "href").await;
    assert!(
        download.starts_with(&studio.url),
        "download from the API origin: {download}"
    );
    browser.close().await;
    let colleague = Browser::launch(1000, 800).await;
    colleague.client.goto(&link).await.unwrap();
    let (state, message) = colleague.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(
        state, "rendered",
        "shared link on the static host: {message}"
    );
    colleague.close().await;
}

/// A studio whose engine holds every job until the gate opens, with a
/// browser that has just pressed Generate on `example`.
async fn start_held_job(example: &str) -> (Studio, Browser, trellis_e2e::engine::Gate) {
    let (engine, gate) = trellis_e2e::engine::TestEngine::gated();
    let studio = Studio::start_with_backend(engine).await;
    let browser = Browser::launch(1200, 900).await;
    browser.open(&studio.url).await;
    browser.pick_example(example).await;
    browser.press_generate().await;
    (studio, browser, gate)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_mid_job_reattaches_to_the_live_progress_and_then_shows_the_model() {
    let (_studio, browser, gate) = start_held_job("robot.png").await;
    let phase = browser.wait_for("#phase").await;
    assert!(!phase.text().await.unwrap().is_empty(), "no phase shown");
    let job_url = browser.client.current_url().await.unwrap();
    assert!(
        job_url.query().is_some_and(|q| q.starts_with("g=")),
        "no permalink: {job_url}"
    );

    // Reloading while the engine holds the job reattaches to it
    browser.client.refresh().await.unwrap();
    let phase = browser.wait_for("#phase").await;
    let label = phase.text().await.unwrap();
    assert!(
        label.contains("Generating") || label.contains("line"),
        "after reload: {label}"
    );
    assert!(
        browser.client.find(Locator::Css("#cancel")).await.is_ok(),
        "no Cancel after reload"
    );

    gate.open();
    let (state, message) = browser.wait_for_viewer(GENERATION_TIMEOUT).await;
    assert_eq!(state, "rendered", "after the job finished: {message}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_a_running_job_and_the_page_says_so() {
    let (_studio, browser, _gate) = start_held_job("mug.png").await;
    let cancel = browser.wait_for("#cancel").await;
    cancel.click().await.unwrap();
    let notice = browser.wait_for(".notice").await;
    assert!(notice.text().await.unwrap().contains("Cancelled"));
    assert!(
        browser
            .client
            .find(Locator::Css("#generate:not([disabled])"))
            .await
            .is_ok(),
        "Generate should be available again after cancelling"
    );
    browser.close().await;
}

async fn click_in_history(browser: &Browser, label: &str) {
    let buttons = browser
        .client
        .find_all(Locator::Css(".history-actions button"))
        .await
        .unwrap();
    for button in buttons {
        if button.text().await.unwrap() == label {
            button.click().await.unwrap();
            return;
        }
    }
    panic!("no \"{label}\" button in the history");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_custom_extraction_is_validated_then_added_as_a_version_without_regenerating() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "robot.png").await;
    browser
        .client
        .execute(
            "document.querySelector('details.more-versions').open = true;
             document.querySelector('details.custom-extract').open = true;",
            vec![],
        )
        .await
        .unwrap();
    let set_faces = |value: &'static str| {
        browser.client.execute(
            "const input = document.getElementById('custom-faces'); input.value = arguments[0];
             input.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![value.into()],
        )
    };

    // A face count the server would refuse is explained, and nothing is sent
    set_faces("10").await.unwrap();
    browser
        .wait_for("#custom-extract")
        .await
        .click()
        .await
        .unwrap();
    let problem = browser
        .wait_for("#custom-extract-problem")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        problem.starts_with("Faces") && !problem.contains("decimation_target"),
        "message: {problem}"
    );
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css(".variant"))
            .await
            .unwrap()
            .len(),
        1
    );

    // A valid one becomes a second version, shown once extracted
    set_faces("20000").await.unwrap();
    browser
        .client
        .execute(
            "const s = document.getElementById('custom-texture'); s.value = '1024';
             s.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    browser
        .wait_for("#custom-extract")
        .await
        .click()
        .await
        .unwrap();
    let added = browser
        .wait_for(".variant[aria-pressed='true']:not([disabled])")
        .await;
    let label = added.text().await.unwrap();
    assert!(
        label.contains("Custom") && label.contains("1024²"),
        "new version: {label}"
    );
    assert_eq!(
        browser
            .client
            .find_all(Locator::Css(".variant"))
            .await
            .unwrap()
            .len(),
        2
    );
    browser.close().await;
}
