//! Where the model bytes come from: the API (a generated model) or any URL
//! given as `?model=<url>`, which opens an existing GLB without the API.

use crate::api;
use crate::share::{MODEL_QUERY, current_query};
use gloo_net::http::Request;

/// A model to load.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum ModelSource {
    /// A URL relative to the API base, as the API links its files.
    Api(String),
    /// Any URL the browser may fetch (same origin, CORS-enabled, `data:`).
    Url(String),
}

impl ModelSource {
    /// Downloads the model's bytes, with a message fit for the page on failure.
    pub async fn fetch(&self) -> Result<Vec<u8>, String> {
        match self {
            ModelSource::Api(url) => api::download(url).await.map_err(|e| e.to_string()),
            ModelSource::Url(url) => {
                let failed = |e: &dyn std::fmt::Display| {
                    format!("The model could not be downloaded from the given address: {e}")
                };
                let response = Request::get(url).send().await.map_err(|e| failed(&e))?;
                if !response.ok() {
                    return Err(failed(&format!("HTTP {}", response.status())));
                }
                response.binary().await.map_err(|e| failed(&e))
            }
        }
    }
}

/// The `?model=` URL of the page, if any.
pub(super) fn model_from_query() -> Option<String> {
    current_query(MODEL_QUERY)
}
