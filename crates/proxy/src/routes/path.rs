//! Extractors for the path segments of `/generations/{id}/...`, rejecting
//! in the API's error shape.

use axum::{
    extract::{FromRequestParts, RawPathParams},
    http::request::Parts,
};

use crate::{error::AppError, id::GenerationId};

/// The `{id}` segment, validated before anything touches the disk.
pub struct IdPath(pub GenerationId);

/// The model name in `models/{file}`, without its `.glb` extension.
pub struct ModelPath(pub String);

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
        Ok(Self(GenerationId::parse(
            &param(parts, state, "id").await?,
        )?))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ModelPath {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let file = param(parts, state, "file").await?;
        // The route captures the whole segment because the router cannot
        // match `{variant}.glb`; anything without the extension is unknown.
        match file.strip_suffix(".glb") {
            Some(variant) => Ok(Self(variant.to_owned())),
            None => Err(AppError::ModelNotFound(file)),
        }
    }
}
