//! The generate request: a photo plus the sampler settings, checked with
//! the proxy's own rules before anything is sent.

use std::path::Path;

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use trellis_api::{FieldError, GenerateParams, MAX_SEED, PipelineType, Preset};

use crate::Error;

/// The largest image file the proxy accepts: the GPU service's own limit.
/// Checked here too, so a photo that is too big fails before a 10 MiB
/// upload rather than after it.
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// Bytes in a MiB, for messages.
const MIB: f64 = 1024.0 * 1024.0;

/// The form field of the photo.
const IMAGE_FIELD: &str = "image";
/// The form field naming the preset of the model extracted right after
/// generating.
const EXTRACT_PRESET_FIELD: &str = "extract_preset";
/// The part's file name for a photo given as bytes. The proxy reads the
/// format from the content, so the name only shows up in logs.
const DEFAULT_FILE_NAME: &str = "photo";

/// A photo and the settings to generate a model from it.
///
/// Typed setters cannot fail; their values are range-checked by
/// [`validate`](Self::validate), which [`Client::generate`](crate::Client::generate)
/// calls before sending. [`set`](Self::set) takes text (a config file, a
/// command line) and checks it at once.
#[derive(Clone)]
#[must_use]
pub struct GenerateRequest {
    image: Vec<u8>,
    file_name: String,
    params: GenerateParams,
    extract_preset: Option<Preset>,
}

impl std::fmt::Debug for GenerateRequest {
    // The image is megabytes of bytes; its size is what a reader needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerateRequest")
            .field("image_bytes", &self.image.len())
            .field("file_name", &self.file_name)
            .field("params", &self.params)
            .field("extract_preset", &self.extract_preset)
            .finish()
    }
}

impl GenerateRequest {
    /// A request for a photo already in memory (PNG, JPEG, WebP, GIF, BMP
    /// or TIFF), with the default settings.
    pub fn from_bytes(image: impl Into<Vec<u8>>) -> Self {
        Self {
            image: image.into(),
            file_name: DEFAULT_FILE_NAME.to_owned(),
            params: GenerateParams::default(),
            extract_preset: None,
        }
    }

    /// A request for the photo in a file, with the default settings. A file
    /// over [`MAX_IMAGE_BYTES`] is refused without being read.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let read_error = |source| Error::ReadImage {
            path: path.to_owned(),
            source,
        };
        let len = tokio::fs::metadata(path).await.map_err(read_error)?.len();
        if usize::try_from(len).map_or(true, |len| len > MAX_IMAGE_BYTES) {
            return Err(too_big(&path.display().to_string(), len).into());
        }
        let image = tokio::fs::read(path).await.map_err(read_error)?;
        let file_name = path
            .file_name()
            .map_or(DEFAULT_FILE_NAME.into(), |name| name.to_string_lossy());
        Ok(Self {
            file_name: file_name.into_owned(),
            ..Self::from_bytes(image)
        })
    }

    /// The seed: the same photo, settings and seed give the same model.
    pub fn seed(mut self, seed: u64) -> Self {
        self.params.seed = seed;
        self
    }

    /// A fresh seed, uniform over `0..=MAX_SEED`. Without this (or
    /// [`seed`](Self::seed)) the seed is the upstream default, 42, as in the
    /// web app. The seed drawn is in [`params`](Self::params).
    pub fn random_seed(self) -> Self {
        // Not cryptographic, and need not be: a seed only has to differ.
        self.seed(fastrand::u64(0..=MAX_SEED))
    }

    /// The TRELLIS.2 pipeline: resolution and speed.
    pub fn pipeline(mut self, pipeline: PipelineType) -> Self {
        self.params.pipeline_type = pipeline;
        self
    }

    /// Replaces every sampler setting at once.
    pub fn with_params(mut self, params: GenerateParams) -> Self {
        self.params = params;
        self
    }

    /// Sets one setting from text, e.g. `("ss_sampling_steps", "20")`,
    /// checked at once with the proxy's rules and messages.
    pub fn set(mut self, field: &str, value: &str) -> Result<Self, Error> {
        self.params.set_field(field, value)?;
        Ok(self)
    }

    /// The settings of the model extracted as soon as the generation is
    /// done. Default: [`Preset::Balanced`].
    pub fn extract_preset(mut self, preset: Preset) -> Self {
        self.extract_preset = Some(preset);
        self
    }

    /// The sampler settings as they will be sent.
    pub fn params(&self) -> &GenerateParams {
        &self.params
    }

    /// Checks the photo's size and every setting's range, with the proxy's
    /// messages. Whether the photo is an image the server can read is left
    /// to the server, which decodes it anyway.
    pub fn validate(&self) -> Result<(), Error> {
        if self.image.is_empty() {
            return Err(FieldError::new(
                IMAGE_FIELD,
                format!(
                    "the image {} is empty (0 bytes); choose a photo",
                    self.file_name
                ),
            )
            .into());
        }
        if self.image.len() > MAX_IMAGE_BYTES {
            let len = u64::try_from(self.image.len()).unwrap_or(u64::MAX);
            return Err(too_big(&self.file_name, len).into());
        }
        self.params.validate()?;
        Ok(())
    }

    /// Every setting as the text form fields the proxy parses.
    fn fields(&self) -> Result<Vec<(String, String)>, Error> {
        let Value::Object(params) = serde_json::to_value(&self.params).map_err(|err| {
            FieldError::new("params", format!("cannot encode the settings: {err}"))
        })?
        else {
            return Err(FieldError::new("params", "the settings are not a JSON object").into());
        };
        let mut fields: Vec<_> = params
            .into_iter()
            .map(|(name, value)| (name, field_text(value)))
            .collect();
        if let Some(preset) = self.extract_preset {
            fields.push((EXTRACT_PRESET_FIELD.to_owned(), preset.as_str().to_owned()));
        }
        Ok(fields)
    }

    /// The multipart body of `POST /api/generate`: the file as a binary
    /// part (a third smaller than base64 in JSON), every setting as text.
    pub(crate) fn into_form(self) -> Result<Form, Error> {
        let fields = self.fields()?;
        let image = Part::bytes(self.image).file_name(self.file_name);
        Ok(fields.into_iter().fold(
            Form::new().part(IMAGE_FIELD, image),
            |form, (name, value)| form.text(name, value),
        ))
    }
}

