//! Advice about a photo, from its pixels, shown before Generate.

/// Alpha below this counts as transparent.
const TRANSPARENT_ALPHA: u8 = 250;
/// Share of transparent pixels that means "background already removed"
/// rather than a few anti-aliased edge pixels.
const MIN_TRANSPARENT_SHARE: f64 = 0.01;
/// Below this many pixels on a side there is too little of the object for
/// any engine: a 1×1 pixel or an icon would come back as a blob.
pub const MIN_SIDE: u32 = 64;
/// Below this many pixels on the short side, TRELLIS.2's 512 px conditioning
/// is upscaled and details go soft.
const MIN_GOOD_SHORT_SIDE: u32 = 512;
/// A subject whose bounding box covers less than this share of the frame is
/// cropped by the server into very few pixels.
const MIN_SUBJECT_SHARE: f64 = 0.12;
/// Sum of per-channel differences from the border colour that marks a pixel
/// as "not background".
const BACKGROUND_TOLERANCE: u32 = 60;
/// Mean deviation of border pixels from their median above which the
/// background is too busy for reliable automatic removal.
const BUSY_BORDER_DEVIATION: f64 = 28.0;

/// How a note should read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Info,
    Warning,
}

/// One piece of advice about the photo.
#[derive(Debug, Clone, PartialEq)]
pub struct CoachingNote {
    pub tone: Tone,
    pub text: String,
}

impl CoachingNote {
    fn new(tone: Tone, text: impl Into<String>) -> Self {
        Self {
            tone,
            text: text.into(),
        }
    }
}

/// What the pixels of a photo say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Whether the photo has real transparency: a cut-out, used as the mask.
    pub has_alpha: bool,
    pub notes: Vec<CoachingNote>,
}

/// Why a photo is refused before anything is sent, if it is.
pub fn refusal(rgba: &[u8], (width, height): (u32, u32), name: &str) -> Option<String> {
    if width.min(height) < MIN_SIDE {
        return Some(format!(
            "{name} is only {width}×{height} pixels; a photo needs at least {MIN_SIDE} pixels on each side to become a model."
        ));
    }
    if rgba.chunks_exact(4).all(|p| p[3] == 0) {
        return Some(format!(
            "{name} is fully transparent, so there is nothing to make a model of. Export it again with the object visible."
        ));
    }
    None
}

/// Assesses RGBA pixels (`width`×`height`, already downscaled) of a photo
/// whose original size was `original`.
pub fn assess(rgba: &[u8], width: u32, height: u32, original: (u32, u32)) -> Assessment {
    let pixels: Vec<[u8; 4]> = rgba
        .chunks_exact(4)
        .map(|p| [p[0], p[1], p[2], p[3]])
        .collect();
    if pixels.is_empty() || pixels.len() != (width * height) as usize {
        return Assessment {
            has_alpha: false,
            notes: Vec::new(),
        };
    }
    let mut notes = Vec::new();
    let transparent = pixels.iter().filter(|p| p[3] < TRANSPARENT_ALPHA).count();
    let has_alpha = transparent as f64 / pixels.len() as f64 >= MIN_TRANSPARENT_SHARE;

    let subject = if has_alpha {
        bounding_share(&pixels, width, |p| p[3] >= 128)
    } else {
        let border = border_pixels(&pixels, width, height);
        let background = median_colour(&border);
        if mean_deviation(&border, background) > BUSY_BORDER_DEVIATION {
            notes.push(CoachingNote::new(
                Tone::Warning,
                "The background looks busy: a plain background separates the subject more reliably.",
            ));
        }
        bounding_share(&pixels, width, |p| {
            colour_distance(*p, background) > BACKGROUND_TOLERANCE
        })
    };

    if subject > 0.0 && subject < MIN_SUBJECT_SHARE {
        notes.push(CoachingNote::new(
            Tone::Warning,
            format!(
                "The subject fills only about {:.0}% of the frame: crop closer for more detail.",
                subject * 100.0
            ),
        ));
    }
    let (ow, oh) = original;
    if ow.min(oh) < MIN_GOOD_SHORT_SIDE {
        notes.push(CoachingNote::new(
            Tone::Warning,
            format!("The image is small ({ow}×{oh}): 512 px or more on the short side gives sharper results."),
        ));
    }
    Assessment { has_alpha, notes }
}

fn colour_distance(a: [u8; 4], b: [u8; 3]) -> u32 {
    (0..3).map(|i| a[i].abs_diff(b[i]) as u32).sum()
}

fn border_pixels(pixels: &[[u8; 4]], width: u32, height: u32) -> Vec<[u8; 4]> {
    let (w, h) = (width as usize, height as usize);
    (0..pixels.len())
        .filter(|i| {
            let (x, y) = (i % w, i / w);
            x == 0 || y == 0 || x == w - 1 || y == h - 1
        })
        .map(|i| pixels[i])
        .collect()
}

fn median_colour(pixels: &[[u8; 4]]) -> [u8; 3] {
    let mut out = [0u8; 3];
    for (channel, value) in out.iter_mut().enumerate() {
        let mut values: Vec<u8> = pixels.iter().map(|p| p[channel]).collect();
        values.sort_unstable();
        *value = values.get(values.len() / 2).copied().unwrap_or(0);
    }
    out
}

fn mean_deviation(pixels: &[[u8; 4]], centre: [u8; 3]) -> f64 {
    let total: u64 = pixels
        .iter()
        .map(|p| colour_distance(*p, centre) as u64)
        .sum();
    total as f64 / pixels.len().max(1) as f64
}

/// Share of the frame covered by the bounding box of the pixels `inside`
/// accepts (0 when none does).
fn bounding_share(pixels: &[[u8; 4]], width: u32, inside: impl Fn(&[u8; 4]) -> bool) -> f64 {
    let w = width as usize;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (usize::MAX, usize::MAX, 0, 0);
    for (i, p) in pixels.iter().enumerate() {
        if inside(p) {
            let (x, y) = (i % w, i / w);
            min_x = min_x.min(x);
            min_y = min_y.min(y);
            max_x = max_x.max(x);
            max_y = max_y.max(y);
        }
    }
    if min_x == usize::MAX {
        return 0.0;
    }
    let area = (max_x - min_x + 1) * (max_y - min_y + 1);
    area as f64 / pixels.len() as f64
}
