//! Colour management, end to end: a base colour shows exactly as the file
//! stores it, whether it comes from an sRGB texture, a linear factor or
//! linear vertex colours, and the shaded mode lights the decoded colour in
//! linear light and encodes the result once.

use std::time::Duration;
use trellis_e2e::scene_glb::{
    Material, Part, linear_to_srgb, quad, scene_glb, srgb_to_linear, uniform_png,
};
use trellis_e2e::viewer_page::{centre_colour, open_glb_with_view, stable_pixels};
use trellis_e2e::{Browser, Studio};

/// A small GLB loads in well under a second; SwiftShader on a busy machine
/// gets plenty of slack.
const LOAD_TIMEOUT: Duration = Duration::from_secs(60);
/// The terracotta of the washed-out pot, as 8-bit sRGB texels.
const TERRACOTTA: [u8; 3] = [181, 82, 49];
/// Largest difference per channel from the expected 8-bit value: rounding
/// in the texture, the shader and the read-back, with room to spare.
const TOLERANCE: f64 = 3.0;
/// Side of the block averaged at the canvas centre, where the quad is.
const PROBE_SIDE: u32 = 9;
/// Side of the quad in model units; the viewer frames it to fill the view.
const QUAD_SIDE: f32 = 2.0;

/// A quad in `material`, with `vertex_colors` if any.
fn quad_glb(material: Material, vertex_colors: Option<[f32; 3]>) -> Vec<u8> {
    scene_glb(&[Part {
        mesh: quad(QUAD_SIDE),
        vertex_colors: vertex_colors.map(|c| vec![c; 4]),
        material,
    }])
}

/// A matte quad whose base colour texture is `rgb` everywhere.
fn textured_quad(rgb: [u8; 3]) -> Vec<u8> {
    quad_glb(
        Material {
            base_color_png: Some(uniform_png(rgb, 16)),
            ..Material::matte()
        },
        None,
    )
}

/// The mean colour at the centre of the canvas once `glb` is shown in the
/// display mode `mode`.
async fn centre_of(browser: &Browser, studio: &Studio, glb: Vec<u8>, mode: &str) -> [f64; 3] {
    let query = format!("&mode={mode}");
    let (_files, (state, message)) =
        open_glb_with_view(browser, &studio.url, glb, &query, LOAD_TIMEOUT).await;
    assert_eq!(state, "rendered", "viewer failed: {message}");
    centre_colour(&stable_pixels(browser).await, PROBE_SIDE)
}

/// Why `actual` is not within [`TOLERANCE`] of `expected`, if it is not.
fn mismatch(name: &str, actual: [f64; 3], expected: [f64; 3]) -> Option<String> {
    let off = actual
        .iter()
        .zip(expected)
        .map(|(a, e)| (a - e).abs())
        .fold(0.0, f64::max);
    (off > TOLERANCE).then(|| {
        format!("{name}: the canvas shows {actual:.1?}, expected {expected:.1?} (±{TOLERANCE})")
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn base_colour_mode_shows_the_colour_the_file_stores() {
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let linear = TERRACOTTA.map(|level| srgb_to_linear(f64::from(level)) as f32);
    let expected = TERRACOTTA.map(f64::from);
    let cases = [
        // An sRGB texture: decoded once, encoded once, so shown as stored.
        ("texture", textured_quad(TERRACOTTA)),
        // glTF's baseColorFactor is linear.
        (
            "factor",
            quad_glb(
                Material {
                    base_color_factor: [linear[0], linear[1], linear[2], 1.0],
                    ..Material::matte()
                },
                None,
            ),
        ),
        // So is COLOR_0, as the FastAPI backend's meshes carry it.
        ("vertex-colours", quad_glb(Material::matte(), Some(linear))),
    ];
    let mut failures = Vec::new();
    for (name, glb) in cases {
        let shown = centre_of(&browser, &studio, glb, "base-color").await;
        browser
            .screenshot(&format!("viewer-colour-base-{name}"))
            .await;
        failures.extend(mismatch(name, shown, expected));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    browser.close().await;
}

/// three-d's ACES filmic curve (Narkowicz's fit), which the shaded mode
/// applies to linear light before the sRGB encode.
fn aces(x: f64) -> f64 {
    (x * (2.51 * x + 0.03) / (x * (2.43 * x + 0.59) + 0.14)).clamp(0.0, 1.0)
}

/// The curve's inverse on `0..1`: the positive root of
/// `(2.51 - 2.43y)x² + (0.03 - 0.59y)x - 0.14y = 0`.
fn aces_inverse(y: f64) -> f64 {
    let (a, b, c) = (2.51 - 2.43 * y, 0.03 - 0.59 * y, -0.14 * y);
    (-b + (b * b - 4.0 * a * c).sqrt()) / (2.0 * a)
}

/// The linear light a displayed level came from: the output transform
/// (ACES, then the sRGB encode) undone.
fn radiance(level: f64) -> f64 {
    aces_inverse(srgb_to_linear(level))
}

#[tokio::test(flavor = "multi_thread")]
async fn shaded_mode_lights_the_decoded_base_colour_in_linear_light() {
    // The reference: for a fully rough dielectric (metallic 0), every light
    // of the studio, image-based or direct, reflects
    //     radiance = albedo × D + S
    // per channel, where D (diffuse light) and S (the 4% specular
    // reflection) depend on the light and the view but not on the albedo.
    // A black quad (albedo 0) measures S, a white one (albedo 1) D + S, at
    // the same pixel under the same light. A terracotta quad must then show
    // the linear albedo of its texels lit the same way, through the same
    // output transform. Texels not decoded (or decoded twice), lighting on
    // encoded values, or a second encode all break this.
    let studio = Studio::start().await;
    let browser = Browser::launch(1000, 800).await;
    let black = centre_of(&browser, &studio, textured_quad([0, 0, 0]), "shaded").await;
    let white = centre_of(&browser, &studio, textured_quad([255, 255, 255]), "shaded").await;
    let terracotta = centre_of(&browser, &studio, textured_quad(TERRACOTTA), "shaded").await;
    browser.screenshot("viewer-colour-shaded-terracotta").await;
    assert!(
        white.iter().all(|&level| level < 250.0),
        "the white probe saturates ({white:.1?}), so it cannot measure the light"
    );
    let mut expected = [0.0; 3];
    for channel in 0..3 {
        let specular = radiance(black[channel]);
        let diffuse = radiance(white[channel]) - specular;
        let albedo = srgb_to_linear(f64::from(TERRACOTTA[channel]));
        expected[channel] = linear_to_srgb(aces(albedo * diffuse + specular));
    }
    if let Some(failure) = mismatch("shaded terracotta", terracotta, expected) {
        panic!("{failure}");
    }
    browser.close().await;
}
