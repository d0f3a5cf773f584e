//! Separating the subject from its background: the image's own alpha when it
//! has a usable cut-out, otherwise a flood fill of the background from the
//! image border.

use image::RgbaImage;

use crate::InflateError;
use crate::mask::{Mask, border_ring, neighbours_4};

/// Below this share of the image the "subject" is almost surely noise or a
/// speck, and would inflate into a meaningless crumb.
const MIN_SUBJECT_COVERAGE: f64 = 0.005;

/// Above this share nothing was recognised as background: the photo is a
/// close-up or a texture, and inflating the whole frame makes a pillow.
const MAX_SUBJECT_COVERAGE: f64 = 0.95;

/// How many times the typical neighbour-to-neighbour colour change along the
/// border a step may be and still count as the same background. Sensor noise
/// and JPEG artefacts vary from step to step by about that much; 4× clears
/// their tail while an object's edge is a far larger jump.
const STEP_NOISE_GAIN: u32 = 4;

/// Floor of the step tolerance (L1 over RGB): even a perfectly clean render
/// has gentle gradients that must not stop the fill.
const MIN_STEP_TOLERANCE: u32 = 12;

/// Ceiling of the step tolerance: a noisier border than this makes no
/// tolerance safe, and leaking into the subject is the worse failure.
const MAX_STEP_TOLERANCE: u32 = 90;

/// How far (as a multiple of the border noise) a pixel's colour may drift from
/// the border colour its fill started at; this is what stops a fill that
/// crept through a soft, blurred edge one small step at a time.
const DRIFT_NOISE_GAIN: u32 = 8;

/// Floor of the drift tolerance: about 20 levels per channel, the vignetting
/// and lighting falloff of an ordinary plain backdrop.
const MIN_DRIFT_TOLERANCE: u32 = 60;

/// Ceiling of the drift tolerance, for the same reason as the step ceiling.
const MAX_DRIFT_TOLERANCE: u32 = 150;

/// How many 4-connected steps the 3×3 blur can carry an edge outwards: one
/// along the axes, two round a diagonal corner.
const BLUR_REACH: usize = 2;

/// What the user reads when nothing separates from the background.
const NO_SUBJECT: &str = "no subject stands out from the background; use a photo of one object \
     on a plain background, or a PNG with transparency";

/// What the user reads when everything looks like subject.
const FILLS_FRAME: &str = "the subject fills the whole picture, so there is no background to \
     separate it from; leave a margin of plain background around the object, or use a PNG with \
     transparency";

/// Above this share of the image border inside the subject, the "subject"
/// runs off the photo's edges: a close-up, or a scene (sky, a garage) the
/// background fill could not tell from the object. A product shot standing
/// on the bottom edge touches about a sixth of one side, well below this.
const MAX_BORDER_SHARE: f64 = 0.12;

/// Above this share of the frame the cut-out is more likely a scene than an
/// object with a margin of background round it.
const MAX_CLEAR_COVERAGE: f64 = 0.6;

/// Where the subject mask came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaskSource {
    /// The image's own transparency: a deliberate cut-out.
    Alpha,
    /// A flood fill of the background from the image border.
    BackgroundFill,
}

/// Why a colour-segmented subject may not be the object the user meant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Doubt {
    /// This share of the image border belongs to the subject.
    RunsOffEdges { border_share: f64 },
    /// The subject covers this share of the frame.
    CoversMostOfFrame { coverage: f64 },
}

impl Doubt {
    /// The doubt in a sentence the user can act on.
    pub fn message(&self) -> String {
        match self {
            Doubt::RunsOffEdges { border_share } => format!(
                "The cut-out runs off the edges of the photo ({:.0}% of the border), so the \
                 background was probably taken for the subject. Crop to one object with plain \
                 background all round it, or use a PNG with transparency.",
                border_share * 100.0
            ),
            Doubt::CoversMostOfFrame { coverage } => format!(
                "The cut-out covers {:.0}% of the photo, so it is probably part of the scene \
                 rather than one object. Leave a margin of plain background round the object.",
                coverage * 100.0
            ),
        }
    }
}

/// What [`subject_mask`] found, with reasons to doubt it.
pub(crate) struct Segmentation {
    pub(crate) mask: Mask,
    pub(crate) source: MaskSource,
    pub(crate) doubts: Vec<Doubt>,
}

/// The subject mask of `image`, as [`segmentation`] finds it.
pub(crate) fn subject_mask(image: &RgbaImage) -> Result<Mask, InflateError> {
    segmentation(image).map(|found| found.mask)
}

