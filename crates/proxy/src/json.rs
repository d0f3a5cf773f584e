//! A JSON extractor whose rejections use the API's error shape.

use axum::extract::FromRequest;

use crate::error::AppError;

/// `axum::Json`, except that a malformed body answers with
/// `{"error":{"code","message"}}` like every other error.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);
