//! The push operations of [`App`]: push the digest, deliver what is queued (matching queues
//! alerts' pushes as it records them, see `App::match_articles`).

use std::time::Duration;

use super::App;
use crate::alert::notify::{
    CRAWL_DELIVERY_BUDGET, DeliveryReport, deliver_due, enqueue_digest, http_client,
};

/// After a crawl pass: one bounded delivery round for what matching queued. Problems are
/// logged, never returned: a push must not fail the crawl.
pub async fn deliver_after_crawl(app: &App) {
    if app.config.notify.is_empty() {
        return;
    }
    match app.deliver_pushes(CRAWL_DELIVERY_BUDGET).await {
        Ok(r) => {
            if r.messages > 0 || r.failed > 0 {
                tracing::info!(
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
        Ok(deliver_due(
            &self.store,
            &self.config,
            self.push_client()?,
            now,
            CRAWL_DELIVERY_BUDGET,
        )
        .await)
    }

    /// Sends whatever pushes are due now (retries, quiet-hour leftovers).
    pub async fn deliver_pushes(&self, budget: Duration) -> anyhow::Result<DeliveryReport> {
        Ok(deliver_due(
            &self.store,
            &self.config,
            self.push_client()?,
            self.now(),
            budget,
        )
        .await)
    }

    /// The one HTTP client of this configuration's pushes, built on first use.
    fn push_client(&self) -> anyhow::Result<&reqwest::Client> {
        if let Some(c) = self.push_http.get() {
            return Ok(c);
        }
        let c = http_client(&self.config)?;
        Ok(self.push_http.get_or_init(|| c))
    }
}