/// A setting's text as the proxy's `set_field` reads it: strings without
/// quotes, numbers as printed.
fn field_text(value: Value) -> String {
    match value {
        Value::String(text) => text,
        other => other.to_string(),
    }
}

fn too_big(name: &str, len: u64) -> FieldError {
    // Rounded for display; the exact size follows in bytes.
    let mib = len as f64 / MIB;
    FieldError::new(
        IMAGE_FIELD,
        format!(
            "the image {name} is {mib:.1} MiB ({len} bytes); the limit is {} MiB. \
             Save it smaller (for example as JPEG) and try again.",
            MAX_IMAGE_BYTES / (1024 * 1024)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_survives_the_proxys_text_parsing() {
        let request = GenerateRequest::from_bytes(b"png".to_vec())
            .seed(7)
            .pipeline(PipelineType::P512)
            .set("ss_guidance_strength", "2.5")
            .unwrap()
            .set("tex_slat_sampling_steps", "20")
            .unwrap();
        let mut parsed = GenerateParams::default();
        for (name, value) in request.fields().unwrap() {
            parsed.set_field(&name, &value).unwrap();
        }
        assert_eq!(&parsed, request.params());
    }

    #[test]
    fn the_extract_preset_is_sent_only_when_chosen() {
        let plain = GenerateRequest::from_bytes(b"png".to_vec());
        assert!(
            plain
                .fields()
                .unwrap()
                .iter()
                .all(|(n, _)| n != "extract_preset")
        );
        let fast = plain.extract_preset(Preset::Fast);
        assert!(
            fast.fields()
                .unwrap()
                .contains(&("extract_preset".to_owned(), "fast".to_owned()))
        );
    }

    #[test]
    fn random_seeds_stay_in_range_and_differ() {
        let seeds: Vec<u64> = (0..64)
            .map(|_| {
                GenerateRequest::from_bytes(b"png".to_vec())
                    .random_seed()
                    .params()
                    .seed
            })
            .collect();
        assert!(seeds.iter().all(|&seed| seed <= MAX_SEED));
        // The crossworld client's "random" seed was always 42.
        assert!(seeds.iter().any(|&seed| seed != seeds[0]));
    }

    #[test]
    fn out_of_range_values_fail_with_the_proxys_message() {
        let request = GenerateRequest::from_bytes(b"png".to_vec()).seed(MAX_SEED + 1);
        let mut proxy_side = GenerateParams::default();
        let expected = proxy_side
            .set_field("seed", &(MAX_SEED + 1).to_string())
            .unwrap_err();
        match request.validate() {
            Err(Error::Invalid(err)) => assert_eq!(err, expected),
            other => panic!("expected a seed error, got {other:?}"),
        }
        let text = GenerateRequest::from_bytes(b"png".to_vec()).set("pipeline_type", "2048");
        assert!(text.unwrap_err().to_string().contains("1536_cascade"));
    }

    #[test]
    fn empty_and_oversized_images_are_refused_before_sending() {
        let empty = GenerateRequest::from_bytes(Vec::new());
        assert!(empty.validate().unwrap_err().to_string().contains("empty"));
        let huge = GenerateRequest::from_bytes(vec![0; MAX_IMAGE_BYTES + 1]);
        let message = huge.validate().unwrap_err().to_string();
        assert!(message.contains("the limit is 10 MiB"), "{message}");
    }

    #[tokio::test]
    async fn a_missing_file_names_its_path() {
        let err = GenerateRequest::from_path("/no/such/photo.png")
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ReadImage { .. }));
        assert!(err.to_string().contains("/no/such/photo.png"), "{err}");
    }
}
