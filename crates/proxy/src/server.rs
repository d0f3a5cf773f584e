//! Running the server: bind, serve, shut down cleanly.

use std::{io, net::SocketAddr};

use tokio::net::TcpListener;

use crate::{
    app,
    config::Config,
    state::{AppState, StartError},
};

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
    // Printed rather than logged: it is the one line a person needs, and
    // it must show whatever RUST_LOG says.
    println!("Trellis Studio at http://{addr}/");

    let stopping = state.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down; finishing requests in flight");
            stopping.shut_down();
        })
        .await
        .map_err(ServeError::Serve)
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
