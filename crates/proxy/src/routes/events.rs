//! `GET /api/generations/{id}/events`: Server-Sent Events carrying the
//! generation as JSON, once at once and again on every change. The stream
//! ends after the generation settles (finished, nothing pending) or when
//! the server shuts down.

use std::time::Duration;

use axum::{
    Router,
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures_util::{Stream, stream};
use tokio::sync::watch;
use trellis_api::Generation;

use super::path::IdPath;
use crate::{access::Caller, error::Result, jobs::is_settled, quota::Ticket, state::AppState};

/// A comment line this often keeps proxies and browsers from closing a
/// quiet stream while a job waits in line.
const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(15);

pub fn router() -> Router<AppState> {
    Router::new().route("/generations/{id}/events", get(events))
}

/// At most `--streams-per-client` open at once per client: each holds a
/// connection and a subscription for as long as the job runs.
async fn events(
    State(state): State<AppState>,
    IdPath(id): IdPath,
    Caller(client): Caller,
) -> Result<Sse<impl Stream<Item = Result<Event, axum::Error>>>> {
    let ticket = state.quotas.open_stream(&client)?;
    let follow = Follow {
        generation: state.jobs.subscribe(&id).await?,
        shutdown: state.shutdown_signal(),
        first: true,
        _ticket: ticket,
    };
    let events = stream::unfold(Some(follow), next_event);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE_INTERVAL)))
}

/// Where one stream stands.
struct Follow {
    generation: watch::Receiver<Generation>,
    shutdown: watch::Receiver<bool>,
    first: bool,
    /// The client's place among its open streams, given back at the end.
    _ticket: Ticket,
}

/// The next event, or the end of the stream (`None` state = settled).
async fn next_event(
    follow: Option<Follow>,
) -> Option<(Result<Event, axum::Error>, Option<Follow>)> {
    let mut follow = follow?;
    if !follow.first {
        tokio::select! {
            changed = follow.generation.changed() => changed.ok()?,
            _ = follow.shutdown.wait_for(|stop| *stop) => return None,
        }
    }
    follow.first = false;
    // Only the latest state matters; intermediate ones may be skipped.
    let generation = follow.generation.borrow_and_update().clone();
    let event = Event::default().json_data(&generation);
    let next = (!is_settled(&generation)).then_some(follow);
    Some((event, next))
}
