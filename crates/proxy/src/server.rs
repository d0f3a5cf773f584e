//! Running the server: bind, serve with timeouts against slow clients,
//! shut down cleanly.
//!
//! hyper-util's builder rather than `axum::serve`, which has no header
//! read timeout: without one, a client that opens connections and sends
//! its headers a byte at a time (slow-loris) holds them forever.

use std::{future::Future, io, net::SocketAddr, pin::pin, sync::Arc, time::Duration};

use axum::{body::Body, extract::ConnectInfo, http::Request};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
};
use tokio::{net::TcpListener, sync::Semaphore};
use tower::ServiceExt as _;
use tower_http::timeout::TimeoutBody;
use trellis_api::AccessMode;

use crate::{
    app::app,
    config::Config,
    state::{AppState, StartError},
};

/// Connections open at once. Each costs a file descriptor and a few KiB;
/// past this, new ones wait in the kernel's backlog until one closes.
const MAX_CONNECTIONS: usize = 10_000;
/// After a failed accept (out of file descriptors, usually), a pause
/// before the next, so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a shutdown waits for requests in flight (not event streams,
/// which end at once) before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// Why the server could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address is taken or not allowed.
    #[error("cannot listen on {addr}: {source} (pick another with --bind or TRELLIS_BIND)")]
    Bind { addr: SocketAddr, source: io::Error },
    /// The data dir or the engine's settings are unusable.
    #[error(transparent)]
    Start(#[from] StartError),
    /// Accepting connections failed.
    #[error("the server stopped: {0}")]
    Serve(io::Error),
}

/// Serves the app and the API until ctrl-c or SIGTERM, then lets running
/// requests finish. Prints the URL once it accepts connections.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(ServeError::Serve)?;
    let state = AppState::new(&config).await?;
    if config.hosting.access == AccessMode::Open && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "listening beyond this machine in open mode: anyone who reaches it can start GPU jobs; \
             use --access keys (see `trellis-proxy keys --help`) before exposing it"
        );
    }
    // Printed rather than logged: it is the one line a person needs, and
    // it must show whatever RUST_LOG says.
    println!("Trellis Studio at http://{addr}/");
    serve_on(listener, state, async {
        shutdown_signal().await;
        tracing::info!("shutting down; finishing requests in flight");
    })
    .await
}

/// Serves `state` on `listener` until `shutdown` completes, then ends the
/// event streams and lets requests in flight finish.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    tokio::spawn(state.clone().upkeep());
    let router = app(state.clone());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(state.timeouts.header);
    builder.http2().timer(TokioTimer::new());
    let graceful = GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit.map_err(io::Error::other).map_err(ServeError::Serve)?,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let router = router.clone();
        let body_idle = state.timeouts.body_idle;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(|body| Body::new(TimeoutBody::new(body_idle, body)));
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = builder
            .serve_connection(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Errors here are clients hanging up or timing out.
            let _ = connection.await;
            drop(permit);
        });
    }
    state.shut_down();
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the grace period were dropped");
    }
    Ok(())
}

/// Ctrl-C anywhere, or SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
