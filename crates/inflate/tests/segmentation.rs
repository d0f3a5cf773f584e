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

#[test]
fn a_clean_photo_and_a_cut_out_raise_no_doubts() {
    let photo = trellis_inflate::cutout(&common::photo(320, 240).image).unwrap();
    assert_eq!(photo.source, trellis_inflate::MaskSource::BackgroundFill);
    assert!(photo.doubts.is_empty(), "{:?}", photo.doubts);

    let cutout = trellis_inflate::cutout(&common::cutout(300, 200).image).unwrap();
    assert_eq!(cutout.source, trellis_inflate::MaskSource::Alpha);
    assert!(cutout.doubts.is_empty(), "{:?}", cutout.doubts);
}

#[test]
fn a_scene_whose_ground_is_taken_for_the_subject_is_doubted_before_anything_runs() {
    // Sky over the top 60 %, ground below, an object standing in between:
    // the border's typical colour is the sky's, so the ground joins the
    // "subject" and runs off three edges, as the rocket and garage photos did.
    let (width, height) = (320u32, 240u32);
    let image = RgbaImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as f32 - 160.0, y as f32 - 130.0);
        if dx.hypot(dy) < 40.0 {
            Rgba([200, 40, 30, 255])
        } else if y < height * 6 / 10 {
            Rgba([150, 190, 235, 255])
        } else {
            Rgba([90, 70, 50, 255])
        }
    });
    let cutout = trellis_inflate::cutout(&image).unwrap();
    let border_share = cutout.doubts.iter().find_map(|d| match d {
        trellis_inflate::Doubt::RunsOffEdges { border_share } => Some(*border_share),
        trellis_inflate::Doubt::CoversMostOfFrame { .. } => None,
    });
    assert!(
        border_share.is_some_and(|share| share > 0.3),
        "{:?}",
        cutout.doubts
    );
    let message = cutout.doubts[0].message();
    assert!(message.contains("edges of the photo"), "{message}");
    // The preview is exactly what the generate step would use.
    let subject = segment(&image).unwrap();
    assert_eq!(subject.image, cutout.subject.image);
}
