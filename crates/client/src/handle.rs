//! A handle on one generation: follow it, get its models, cancel it.

use std::{sync::Arc, time::Duration};

use futures_util::{StreamExt as _, TryStreamExt as _};
use reqwest::{Method, RequestBuilder, Url, header::ACCEPT};
use tokio::io::{AsyncWrite, AsyncWriteExt as _};
use trellis_api::{
    Conversion, ConversionList, ConversionRequest, ErrorDetail, ExtractRequest, FieldError,
    Generation, JobStatus, ModelVariant, OWNER_TOKEN_HEADER,
};

use crate::{Client, Error, Events, Job, events::EVENT_STREAM};

/// The query parameter of share links that the web app reads.
const SHARE_QUERY: &str = "g";
/// How long a conversion call may take: longer than the server waits for
/// one (60 s by default), so its own answer arrives rather than a timeout.
const CONVERSION_TIMEOUT: Duration = Duration::from_secs(120);

/// One generation on the server, by id, and its owner token when this
/// side created it. Cheap to clone; holds no connection between calls.
#[derive(Clone)]
pub struct GenerationHandle {
    client: Client,
    id: String,
    owner_token: Option<Arc<str>>,
}

/// Never prints the owner token: it is a credential.
impl std::fmt::Debug for GenerationHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerationHandle")
            .field("id", &self.id)
            .field("owner_token", &self.owner_token.as_ref().map(|_| ".."))
            .finish_non_exhaustive()
    }
}

impl GenerationHandle {
    pub(crate) fn new(client: Client, id: String) -> Self {
        Self {
            client,
            id,
            owner_token: None,
        }
    }

    /// The same handle, proving to be the generation's creator with
    /// `token` (from [`Client::generate`], kept from an earlier run).
    #[must_use]
    pub fn with_owner_token(mut self, token: impl Into<String>) -> Self {
        self.owner_token = Some(Arc::from(token.into()));
        self
    }

    /// The owner token: only its holder may cancel or remove the
    /// generation or extract new models of it. Keep it private (it is not
    /// part of the share link); keep it somewhere to act on the generation
    /// later.
    pub fn owner_token(&self) -> Option<&str> {
        self.owner_token.as_deref()
    }

    /// `request` with the owner token, when the handle has one.
    fn as_owner(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.owner_token {
            Some(token) => request.header(OWNER_TOKEN_HEADER, token.as_ref()),
            None => request,
        }
    }

    /// The generation id: unguessable, so it doubles as the share id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The web app's link to this generation, `<base>/?g=<id>`, which
    /// shows it (progress, viewer, downloads) in any browser.
    pub fn share_url(&self) -> Url {
        let mut url = self.client.base_url().clone();
        url.query_pairs_mut().append_pair(SHARE_QUERY, &self.id);
        url
    }

    /// The generation's current state.
    pub async fn status(&self) -> Result<Generation, Error> {
        let url = self.url(&[])?;
        self.client
            .call(self.client.request(Method::GET, url))
            .await
    }

    /// Opens the generation's event stream: its state now, then every
    /// change until it settles.
    pub async fn events(&self) -> Result<Events, Error> {
        let url = self.url(&["events"])?;
        // No overall time limit: a job waits in line for as long as it
        // takes. The client's read timeout ends a silent connection.
        let request = self
            .client
            .request(Method::GET, url)
            .header(ACCEPT, EVENT_STREAM);
        let response = self.client.send(request).await?;
        Events::new(self.client.base_url().clone(), response)
    }

    /// Waits until the generation finishes. `Ok` only when it succeeded;
    /// a failure (with the engine's code and message) or a cancellation is
    /// an [`Error`]. Returns at once for a generation that already ended.
    pub async fn wait(&self) -> Result<Generation, Error> {
        self.wait_with_progress(|_| {}).await
    }

