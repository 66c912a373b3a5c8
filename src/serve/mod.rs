//! `yuqing serve`: the always-on service — scheduled crawls, rule matching, pushes, the daily
//! digest, retention, and the web server — in one process that shuts down cleanly.
//!
//! SQLite is written first and is the truth; the index follows (an indexer task catches up every
//! couple of seconds, and at start). Every loop `select!`s on the shutdown token.

pub mod http;
pub mod jobs;
pub mod lock;
pub mod metrics;

use std::sync::Arc;
use std::time::Duration;

pub use crate::app::shared::{ReloadError, Shared};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
pub use lock::{LockError, ServiceLock};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long in-flight work may take to finish after SIGINT/SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Runs the service on `listener` until `shutdown` is cancelled. The caller holds the
/// [`ServiceLock`] and handles signals (see [`signals`]).
pub async fn run(
    shared: Arc<Shared>,
    listener: tokio::net::TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let prometheus = metrics::install();
    jobs::beat();
    // Rows stored but not matched or not indexed when the process last died.
    {
        let app = shared.app();
        let n = tokio::task::spawn_blocking(move || {
            app.match_pending().and_then(|_| app.index_pending())
        })
        .await??;
        if n > 0 {
            tracing::info!(
                articles = n,
                "已补建上次运行遗留的索引 (indexed rows left from the previous run)"
            );
        }
        // The database just answered: `/healthz` is good from the first request on.
        jobs::db_answered();
    }
    let local = listener.local_addr()?;
    tracing::info!(%local, "舆情监测服务已启动，网页 http://{local}/ (yuqing serve: listening)");

    let tracker = TaskTracker::new();
    let work = CancellationToken::new();
    tracker.spawn(jobs::scheduler(shared.clone(), work.clone()));
    tracker.spawn(jobs::indexer(shared.clone(), work.clone()));
    tracker.spawn(jobs::pusher(shared.clone(), work.clone()));
    tracker.spawn(jobs::digests(shared.clone(), work.clone()));
    tracker.spawn(jobs::retention(shared.clone(), work.clone()));
    tracker.spawn(jobs::health(shared.clone(), work.clone()));
    tracker.spawn(jobs::spikes(shared.clone(), work.clone()));
    tracker.spawn(jobs::overdue(shared.clone(), work.clone()));
    tracker.spawn(jobs::reports(shared.clone(), work.clone()));
    tracker.spawn(jobs::db_probe(shared.clone(), work.clone()));
    tracker.close();

    let router = router(shared.clone(), prometheus);
    let limits = shared.app().config.server.clone();
    let server = tokio::spawn(http::serve(listener, router, limits, shutdown.clone()));

    shutdown.cancelled().await;
    tracing::info!(
        "正在停止：不再开始新任务，等待进行中的任务 (shutting down, waiting for in-flight jobs)"
    );
    work.cancel();
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "jobs did not finish within {:?}; abandoning them (SQLite keeps what was committed)",
            SHUTDOWN_GRACE
        );
    }
    // Commit whatever the index holds.
    let app = shared.app();
    let _ = tokio::task::spawn_blocking(move || app.index_pending()).await;
    if tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .is_err()
    {
        tracing::warn!("web server did not stop in time");
    }
    tracing::info!("已停止 (stopped)");
    Ok(())
}

/// `/healthz` and `/metrics` (no login), plus the web UI and API.
pub fn router(
    shared: Arc<Shared>,
    prometheus: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> Router {
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/metrics",
            get(move |State(shared): State<Arc<Shared>>| async move {
                render_metrics(shared, prometheus).await
            }),
        )
        .with_state(shared.clone());
    ops.merge(crate::web::router(shared))
}

/// How stale the scheduler's heartbeat or the database probe may be before `/healthz` fails.
pub const HEALTH_STALE: Duration = Duration::from_secs(30);

/// O(1): reads two timestamps kept by the scheduler and [`jobs::db_probe`]; never touches the
/// database or a blocking thread itself, so it answers at once however busy the server is.
async fn healthz() -> impl IntoResponse {
    let fresh = |age: Option<Duration>| age.is_some_and(|a| a < HEALTH_STALE);
    let (beat, db) = (jobs::heartbeat_age(), jobs::db_ok_age());
    if !fresh(db) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable (last answer {db:?} ago)\n"),
        );
    }
    if !fresh(beat) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("scheduler stalled (last beat {beat:?} ago)\n"),
        );
    }
    (StatusCode::OK, "ok\n".to_string())
}

async fn render_metrics(
    shared: Arc<Shared>,
    handle: Option<metrics_exporter_prometheus::PrometheusHandle>,
) -> impl IntoResponse {
    let app = shared.app();
    let _ = tokio::task::spawn_blocking(move || metrics::gauges(&app)).await;
    match handle {
        Some(h) => (
            StatusCode::OK,
            [("content-type", "text/plain; version=0.0.4")],
            h.render(),
        ),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "text/plain")],
            "metrics recorder unavailable\n".into(),
        ),
    }
}

/// SIGINT/SIGTERM/SIGHUP handlers, installed before the service announces itself so that an
/// early signal is never lost to the default action.
pub struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    /// Waits for SIGINT or SIGTERM, then cancels `token`; reloads the configuration on SIGHUP
    /// (an invalid configuration is logged with its problems and the old one stays in force).
    pub async fn run(mut self, shared: Arc<Shared>, token: CancellationToken) {
        loop {
            tokio::select! {
                _ = self.term.recv() => break,
                _ = self.int.recv() => break,
                _ = self.hup.recv() => match shared.reload() {
                    Ok(app) => tracing::warn!(sources = app.config.sources.len(), rules = app.config.rules.len(), "configuration reloaded"),
                    Err(e) => tracing::error!("{e}"),
                },
                _ = token.cancelled() => return,
            }
        }
        token.cancel();
    }
}

pub use crate::app::trim_heap;
