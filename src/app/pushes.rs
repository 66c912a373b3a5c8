//! The push operations of [`App`]: queue what a crawl raised, push the digest, deliver.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};

use super::App;
use crate::alert::notify::{
    CRAWL_DELIVERY_BUDGET, DeliveryReport, deliver_due, enqueue_digest, http_client,
};
use crate::store::AlertFilter;

/// After a crawl pass: pushes the alerts raised since `since` and tries one bounded delivery
/// round. Problems are logged, never returned: a push must not fail the crawl.
pub async fn after_crawl(app: &App, since: DateTime<FixedOffset>) {
    if app.config.notify.is_empty() {
        return;
    }
    let run = async {
        let rows = app.store.alerts(&AlertFilter {
            created_from: Some(since.timestamp()),
            ..Default::default()
        })?;
        // Oldest first, through the one queueing path (which leaves out reprints' alerts).
        let ids: Vec<i64> = rows.iter().rev().map(|r| r.id).collect();
        let now = app.now();
        let queued = app.queue_pushes(&ids)?;
        let http = http_client(&app.config)?;
        let report = deliver_due(&app.store, &app.config, &http, now, CRAWL_DELIVERY_BUDGET).await;
        anyhow::Ok((queued, report))
    };
    match run.await {
        Ok((queued, r)) => {
            if queued > 0 || r.messages > 0 || r.failed > 0 {
                tracing::info!(
                    queued,
                    messages = r.messages,
                    delivered = r.delivered,
                    failed = r.failed,
                    deferred = r.deferred,
                    "pushes"
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "pushes after crawl"),
    }
}

impl App {
    /// Enqueues the digest of `date` for the channels that take it and tries to deliver.
    pub async fn push_digest(&self, date: chrono::NaiveDate) -> anyhow::Result<DeliveryReport> {
        let digest = self.build_digest(date, super::alerts::DigestDetail::All)?;
        let now = self.now();
        enqueue_digest(&self.store, &self.config, &digest, now)?;
        let http = http_client(&self.config)?;
        Ok(deliver_due(&self.store, &self.config, &http, now, CRAWL_DELIVERY_BUDGET).await)
    }

    /// Sends whatever pushes are due now (retries, quiet-hour leftovers).
    pub async fn deliver_pushes(&self, budget: Duration) -> anyhow::Result<DeliveryReport> {
        let http = http_client(&self.config)?;
        Ok(deliver_due(&self.store, &self.config, &http, self.now(), budget).await)
    }
}
