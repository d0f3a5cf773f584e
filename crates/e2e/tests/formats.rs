//! Taking the model elsewhere: the formats menu (the GLB as extracted and
//! web-optimized, USDZ, STL and OBJ, each downloaded and checked by the
//! tool its users rely on), "View in your space" on iPhones and Android
//! phones and not on desktops, and a share link that unfurls.

use base64::Engine;
use fantoccini::Locator;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use trellis_e2e::{Browser, Studio};

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
/// The printed height asked for, in millimetres.
const PRINT_HEIGHT_MM: f64 = 50.0;

/// Runs one of the convert crate's checkers (Pixar's usd-core, trimesh,
/// in the venv `scripts/ensure-tools` makes) on `file` and returns its
/// JSON report; `extra` files go after it on the command line.
fn check(script: &str, file: (&str, &[u8]), extra: &[(&str, &[u8])]) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join("tools/.venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/ensure-tools",
        python.display()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(python);
    command.arg(root.join("crates/convert/tests/python").join(script));
    for (name, bytes) in std::iter::once(file).chain(extra.iter().copied()) {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write a downloaded file");
        command.arg(path);
    }
    let output = command.output().expect("run the checker");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{script} failed:\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("the checker's JSON")
}

/// The bytes at `url`, fetched by the page (with its cookies and origin).
async fn fetch(browser: &Browser, url: &str) -> Vec<u8> {
    let base64 = browser
        .client
        .execute_async(
            "const [url, done] = arguments;
             fetch(url).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(buffer => {
                 const bytes = new Uint8Array(buffer);
                 let text = '';
                 for (let i = 0; i < bytes.length; i += 0x8000) {
                     text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
                 }
                 done(btoa(text));
             }, error => done('error: ' + error));",
            vec![url.into()],
        )
        .await
        .expect("fetch in the page");
    let text = base64.as_str().unwrap_or_default();
    assert!(!text.starts_with("error"), "{url}: {text}");
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

/// The JSON chunk of a GLB, checking its container on the way.
fn glb_json(glb: &[u8]) -> Value {
    let word = |at: usize| u32::from_le_bytes(glb[at..at + 4].try_into().unwrap()) as usize;
    assert_eq!(&glb[0..4], b"glTF", "not a GLB");
    assert_eq!(word(8), glb.len(), "GLB length");
    serde_json::from_slice(&glb[20..20 + word(12)]).expect("GLB JSON")
}

/// Clicks the element matching `css` once it is there.
async fn click(browser: &Browser, css: &str) {
    browser
        .wait_for(css)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Clicks a Make button and returns the file the page then downloads.
async fn make(browser: &Browser, css: &str) -> (String, Vec<u8>) {
    browser.capture_downloads().await;
    click(browser, css).await;
    browser.next_download().await
}

/// The id of the generation on screen, from the address bar.
async fn generation_id(browser: &Browser) -> String {
    let url = browser.client.current_url().await.expect("the page URL");
    url.query_pairs()
        .find(|(name, _)| name == "g")
        .map(|(_, id)| id.to_string())
        .expect("the page shows a generation")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_format_downloads_as_a_file_its_tools_accept_and_visitors_get_the_ones_made() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.open_viewer_sheet().await;

    // The GLB as extracted, with its size
    let original = browser.wait_for("#format-original").await;
    let label = original.text().await.unwrap();
    assert!(
        label.starts_with("Original GLB (as extracted) · "),
        "{label}"
    );
    let original_href = browser.property("#format-original", "href").await;
    let original_glb = fetch(&browser, &original_href).await;
    let json = glb_json(&original_glb);
    assert!(json["meshes"].as_array().is_some_and(|m| !m.is_empty()));

    // The web-optimized copy, once the server has made it
    let web_label = browser.text("#format-web").await;
    assert!(web_label.starts_with("Web-optimized GLB · "), "{web_label}");
    let web_href = browser.property("#format-web", "href").await;
    let web_glb = fetch(&browser, &web_href).await;
    let required = glb_json(&web_glb)["extensionsRequired"].to_string();
    assert!(required.contains("EXT_meshopt_compression"), "{required}");
    assert!(web_glb.len() < original_glb.len());

    // USDZ at the default 30 cm, passing Pixar's ARKit checker
    let (name, usdz) = make(&browser, "#format-usdz-make").await;
    assert!(name.ends_with("-300mm.usdz"), "{name}");
    let report = check("check_usdz.py", ("model.usdz", &usdz), &[]);
    assert_eq!(report["errors"], serde_json::json!([]), "{report}");
    let units = report["max"][1].as_f64().unwrap() - report["min"][1].as_f64().unwrap();
    let metres = units * report["metersPerUnit"].as_f64().unwrap();
    assert!((metres - 0.3).abs() < 1e-3, "30 cm tall: {report}");
    browser.wait_for("#format-usdz a.format-file").await;

    // STL at 50 mm, made printable: watertight for trimesh, that tall,
    // and the page's print report says so
    browser
        .set_value("format-stl-height", &PRINT_HEIGHT_MM.to_string())
        .await;
    click(&browser, "#format-stl-printable").await;
    let (name, stl) = make(&browser, "#format-stl-make").await;
    assert!(name.ends_with("-50mm-printable.stl"), "{name}");
    let report = check("check_stl.py", ("model.stl", &stl), &[]);
    assert_eq!(report["watertight"], true, "{report}");
    let extents = report["extents"].as_array().unwrap();
    let height = extents[2].as_f64().unwrap();
    assert!((height - PRINT_HEIGHT_MM).abs() < 0.05, "{report}");
    let print_report = browser
        .text("#format-stl #print-report[data-printable='true']")
        .await;
    assert!(
        print_report.contains("Ready to slice") && print_report.contains(" 50.0 mm"),
        "{print_report}"
    );
    browser
        .client
        .execute(
            "document.getElementById('format-usdz').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("desktop-formats").await;

    // OBJ in a zip: trimesh loads it with the GLB's triangles and UVs
    let (name, obj_zip) = make(&browser, "#format-obj-make").await;
    assert!(name.ends_with(".obj.zip"), "{name}");
    let report = check(
        "check_obj.py",
        ("model.obj.zip", &obj_zip),
        &[("model.glb", &original_glb)],
    );
    assert_eq!(report["uvs"], true, "{report}");
    assert_eq!(report["corners_match"], true, "{report}");
    let link = browser.client.current_url().await.unwrap();
    browser.close().await;

    // A visitor gets the files made, and no way to make new ones
    let visitor = Browser::launch(1280, 900).await;
    visitor.client.goto(link.as_str()).await.unwrap();
    let (state, message) = visitor
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "{message}");
    visitor.open_viewer_sheet().await;
    for format in ["usdz", "stl", "obj"] {
        let href = visitor
            .property(&format!("#format-{format} a.format-file"), "href")
            .await;
        assert!(!fetch(&visitor, &href).await.is_empty());
    }
    let makes = visitor
        .client
        .find_all(Locator::Css("[id$='-make']"))
        .await
        .unwrap();
    assert!(makes.is_empty(), "a visitor is offered to make files");
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_format_the_server_cannot_make_says_why_and_cannot_be_asked_again() {
    // Every converted file is past this server's size limit.
    let studio = Studio::start_with(&["--max-conversion-mb", "0.001"]).await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.open_viewer_sheet().await;
    click(&browser, "#format-usdz-make").await;
    let problem = browser.text("#format-usdz-problem").await;
    assert!(
        problem.starts_with("Unavailable. This model cannot be converted to USDZ:")
            && problem.contains("more than the"),
        "{problem}"
    );
    browser
        .wait_for("#format-usdz[data-unavailable='true'] #format-usdz-make[disabled]")
        .await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn view_in_your_space_is_quick_look_on_iphones_scene_viewer_on_android_and_absent_on_desktops()
 {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    let none = |css: &'static str| {
        let client = browser.client.clone();
        async move { client.find_all(Locator::Css(css)).await.unwrap().is_empty() }
    };
    assert!(
        none("#view-in-your-space, #prepare-ar").await,
        "AR on a desktop"
    );
    let page = browser.client.current_url().await.unwrap();
    let id = generation_id(&browser).await;

    // Android: an intent to Scene Viewer with the GLB as extracted
    browser.set_user_agent(ANDROID).await;
    browser.client.goto(page.as_str()).await.unwrap();
    browser
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    let intent = browser.property("#view-in-your-space", "href").await;
    let (address, intent_part) = intent.split_once("#Intent;").expect("an intent");
    assert!(
        intent_part.ends_with(";end;")
            && intent_part.contains("scheme=https;")
            && intent_part.contains("S.browser_fallback_url=http"),
        "{intent}"
    );
    let address = url::Url::parse(&address.replacen("intent://", "https://", 1)).unwrap();
    assert_eq!(address.path(), "/scene-viewer/1.0", "{intent}");
    let query = |name: &str| {
        address
            .query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.to_string())
            .unwrap_or_else(|| panic!("no {name} in {intent}"))
    };
    assert_eq!(query("mode"), "ar_preferred");
    assert!(query("title").contains("Balanced"), "{intent}");
    let file = query("file");
    assert!(
        file.starts_with(&format!("{}api/generations/{id}/models/", studio.url))
            && file.ends_with(".glb")
            && !file.ends_with(".web.glb"),
        "Scene Viewer gets the GLB as extracted: {file}"
    );
    glb_json(&fetch(&browser, &file).await);

    // iPhone: the creator prepares the USDZ, then Quick Look's link shows,
    // with one image as its only child, as Quick Look requires
    browser.set_user_agent(IPHONE).await;
    browser.client.goto(page.as_str()).await.unwrap();
    click(&browser, "#prepare-ar").await;
    let link = browser.wait_for("a#view-in-your-space[rel='ar']").await;
    let children = browser
        .client
        .execute(
            "const a = document.getElementById('view-in-your-space');
             return [a.childElementCount, a.firstElementChild.tagName, a.firstElementChild.alt];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        children,
        serde_json::json!([1, "IMG", "View in your space"]),
        "Quick Look's link"
    );
    let usdz_url = link.prop("href").await.unwrap().unwrap();
    assert!(usdz_url.ends_with("/300mm.usdz"), "{usdz_url}");
    let usdz = fetch(&browser, &usdz_url).await;
    assert_eq!(&usdz[..4], b"PK\x03\x04", "a USDZ is a zip");
    browser.close().await;

    // A visitor's iPhone opens the USDZ the creator made
    let visitor = Browser::launch_phone().await;
    visitor.set_user_agent(IPHONE).await;
    visitor.client.goto(page.as_str()).await.unwrap();
    let href = visitor
        .wait_for("a#view-in-your-space[rel='ar']")
        .await
        .prop("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(href, usdz_url);
    visitor.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copy_share_link_copies_the_share_page_that_unfurls_and_opens_the_same_view() {
    let studio = Studio::start().await;
    let browser = Browser::with_model_from_example(&studio.url, "mug.png").await;
    browser.allow_clipboard().await;
    browser.set_display_mode("normals").await;
    let id = generation_id(&browser).await;
    click(&browser, "#copy-share-link").await;
    browser
        .wait_for("#copy-share-link span:not(.gone)[aria-live]")
        .await;
    let copied = browser
        .client
        .execute_async(
            "const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('error: ' + e));",
            vec![],
        )
        .await
        .unwrap();
    let copied = copied.as_str().unwrap_or_default().to_string();
    assert!(
        copied.starts_with(&format!("{}share/{id}?", studio.url))
            && copied.contains("mode=normals"),
        "copied {copied}"
    );
    assert_eq!(browser.share_link().await, copied);
    browser.close().await;

    // What a chat's unfurler reads, then the person's own visit
    let visitor = Browser::launch(1280, 900).await;
    visitor.client.goto(&copied).await.unwrap();
    let (state, message) = visitor
        .wait_for_viewer(trellis_e2e::GENERATION_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "{message}");
    let opened = visitor.client.current_url().await.unwrap();
    assert_eq!(opened.path(), "/");
    let query = opened.query().unwrap_or_default();
    assert!(
        query.starts_with(&format!("g={id}")) && query.contains("mode=normals"),
        "opened {opened}"
    );
    let preview = fetch(&visitor, &copied).await;
    let page = String::from_utf8_lossy(&preview);
    assert!(
        page.contains("property=\"og:title\"") && page.contains("twitter:card"),
        "{page}"
    );
    visitor.close().await;
}
