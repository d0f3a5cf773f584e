//! `GET /api/health`: are the GPU servers ready, and how busy is the queue.

use axum::{Json, Router, extract::State, routing::get};
use trellis_api::{ConversionFormat, Health, HealthStatus, ServerHealth};

use crate::{
    pool::{Report, Standing},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

async fn health(State(state): State<AppState>) -> Json<Health> {
    let jobs = &state.jobs;
    let reports = jobs.pool().reports().await;
    let loads = jobs.server_loads().await;
    let servers: Vec<ServerHealth> = reports
        .into_iter()
        .zip(loads)
        .map(|(report, running)| server_health(report, running))
        .collect();
    let (status, label) = overall(&servers);
    let capabilities = jobs.pool().capabilities();
    Json(Health {
        status,
        backend: jobs.pool().kind(),
        label,
        queue_length: u32::try_from(jobs.queue_length().await).unwrap_or(u32::MAX),
        can_extract: capabilities.can_extract,
        has_preview_video: capabilities.has_preview_video,
        pipeline_seconds: jobs.pipeline_estimates().await,
        cutout_preview: capabilities.cutout_preview,
        access: state.access.mode,
        limits: state.limits,
        share_pages: true,
        formats: ConversionFormat::ALL.to_vec(),
        servers,
    })
}

/// One server as shown: its URLs and credentials never are.
fn server_health(report: Report<'_>, running: usize) -> ServerHealth {
    let server = report.server;
    let engine = report.engine;
    // A reachable engine that scales down says nothing about its GPU; the
    // proxy knows whether it has been idle long enough to fall asleep.
    let (status, label) = match engine.status {
        HealthStatus::Ready if server.warmth.is_cold() => (
            HealthStatus::Cold,
            format!("{}: GPU asleep, the next job wakes it first", engine.label),
        ),
        status => (status, engine.label),
    };
    let serving = matches!(server.health.standing(), Standing::Up);
    ServerHealth {
        name: server.name.clone(),
        status,
        label,
        serving,
        running: u32::try_from(running).unwrap_or(u32::MAX),
        concurrency: u32::try_from(server.concurrency).unwrap_or(u32::MAX),
    }
}

/// The pool's status: one server's own; for several, the best of them,
/// with how many are ready.
fn overall(servers: &[ServerHealth]) -> (HealthStatus, String) {
    if let [only] = servers {
        return (only.status, only.label.clone());
    }
    let rank = |status: HealthStatus| match status {
        HealthStatus::Ready => 0,
        HealthStatus::Cold => 1,
        HealthStatus::Loading => 2,
        HealthStatus::Error => 3,
    };
    let best = servers
        .iter()
        .map(|server| server.status)
        .min_by_key(|status| rank(*status))
        .unwrap_or(HealthStatus::Error);
    let ready = servers
        .iter()
        .filter(|server| server.serving && rank(server.status) <= 1)
        .count();
    (
        best,
        format!("{ready} of {} GPU servers ready", servers.len()),
    )
}
