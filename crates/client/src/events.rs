//! A generation's event stream as a [`Stream`] of its states.

use std::{
    collections::VecDeque,
    pin::Pin,
    task::{Context, Poll},
};

use futures_util::{Stream, stream};
use reqwest::{Response, Url, header::CONTENT_TYPE};
use trellis_api::Generation;

use crate::{
    Error,
    sse::{SseDecoder, SseError},
};

/// The media type of an event stream.
pub(crate) const EVENT_STREAM: &str = "text/event-stream";

/// The states of one generation, from `GET /api/generations/{id}/events`:
/// the current state first, then one item per change. Intermediate states
/// may be skipped; the last one is never missed. The stream ends after the
/// generation settles (finished, with no model pending), or with an error
/// if the connection breaks.
///
/// Made by [`GenerationHandle::events`](crate::GenerationHandle::events).
#[must_use = "streams do nothing unless polled"]
pub struct Events {
    url: Url,
    inner: Pin<Box<dyn Stream<Item = Result<Generation, Error>> + Send>>,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("url", &self.url).finish()
    }
}

impl Stream for Events {
    type Item = Result<Generation, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl Events {
    /// Follows an open event stream from the server at `server`.
    pub(crate) fn new(server: Url, response: Response) -> Result<Self, Error> {
        let url = response.url().clone();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if !content_type.starts_with(EVENT_STREAM) {
            return Err(Error::Protocol {
                url,
                reason: format!("it sent \"{content_type}\" where an event stream belongs"),
            });
        }
        let reader = Reader {
            server,
            url: url.clone(),
            response,
            decoder: SseDecoder::default(),
            pending: VecDeque::new(),
        };
        // `None` once the stream has failed: nothing follows an error.
        let inner = stream::unfold(Some(reader), |reader| async move {
            let mut reader = reader?;
            match reader.next().await {
                Ok(Some(generation)) => Some((Ok(generation), Some(reader))),
                Ok(None) => None,
                Err(err) => Some((Err(err), None)),
            }
        });
        Ok(Self {
            url,
            inner: Box::pin(inner),
        })
    }
}

/// Where one stream stands.
struct Reader {
    server: Url,
    url: Url,
    response: Response,
    decoder: SseDecoder,
    /// Events decoded from the last chunk but not yet handed out.
    pending: VecDeque<String>,
}

impl Reader {
    /// The next state, or `None` at the end of the stream.
    async fn next(&mut self) -> Result<Option<Generation>, Error> {
        loop {
            if let Some(data) = self.pending.pop_front() {
                return serde_json::from_str(&data).map(Some).map_err(|err| {
                    self.protocol(&format!("an event is not a generation ({err})"))
                });
            }
            let chunk = self
                .response
                .chunk()
                .await
                .map_err(|err| Error::transport(&self.server, err))?;
            // An event cut off by the end of the stream is dropped, as the
            // format requires.
            let Some(chunk) = chunk else {
                return Ok(None);
            };
            let events = self
                .decoder
                .push(&chunk)
                .map_err(|err: SseError| self.protocol(&err.to_string()))?;
            self.pending.extend(events);
        }
    }

    fn protocol(&self, reason: &str) -> Error {
        Error::Protocol {
            url: self.url.clone(),
            reason: reason.to_owned(),
        }
    }
}
