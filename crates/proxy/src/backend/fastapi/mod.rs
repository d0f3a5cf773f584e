//! The crossworld FastAPI server (contract §2): `/health` with a loading
//! state, and `/generate` answering with the mesh as JSON arrays, which the
//! proxy turns into a GLB. It has no extract step and no preview video.

mod mesh;

use std::{path::Path, time::Duration};

use async_trait::async_trait;
use futures_util::StreamExt as _;
use reqwest::{Client, StatusCode, Url, header::CONTENT_TYPE};
use serde::Deserialize;
use trellis_api::{BackendKind, ExtractParams, HealthStatus, PipelineType};

use self::mesh::MeshAnswer;
use super::{
    Backend, BackendError, BackendHealth, Capabilities, GenerateOutputs, GenerateRequest,
    Generated, ModelCounts, http,
};

/// The health endpoint only reads a flag; a slower answer means trouble.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);
/// The mesh arrives as JSON numbers: about 100 MB for the 1M faces the
/// server's README expects at 1536. Five times that is room to spare, and
/// still a bound on what a misbehaving server can make this process hold.
const MAX_MESH_ANSWER_BYTES: usize = 512 * 1024 * 1024;

/// The FastAPI server.
#[derive(Debug)]
pub struct FastApi {
    client: Client,
    base: Url,
    idle: Duration,
}

#[derive(Deserialize)]
struct ServerHealth {
    status: String,
    gpu_name: Option<String>,
    error: Option<String>,
}

/// The server takes `resolution` as a JSON string of 512, 1024 or 1536
/// (a number is a 422, anything else a 500).
fn resolution(pipeline: PipelineType) -> &'static str {
    match pipeline {
        PipelineType::P512 => "512",
        PipelineType::P1024 | PipelineType::P1024Cascade => "1024",
        PipelineType::P1536Cascade => "1536",
    }
}

impl FastApi {
    /// A client for the server at `base` (e.g. `http://127.0.0.1:3642`);
    /// `idle` is how long an answer may stall once it has started.
    pub fn new(base: Url, idle: Duration) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: http::client()?,
            base,
            idle,
        })
    }

    fn url(&self, path: &str) -> Result<Url, BackendError> {
        self.base
            .join(path)
            .map_err(|err| BackendError::Unreachable(format!("bad server URL ({err})")))
    }
}

#[async_trait]
impl Backend for FastApi {
    fn kind(&self) -> BackendKind {
        BackendKind::Fastapi
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            can_extract: false,
            has_preview_video: false,
            scale_down_window: None,
            cutout_preview: false,
        }
    }

    async fn health(&self) -> BackendHealth {
        let error = |label: String| BackendHealth {
            status: HealthStatus::Error,
            label,
        };
        let Ok(url) = self.url("health") else {
            return error("the FastAPI server URL is not valid".to_owned());
        };
        let answer = match self.client.get(url).timeout(HEALTH_TIMEOUT).send().await {
            Ok(response) => match response.bytes().await {
                Ok(body) => serde_json::from_slice::<ServerHealth>(&body),
                Err(err) => {
                    return error(format!(
                        "FastAPI server unreachable: {}",
                        http::unreachable(&err)
                    ));
                }
            },
            Err(err) => {
                return error(format!(
                    "FastAPI server unreachable: {}",
                    http::unreachable(&err)
                ));
            }
        };
        match answer {
            Ok(health) if health.status == "ready" => BackendHealth {
                status: HealthStatus::Ready,
                label: match health.gpu_name {
                    Some(gpu) => format!("TRELLIS on the FastAPI server ({gpu})"),
                    None => "TRELLIS on the FastAPI server".to_owned(),
                },
            },
            Ok(health) if health.status == "loading" => BackendHealth {
                status: HealthStatus::Loading,
                label: "The GPU server is loading its model".to_owned(),
            },
            Ok(health) => error(format!(
                "The GPU server failed to start: {}",
                health.error.unwrap_or_else(|| "no reason given".to_owned())
            )),
            Err(_) => {
                error("The FastAPI server's health answer is not the expected JSON".to_owned())
            }
        }
    }

    async fn generate(
        &self,
        request: GenerateRequest,
        outputs: &GenerateOutputs,
    ) -> Result<Generated, BackendError> {
        // Always an explicit integer seed: null is a 500 there and omitted
        // is always 42 (contract §5.18). Every guidance value is sent, as
        // the server's defaults differ from TRELLIS.2's. It takes a
        // `resolution` string instead of `pipeline_type`.
        let mut body = request.upstream_body();
        body.remove("pipeline_type");
        body.insert(
            "resolution".to_owned(),
            resolution(request.params.pipeline_type).into(),
        );
        let body = serde_json::Value::Object(body).to_string();
        let url = self.url("generate")?;
        let response = http::send(&self.client, || {
            let request = self
                .client
                .post(url.clone())
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
            async move { Ok(request) }
        })
        .await?;
        match response.status() {
            status if status.is_success() => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                let detail = http::error_detail(response, self.idle).await;
                return Err(
                    if detail.contains("loading") && !detail.contains("failed") {
                        BackendError::Loading(detail)
                    } else {
                        BackendError::Failed {
                            step: "loading its model",
                            detail,
                        }
                    },
                );
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                return Err(BackendError::RequestRejected(
                    http::error_detail(response, self.idle).await,
                ));
            }
            StatusCode::INTERNAL_SERVER_ERROR => {
                let detail = http::error_detail(response, self.idle).await;
                return Err(BackendError::Failed {
                    step: "generating the 3D shape",
                    detail,
                });
            }
            status => {
                return Err(BackendError::Status {
                    status: status.as_u16(),
                });
            }
        }

        let mut text = Vec::new();
        let mut chunks = std::pin::pin!(http::body_chunks(response, self.idle));
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk?;
            if text.len() + chunk.len() > MAX_MESH_ANSWER_BYTES {
                return Err(BackendError::BadResponse(format!(
                    "the mesh is over {} MiB",
                    MAX_MESH_ANSWER_BYTES / (1024 * 1024)
                )));
            }
            text.extend_from_slice(&chunk);
        }
        let (glb, counts) = tokio::task::spawn_blocking(move || {
            let answer: MeshAnswer = serde_json::from_slice(&text).map_err(|err| {
                BackendError::BrokenMesh(format!("the answer is not a mesh: {err}"))
            })?;
            answer.into_glb()
        })
        .await
        .map_err(|err| BackendError::Engine(format!("mesh conversion task died: {err}")))??;
        tokio::fs::write(&outputs.model, glb).await?;
        Ok(Generated::Model(counts))
    }

    async fn extract_glb(
        &self,
        _state: &Path,
        _params: ExtractParams,
        _model: &Path,
    ) -> Result<ModelCounts, BackendError> {
        Err(BackendError::ExtractUnsupported)
    }
}
