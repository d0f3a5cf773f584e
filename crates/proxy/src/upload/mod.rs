//! The body of `POST /api/generate`: multipart or JSON, parsed into one
//! validated form. Every field other than the image goes through
//! `GenerateParams::set_field` as text, so both encodings give the same
//! messages for the same mistakes.

mod base64;
mod decode;
mod json;
#[cfg(test)]
mod props;

use axum::{
    body::Bytes,
    extract::{
        FromRequest, Multipart, Request,
        multipart::{Field, MultipartError},
    },
    http::{StatusCode, header::CONTENT_TYPE},
};
use std::time::Duration;

use trellis_api::{ExtractParams, FieldError, GenerateParams, Preset};

use self::decode::image_too_big;
pub use self::decode::{MAX_IMAGE_BYTES, normalize};
use crate::error::AppError;

/// The largest `POST /api/generate` body: a 10 MiB image grows to 13.4 MiB
/// as base64, plus the other fields; 20 MiB leaves room and no more.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Field naming the preset of the model extracted right after generating.
const EXTRACT_PRESET_FIELD: &str = "extract_preset";
/// Field turning the result cache off for one request (`cache=false`).
const CACHE_FIELD: &str = "cache";
/// Field holding the photo.
pub(crate) const IMAGE_FIELD: &str = "image";

/// The longest an upload may take to arrive: a whole 20 MiB body at about
/// half a megabit per second. Past it the request is abandoned (408), so a
/// client trickling bytes cannot hold an upload turn for ever.
const UPLOAD_DEADLINE: Duration = Duration::from_secs(300);

/// A parsed generate request whose image is not yet decoded.
#[derive(Debug)]
pub struct GenerateUpload {
    /// The uploaded file, at most [`MAX_IMAGE_BYTES`].
    pub image: Vec<u8>,
    /// The validated sampler settings.
    pub params: GenerateParams,
    /// Settings of the model extracted as soon as generation is done.
    pub first_model: ExtractParams,
    /// Whether an earlier identical result may be given back instead of
    /// generating again; `cache=false` asks for a new run.
    pub reuse: bool,
}

/// Collects fields in either encoding.
#[derive(Default)]
struct Form {
    image: Option<Vec<u8>>,
    params: GenerateParams,
    preset: Option<Preset>,
    no_reuse: bool,
}

impl Form {
    fn set_text(&mut self, name: &str, value: &str) -> Result<(), AppError> {
        if name == EXTRACT_PRESET_FIELD {
            self.preset = Some(parse_preset(value)?);
        } else if name == CACHE_FIELD {
            self.no_reuse = !parse_switch(name, value)?;
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
            reuse: !self.no_reuse,
        })
    }
}

/// `true` or `false` (also `1` / `0`).
fn parse_switch(name: &str, value: &str) -> Result<bool, AppError> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(FieldError::new(name, format!("{name} must be true or false")).into()),
    }
}

impl<S: Send + Sync> FromRequest<S> for GenerateUpload {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        tokio::time::timeout(UPLOAD_DEADLINE, read_upload(request, state))
            .await
            .map_err(|_| AppError::UploadStalled)?
    }
}

async fn read_upload<S: Send + Sync>(
    request: Request,
    state: &S,
) -> Result<GenerateUpload, AppError> {
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
            } else if stalled(&err) {
                AppError::UploadStalled
            } else {
                AppError::InvalidJson(err.body_text())
            }
        })?;
        // Parsing and decoding up to 20 MiB of base64 takes a while;
        // keep it off the threads that answer other requests.
        tokio::task::spawn_blocking(move || json::from_json(&body)).await?
    } else {
        Err(AppError::UnsupportedMediaType(
            "Send the photo as multipart/form-data with an \"image\" file part, or as JSON \
             {\"image\": \"<base64>\"} with Content-Type: application/json.",
        ))
    }
}

fn body_too_big() -> AppError {
    AppError::PayloadTooLarge(format!(
        "The request is over {} MiB; send an image file of at most {} MiB.",
        MAX_UPLOAD_BYTES / (1024 * 1024),
        MAX_IMAGE_BYTES / (1024 * 1024)
    ))
}

/// Whether reading the body failed because it stopped arriving (the
/// server's idle timeout on request bodies).
fn stalled(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = err.source();
    }
    false
}

fn multipart_error(err: MultipartError) -> AppError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        body_too_big()
    } else if stalled(&err) {
        AppError::UploadStalled
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
