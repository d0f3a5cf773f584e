//! The body of `POST /api/generate`: multipart or JSON, parsed into one
//! validated form. Every field other than the image goes through
//! `GenerateParams::set_field` as text, so both encodings give the same
//! messages for the same mistakes.

mod decode;

use axum::{
    body::Bytes,
    extract::{
        FromRequest, Multipart, Request,
        multipart::{Field, MultipartError},
    },
    http::{StatusCode, header::CONTENT_TYPE},
};
use base64::{
    Engine as _, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use serde_json::{Map, Value};
use trellis_api::{ExtractParams, FieldError, GenerateParams, Preset};

use self::decode::image_too_big;
pub use self::decode::{MAX_IMAGE_BYTES, normalize};
use crate::error::AppError;

/// The largest `POST /api/generate` body: a 10 MiB image grows to 13.4 MiB
/// as base64, plus the other fields; 20 MiB leaves room and no more.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Field naming the preset of the model extracted right after generating.
const EXTRACT_PRESET_FIELD: &str = "extract_preset";
/// Field holding the photo.
const IMAGE_FIELD: &str = "image";

/// Standard base64, padded or not: browsers' `btoa` pads, some tools don't.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A parsed generate request whose image is not yet decoded.
#[derive(Debug)]
pub struct GenerateUpload {
    /// The uploaded file, at most [`MAX_IMAGE_BYTES`].
    pub image: Vec<u8>,
    /// The validated sampler settings.
    pub params: GenerateParams,
    /// Settings of the model extracted as soon as generation is done.
    pub first_model: ExtractParams,
}

/// Collects fields in either encoding.
#[derive(Default)]
struct Form {
    image: Option<Vec<u8>>,
    params: GenerateParams,
    preset: Option<Preset>,
}

impl Form {
    fn set_text(&mut self, name: &str, value: &str) -> Result<(), AppError> {
        if name == EXTRACT_PRESET_FIELD {
            self.preset = Some(parse_preset(value)?);
        } else {
            self.params.set_field(name, value)?;
        }
        Ok(())
    }

    fn finish(self) -> Result<GenerateUpload, AppError> {
        Ok(GenerateUpload {
            image: self.image.ok_or(AppError::MissingImage)?,
            params: self.params,
            first_model: self.preset.unwrap_or(Preset::Balanced).params(),
        })
    }
}

impl<S: Send + Sync> FromRequest<S> for GenerateUpload {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            let multipart = Multipart::from_request(request, state)
                .await
                .map_err(|err| AppError::InvalidMultipart(err.body_text()))?;
            from_multipart(multipart).await
        } else if content_type.starts_with("application/json") {
            let body = Bytes::from_request(request, state).await.map_err(|err| {
                if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    body_too_big()
                } else {
                    AppError::InvalidJson(err.body_text())
                }
            })?;
            // Parsing and decoding up to 20 MiB of base64 takes a while;
            // keep it off the threads that answer other requests.
            tokio::task::spawn_blocking(move || from_json(&body)).await?
        } else {
            Err(AppError::UnsupportedMediaType(
                "Send the photo as multipart/form-data with an \"image\" file part, or as JSON \
                 {\"image\": \"<base64>\"} with Content-Type: application/json.",
            ))
        }
    }
}

fn body_too_big() -> AppError {
    AppError::PayloadTooLarge(format!(
        "The request is over {} MiB; send an image file of at most {} MiB.",
        MAX_UPLOAD_BYTES / (1024 * 1024),
        MAX_IMAGE_BYTES / (1024 * 1024)
    ))
}

fn multipart_error(err: MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        body_too_big()
    } else {
        AppError::InvalidMultipart(err.body_text())
    }
}

async fn from_multipart(mut multipart: Multipart) -> Result<GenerateUpload, AppError> {
    let mut form = Form::default();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let name = field
            .name()
            .ok_or_else(|| AppError::InvalidMultipart("a form part has no name".to_owned()))?
            .to_owned();
        if name == IMAGE_FIELD {
            if form.image.is_some() {
                return Err(FieldError::new(IMAGE_FIELD, "send exactly one \"image\" part").into());
            }
            form.image = Some(read_image_part(field).await?);
        } else {
            let value = field.text().await.map_err(multipart_error)?;
            form.set_text(&name, &value)?;
        }
    }
    form.finish()
}

