//! Every call the app makes to the proxy, one async fn per endpoint.
//! Components never build URLs or look at raw responses.

use futures::{Stream, StreamExt};
use gloo_net::eventsource::futures::EventSource;
use gloo_net::http::{Request, RequestBuilder, Response};
use leptos::prelude::window;
use serde::de::DeserializeOwned;
use std::sync::OnceLock;
use trellis_api::{
    ApiError, Conversion, ConversionList, ConversionRequest, CutoutPreview, ErrorDetail,
    ExtractRequest, GenerateAccepted, GenerateParams, Generation, Health, OWNER_TOKEN_HEADER,
    bearer,
};
use web_sys::{Blob, FormData};

/// Where the proxy API lives by default: relative to the page, so the app
/// works from any path the proxy serves it under.
const DEFAULT_API_BASE: &str = "api/";
/// A deployment's settings, next to `index.html`, so one build serves many
/// deployments (e.g. a static host plus the proxy on another origin).
const CONFIG_FILE: &str = "config.json";
/// The last segment of the API base that `share/{id}` replaces: the proxy
/// serves its link-preview pages beside `/api/`.
const SHARE_PAGE_SIBLING: &str = "api/";

static API_BASE: OnceLock<String> = OnceLock::new();

/// The deployment settings read from `config.json`.
#[derive(Debug, serde::Deserialize)]
struct DeploymentConfig {
    /// The API's base URL, e.g. `https://studio-api.example.com/api/`.
    api_base: Option<String>,
}

/// Reads `config.json` once at start. A missing or unreadable file means
/// "same origin", which is what the proxy serving the app itself needs.
pub async fn configure() {
    let configured = match Request::get(CONFIG_FILE).send().await {
        Ok(response) if response.ok() => response
            .json::<DeploymentConfig>()
            .await
            .ok()
            .and_then(|c| c.api_base),
        _ => None,
    };
    let base = configured
        .filter(|base| !base.trim().is_empty())
        .map(|base| {
            if base.ends_with('/') {
                base
            } else {
                format!("{base}/")
            }
        })
        .unwrap_or_else(|| DEFAULT_API_BASE.to_string());
    // Set once, before the app mounts; a second call keeps the first value.
    let _ = API_BASE.set(base);
}

fn api_base() -> &'static str {
    API_BASE.get().map_or(DEFAULT_API_BASE, String::as_str)
}

/// Why a call failed, in a form the page can explain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiClientError {
    /// The server was not reached, or the connection broke.
    #[error("Could not reach the Trellis server: {0}. Check that it is running and try again.")]
    Transport(String),
    /// The server answered with an error: its message is meant for people.
    #[error("{0}")]
    Api(ErrorDetail),
    /// The server answered something this version of the page cannot read.
    #[error(
        "The server sent an unexpected answer ({0}). Reload the page to get the latest version."
    )]
    Decode(String),
}

impl From<gloo_net::Error> for ApiClientError {
    fn from(error: gloo_net::Error) -> Self {
        match error {
            gloo_net::Error::SerdeError(e) => Self::Decode(e.to_string()),
            other => Self::Transport(other.to_string()),
        }
    }
}

impl ApiClientError {
    /// The API's error code, when the server answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api(detail) => Some(detail.code.as_str()),
            Self::Transport(_) | Self::Decode(_) => None,
        }
    }

    /// Seconds until the same request may succeed, for "not now" answers.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Api(detail) => detail.retry_after_seconds,
            Self::Transport(_) | Self::Decode(_) => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiClientError>;

/// Adds the operator's API key, if this browser holds one: the server asks
/// for it on the requests that start work.
fn with_api_key(request: RequestBuilder) -> RequestBuilder {
    match crate::api_key::stored() {
        Some(key) => request.header("Authorization", &bearer(&key)),
        None => request,
    }
}

/// Turns a URL from an API answer (relative to the API base) into one the
/// browser can fetch or link to.
pub fn resolve(relative: &str) -> String {
    format!("{}{relative}", api_base())
}

async fn decode<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    if response.ok() {
        Ok(response.json().await?)
    } else {
        Err(error_from(response).await)
    }
}

/// Reads the API's error body, or describes the status when there is none
/// (e.g. a static host answering 404 for a missing API).
async fn error_from(response: Response) -> ApiClientError {
    let status = response.status();
    match response.json::<ApiError>().await {
        Ok(body) => ApiClientError::Api(body.error),
        Err(_) => ApiClientError::Api(ErrorDetail::new(
            "http_error",
            format!("The server answered HTTP {status}. Try again in a moment."),
        )),
    }
}

