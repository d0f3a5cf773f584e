use crate::FieldError;
use serde::{Deserialize, Serialize};

/// Seeds run from 0 to 2³¹−1, the range of the upstream Gradio UI, so a seed
/// from here reproduces there.
pub const MAX_SEED: u64 = (1 << 31) - 1;
/// Sampler steps: the upstream UI's range. 0 crashes the sampler and
/// hundreds only burn GPU minutes for no visible gain.
pub const MIN_SAMPLING_STEPS: u32 = 1;
pub const MAX_SAMPLING_STEPS: u32 = 50;
/// Classifier-free guidance: above 10 the output saturates and breaks apart.
pub const MIN_GUIDANCE_STRENGTH: f32 = 0.0;
pub const MAX_GUIDANCE_STRENGTH: f32 = 10.0;

/// The TRELLIS.2 pipeline variant (contract §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum PipelineType {
    #[serde(rename = "512")]
    P512,
    #[serde(rename = "1024")]
    P1024,
    #[default]
    #[serde(rename = "1024_cascade")]
    P1024Cascade,
    #[serde(rename = "1536_cascade")]
    P1536Cascade,
}

impl PipelineType {
    pub const ALL: [PipelineType; 4] = [
        PipelineType::P512,
        PipelineType::P1024,
        PipelineType::P1024Cascade,
        PipelineType::P1536Cascade,
    ];

    /// The value on the wire, e.g. `1024_cascade`.
    pub fn as_str(self) -> &'static str {
        match self {
            PipelineType::P512 => "512",
            PipelineType::P1024 => "1024",
            PipelineType::P1024Cascade => "1024_cascade",
            PipelineType::P1536Cascade => "1536_cascade",
        }
    }

    /// A short description for people choosing one.
    pub fn description(self) -> &'static str {
        match self {
            PipelineType::P512 => "Draft: fastest, coarse detail",
            PipelineType::P1024 => "Detailed, single stage",
            PipelineType::P1024Cascade => "Detailed, recommended default",
            PipelineType::P1536Cascade => "Finest detail, slowest",
        }
    }

    /// Parses the wire value, with a message listing the valid ones.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == value)
            .ok_or_else(|| {
                FieldError::new(
                    "pipeline_type",
                    format!(
                        "pipeline_type must be one of 512, 1024, 1024_cascade, 1536_cascade (got \"{value}\")"
                    ),
                )
            })
    }
}

impl std::fmt::Display for PipelineType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The generation knobs of the TRELLIS.2 servers, with their defaults
/// (contract §1.5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenerateParams {
    pub seed: u64,
    pub pipeline_type: PipelineType,
    pub ss_sampling_steps: u32,
    pub ss_guidance_strength: f32,
    pub shape_slat_sampling_steps: u32,
    pub shape_slat_guidance_strength: f32,
    pub tex_slat_sampling_steps: u32,
    pub tex_slat_guidance_strength: f32,
}

impl Default for GenerateParams {
    fn default() -> Self {
        Self {
            seed: 42,
            pipeline_type: PipelineType::P1024Cascade,
            ss_sampling_steps: 12,
            ss_guidance_strength: 7.5,
            shape_slat_sampling_steps: 12,
            shape_slat_guidance_strength: 7.5,
            tex_slat_sampling_steps: 12,
            tex_slat_guidance_strength: 1.0,
        }
    }
}

impl GenerateParams {
    /// Every field name `set_field` accepts.
    pub const FIELDS: [&'static str; 8] = [
        "seed",
        "pipeline_type",
        "ss_sampling_steps",
        "ss_guidance_strength",
        "shape_slat_sampling_steps",
        "shape_slat_guidance_strength",
        "tex_slat_sampling_steps",
        "tex_slat_guidance_strength",
    ];

