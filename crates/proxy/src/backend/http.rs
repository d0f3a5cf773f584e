//! HTTP plumbing shared by the remote engines: one client per engine with
//! the redirect policy Modal needs, a connect-only retry, and network
//! failures turned into messages a person can act on.

use std::{error::Error as _, future::Future, io, time::Duration};

use axum::body::Bytes;
use futures_util::{Stream, StreamExt as _, stream};
use reqwest::{Client, RequestBuilder, Response, redirect};
use serde_json::Value;

use super::BackendError;

/// A GPU server that does not accept a TCP connection within this long is
/// down or unreachable, not slow: slowness shows after the connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Modal answers a request still running after 150 s with a 303 to the
/// same URL, and each hop waits up to 150 s again (contract §1.7). 40 hops
/// is 100 minutes: past any job's time limit, so the limit decides, while
/// a redirect loop still ends.
const MAX_REDIRECTS: usize = 40;
/// The pause before the one retry of a connection that could not be made:
/// long enough for a restarting server or a flapping link to come back.
const RETRY_BACKOFF: Duration = Duration::from_secs(1);
/// Error bodies are a sentence or a FastAPI `detail` list; reading more of
/// a misbehaving server's answer would only cost memory.
const MAX_ERROR_BODY: usize = 16 * 1024;
/// Of the error text, what goes into the user's message.
const MAX_DETAIL_CHARS: usize = 300;

/// A client for one engine. Redirects are followed only within the origin
/// of the request, because the credentials headers go along with them.
pub fn client() -> Result<Client, reqwest::Error> {
    let policy = redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !same_origin {
            attempt.error("a redirect to another host, where the credentials must not go")
        } else {
            attempt.follow()
        }
    });
    Client::builder()
        .redirect(policy)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
}

/// Sends the request `make` builds. A connection that could not be made
/// to the first URL is retried once after a pause: the server never saw
/// that request. Nothing else is retried, so no job runs twice.
pub async fn send<F, Fut>(client: &Client, make: F) -> Result<Response, BackendError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<RequestBuilder, BackendError>>,
{
    let request = make().await?.build().map_err(|err| unreachable(&err))?;
    let url = request.url().clone();
    match client.execute(request).await {
        Err(err) if err.is_connect() && err.url() == Some(&url) => {
            tracing::warn!(host = url.host_str(), error = %describe(&err), "connection failed; retrying once");
            tokio::time::sleep(RETRY_BACKOFF).await;
            let request = make().await?.build().map_err(|err| unreachable(&err))?;
            client
                .execute(request)
                .await
                .map_err(|err| unreachable(&err))
        }
        result => result.map_err(|err| unreachable(&err)),
    }
}

/// A failed request as the user's message: unreachable when no connection
/// could be made, else a broken exchange.
pub fn unreachable(err: &reqwest::Error) -> BackendError {
    if err.is_redirect() {
        return BackendError::BadResponse(format!("it redirected badly ({})", describe(err)));
    }
    if err.is_body() || err.is_decode() {
        return broken_download(err);
    }
    if err.is_connect() {
        return BackendError::Unreachable(describe(err));
    }
    // The connection was made, so the request went out; it broke before
    // an answer came.
    BackendError::Broken(format!(
        "the connection broke before it answered ({})",
        describe(err)
    ))
}

/// The connection broke while an answer was being read.
pub fn broken_download(err: &reqwest::Error) -> BackendError {
    BackendError::Broken(format!(
        "the connection broke while its answer was downloading ({})",
        describe(err)
    ))
}

/// A short description of a network error: refused, DNS, reset, timeout.
fn describe(err: &reqwest::Error) -> String {
    let host = err
        .url()
        .and_then(|url| url.host_str())
        .unwrap_or("the server")
        .to_owned();
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => {
                    return format!("{host} refused the connection");
                }
                io::ErrorKind::ConnectionReset => return format!("{host} reset the connection"),
                io::ErrorKind::TimedOut => return format!("the connection to {host} timed out"),
                _ => {}
            }
        }
        let text = cause.to_string();
        if text.contains("dns error") || text.contains("failed to lookup address") {
            return format!("the host name {host} does not resolve (DNS failure)");
        }
        source = cause.source();
    }
    if err.is_timeout() {
        return format!("the connection to {host} timed out");
    }
    if err.is_redirect() {
        return err
            .source()
            .map_or_else(|| "too many redirects".to_owned(), ToString::to_string);
    }
    if err.is_connect() {
        return format!("could not connect to {host}");
    }
    format!("the exchange with {host} failed")
}

/// The body of an answer, chunk by chunk. Once the answer has started, a
/// server that sends nothing for `idle` fails it with
/// [`BackendError::Stalled`]: without this, a body that stops midway holds
/// the job until the whole step's time limit (up to 15 minutes).
pub fn body_chunks(
    response: Response,
    idle: Duration,
) -> impl Stream<Item = Result<Bytes, BackendError>> + Send {
    let chunks = response.bytes_stream().boxed();
    stream::unfold(Some(chunks), move |chunks| async move {
        let mut chunks = chunks?;
        match tokio::time::timeout(idle, chunks.next()).await {
            Ok(Some(Ok(chunk))) => Some((Ok(chunk), Some(chunks))),
            Ok(Some(Err(err))) => Some((Err(broken_download(&err)), None)),
            Ok(None) => None,
            Err(_) => Some((Err(BackendError::Stalled { idle }), None)),
        }
    })
}

/// The first part of an error answer's body, for the message: FastAPI's
/// `detail` when there is one, else the text, cut to a sentence's length.
pub async fn error_detail(response: Response, idle: Duration) -> String {
    let mut body = Vec::new();
    let mut chunks = std::pin::pin!(body_chunks(response, idle));
    while let Some(Ok(chunk)) = chunks.next().await {
        body.extend_from_slice(&chunk);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    let text = match serde_json::from_slice::<Value>(&body) {
        Ok(json) => detail_of(&json),
        Err(_) => String::from_utf8_lossy(&body).trim().to_owned(),
    };
    let short: String = text.chars().take(MAX_DETAIL_CHARS).collect();
    if short.is_empty() {
        "no details given".to_owned()
    } else {
        short
    }
}

/// FastAPI's `{"detail": "..."}` or `{"detail": [{"loc": [..], "msg": ".."}]}`.
fn detail_of(json: &Value) -> String {
    match &json["detail"] {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let place: Vec<String> = item["loc"]
                    .as_array()
                    .map(|loc| loc.iter().map(|p| p.to_string().replace('"', "")).collect())
                    .unwrap_or_default();
                let message = item["msg"].as_str().unwrap_or("invalid");
                format!("{}: {message}", place.join("."))
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => json.to_string(),
    }
}