/// `GET /api/health`
pub async fn health() -> ApiResult<Health> {
    decode(Request::get(&resolve("health")).send().await?).await
}

/// `POST /api/generate` with the (prepared) image as a multipart file part.
pub async fn generate(image: &Blob, params: &GenerateParams) -> ApiResult<GenerateAccepted> {
    let form = FormData::new().map_err(|_| ApiClientError::Transport("no FormData".into()))?;
    let js_error = |_| ApiClientError::Transport("could not build the upload".into());
    form.append_with_blob_and_filename("image", image, "image.png")
        .map_err(js_error)?;
    let fields = serde_json::to_value(params).map_err(|e| ApiClientError::Decode(e.to_string()))?;
    if let serde_json::Value::Object(fields) = fields {
        for (name, value) in fields {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            form.append_with_str(&name, &text).map_err(js_error)?;
        }
    }
    let request = with_api_key(Request::post(&resolve("generate"))).body(form)?;
    decode(request.send().await?).await
}

/// `POST /api/cutout` with the prepared photo as the body: what the engine
/// would take as its subject.
pub async fn cutout(image: &Blob) -> ApiResult<CutoutPreview> {
    let request = with_api_key(Request::post(&resolve("cutout")))
        .header("Content-Type", "image/png")
        .body(image)?;
    decode(request.send().await?).await
}

/// `GET /api/generations/{id}`
pub async fn generation(id: &str) -> ApiResult<Generation> {
    decode(
        Request::get(&resolve(&format!("generations/{id}")))
            .send()
            .await?,
    )
    .await
}

/// `DELETE /api/generations/{id}` with the creator's owner token: cancel a
/// queued or running job.
pub async fn cancel(id: &str, owner_token: &str) -> ApiResult<Generation> {
    decode(
        Request::delete(&resolve(&format!("generations/{id}")))
            .header(OWNER_TOKEN_HEADER, owner_token)
            .send()
            .await?,
    )
    .await
}