/// Reads the image part chunk by chunk, stopping as soon as it is too big.
async fn read_image_part(mut field: Field<'_>) -> Result<Vec<u8>, AppError> {
    let mut image = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
        if image.len() + chunk.len() > MAX_IMAGE_BYTES {
            return Err(image_too_big(image.len() + chunk.len()));
        }
        image.extend_from_slice(&chunk);
    }
    Ok(image)
}

fn from_json(body: &[u8]) -> Result<GenerateUpload, AppError> {
    let fields: Map<String, Value> = serde_json::from_slice(body).map_err(|err| {
        AppError::InvalidJson(format!(
            "{err}; send one JSON object such as {{\"image\": \"<base64>\"}}"
        ))
    })?;
    let mut form = Form::default();
    for (name, value) in fields {
        if name == IMAGE_FIELD {
            let Value::String(text) = value else {
                return Err(FieldError::new(
                    IMAGE_FIELD,
                    "image must be base64 text (a data: URI is fine too)",
                )
                .into());
            };
            form.image = Some(decode_base64_image(&text)?);
            continue;
        }
        let text = match value {
            // Absent and null mean the same: use the default.
            Value::Null => continue,
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            Value::Bool(_) | Value::Array(_) | Value::Object(_) => {
                return Err(
                    FieldError::new(&name, format!("{name} must be a number or a string")).into(),
                );
            }
        };
        form.set_text(&name, &text)?;
    }
    form.finish()
}

/// Decodes base64 image text, with or without a `data:image/...;base64,`
/// prefix, checking the size before decoding anything.
fn decode_base64_image(text: &str) -> Result<Vec<u8>, AppError> {
    let payload = match text.strip_prefix("data:") {
        Some(uri) => {
            let (header, data) = uri.split_once(',').ok_or_else(|| {
                FieldError::new(
                    IMAGE_FIELD,
                    "the image data: URI has no comma before its data",
                )
            })?;
            if !header.ends_with(";base64") {
                return Err(FieldError::new(
                    IMAGE_FIELD,
                    "the image data: URI must be base64-encoded (data:image/png;base64,...)",
                )
                .into());
            }
            data
        }
        None => text,
    };
    // Some encoders wrap base64 at 76 columns; whitespace carries no data.
    let compact: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let decoded_len = compact.len() / 4 * 3;
    if decoded_len > MAX_IMAGE_BYTES {
        return Err(image_too_big(decoded_len));
    }
    BASE64.decode(compact.as_bytes()).map_err(|err| {
        AppError::InvalidImage(format!(
            "The image field is not valid base64 ({err}). Send the file's bytes base64-encoded, \
             optionally as a data: URI."
        ))
    })
}

fn parse_preset(value: &str) -> Result<Preset, AppError> {
    let value = value.trim();
    Preset::ALL
        .into_iter()
        .find(|preset| preset.as_str() == value)
        .ok_or_else(|| {
            FieldError::new(
                EXTRACT_PRESET_FIELD,
                format!("extract_preset must be one of fast, balanced, quality (got \"{value}\")"),
            )
            .into()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_or_without_a_data_uri_and_padding() {
        assert_eq!(decode_base64_image("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64_image("aGk").unwrap(), b"hi");
        assert_eq!(
            decode_base64_image("data:image/png;base64,aGk=").unwrap(),
            b"hi"
        );
        assert_eq!(decode_base64_image("aG\nk=").unwrap(), b"hi");
        assert!(decode_base64_image("data:image/png,hi").is_err());
        assert!(decode_base64_image("not base64!").is_err());
    }

    #[test]
    fn json_fields_become_text_for_the_shared_validation() {
        let upload = from_json(br#"{"image":"aGk=","seed":7,"pipeline_type":"512","ss_guidance_strength":2.5,"extract_preset":"fast"}"#).unwrap();
        assert_eq!(upload.params.seed, 7);
        assert_eq!(upload.params.ss_guidance_strength, 2.5);
        assert_eq!(upload.first_model, Preset::Fast.params());
        let err = from_json(br#"{"image":"aGk=","seed":-1}"#).unwrap_err();
        assert!(err.to_string().contains("seed must be"), "{err}");
    }
}
