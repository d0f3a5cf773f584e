//! The "generate" step: finding the subject.

mod common;

use common::Scene;
use image::{Rgba, RgbaImage};
use trellis_inflate::{InflateError, segment};

/// Intersection over union of the segmented alpha and the true subject.
fn iou(scene: &Scene) -> f64 {
    let subject = match segment(&scene.image) {
        Ok(subject) => subject,
        Err(e) => panic!("segmentation failed: {e}"),
    };
    let mask = subject.image.pixels().map(|p| p[3]);
    let (mut both, mut either) = (0u32, 0u32);
    for (alpha, &truth) in mask.zip(&scene.truth) {
        assert!(
            alpha == 0 || alpha == 255,
            "mask alpha must be binary, got {alpha}"
        );
        let found = alpha == 255;
        both += u32::from(found && truth);
        either += u32::from(found || truth);
    }
    f64::from(both) / f64::from(either)
}

#[test]
fn finds_a_shaded_object_on_a_grainy_gradient_backdrop() {
    let score = iou(&common::photo(320, 240));
    assert!(score > 0.98, "IoU {score:.4}");
}

#[test]
fn uses_the_alpha_cut_out_when_there_is_one() {
    // Colour alone would fail here: the transparent pixels are noise.
    let score = iou(&common::cutout(300, 200));
    assert!(score > 0.999, "IoU {score:.4}");
}

#[test]
fn keeps_the_input_colours() {
    let scene = common::photo(64, 64);
    let subject = segment(&scene.image).ok().map(|s| s.image);
    let rgb = |image: &RgbaImage| {
        image
            .pixels()
            .map(|p| [p[0], p[1], p[2]])
            .collect::<Vec<_>>()
    };
    assert_eq!(subject.as_ref().map(rgb), Some(rgb(&scene.image)));
}

fn expect_no_subject(image: &RgbaImage) -> String {
    match segment(image) {
        Err(InflateError::NoSubject(message)) => message,
        Err(e) => panic!("expected NoSubject, got {e}"),
        Ok(_) => panic!("expected NoSubject, got a subject"),
    }
}

#[test]
fn a_uniform_picture_has_no_subject_and_says_what_to_do() {
    let message = expect_no_subject(&RgbaImage::from_pixel(200, 150, Rgba([90, 140, 60, 255])));
    assert!(message.contains("plain background"), "{message}");
    assert!(message.contains("transparency"), "{message}");
}

#[test]
fn a_speck_is_not_a_subject() {
    // 6×6 px of 256²: about 0.05 % of the picture.
    let image = RgbaImage::from_fn(256, 256, |x, y| {
        let speck = (100..106).contains(&x) && (60..66).contains(&y);
        Rgba(if speck {
            [10, 10, 10, 255]
        } else {
            [230, 230, 230, 255]
        })
    });
    expect_no_subject(&image);
}

#[test]
fn a_nearly_empty_cut_out_falls_back_to_colour() {
    // Transparent except a 2×2 opaque corner: alpha says nothing useful, and
    // the colours are uniform, so there is no subject either way.
    let image = RgbaImage::from_fn(128, 128, |x, y| {
        Rgba([50, 50, 50, if x < 2 && y < 2 { 255 } else { 0 }])
    });
    expect_no_subject(&image);
}
