//! Reading a Modal answer: the HTTP status first (platform errors), then
//! the JSON body streamed through [`FieldReader`] on a blocking thread,
//! then the application error envelope, which arrives as HTTP 200
//! (contract §1.7).

use std::{collections::HashMap, path::PathBuf, pin::pin, time::Duration};

use axum::body::Bytes;
use futures_util::StreamExt as _;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::mpsc;

use super::fields::{FieldReader, Fields, FieldsError};
use crate::backend::{BackendError, http};

/// Chunks in flight between the network and the decoding thread: enough to
/// keep both busy, few enough that memory stays at a few hundred KiB.
const CHUNKS_IN_FLIGHT: usize = 8;

/// Which step an answer belongs to, for the messages.
#[derive(Debug, Clone, Copy)]
pub enum Step {
    Generate,
    Extract,
}

/// Checks the status, then decodes the base64 fields named in `files` into
/// those paths and returns what was found. Application errors become the
/// matching [`BackendError`].
pub async fn read(
    response: Response,
    step: Step,
    files: HashMap<String, PathBuf>,
    credentials_setting: &str,
    idle: Duration,
) -> Result<Fields, BackendError> {
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        return Err(BackendError::Unauthorized {
            setting: credentials_setting.to_owned(),
        });
    }
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        return Err(BackendError::RequestRejected(
            http::error_detail(response, idle).await,
        ));
    }
    if !status.is_success() {
        let detail = http::error_detail(response, idle).await;
        tracing::warn!(%status, detail, "GPU server answered with an error status");
        return Err(BackendError::Status {
            status: status.as_u16(),
        });
    }

    let (tx, mut rx) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let decoder = tokio::task::spawn_blocking(move || {
        let mut reader = FieldReader::new(files, &["error", "request_id"]);
        while let Some(chunk) = rx.blocking_recv() {
            reader.feed(&chunk)?;
        }
        reader.finish()
    });
    let mut body = pin!(http::body_chunks(response, idle));
    let mut broken = None;
    while let Some(chunk) = body.next().await {
        match chunk {
            Ok(chunk) => {
                if tx.send(chunk).await.is_err() {
                    // The decoder stopped early: its error is the one to
                    // report.
                    break;
                }
            }
            Err(err) => {
                broken = Some(err);
                break;
            }
        }
    }
    drop(tx);
    // Awaited even when the download broke, so the decoder has closed its
    // files before the caller removes them.
    let decoded = decoder.await;
    if let Some(err) = broken {
        return Err(err);
    }
    let fields = decoded
        .map_err(|err| BackendError::Engine(format!("decoder task died: {err}")))?
        .map_err(|err| match err {
            FieldsError::Malformed(what) => BackendError::BadResponse(what),
            FieldsError::Io(err) => BackendError::Storage(err),
        })?;
    if let Some(request_id) = fields.kept.get("request_id") {
        tracing::info!(%request_id, ?step, "GPU server answered");
    }
    match fields.kept.get("error") {
        Some(error) => Err(app_error(step, error)),
        None => Ok(fields),
    }
}

/// The application error envelope `{"code", "message"}` as the user's
/// error. Codes this proxy does not know are upstream failures.
fn app_error(step: Step, error: &Value) -> BackendError {
    let code = error["code"].as_str().unwrap_or("unknown");
    let message = error["message"]
        .as_str()
        .unwrap_or("no message")
        .trim()
        .to_owned();
    tracing::warn!(code, message, ?step, "GPU server reported an error");
    let failed = |step| BackendError::Failed {
        step,
        detail: message.trim_end_matches('.').to_owned(),
    };
    match code {
        "validation_error" => BackendError::Rejected(message.clone()),
        "cuda_oom" => BackendError::OutOfMemory(oom_advice(step, &message)),
        "generation_error" => failed("generating the 3D shape"),
        "rendering_error" => failed("rendering the preview video"),
        "compression_error" => failed("packing the result"),
        "extraction_error" => failed("extracting the GLB model"),
        _ => match step {
            Step::Generate => failed("generating"),
            Step::Extract => failed("extracting the GLB model"),
        },
    }
}

/// The advice part of a `cuda_oom` message ("GPU out of memory. Try …"),
/// or advice of our own when the server gave none.
fn oom_advice(step: Step, message: &str) -> String {
    let advice = message
        .split_once(". ")
        .map(|(_, advice)| advice.trim())
        .filter(|advice| !advice.is_empty());
    match (advice, step) {
        (Some(advice), _) => advice.to_owned(),
        (None, Step::Generate) => {
            "Try again with a lower resolution pipeline; the video render may also be at fault."
                .to_owned()
        }
        (None, Step::Extract) => "Try a smaller texture size or fewer faces.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_application_code_becomes_the_matching_error() {
        let cases = [
            ("validation_error", "invalid_input"),
            ("cuda_oom", "gpu_out_of_memory"),
            ("generation_error", "upstream_error"),
            ("rendering_error", "upstream_error"),
            ("compression_error", "upstream_error"),
            ("extraction_error", "upstream_error"),
            ("brand_new_code", "upstream_error"),
        ];
        for (code, ours) in cases {
            let err = app_error(Step::Generate, &json!({ "code": code, "message": "m" }));
            assert_eq!(err.code(), ours, "{code}");
        }
        let oom = app_error(
            Step::Generate,
            &json!({ "code": "cuda_oom", "message": "GPU out of memory. Try a smaller image or lower resolution pipeline." }),
        );
        assert_eq!(
            oom.to_string(),
            "The GPU server ran out of memory. Try a smaller image or lower resolution pipeline."
        );
    }
}
