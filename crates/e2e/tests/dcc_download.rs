//! The GLB for DCC tools: a model with WebP textures from the official
//! exporter, downloaded from the viewer with PNG textures that no longer
//! need `EXT_texture_webp`, and that the Khronos glTF validator accepts.

use fantoccini::Locator;
use serde_json::Value;
use std::time::Duration;
use trellis_e2e::files::FileServer;
use trellis_e2e::glb::{TestGlb, Textures};
use trellis_e2e::{Browser, Studio};
use trellis_testkit::assert_valid_glbs;

/// Loading a small crafted GLB takes well under a second; SwiftShader and a
/// busy machine get plenty of slack.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// The name the viewer offers the converted file under: the opened file's
/// (`model.glb`) with `-png`.
const DOWNLOAD_NAME: &str = "model-png.glb";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Opens the studio with `glb` as its `?model=` and waits for it to render.
async fn open_model(browser: &Browser, studio: &Studio, glb: &[u8]) -> FileServer {
    let (files, (state, message)) = browser
        .open_glb(&studio.url, glb.to_vec(), LOAD_TIMEOUT)
        .await;
    assert_eq!(state, "rendered", "the viewer failed: {message}");
    files
}

/// The JSON and binary chunks of a GLB, checking the container on the way.
fn split_glb(glb: &[u8]) -> (Value, Vec<u8>) {
    let word = |at: usize| u32::from_le_bytes(glb[at..at + 4].try_into().unwrap()) as usize;
    assert_eq!(&glb[0..4], b"glTF", "not a GLB");
    assert_eq!(word(4), 2, "GLB version");
    assert_eq!(word(8), glb.len(), "GLB length");
    let json_len = word(12);
    assert_eq!(word(16), 0x4E4F_534A, "first chunk is JSON");
    let bin_at = 20 + json_len;
    assert_eq!(word(bin_at + 4), 0x004E_4942, "second chunk is BIN");
    let bin = glb[bin_at + 8..bin_at + 8 + word(bin_at)].to_vec();
    let json = serde_json::from_slice(&glb[20..bin_at]).expect("GLB JSON");
    (json, bin)
}

/// The decoded images of a GLB, in `images` order, with their bytes.
fn images(glb: &[u8]) -> Vec<(Value, Vec<u8>, image::RgbaImage)> {
    let (json, bin) = split_glb(glb);
    let images = json["images"].as_array().expect("images").clone();
    images
        .into_iter()
        .map(|entry| {
            let view = &json["bufferViews"][entry["bufferView"].as_u64().unwrap() as usize];
            let start = view["byteOffset"].as_u64().unwrap_or(0) as usize;
            let bytes = bin[start..start + view["byteLength"].as_u64().unwrap() as usize].to_vec();
            let decoded = image::load_from_memory(&bytes)
                .unwrap_or_else(|e| panic!("image {entry} does not decode: {e}"))
                .to_rgba8();
            (entry, bytes, decoded)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_webp_textured_model_downloads_as_a_glb_with_png_textures_for_dcc_tools() {
    // Given a model whose textures are WebP behind a required extension
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    let source = TestGlb::blob(Textures::Webp).to_bytes();
    let _files = open_model(&browser, &studio, &source).await;

    // When the DCC download is clicked
    browser.capture_downloads().await;
    browser.open_viewer_sheet().await;
    let button = browser.wait_for("#viewer-download-png").await;
    assert!(
        button.text().await.unwrap().contains("DCC tools"),
        "unclear button label"
    );
    button.click().await.expect("click the DCC download");
    let (name, glb) = browser.next_download().await;
    assert_eq!(name, DOWNLOAD_NAME);

    // Then it is a GLB that never mentions WebP
    let (json, _) = split_glb(&glb);
    let text = json.to_string();
    assert!(!text.contains("EXT_texture_webp"), "WebP left in {text}");
    assert!(!text.contains("image/webp"), "WebP left in {text}");
    for texture in json["textures"].as_array().expect("textures") {
        assert!(
            texture["source"].is_u64(),
            "texture without a source: {texture}"
        );
    }
    // whose images are the source's pixels as PNG: alpha exactly, colour
    // exactly where opaque (the canvas premultiplies translucent texels)
    let before = images(&source);
    let after = images(&glb);
    assert_eq!(after.len(), before.len(), "image count");
    for ((_, _, webp), (image, bytes, png)) in before.iter().zip(&after) {
        assert_eq!(image["mimeType"], "image/png", "{image}");
        assert!(bytes.starts_with(PNG_SIGNATURE), "not a PNG: {image}");
        assert_eq!(png.dimensions(), webp.dimensions(), "{image} size");
        for (p, w) in png.pixels().zip(webp.pixels()) {
            assert_eq!(p[3], w[3], "{image}: alpha changed");
            if w[3] == u8::MAX {
                assert_eq!(p, w, "{image}: opaque colour changed");
            }
        }
    }
    // and that the Khronos validator accepts
    assert_valid_glbs(&[(DOWNLOAD_NAME, &glb)]);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_png_textured_model_offers_no_dcc_download() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1200, 900).await;
    let source = TestGlb::blob(Textures::Png).to_bytes();
    let _files = open_model(&browser, &studio, &source).await;
    // The download panel is up, so the button's absence is no timing luck.
    browser.wait_for("#viewer-alpha-download").await;
    let found = browser
        .client
        .find_all(Locator::Css("#viewer-download-png"))
        .await
        .expect("query the page");
    assert!(found.is_empty(), "a DCC download offered for PNG textures");
    browser.close().await;
}