    /// Like [`wait`](Self::wait), calling `on_update` with every state the
    /// event stream brings (phase, progress, place in line).
    pub async fn wait_with_progress(
        &self,
        mut on_update: impl FnMut(&Generation),
    ) -> Result<Generation, Error> {
        let job = || Job::Generation(self.id.clone());
        let mut events = self.events().await?;
        while let Some(generation) = events.try_next().await? {
            on_update(&generation);
            match generation.status {
                JobStatus::Queued | JobStatus::Running => {}
                JobStatus::Succeeded => return Ok(generation),
                JobStatus::Failed => return Err(failed(job(), generation.error)),
                JobStatus::Cancelled => return Err(Error::Cancelled { job: job() }),
            }
        }
        Err(self.stream_ended(job()))
    }

    /// Asks for a model with a preset or custom settings, and waits until
    /// it can be downloaded. The settings are checked locally first, with
    /// the proxy's rules. A model that already exists returns at once.
    /// Only the creator may ask for new models: the handle needs the owner
    /// token (the server answers 401 `owner_token_required` without it).
    pub async fn extract_glb(
        &self,
        request: impl Into<ExtractRequest>,
    ) -> Result<ModelVariant, Error> {
        let request = request.into();
        // The proxy names the model from the resolved settings with the
        // same shared code, so the name is known before asking.
        let variant = request.resolve()?.variant_name();
        let url = self.url(&["extract_glb"])?;
        let generation: Generation = self
            .client
            .call(
                self.as_owner(
                    self.client
                        .request(Method::POST, url.clone())
                        .json(&request),
                ),
            )
            .await?;
        if let Some(model) = model_outcome(&generation, &variant, &url)? {
            return Ok(model);
        }
        let mut events = self.events().await?;
        while let Some(generation) = events.try_next().await? {
            if let Some(model) = model_outcome(&generation, &variant, &url)? {
                return Ok(model);
            }
        }
        Err(self.stream_ended(Job::Model(variant)))
    }

    /// Streams a finished model (see [`ModelVariant::variant`]) into
    /// `writer`, chunk by chunk, never holding the whole file. Returns the
    /// bytes written. The writer is flushed, not shut down.
    pub async fn download_glb<W>(&self, variant: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let file = format!("{variant}.glb");
        let url = self.url(&["models", &file])?;
        self.download_from(url, writer).await
    }

    /// Streams any file an answer links to into `writer`, like
    /// [`download_glb`](Self::download_glb): a model's web-optimized levels
    /// ([`ModelVariant::optimized_url`], [`ModelVariant::coarse_url`]), a
    /// conversion ([`Conversion::url`]) or the poster
    /// ([`Generation::poster_url`]). `url` is as the answer gives it,
    /// relative to the API base.
    pub async fn download<W>(&self, url: &str, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        let url = self.client.resolve(url)?;
        self.download_from(url, writer).await
    }

    /// Converts a finished model to USDZ (AR on iPhones and iPads), STL
    /// (3D printing, with a print report) or OBJ (DCC tools), and waits
    /// for it: a few seconds for a large model. Asking again with the same
    /// settings returns the stored conversion at once. The settings are
    /// checked locally first. Only the creator may ask (the handle needs
    /// the owner token); anyone can list and download what exists.
    ///
    /// A model the converter cannot handle fails with
    /// [`Error::Rejected`] and code `model_unconvertible`, its message
    /// saying why. A conversion still running when the server stops
    /// waiting fails with code `conversion_timed_out`, which
    /// [`Error::retry_after`] says when to ask again.
    pub async fn convert(
        &self,
        variant: &str,
        request: ConversionRequest,
    ) -> Result<Conversion, Error> {
        request.resolve()?;
        let url = self.url(&["models", variant, "conversions"])?;
        let post = self.client.request(Method::POST, url).json(&request);
        self.client
            .call_within(self.as_owner(post), CONVERSION_TIMEOUT)
            .await
    }

