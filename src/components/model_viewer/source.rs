//! Where the model's files come from: the API (a generated model, with
//! its web-optimized levels when the server made them) or any URL given
//! as `?model=<url>` (plus `&coarse=<url>` for a coarse level), which opens
//! an existing GLB without the API.

use crate::api;
use crate::share::{COARSE_QUERY, MODEL_QUERY, current_query};
use gloo_net::http::Request;
use js_sys::ArrayBuffer;
use trellis_api::{ModelVariant, OptimizedStatus};

/// A model's files, as the API lists a version (`ModelVariant::url` and
/// its web-optimized companions).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFiles {
    /// The file as extracted: what the viewer's downloads save.
    pub url: String,
    /// The web-optimized full-detail file, shown in place of the original.
    pub optimized_url: Option<String>,
    /// The coarse level (about 5% of the triangles, 512² textures), drawn
    /// first while the full level downloads.
    pub coarse_url: Option<String>,
}

impl ModelFiles {
    /// A model with its original file only.
    pub fn original(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            optimized_url: None,
            coarse_url: None,
        }
    }

    /// A generated model's files: its web-optimized levels once the server
    /// made them (`None` while it has no file to download).
    pub fn of(model: &ModelVariant) -> Option<Self> {
        let url = model.url.clone()?;
        let ready = model.optimized_status == Some(OptimizedStatus::Ready);
        Some(Self {
            url,
            optimized_url: model.optimized_url.clone().filter(|_| ready),
            coarse_url: model.coarse_url.clone().filter(|_| ready),
        })
    }

    /// The file shown at full detail.
    pub fn full_url(&self) -> &str {
        self.optimized_url.as_deref().unwrap_or(&self.url)
    }
}

/// What a model's URLs are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The API base, as the API links its files.
    Api,
    /// Nothing: any URL the browser may fetch (same origin, CORS-enabled,
    /// `data:`).
    Page,
}

/// A model to load.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ModelSource {
    pub files: ModelFiles,
    pub origin: Origin,
}

impl ModelSource {
    /// Downloads one of the model's files, with a message fit for the page
    /// on failure.
    pub async fn fetch(&self, url: &str) -> Result<ArrayBuffer, String> {
        match self.origin {
            Origin::Api => api::download(url).await.map_err(|e| e.to_string()),
            Origin::Page => {
                let failed = |e: &dyn std::fmt::Display| {
                    format!("The model could not be downloaded from the given address: {e}")
                };
                let response = Request::get(url).send().await.map_err(|e| failed(&e))?;
                if !response.ok() {
                    return Err(failed(&format!("HTTP {}", response.status())));
                }
                api::array_buffer(response).await.map_err(|e| failed(&e))
            }
        }
    }
}

/// The model of the page's `?model=` (with `&coarse=`) query, if any.
pub(super) fn files_from_query() -> Option<ModelFiles> {
    current_query(MODEL_QUERY).map(|url| ModelFiles {
        coarse_url: current_query(COARSE_QUERY),
        ..ModelFiles::original(url)
    })
}
