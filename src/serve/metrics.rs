//! Prometheus metrics: a recorder installed once by `serve`; elsewhere the `metrics` macros are
//! no-ops, so the CLI pays nothing.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the global recorder (once per process) and returns its handle.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let buckets = [
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &buckets)
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// Current values that are cheaper to read at scrape time than to track.
pub fn gauges(app: &crate::app::App) {
    if let Ok(n) = app.store.count_articles() {
        metrics::gauge!("yuqing_articles").set(n as f64);
    }
    if let Ok(channels) = app.store.outbox_pending() {
        let n: i64 = channels.iter().map(|c| c.1).sum();
        metrics::gauge!("yuqing_outbox_depth").set(n as f64);
    }
    metrics::gauge!("yuqing_index_docs").set(app.index.num_docs() as f64);
    metrics::gauge!("yuqing_index_bytes").set(dir_size(&app.config.index_path()) as f64);
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