    /// The conversions of a finished model that exist, oldest first.
    pub async fn conversions(&self, variant: &str) -> Result<Vec<Conversion>, Error> {
        let url = self.url(&["models", variant, "conversions"])?;
        let list: ConversionList = self
            .client
            .call(self.client.request(Method::GET, url))
            .await?;
        Ok(list.conversions)
    }

    async fn download_from<W>(&self, url: Url, writer: &mut W) -> Result<u64, Error>
    where
        W: AsyncWrite + Unpin + ?Sized,
    {
        // No overall limit: a 4096² model on a slow link may take minutes;
        // the client's read timeout ends a stalled one.
        let response = self
            .client
            .send(self.client.request(Method::GET, url))
            .await?;
        let mut body = response.bytes_stream();
        let mut written = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|err| Error::transport(self.client.base_url(), err))?;
            writer.write_all(&chunk).await.map_err(Error::Write)?;
            written += chunk.len() as u64;
        }
        writer.flush().await.map_err(Error::Write)?;
        Ok(written)
    }

    /// Cancels the generation, or once it has succeeded, the models still
    /// being extracted. Returns the new state. Cancelling twice is fine;
    /// cancelling a generation with nothing pending is refused (409,
    /// `already_finished`). Creator only: needs the owner token.
    pub async fn cancel(&self) -> Result<Generation, Error> {
        let url = self.url(&[])?;
        self.client
            .call(self.as_owner(self.client.request(Method::DELETE, url)))
            .await
    }

    /// Removes the generation and its files from the server for good; its
    /// link then says it was deleted. Removing it again is fine. Creator
    /// only: needs the owner token.
    pub async fn remove(&self) -> Result<(), Error> {
        let mut url = self.url(&[])?;
        url.set_query(Some("remove=true"));
        let request = self.as_owner(self.client.request(Method::DELETE, url));
        self.client.call_no_content(request).await
    }

    /// `api/generations/<id>/<tail…>`.
    fn url(&self, tail: &[&str]) -> Result<Url, Error> {
        // A URL drops `.` and `..` segments, which would send the call to
        // another endpoint; any other id goes out percent-encoded, for the
        // proxy to judge.
        if matches!(self.id.as_str(), "" | "." | "..") {
            return Err(FieldError::new(
                "id",
                format!(
                    "\"{}\" is not a generation id; copy it from the share link (…/?g=<id>)",
                    self.id
                ),
            )
            .into());
        }
        let mut segments = vec!["generations", self.id.as_str()];
        segments.extend_from_slice(tail);
        self.client.endpoint(&segments)
    }

    fn stream_ended(&self, job: Job) -> Error {
        Error::StreamEnded {
            server: self.client.base_url().clone(),
            job,
        }
    }
}

/// The model named `variant` once it has finished: `Ok(Some)` when it can
/// be downloaded, an error when it failed or was cancelled, `Ok(None)`
/// while it is pending.
fn model_outcome(
    generation: &Generation,
    variant: &str,
    url: &Url,
) -> Result<Option<ModelVariant>, Error> {
    let job = || Job::Model(variant.to_owned());
    let Some(model) = generation.models.iter().find(|m| m.variant == variant) else {
        return Err(Error::Protocol {
            url: url.clone(),
            reason: format!("the generation lists no model \"{variant}\" after it was requested"),
        });
    };
    match model.status {
        JobStatus::Queued | JobStatus::Running => Ok(None),
        JobStatus::Succeeded => Ok(Some(model.clone())),
        JobStatus::Failed => Err(failed(job(), model.error.clone())),
        JobStatus::Cancelled => Err(Error::Cancelled { job: job() }),
    }
}

fn failed(job: Job, detail: Option<ErrorDetail>) -> Error {
    let detail = detail
        .unwrap_or_else(|| ErrorDetail::new("failed", "The server recorded no reason; try again."));
    Error::Failed { job, detail }
}
