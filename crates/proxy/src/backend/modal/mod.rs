//! The `trellis2_modal` GPU service (contract §1): generate and extract_glb
//! endpoints behind Modal proxy auth, and an always-on health endpoint.
//!
//! The state (possibly hundreds of MB of base64) and the video are decoded
//! to files as they download, and the state goes back to `extract_glb`
//! streamed from disk; neither is ever held whole in memory. Modal's 303
//! chains for requests over 150 s are followed by the HTTP client.

mod answer;
mod body;
mod credentials;
mod fields;
mod urls;

use std::{collections::HashMap, path::Path, time::Duration};

use async_trait::async_trait;
use reqwest::{
    Client, RequestBuilder,
    header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderValue},
};
use trellis_api::{BackendKind, ExtractParams, HealthStatus};

use self::answer::Step;
pub use self::{
    credentials::{Credentials, CredentialsError, SECRETS_FILE, Secret},
    urls::ModalUrls,
};
use super::{
    Backend, BackendError, BackendHealth, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts, glb, http,
};

/// The health endpoint answers from an always-on CPU container; if it
/// takes longer than this, the service is in trouble.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// Field names of the generate answer (contract §1.5) and extract answer
/// (§1.6) that carry files.
const STATE_FIELD: &str = "state";
const VIDEO_FIELD: &str = "video";
const GLB_FIELD: &str = "glb";

/// The Modal service.
#[derive(Debug)]
pub struct Modal {
    client: Client,
    urls: ModalUrls,
    credentials: Credentials,
    scale_down_window: Duration,
    idle: Duration,
}

impl Modal {
    /// A client for the service at `urls`. `scale_down_window` is how long
    /// its GPU container stays up after a request (300 s as deployed);
    /// `idle`, how long an answer may stall once it has started.
    pub fn new(
        urls: ModalUrls,
        credentials: Credentials,
        scale_down_window: Duration,
        idle: Duration,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: http::client()?,
            urls,
            credentials,
            scale_down_window,
            idle,
        })
    }

    /// The auth headers, marked sensitive so no debug output shows them.
    fn headers(&self) -> Result<HeaderMap, BackendError> {
        let value = |secret: &Secret| {
            let mut value =
                HeaderValue::from_str(secret.expose()).map_err(|_| BackendError::Unauthorized {
                    setting: self.credentials.source.setting(),
                })?;
            value.set_sensitive(true);
            Ok::<_, BackendError>(value)
        };
        let mut headers = HeaderMap::new();
        headers.insert("modal-key", value(&self.credentials.key)?);
        headers.insert("modal-secret", value(&self.credentials.secret)?);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(headers)
    }

    fn post(&self, url: &reqwest::Url) -> Result<RequestBuilder, BackendError> {
        Ok(self.client.post(url.clone()).headers(self.headers()?))
    }
}

#[async_trait]
impl Backend for Modal {
    fn kind(&self) -> BackendKind {
        BackendKind::Modal
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            can_extract: true,
            has_preview_video: true,
            scale_down_window: Some(self.scale_down_window),
            cutout_preview: false,
        }
    }

    /// The health endpoint only says the service is deployed; whether the
    /// GPU is awake is the job queue's to judge from its own traffic.
    async fn health(&self) -> BackendHealth {
        let answer = self
            .client
            .get(self.urls.health.clone())
            .timeout(HEALTH_TIMEOUT)
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => BackendHealth {
                status: HealthStatus::Ready,
                label: "TRELLIS.2 on Modal".to_owned(),
            },
            Ok(response) => BackendHealth {
                status: HealthStatus::Error,
                label: format!(
                    "Modal health check failed (HTTP {})",
                    response.status().as_u16()
                ),
            },
            Err(err) => BackendHealth {
                status: HealthStatus::Error,
                label: format!("Modal unreachable: {}", http::unreachable(&err)),
            },
        }
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        let body = serde_json::Value::Object(request.upstream_body()).to_string();
        let response = http::send(&self.client, || {
            let body = body.clone();
            async move { Ok(self.post(&self.urls.generate)?.body(body)) }
        })
        .await?;
        let files = HashMap::from([
            (STATE_FIELD.to_owned(), outputs.state.clone()),
            (VIDEO_FIELD.to_owned(), outputs.video.clone()),
        ]);
        let setting = self.credentials.source.setting();
        let found = answer::read(response, Step::Generate, files, &setting, self.idle).await?;
        if !found.decoded.contains_key(STATE_FIELD) {
            return Err(BackendError::BadResponse("it has no state".to_owned()));
        }
        Ok(Generated::State {
            video: found.decoded.contains_key(VIDEO_FIELD),
        })
    }

    async fn extract_glb(
        &self,
        state: &Path,
        params: ExtractParams,
        model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        let response = http::send(&self.client, || async {
            let streamed = body::extract_body(state, &params).await?;
            Ok(self
                .post(&self.urls.extract_glb)?
                .header(CONTENT_LENGTH, streamed.length)
                .body(streamed.body))
        })
        .await?;
        let files = HashMap::from([(GLB_FIELD.to_owned(), model.to_owned())]);
        let setting = self.credentials.source.setting();
        let found = answer::read(response, Step::Extract, files, &setting, self.idle).await?;
        if !found.decoded.contains_key(GLB_FIELD) {
            return Err(BackendError::BadResponse("it has no GLB".to_owned()));
        }
        glb::counts(model).await
    }
}
