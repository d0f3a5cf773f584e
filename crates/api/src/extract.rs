use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The upstream service rejects fewer faces than this (contract §1.6).
pub const MIN_DECIMATION_TARGET: u32 = 1_000;
/// No browser or DCC tool handles an AI asset above ~2M faces well, and the
/// upstream UI stops at 1M; the API leaves headroom but no more.
pub const MAX_DECIMATION_TARGET: u32 = 2_000_000;
/// The texture sizes the upstream accepts.
pub const TEXTURE_SIZES: [u32; 4] = [512, 1024, 2048, 4096];

/// Named extraction settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// 100k faces, 1024² textures: light enough for phones.
    Fast,
    /// 500k faces, 2048² textures: the web default.
    Balanced,
    /// 1M faces, 4096² textures: for DCC tools.
    Quality,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::Fast, Preset::Balanced, Preset::Quality];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Fast => "fast",
            Preset::Balanced => "balanced",
            Preset::Quality => "quality",
        }
    }

    pub fn params(self) -> ExtractParams {
        let (decimation_target, texture_size) = match self {
            Preset::Fast => (100_000, 1024),
            Preset::Balanced => (500_000, 2048),
            Preset::Quality => (1_000_000, 4096),
        };
        ExtractParams {
            decimation_target,
            texture_size,
            ..ExtractParams::default()
        }
    }
}

/// The body of `POST /api/generations/{id}/extract_glb`: a preset, or custom
/// values (unset ones take the preset's, or "balanced"'s).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExtractRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimation_target: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texture_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remesh: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remesh_band: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remesh_project: Option<f32>,
}

impl From<Preset> for ExtractRequest {
    fn from(preset: Preset) -> Self {
        Self {
            preset: Some(preset),
            ..Self::default()
        }
    }
}

impl ExtractRequest {
    /// Resolves the request into validated parameters.
    pub fn resolve(&self) -> Result<ExtractParams, FieldError> {
        let base = self.preset.unwrap_or(Preset::Balanced).params();
        let params = ExtractParams {
            decimation_target: self.decimation_target.unwrap_or(base.decimation_target),
            texture_size: self.texture_size.unwrap_or(base.texture_size),
            remesh: self.remesh.unwrap_or(base.remesh),
            remesh_band: self.remesh_band.unwrap_or(base.remesh_band),
            remesh_project: self.remesh_project.unwrap_or(base.remesh_project),
        };
        params.validate()?;
        Ok(params)
    }
}

/// Validated GLB extraction settings (contract §1.6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExtractParams {
    pub decimation_target: u32,
    pub texture_size: u32,
    pub remesh: bool,
    pub remesh_band: f32,
    pub remesh_project: f32,
}

impl Default for ExtractParams {
    fn default() -> Self {
        Self {
            decimation_target: 500_000,
            texture_size: 2048,
            remesh: true,
            remesh_band: 1.0,
            remesh_project: 0.0,
        }
    }
}

impl ExtractParams {
    pub fn validate(&self) -> Result<(), FieldError> {
        if !(MIN_DECIMATION_TARGET..=MAX_DECIMATION_TARGET).contains(&self.decimation_target) {
            return Err(FieldError::new(
                "decimation_target",
                format!(
                    "decimation_target must be from {MIN_DECIMATION_TARGET} to {MAX_DECIMATION_TARGET} faces (got {})",
                    self.decimation_target
                ),
            ));
        }
        if !TEXTURE_SIZES.contains(&self.texture_size) {
            return Err(FieldError::new(
                "texture_size",
                format!(
                    "texture_size must be one of 512, 1024, 2048, 4096 (got {})",
                    self.texture_size
                ),
            ));
        }
        // Remesh band is in voxels; the upstream uses 1 and anything past a
        // few voxels smears the surface.
        if !(self.remesh_band.is_finite() && (0.0..=4.0).contains(&self.remesh_band)) {
            return Err(FieldError::new(
                "remesh_band",
                format!("remesh_band must be from 0 to 4 (got {})", self.remesh_band),
            ));
        }
        if !(self.remesh_project.is_finite() && (0.0..=1.0).contains(&self.remesh_project)) {
            return Err(FieldError::new(
                "remesh_project",
                format!(
                    "remesh_project must be from 0 to 1 (got {})",
                    self.remesh_project
                ),
            ));
        }
        Ok(())
    }

    /// A stable, URL-safe name for the model these settings produce, e.g.
    /// `500000-2048`; non-default remesh settings are appended.
    pub fn variant_name(&self) -> String {
        let mut name = format!("{}-{}", self.decimation_target, self.texture_size);
        let defaults = ExtractParams::default();
        if !self.remesh {
            name.push_str("-noremesh");
        } else if self.remesh_band != defaults.remesh_band
            || self.remesh_project != defaults.remesh_project
        {
            name.push_str(&format!("-b{}-p{}", self.remesh_band, self.remesh_project));
        }
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_documented_sizes() {
        assert_eq!(Preset::Fast.params().decimation_target, 100_000);
        assert_eq!(Preset::Balanced.params().texture_size, 2048);
        assert_eq!(Preset::Quality.params().texture_size, 4096);
    }

    #[test]
    fn a_preset_request_resolves_and_custom_values_override_it() {
        let req: ExtractRequest =
            serde_json::from_str(r#"{"preset":"fast","texture_size":512}"#).unwrap();
        let p = req.resolve().unwrap();
        assert_eq!((p.decimation_target, p.texture_size), (100_000, 512));
        assert_eq!(p.variant_name(), "100000-512");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let bad_texture = ExtractRequest {
            texture_size: Some(300),
            ..Default::default()
        };
        assert_eq!(bad_texture.resolve().unwrap_err().field, "texture_size");
        let few_faces = ExtractRequest {
            decimation_target: Some(10),
            ..Default::default()
        };
        assert!(few_faces.resolve().unwrap_err().message.contains("got 10"));
    }

    #[test]
    fn variant_names_differ_when_remesh_settings_differ() {
        let a = Preset::Balanced.params();
        let b = ExtractParams { remesh: false, ..a };
        let c = ExtractParams {
            remesh_band: 2.0,
            ..a
        };
        assert_ne!(a.variant_name(), b.variant_name());
        assert_ne!(a.variant_name(), c.variant_name());
        assert!(
            c.variant_name()
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-.".contains(ch))
        );
    }
}
