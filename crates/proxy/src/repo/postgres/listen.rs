//! LISTEN on one connection of its own, turning other proxies'
//! notifications into events. A lost connection is made again after a
//! pause, and a `Resync` tells this proxy to read again whatever it shows,
//! since notifications sent meanwhile are gone.

use std::time::Duration;

use futures_util::{StreamExt as _, stream};
use tokio::sync::broadcast;
use tokio_postgres::{AsyncMessage, Config, NoTls};

use super::{rows, schema::CHANNEL};
use crate::repo::Event;

/// The pause before connecting again after the connection was lost.
const RECONNECT_PAUSE: Duration = Duration::from_secs(1);

/// Listens until the task is aborted.
pub async fn listen(config: Config, origin: String, events: broadcast::Sender<Event>) {
    let mut first = true;
    loop {
        match listen_once(&config, &origin, &events, first).await {
            Ok(()) => {
                tracing::warn!("the database closed the notification connection; reconnecting")
            }
            Err(err) => {
                tracing::warn!(error = %err, "the notification connection failed; reconnecting")
            }
        }
        first = false;
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}

async fn listen_once(
    config: &Config,
    origin: &str,
    events: &broadcast::Sender<Event>,
    first: bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
    // The LISTEN is answered through the connection, so its messages must
    // be read while it is sent.
    let statement = format!("LISTEN {CHANNEL}");
    {
        let listening = client.batch_execute(&statement);
        tokio::pin!(listening);
        loop {
            tokio::select! {
                done = &mut listening => {
                    done?;
                    break;
                }
                message = messages.next() => match message {
                    Some(Ok(_)) => {}
                    Some(Err(err)) => return Err(err),
                    None => return Ok(()),
                }
            }
        }
    }
    if !first {
        let _ = events.send(Event::Resync);
    }
    while let Some(message) = messages.next().await {
        if let AsyncMessage::Notification(notification) = message?
            && let Some(event) = rows::event(notification.payload(), origin)
        {
            let _ = events.send(event);
        }
    }
    // Keeps the client (and so the connection) alive until here.
    drop(client);
    Ok(())
}
