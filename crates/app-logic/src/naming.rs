//! The words and file names people see for pipeline types, model versions
//! and durations, rather than the API's ids. Pure functions, so they are
//! tested natively.

use trellis_api::{ExtractParams, PipelineType, Preset};

/// Below this many seconds an estimate reads "a few seconds": a figure
/// like "0 s" or "0–3 s" looks broken rather than fast.
const FEW_SECONDS: f64 = 10.0;

/// The name of a quality level in the settings.
pub fn quality_name(pipeline: PipelineType) -> &'static str {
    match pipeline {
        PipelineType::P512 => "Draft",
        PipelineType::P1024 => "Standard",
        PipelineType::P1024Cascade => "Detailed",
        PipelineType::P1536Cascade => "Finest",
    }
}

/// What a quality level gives, in a few words.
pub fn quality_gives(pipeline: PipelineType) -> &'static str {
    match pipeline {
        PipelineType::P512 => "Rough shape and soft textures, to try a photo quickly",
        PipelineType::P1024 => "Good shape in one pass",
        PipelineType::P1024Cascade => "Sharp detail; the recommended default",
        PipelineType::P1536Cascade => "The most detail, for close-ups and printing",
    }
}

/// The name of a preset, as its version is called.
pub fn preset_name(preset: Preset) -> &'static str {
    match preset {
        Preset::Fast => "Web light",
        Preset::Balanced => "Balanced",
        Preset::Quality => "DCC quality",
    }
}

/// The preset whose settings `params` are, if any.
pub fn preset_of(params: &ExtractParams) -> Option<Preset> {
    Preset::ALL.into_iter().find(|p| p.params() == *params)
}

/// A model version's name: its preset's, else its own figures.
pub fn version_name(params: &ExtractParams) -> String {
    match preset_of(params) {
        Some(preset) => preset_name(preset).to_string(),
        None => format!(
            "Custom: {} faces, {}²",
            short_count(u64::from(params.decimation_target)),
            params.texture_size
        ),
    }
}

/// A file name for a download: the photo's name and the version, e.g.
/// `cactus-balanced.glb`, in lower case with dashes.
pub fn download_name(photo_name: &str, version: &str, extension: &str) -> String {
    format!("{}.{extension}", file_stem(photo_name, version))
}

/// The start of a download's name: `cactus-balanced` for the photo
/// `cactus.png` at the version "Balanced".
pub fn file_stem(photo_name: &str, version: &str) -> String {
    let stem = photo_name
        .rsplit_once('.')
        .map_or(photo_name, |(stem, _)| stem);
    let slug = slug(&format!("{stem} {version}"));
    if slug.is_empty() {
        "model".into()
    } else {
        slug
    }
}

/// Letters and digits kept, everything else one dash.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// An estimate in words: "a few seconds", "about 40 s", "about 3 min".
pub fn about(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < FEW_SECONDS {
        return "a few seconds".to_string();
    }
    let total = seconds.round() as u64;
    if total < 90 {
        format!("about {} s", total.div_ceil(5) * 5)
    } else {
        format!("about {} min", (seconds / 60.0).round() as u64)
    }
}

/// A measured duration: "7 s", "1 min 15 s".
pub fn elapsed(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    match (total / 60, total % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

/// 503020 → "503k", 1000000 → "1M".
pub fn short_count(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1}M", n as f64 / 1e6).replace(".0M", "M"),
        n if n >= 1_000 => format!("{}k", (n as f64 / 1e3).round()),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_never_read_as_zero() {
        assert_eq!(about(0.0), "a few seconds");
        assert_eq!(about(2.7), "a few seconds");
        assert_eq!(about(f64::NAN), "a few seconds");
        assert_eq!(about(41.0), "about 45 s");
        assert_eq!(about(143.0), "about 2 min");
        assert_eq!(elapsed(75.0), "1 min 15 s");
    }

    #[test]
    fn downloads_are_named_after_the_photo_and_the_version() {
        assert_eq!(
            download_name("cactus.png", "Balanced", "glb"),
            "cactus-balanced.glb"
        );
        assert_eq!(
            download_name("IMG 0042.JPG", "Web light", "png"),
            "img-0042-web-light.png"
        );
        assert_eq!(download_name("", "", "glb"), "model.glb");
    }

    #[test]
    fn versions_are_named_after_their_presets() {
        assert_eq!(version_name(&Preset::Balanced.params()), "Balanced");
        let custom = ExtractParams {
            decimation_target: 300_000,
            texture_size: 1024,
            ..ExtractParams::default()
        };
        assert_eq!(version_name(&custom), "Custom: 300k faces, 1024²");
    }
}