    /// Sets one field from its text form (a form field, or a JSON scalar
    /// printed as text), checking its range. Used for multipart and JSON
    /// bodies alike, so both give the same messages.
    pub fn set_field(&mut self, name: &str, value: &str) -> Result<(), FieldError> {
        let value = value.trim();
        match name {
            "seed" => self.seed = parse_seed(value)?,
            "pipeline_type" => self.pipeline_type = PipelineType::parse(value)?,
            "ss_sampling_steps" => self.ss_sampling_steps = parse_steps(name, value)?,
            "shape_slat_sampling_steps" => {
                self.shape_slat_sampling_steps = parse_steps(name, value)?
            }
            "tex_slat_sampling_steps" => self.tex_slat_sampling_steps = parse_steps(name, value)?,
            "ss_guidance_strength" => self.ss_guidance_strength = parse_guidance(name, value)?,
            "shape_slat_guidance_strength" => {
                self.shape_slat_guidance_strength = parse_guidance(name, value)?
            }
            "tex_slat_guidance_strength" => {
                self.tex_slat_guidance_strength = parse_guidance(name, value)?
            }
            other => {
                return Err(FieldError::new(
                    other,
                    format!(
                        "unknown field \"{other}\"; expected image or one of: {}",
                        Self::FIELDS.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks the ranges of an already typed value (e.g. one deserialized
    /// straight from JSON by a client).
    pub fn validate(&self) -> Result<(), FieldError> {
        if self.seed > MAX_SEED {
            return Err(seed_error(&self.seed.to_string()));
        }
        for (name, steps) in [
            ("ss_sampling_steps", self.ss_sampling_steps),
            ("shape_slat_sampling_steps", self.shape_slat_sampling_steps),
            ("tex_slat_sampling_steps", self.tex_slat_sampling_steps),
        ] {
            check_steps(name, steps)?;
        }
        for (name, guidance) in [
            ("ss_guidance_strength", self.ss_guidance_strength),
            (
                "shape_slat_guidance_strength",
                self.shape_slat_guidance_strength,
            ),
            (
                "tex_slat_guidance_strength",
                self.tex_slat_guidance_strength,
            ),
        ] {
            check_guidance(name, guidance)?;
        }
        Ok(())
    }
}

fn seed_error(value: &str) -> FieldError {
    FieldError::new(
        "seed",
        format!("seed must be a whole number from 0 to {MAX_SEED} (got \"{value}\")"),
    )
}

fn parse_seed(value: &str) -> Result<u64, FieldError> {
    match value.parse::<u64>() {
        Ok(seed) if seed <= MAX_SEED => Ok(seed),
        _ => Err(seed_error(value)),
    }
}

fn check_steps(name: &str, steps: u32) -> Result<u32, FieldError> {
    if (MIN_SAMPLING_STEPS..=MAX_SAMPLING_STEPS).contains(&steps) {
        Ok(steps)
    } else {
        Err(steps_error(name, &steps.to_string()))
    }
}

fn steps_error(name: &str, value: &str) -> FieldError {
    FieldError::new(
        name,
        format!(
            "{name} must be a whole number from {MIN_SAMPLING_STEPS} to {MAX_SAMPLING_STEPS} (got \"{value}\")"
        ),
    )
}

fn parse_steps(name: &str, value: &str) -> Result<u32, FieldError> {
    let steps = value.parse::<u32>().map_err(|_| steps_error(name, value))?;
    check_steps(name, steps)
}

fn guidance_error(name: &str, value: &str) -> FieldError {
    FieldError::new(
        name,
        format!(
            "{name} must be a number from {MIN_GUIDANCE_STRENGTH} to {MAX_GUIDANCE_STRENGTH} (got \"{value}\")"
        ),
    )
}

fn check_guidance(name: &str, guidance: f32) -> Result<f32, FieldError> {
    if guidance.is_finite() && (MIN_GUIDANCE_STRENGTH..=MAX_GUIDANCE_STRENGTH).contains(&guidance) {
        Ok(guidance)
    } else {
        Err(guidance_error(name, &guidance.to_string()))
    }
}

fn parse_guidance(name: &str, value: &str) -> Result<f32, FieldError> {
    let guidance = value
        .parse::<f32>()
        .map_err(|_| guidance_error(name, value))?;
    check_guidance(name, guidance)
}

/// The answer to `POST /api/generate` (HTTP 202): the job was accepted and
/// runs in the background.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateAccepted {
    /// The generation id: unguessable, and the share id.
    pub id: String,
    /// Status URL, relative to the API base.
    pub status_url: String,
    /// Server-Sent Events URL, relative to the API base.
    pub events_url: String,
    /// Proves its holder created the generation: only the creator may
    /// cancel it, remove it or ask for new models, sending this in the
    /// [`crate::OWNER_TOKEN_HEADER`] header. Sent only here, once; the
    /// server keeps a hash. Keep it private: it is never part of a link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_token: Option<String>,
    /// The same token under its old name, sent too so that apps and
    /// clients from before the rename keep working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_token: Option<String>,
}

impl GenerateAccepted {
    /// The owner token, under whichever name the server sent it.
    pub fn token(&self) -> Option<&str> {
        self.owner_token.as_deref().or(self.delete_token.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_message_reads_with_the_forms_label() {
        for name in GenerateParams::FIELDS {
            let error = GenerateParams::default()
                .set_field(name, "not a value")
                .unwrap_err();
            let message = error.message_for("The label");
            assert!(message.starts_with("The label "), "{name}: {message}");
            assert!(!message.contains(name), "{name}: {message}");
        }
    }

    #[test]
    fn defaults_match_the_upstream_service() {
        let p = GenerateParams::default();
        assert_eq!(p.seed, 42);
        assert_eq!(p.pipeline_type.as_str(), "1024_cascade");
        assert_eq!(p.tex_slat_guidance_strength, 1.0);
        assert!(p.validate().is_ok());
    }

    #[test]
    fn every_pipeline_type_round_trips() {
        for p in PipelineType::ALL {
            assert_eq!(PipelineType::parse(p.as_str()), Ok(p));
        }
        assert!(PipelineType::parse("2048").is_err());
    }

    #[test]
    fn bad_values_are_rejected_with_the_field_named() {
        let mut p = GenerateParams::default();
        for (field, value) in [
            ("seed", "-1"),
            ("seed", "abc"),
            ("seed", "2147483648"),
            ("ss_sampling_steps", "0"),
            ("tex_slat_sampling_steps", "1000"),
            ("shape_slat_guidance_strength", "NaN"),
            ("ss_guidance_strength", "11"),
            ("pipeline_type", "fast"),
        ] {
            let err = p.set_field(field, value).unwrap_err();
            assert_eq!(err.field, field);
            assert!(err.message.contains(value), "{}", err.message);
        }
        assert!(
            p.set_field("sed", "1")
                .unwrap_err()
                .message
                .contains("unknown field")
        );
    }

    #[test]
    fn good_values_are_set() {
        let mut p = GenerateParams::default();
        p.set_field("seed", "7").unwrap();
        p.set_field("pipeline_type", "512").unwrap();
        p.set_field("ss_guidance_strength", "3.5").unwrap();
        assert_eq!(
            (p.seed, p.pipeline_type, p.ss_guidance_strength),
            (7, PipelineType::P512, 3.5)
        );
    }

    #[test]
    fn the_owner_token_is_read_under_its_new_or_its_old_name() {
        let old: GenerateAccepted = serde_json::from_str(
            r#"{"id":"a","status_url":"s","events_url":"e","delete_token":"t"}"#,
        )
        .unwrap();
        assert_eq!(old.token(), Some("t"));
        let new: GenerateAccepted = serde_json::from_str(
            r#"{"id":"a","status_url":"s","events_url":"e","owner_token":"t","delete_token":"t"}"#,
        )
        .unwrap();
        assert_eq!(new.token(), Some("t"));
    }

    #[test]
    fn params_serialize_with_upstream_field_names() {
        let json = serde_json::to_value(GenerateParams::default()).unwrap();
        assert_eq!(json["pipeline_type"], "1024_cascade");
        assert_eq!(json["ss_sampling_steps"], 12);
    }
}