/// The subject mask of `image`: its alpha channel when that holds a usable
/// cut-out, otherwise a border-seeded background flood fill, which is then
/// checked for the signs of having taken a scene for an object.
pub(crate) fn segmentation(image: &RgbaImage) -> Result<Segmentation, InflateError> {
    if image.width() == 0 || image.height() == 0 {
        return Err(InflateError::NoSubject("the image is empty".into()));
    }
    if let Some(mask) = alpha_mask(image) {
        return Ok(Segmentation {
            mask,
            source: MaskSource::Alpha,
            doubts: Vec::new(),
        });
    }
    let mut mask = background_fill_mask(image);
    mask.keep_largest_component();
    mask.fill_holes();
    let coverage = mask.coverage();
    if coverage < MIN_SUBJECT_COVERAGE {
        return Err(InflateError::NoSubject(NO_SUBJECT.into()));
    }
    if coverage > MAX_SUBJECT_COVERAGE {
        return Err(InflateError::NoSubject(FILLS_FRAME.into()));
    }
    let doubts = doubts(&mask);
    Ok(Segmentation {
        mask,
        source: MaskSource::BackgroundFill,
        doubts,
    })
}

/// The signs that a background fill took a scene for an object.
fn doubts(mask: &Mask) -> Vec<Doubt> {
    let (mut ring, mut inside) = (0usize, 0usize);
    for i in mask.border_pixels() {
        ring += 1;
        inside += usize::from(mask.inside[i]);
    }
    let border_share = inside as f64 / ring.max(1) as f64;
    let coverage = mask.coverage();
    let mut doubts = Vec::new();
    if border_share > MAX_BORDER_SHARE {
        doubts.push(Doubt::RunsOffEdges { border_share });
    }
    if coverage > MAX_CLEAR_COVERAGE {
        doubts.push(Doubt::CoversMostOfFrame { coverage });
    }
    doubts
}

/// The alpha cut-out, if the image has real transparency and it outlines a
/// subject of sensible size. A fully transparent export, or one with only
/// transparent rounded corners, says nothing about the subject, so those fall
/// back to colour segmentation.
fn alpha_mask(image: &RgbaImage) -> Option<Mask> {
    if image.pixels().all(|p| p[3] == u8::MAX) {
        return None;
    }
    let mut mask = Mask::from_alpha(image);
    // Holes are kept: in a cut-out they are deliberate (a mug's handle).
    mask.keep_largest_component();
    let coverage = mask.coverage();
    (MIN_SUBJECT_COVERAGE..=MAX_SUBJECT_COVERAGE)
        .contains(&coverage)
        .then_some(mask)
}

/// Flood-fills the background from the border pixels that look like the
/// border's typical colour, and returns everything the fill did not reach.
///
/// A pixel joins the fill from a neighbour when the step between the two is
/// within sensor noise and the pixel is still close to the border colour the
/// fill started from. Both tolerances scale with the noise measured along the
/// border, so a grainy backdrop and a clean render both segment.
fn background_fill_mask(image: &RgbaImage) -> Mask {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let colours = box_blur_3x3(image);
    let ring: Vec<usize> = border_ring(width, height).collect();
    let reference = median_colour(ring.iter().map(|&i| colours[i]));
    let noise = median(ring.windows(2).map(|w| l1(colours[w[0]], colours[w[1]])));
    let step_tolerance = (STEP_NOISE_GAIN * noise).clamp(MIN_STEP_TOLERANCE, MAX_STEP_TOLERANCE);
    let drift_tolerance =
        (DRIFT_NOISE_GAIN * noise).clamp(MIN_DRIFT_TOLERANCE, MAX_DRIFT_TOLERANCE);

    let mut background = vec![false; colours.len()];
    // The colour each fill started from, carried along so a backdrop that
    // shades from light to dark is judged against its own local shade.
    let mut origin = vec![[0u8; 3]; colours.len()];
    let mut queue = Vec::with_capacity(colours.len());
    for &i in &ring {
        if !background[i] && l1(colours[i], reference) <= drift_tolerance {
            background[i] = true;
            origin[i] = colours[i];
            queue.push(i);
        }
    }
    // Breadth first, so every pixel is judged against its nearest seed.
    let mut head = 0;
    while let Some(&i) = queue.get(head) {
        head += 1;
        for n in neighbours_4(width, height, i) {
            if !background[n]
                && l1(colours[n], colours[i]) <= step_tolerance
                && l1(colours[n], origin[i]) <= drift_tolerance
            {
                background[n] = true;
                origin[n] = origin[i];
                queue.push(n);
            }
        }
    }
    peel_blurred_rim(image, &mut background, &colours, drift_tolerance);
    Mask {
        width,
        height,
        inside: background.into_iter().map(|b| !b).collect(),
    }
}

