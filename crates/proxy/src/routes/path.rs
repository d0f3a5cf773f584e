//! Extractors for the path segments of `/generations/{id}/...`, rejecting
//! in the API's error shape.

use axum::{
    extract::{FromRequestParts, RawPathParams},
    http::request::Parts,
};

use crate::{error::AppError, id::GenerationId, jobs::ModelFile};

/// The `{id}` segment, validated before anything touches the disk.
pub struct IdPath(pub GenerationId);

/// The file in `models/{model}` (`<variant>.glb`, `<variant>.web.glb` or
/// `<variant>.coarse.glb`): which of the model's files, and its variant.
pub struct ModelPath(pub ModelFile, pub String);

/// The variant in `models/{model}/conversions`: a model's name alone.
/// Checked against the generation's models before it names any file.
pub struct VariantPath(pub String);

/// The `{file}` in `…/conversions/{file}`.
pub struct FilePath(pub String);

async fn param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|err| AppError::internal(err.body_text()))?;
    params
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
        .ok_or_else(|| AppError::internal(format!("route has no {{{name}}} segment")))
}

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        GenerationId::parse(&param(parts, state, "id").await?).map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ModelPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let file = param(parts, state, "model").await?;
        // The route captures the whole segment because the router cannot
        // match `{variant}.glb`; anything without a known ending is unknown.
        match ModelFile::parse(&file) {
            Some((which, variant)) => Ok(Self(which, variant.to_owned())),
            None => Err(AppError::ModelNotFound(file)),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for VariantPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        param(parts, state, "model").await.map(Self)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for FilePath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        param(parts, state, "file").await.map(Self)
    }
}
