//! `POST /api/generate`: check who asks and what they may still start,
//! then validate the upload, store it, queue the job and answer 202 at once.

use std::time::Duration;

use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, FromRequest as _, FromRequestParts, Request, State},
    http::{StatusCode, request::Parts},
    routing::post,
};
use futures_util::StreamExt as _;
use trellis_api::GenerateAccepted;

use crate::{
    access::Authorized,
    error::{AppError, Result},
    jobs::{Submission, events_url, status_url},
    quota::Ticket,
    state::AppState,
    upload::{self, GenerateUpload, MAX_UPLOAD_BYTES},
};

/// How long a refused upload is read (and thrown away) so that its client
/// gets the answer: a client still sending when the connection closes
/// sees a broken pipe instead of the refusal.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/generate",
        post(generate).layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
    )
}

/// A client allowed to start one more generation, judged from the headers
/// alone, so a refused upload is never decoded or stored.
struct Admitted(Ticket);

impl FromRequestParts<AppState> for Admitted {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Authorized(client) = Authorized::from_request_parts(parts, state).await?;
        state.quotas.refresh_budget().await;
        Ok(Self(state.quotas.admit_generation(&client).await?))
    }
}

async fn generate(
    State(state): State<AppState>,
    admission: Result<Admitted>,
    request: Request,
) -> Result<(StatusCode, Json<GenerateAccepted>)> {
    let ticket = match admission {
        Ok(Admitted(ticket)) => ticket,
        Err(refusal) => {
            drain(request.into_body()).await;
            return Err(refusal);
        }
    };
    let upload = {
        let _turn = state.upload_turn().await?;
        GenerateUpload::from_request(request, &state).await?
    };
    let GenerateUpload {
        image,
        params,
        first_model,
        reuse,
    } = upload;
    let input_png = state.decode(move || upload::normalize(&image)).await?;
    let submission = Submission {
        params,
        first_model,
        reuse,
    };
    let (id, owner_token) = state.jobs.submit(submission, input_png, ticket).await?;
    let accepted = GenerateAccepted {
        id: id.to_string(),
        status_url: status_url(&id),
        events_url: events_url(&id),
        // The only time the token is ever sent: the server keeps its hash.
        // Under both names, for apps from before the rename.
        delete_token: Some(owner_token.clone()),
        owner_token: Some(owner_token),
    };
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Reads and discards what is left of a body, within the route's limits.
async fn drain(body: Body) {
    let mut chunks = body.into_data_stream();
    let mut read = 0;
    let _ = tokio::time::timeout(DRAIN_LIMIT, async {
        while let Some(Ok(chunk)) = chunks.next().await {
            read += chunk.len();
            if read > MAX_UPLOAD_BYTES {
                break;
            }
        }
    })
    .await;
}