/// The 3×3 blur smears an edge outwards, so the fill stops short of the
/// subject. This hands those pixels back to the background, a layer at a
/// time, when their unblurred colour matches the (blurred) background right
/// next to them. The drift tolerance is the right yardstick: an unblurred
/// pixel is about three times noisier than the blurred steps the fill
/// compared.
fn peel_blurred_rim(
    image: &RgbaImage,
    background: &mut [bool],
    colours: &[[u8; 3]],
    tolerance: u32,
) {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let raw = image.as_raw();
    for _ in 0..BLUR_REACH {
        let rim: Vec<usize> = (0..background.len())
            .filter(|&i| !background[i])
            .filter(|&i| {
                let colour = [raw[i * 4], raw[i * 4 + 1], raw[i * 4 + 2]];
                neighbours_4(width, height, i)
                    .any(|n| background[n] && l1(colour, colours[n]) <= tolerance)
            })
            .collect();
        for i in rim {
            background[i] = true;
        }
    }
}

/// RGB averaged over each pixel's 3×3 neighbourhood (edges clamped): grain
/// and JPEG noise shrink threefold while a real edge moves by under a pixel.
fn box_blur_3x3(image: &RgbaImage) -> Vec<[u8; 3]> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let raw = image.as_raw();
    let mut rows = vec![[0u16; 3]; width * height];
    for y in 0..height {
        for x in 0..width {
            let mut sum = [0u16; 3];
            for nx in [x.saturating_sub(1), x, (x + 1).min(width - 1)] {
                let p = (y * width + nx) * 4;
                for (c, s) in sum.iter_mut().enumerate() {
                    *s += u16::from(raw[p + c]);
                }
            }
            rows[y * width + x] = sum;
        }
    }
    let mut out = vec![[0u8; 3]; width * height];
    for y in 0..height {
        let above = y.saturating_sub(1) * width;
        let below = (y + 1).min(height - 1) * width;
        for x in 0..width {
            let (a, m, b) = (rows[above + x], rows[y * width + x], rows[below + x]);
            // Nine u8 samples sum to at most 2295, so u16 cannot overflow and
            // the rounded mean fits a u8.
            out[y * width + x] = [0, 1, 2].map(|c| ((a[c] + m[c] + b[c] + 4) / 9) as u8);
        }
    }
    out
}

/// L1 distance between two RGB colours.
fn l1(a: [u8; 3], b: [u8; 3]) -> u32 {
    a.iter()
        .zip(b)
        .map(|(&a, b)| u32::from(a.abs_diff(b)))
        .sum()
}

/// Per-channel median: robust to the part of the border a subject may touch.
fn median_colour(colours: impl Iterator<Item = [u8; 3]>) -> [u8; 3] {
    let mut channels: [Vec<u8>; 3] = Default::default();
    for colour in colours {
        for (channel, value) in channels.iter_mut().zip(colour) {
            channel.push(value);
        }
    }
    channels.map(|mut values| {
        let mid = values.len() / 2;
        values.select_nth_unstable(mid).1.to_owned()
    })
}

/// Median of the values (zero when there are none).
fn median(values: impl Iterator<Item = u32>) -> u32 {
    let mut values: Vec<u32> = values.collect();
    if values.is_empty() {
        return 0;
    }
    let mid = values.len() / 2;
    *values.select_nth_unstable(mid).1
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    #[test]
    fn uniform_image_has_no_subject() {
        let image = RgbaImage::from_pixel(64, 48, Rgba([120, 130, 140, 255]));
        let err = subject_mask(&image).err();
        assert!(matches!(err, Some(InflateError::NoSubject(ref m)) if m == NO_SUBJECT));
    }

    #[test]
    fn frame_filling_subject_is_rejected_with_its_own_message() {
        // Only a one-pixel frame is background: a framed picture, a close-up.
        let image = RgbaImage::from_fn(128, 128, |x, y| {
            let frame = x == 0 || y == 0 || x == 127 || y == 127;
            Rgba(if frame {
                [0, 0, 0, 255]
            } else {
                [255, 128, 0, 255]
            })
        });
        let err = subject_mask(&image).err();
        assert!(matches!(err, Some(InflateError::NoSubject(ref m)) if m == FILLS_FRAME));
    }

    #[test]
    fn fully_transparent_alpha_falls_back_to_colour() {
        let image = RgbaImage::from_fn(64, 64, |x, y| {
            let inside = (16..48).contains(&x) && (16..48).contains(&y);
            let v = if inside { 20 } else { 230 };
            Rgba([v, v, v, 0])
        });
        let mask = subject_mask(&image).ok();
        assert_eq!(mask.map(|m| m.area()), Some(32 * 32));
    }

    #[test]
    fn empty_image_is_rejected() {
        assert!(matches!(
            subject_mask(&RgbaImage::new(0, 0)),
            Err(InflateError::NoSubject(_))
        ));
    }
}
