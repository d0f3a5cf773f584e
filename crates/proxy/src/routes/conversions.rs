//! A model's conversions to USDZ, STL and OBJ: made by the creator, listed
//! and downloaded (in `files`) by anyone with the link.

use axum::{Json, Router, extract::State, routing::post};
use trellis_api::{Conversion, ConversionList, ConversionRequest};

use super::path::{IdPath, VariantPath};
use crate::{
    access::{Authorized, OwnerToken},
    error::Result,
    json,
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/generations/{id}/models/{model}/conversions",
        post(convert).get(list),
    )
}

/// Creator only (and a client with a key in keys mode), like extractions.
/// Answers 200 with the conversion once it is made, or at once when it
/// was made before.
async fn convert(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    VariantPath(variant): VariantPath,
    Authorized(client): Authorized,
    OwnerToken(token): OwnerToken,
    json::Json(request): json::Json<ConversionRequest>,
) -> Result<Json<Conversion>> {
    let request = request.resolve()?;
    let admit = || state.quotas.admit_conversion(&client);
    let conversion = state
        .jobs
        .convert(&id, &variant, request, token.as_deref(), admit)
        .await?;
    Ok(Json(conversion))
}

/// The conversions that exist, for anyone with the link.
async fn list(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    VariantPath(variant): VariantPath,
) -> Result<Json<ConversionList>> {
    let conversions = state.jobs.conversions(&id, &variant).await?;
    Ok(Json(ConversionList { conversions }))
}