/// `DELETE /api/generations/{id}?remove=true` with the creator's owner
/// token: removes the generation and its files from the server.
pub async fn delete_generation(id: &str, owner_token: &str) -> ApiResult<()> {
    let response = Request::delete(&resolve(&format!("generations/{id}?remove=true")))
        .header(OWNER_TOKEN_HEADER, owner_token)
        .send()
        .await?;
    // Already gone (404, or 410 once removed) is what the user asked for.
    if response.ok() || matches!(response.status(), 404 | 410) {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

/// `POST /api/generations/{id}/extract_glb` with the creator's owner token
/// (and the API key, where the server requires one).
pub async fn extract_glb(
    id: &str,
    request: &ExtractRequest,
    owner_token: &str,
) -> ApiResult<Generation> {
    let url = resolve(&format!("generations/{id}/extract_glb"));
    let builder = with_api_key(Request::post(&url)).header(OWNER_TOKEN_HEADER, owner_token);
    decode(builder.json(request)?.send().await?).await
}

/// `GET /api/generations/{id}/models/{variant}/conversions`: the USDZ, STL
/// and OBJ files made of a model so far, which anyone with the link may
/// download.
pub async fn conversions(id: &str, variant: &str) -> ApiResult<ConversionList> {
    let url = resolve(&format!("generations/{id}/models/{variant}/conversions"));
    decode(Request::get(&url).send().await?).await
}

/// `POST /api/generations/{id}/models/{variant}/conversions` with the
/// creator's owner token: makes the file (or finds the one made before with
/// these settings) and answers once it is there.
pub async fn convert(
    id: &str,
    variant: &str,
    request: &ConversionRequest,
    owner_token: &str,
) -> ApiResult<Conversion> {
    let url = resolve(&format!("generations/{id}/models/{variant}/conversions"));
    let builder = with_api_key(Request::post(&url)).header(OWNER_TOKEN_HEADER, owner_token);
    decode(builder.json(request)?.send().await?).await
}

/// A URL from an API answer as an absolute address, for links that leave
/// the page (an AR viewer fetches the file itself).
pub fn absolute(relative: &str) -> String {
    let page = window().location().href().unwrap_or_default();
    web_sys::Url::new_with_base(&resolve(relative), &page)
        .map_or_else(|_| resolve(relative), |url| url.href())
}

/// The proxy's link-preview page for the app link `app_link` to generation
/// `id`: `share/{id}` beside the API base, with the app link's query but
/// its `g=` (the page puts that back). Only when the API is on this page's
/// origin: the page sends people on to the app the proxy knows, which is
/// this one only then. `None` otherwise, or for a link without `?`.
pub fn share_page_url(id: &str, app_link: &str) -> Option<String> {
    let page = window().location();
    let api = web_sys::Url::new_with_base(api_base(), &page.href().ok()?).ok()?;
    if api.origin() != page.origin().ok()? {
        return None;
    }
    let base = api.href();
    let base = base.strip_suffix(SHARE_PAGE_SIBLING)?;
    let link = web_sys::Url::new(app_link).ok()?;
    let params = link.search_params();
    params.delete(crate::share::GENERATION_QUERY);
    let query = String::from(params.to_string());
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Some(format!("{base}share/{id}{query}"))
}

/// Downloads a file the API linked to (e.g. a model). It stays in the
/// JavaScript heap, so it can be handed to a worker without a copy.
pub async fn download(relative_url: &str) -> ApiResult<js_sys::ArrayBuffer> {
    let response = Request::get(&resolve(relative_url)).send().await?;
    if response.ok() {
        array_buffer(response).await
    } else {
        Err(error_from(response).await)
    }
}

/// The body of `response` as an `ArrayBuffer`.
pub async fn array_buffer(response: Response) -> ApiResult<js_sys::ArrayBuffer> {
    use wasm_bindgen::JsCast;
    let transport = |e: wasm_bindgen::JsValue| ApiClientError::Transport(format!("{e:?}"));
    let body = web_sys::Response::from(response)
        .array_buffer()
        .map_err(transport)?;
    wasm_bindgen_futures::JsFuture::from(body)
        .await
        .map_err(transport)?
        .dyn_into()
        .map_err(transport)
}

/// `GET /api/generations/{id}/events`: every state of the generation until it
/// settles. Falls back to a status fetch when the event stream breaks.
pub fn watch_generation(id: String) -> impl Stream<Item = ApiResult<Generation>> {
    futures::stream::unfold(WatchState::Connect(id), |state| async move {
        match state {
            WatchState::Done => None,
            WatchState::Connect(id) => {
                let url = resolve(&format!("generations/{id}/events"));
                let mut source = match EventSource::new(&url) {
                    Ok(source) => source,
                    Err(e) => {
                        return Some((
                            Err(ApiClientError::Transport(e.to_string())),
                            WatchState::Done,
                        ));
                    }
                };
                let subscription = match source.subscribe("message") {
                    Ok(subscription) => subscription,
                    Err(e) => {
                        return Some((
                            Err(ApiClientError::Transport(e.to_string())),
                            WatchState::Done,
                        ));
                    }
                };
                Some((
                    Ok(None),
                    WatchState::Streaming {
                        id,
                        source,
                        subscription,
                    },
                ))
            }
            WatchState::Streaming {
                id,
                source,
                mut subscription,
            } => {
                match subscription.next().await {
                    Some(Ok((_, message))) => {
                        let text = message.data().as_string().unwrap_or_default();
                        match serde_json::from_str::<Generation>(&text) {
                            Ok(generation) => {
                                let next = if settled(&generation) {
                                    WatchState::Done
                                } else {
                                    WatchState::Streaming {
                                        id,
                                        source,
                                        subscription,
                                    }
                                };
                                Some((Ok(Some(generation)), next))
                            }
                            Err(e) => {
                                Some((Err(ApiClientError::Decode(e.to_string())), WatchState::Done))
                            }
                        }
                    }
                    // The stream closed for good: ask once, then reconnect.
                    _ => {
                        drop(subscription);
                        source.close();
                        gloo_timers::future::TimeoutFuture::new(RECONNECT_DELAY_MS).await;
                        match generation(&id).await {
                            Ok(generation) if settled(&generation) => {
                                Some((Ok(Some(generation)), WatchState::Done))
                            }
                            Ok(generation) => Some((Ok(Some(generation)), WatchState::Connect(id))),
                            Err(e) => Some((Err(e), WatchState::Done)),
                        }
                    }
                }
            }
        }
    })
    .filter_map(|item| async move { item.transpose() })
}

/// How long to wait before reconnecting a broken event stream.
const RECONNECT_DELAY_MS: u32 = 2_000;

enum WatchState {
    Connect(String),
    Streaming {
        id: String,
        source: EventSource,
        subscription: gloo_net::eventsource::futures::EventSourceSubscription,
    },
    Done,
}

/// True when no further event can change what the page shows: the models
/// and their web-optimized copies are done.
pub fn settled(generation: &Generation) -> bool {
    generation.is_settled()
}
