//! The link-preview poster: a valid PNG of the asked size that shows the
//! model, textured, rather than the background.

mod common;

use image::RgbImage;
use trellis_convert::{ConvertError, PosterOptions, poster_png};

fn render(glb: &[u8], options: &PosterOptions) -> (RgbImage, f32) {
    let converted = poster_png(glb, options).unwrap_or_else(|e| panic!("poster_png: {e}"));
    assert!(
        converted.bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "a PNG signature"
    );
    let image = image::load_from_memory_with_format(&converted.bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("the poster does not decode: {e}"))
        .into_rgb8();
    (image, converted.report.coverage)
}

/// Share of pixels that differ clearly from the background at their row,
/// which the model never reaches at the left edge.
fn model_share(image: &RgbImage) -> f64 {
    let differs = image
        .enumerate_pixels()
        .filter(|(_, y, pixel)| {
            let background = image.get_pixel(0, *y);
            (0..3).any(|c| pixel[c].abs_diff(background[c]) > 24)
        })
        .count();
    differs as f64 / f64::from(image.width() * image.height())
}

fn share_where(image: &RgbImage, test: impl Fn([u8; 3]) -> bool) -> f64 {
    let count = image.pixels().filter(|p| test(p.0)).count();
    count as f64 / f64::from(image.width() * image.height())
}

#[test]
fn open_graph_poster_shows_the_textured_model() {
    let (image, coverage) = render(common::robot_glb(), &PosterOptions::default());
    assert_eq!(image.dimensions(), (1200, 630));
    let share = model_share(&image);
    assert!(share > 0.15, "only {share:.3} of the pixels show the model");
    assert!(
        (f64::from(coverage) - share).abs() < 0.1,
        "report {coverage} vs {share}"
    );
    // The robot's body is painted yellow in the photo its texture comes from.
    let yellow = share_where(&image, |[r, g, b]| {
        r > 140 && g > 100 && b < 90 && r > b + 70
    });
    assert!(
        yellow > 0.02,
        "only {yellow:.4} of the pixels are the body's yellow"
    );
}

#[test]
fn square_poster_of_a_two_colour_texture_shows_both_colours() {
    let glb = common::glb::full_material_sphere(common::glb::Encoding::Webp);
    let (image, _) = render(
        &glb,
        &PosterOptions {
            width: 400,
            height: 400,
        },
    );
    assert_eq!(image.dimensions(), (400, 400));
    let red = share_where(&image, |[r, g, b]| {
        r > 90 && u32::from(r) > 2 * u32::from(g.max(b))
    });
    let blue = share_where(&image, |[r, g, b]| {
        b > 90 && u32::from(b) > 2 * u32::from(r.max(g))
    });
    assert!(red > 0.05 && blue > 0.05, "red {red:.3}, blue {blue:.3}");
}

#[test]
fn poster_size_outside_the_range_is_refused() {
    for (width, height) in [(0, 630), (1200, 10_000)] {
        let error = poster_png(common::robot_glb(), &PosterOptions { width, height }).err();
        assert!(
            matches!(error, Some(ConvertError::InvalidOption(_))),
            "{width}x{height}: {error:?}"
        );
    }
}

#[test]
fn the_model_stands_in_a_contact_shadow() {
    let glb = common::glb::full_material_sphere(common::glb::Encoding::Png);
    let (image, _) = render(
        &glb,
        &PosterOptions {
            width: 400,
            height: 400,
        },
    );
    let luma = |x: u32, y: u32| {
        let p = image.get_pixel(x, y);
        u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])
    };
    let centre = image.width() / 2;
    // The lowest row of the centre column that shows the sphere's blue half.
    let bottom = (0..image.height())
        .rev()
        .find(|&y| {
            let p = image.get_pixel(centre, y);
            u32::from(p[2]) > u32::from(p[0]) + 50
        })
        .unwrap_or_else(|| panic!("no model in the centre column"));
    let below = bottom + 4;
    assert!(below < image.height(), "no room below the model");
    assert!(
        luma(centre, below) + 6 < luma(0, below),
        "the ground under the model ({}) is no darker than the background ({})",
        luma(centre, below),
        luma(0, below)
    );
}
