//! Turning HTTP answers into values or [`Error`]s.

use reqwest::{RequestBuilder, Response, Url};
use trellis_api::{ApiError, ErrorDetail};

use crate::Error;

/// The largest JSON answer read. A generation with hundreds of models is
/// still under 100 KiB; anything bigger is not the Trellis API, and must
/// not be buffered whole.
const MAX_JSON_BYTES: usize = 1024 * 1024;

/// Sends a request; any answer but a 2xx becomes an error.
pub(crate) async fn send(server: &Url, request: RequestBuilder) -> Result<Response, Error> {
    let response = request
        .send()
        .await
        .map_err(|err| Error::transport(server, err))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(error_from(server, response).await)
    }
}

/// Reads a 2xx answer as JSON of type `T`.
pub(crate) async fn json<T: serde::de::DeserializeOwned>(
    server: &Url,
    response: Response,
) -> Result<T, Error> {
    let url = response.url().clone();
    let body = read_limited(server, response).await?;
    serde_json::from_slice(&body).map_err(|err| Error::Protocol {
        url,
        reason: format!("its JSON does not match this client's API types ({err})"),
    })
}

/// The error for a non-2xx answer, keeping the proxy's `code` and
/// `message` when the body has them.
async fn error_from(server: &Url, response: Response) -> Error {
    let status = response.status();
    let url = response.url().clone();
    let body = match read_limited(server, response).await {
        Ok(body) => body,
        Err(err) => return err,
    };
    // A gateway in front of the proxy answers with its own HTML page; say
    // what happened rather than failing to parse it.
    let detail = serde_json::from_slice::<ApiError>(&body)
        .map(|api| api.error)
        .unwrap_or_else(|_| {
            ErrorDetail::new(
                format!("http_{}", status.as_u16()),
                format!("{url} answered {status} without a Trellis error body"),
            )
        });
    if status.is_client_error() {
        Error::Rejected { status, detail }
    } else if status.is_server_error() {
        Error::Server { status, detail }
    } else {
        Error::Protocol {
            url,
            reason: format!("unexpected status {status}"),
        }
    }
}

/// Reads a whole body of at most [`MAX_JSON_BYTES`].
async fn read_limited(server: &Url, mut response: Response) -> Result<Vec<u8>, Error> {
    let url = response.url().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| Error::transport(server, err))?
    {
        if body.len() + chunk.len() > MAX_JSON_BYTES {
            return Err(Error::Protocol {
                url,
                reason: format!(
                    "its answer is over {} KiB, far more than any API answer",
                    MAX_JSON_BYTES / 1024
                ),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
