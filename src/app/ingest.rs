//! The one ingest pipeline: fetch → extract → store ([`crate::crawl`]), then match and queue
//! pushes ([`App::match_pending`]), then index ([`App::index_pending`]). `yuqing crawl` and the
//! scheduler of `serve` both run a source through [`App::ingest_source`]; only what follows a
//! pass differs (the command indexes and delivers at once, `serve` wakes its indexer and pusher).
//!
//! Every step reads its input from the database, so a crash between two steps loses nothing:
//! the next pass matches what was stored but not matched, and indexes what was not indexed.

use std::collections::VecDeque;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use futures_util::StreamExt;

use super::App;
use super::pushes;
use crate::config::Source;
use crate::crawl::fetch::Fetcher;
use crate::crawl::{Crawler, SourceReport, off_async as blocking};
use crate::text::normalize;

/// Articles indexed between two commits when catching up (fewer, larger commits: committing
/// every 2000 cost about a third more indexing CPU in the ingest benchmark).
const INDEX_BATCH: usize = 10_000;
/// Rows read from the database at a time while indexing a batch.
const INDEX_CHUNK: usize = 500;
/// How often indexing during a crawl looks for a whole batch to index.
const INDEX_POLL: std::time::Duration = std::time::Duration::from_millis(250);

impl App {
    /// One source through fetch, extract, store and match (which queues the pushes of new
    /// alerts). Indexing is batched across sources: [`App::index_pending`] follows.
    pub async fn ingest_source(
        &self,
        fetcher: &Fetcher,
        source: &Source,
        now: DateTime<FixedOffset>,
    ) -> SourceReport {
        let crawler = Crawler {
            config: &self.config,
            store: &self.store,
            fetcher,
        };
        let mut report = crawler.crawl_source(source, now).await;
        record_metrics(&report);
        if !report.new_ids.is_empty() {
            // Match before indexing: an alert should not wait for the index commit. When
            // another task is matching, it takes these rows too (it loops until none is left).
            if let Err(e) = blocking(|| self.match_pending()) {
                tracing::error!(source = %source.id, error = %e, "matching failed");
                report
                    .errors
                    .push(format!("匹配规则失败 (matching failed): {e:#}"));
            }
        }
        report
    }

    /// One crawl pass over the given sources (all enabled ones when empty), then one bounded
    /// push delivery round and indexing. Each source runs as its own task, so parsing, storing
    /// and matching use every worker thread, and a source that panics fails alone.
    pub async fn crawl(
        self: &Arc<Self>,
        ids: &[String],
        on_done: impl Fn(&SourceReport),
    ) -> anyhow::Result<Vec<SourceReport>> {
        let fetcher = Arc::new(Fetcher::new(&self.config.http)?);
        let now = self.now();
        let chosen: Vec<_> = self
            .config
            .sources
            .iter()
            .filter(|s| {
                if ids.is_empty() {
                    s.enabled
                } else {
                    ids.contains(&s.id)
                }
            })
            .collect();
        // Interleave hosts: with sources listed site by site, every slot would queue on one
        // host's politeness gate while the other hosts idle.
        let sources: Vec<Source> = interleave_by_host(chosen).into_iter().cloned().collect();
        // Index while crawling, in whole batches: fetching and storing leave a core idle
        // part of the time (waiting on the network and on the one database connection).
        let crawling = Arc::new(std::sync::atomic::AtomicBool::new(true));
        // One indexing thread while the crawl runs: the other core is parsing and analyzing,
        // and one thread makes one segment per commit instead of one per thread (fewer merges).
        // The rest, after the crawl, is indexed with the configured count.
        let threads = self.index.writer_threads();
        self.index.set_writer_threads(1);
        let indexer = {
            let (app, crawling) = (Arc::clone(self), Arc::clone(&crawling));
            tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                let mut done = 0;
                while crawling.load(std::sync::atomic::Ordering::Acquire) {
                    let n = app.index_full_batches(INDEX_BATCH, || {
                        crawling.load(std::sync::atomic::Ordering::Acquire)
                    })?;
                    if n == 0 {
                        std::thread::sleep(INDEX_POLL);
                    }
                    done += n;
                }
                Ok(done)
            })
        };
        let mut reports = Vec::new();
        let mut running = futures_util::stream::iter(sources.into_iter().map(|s| {
            let (app, fetcher) = (Arc::clone(self), Arc::clone(&fetcher));
            let id = s.id.clone();
            let task = tokio::spawn(async move { app.ingest_source(&fetcher, &s, now).await });
            async move { task.await.unwrap_or_else(|e| panicked(id, &e)) }
        }))
        .buffer_unordered(self.config.http.concurrency.max(1));
        while let Some(r) = running.next().await {
            on_done(&r);
            reports.push(r);
        }
        reports.sort_by(|a, b| a.source.cmp(&b.source));
        crawling.store(false, std::sync::atomic::Ordering::Release);
        match indexer.await {
            Ok(Ok(_)) => {}
            // What it did not index is indexed below (or by the next pass).
            Ok(Err(e)) => tracing::error!(error = %e, "indexing during the crawl failed"),
            Err(e) => tracing::error!(error = %e, "indexing during the crawl panicked"),
        }
        // Reopen the writer with the configured threads for the rest. What the indexer added
        // but did not commit (it failed mid-batch) is dropped with the old writer; those rows
        // are not marked indexed, so `index_pending` below adds them again.
        self.index.set_writer_threads(threads);
        self.index.close_writer();
        // Rows an earlier run stored but did not match (a crash) are matched here too.
        self.match_pending()?;
        pushes::deliver_after_crawl(self).await;
        self.index_pending()?;
        Ok(reports)
    }

    /// Recomputes the tone of every stored article (after a lexicon change); returns how many.
    /// The index picks the new tones up at the next full reindex.
    pub fn recompute_tones(&self) -> anyhow::Result<usize> {
        let mut after = 0;
        let mut done = 0;
        loop {
            let ids = self.store.article_ids_after(after, INDEX_BATCH)?;
            let Some(&last) = ids.last() else {
                return Ok(done);
            };
            let tones: Vec<(i64, crate::store::ArticleTone)> = self
                .store
                .articles(&ids)?
                .iter()
                .map(|r| {
                    (
                        r.id,
                        crate::analyze::tone::analyze(&r.title, &r.text).stored(),
                    )
                })
                .collect();
            self.store.set_tones(&tones)?;
            done += tones.len();
            after = last;
        }
    }

    /// Indexes every stored article not yet in the index; returns how many.
    pub fn index_pending(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        loop {
            let n = self.index_batch(INDEX_BATCH)?;
            if n == 0 {
                // Pushed saved searches look at what is now searchable (a crash between
                // indexing and here is caught up on the next pass: their marks did not move).
                self.alert_saved_searches()?;
                return Ok(done);
            }
            done += n;
        }
    }

    /// Indexes whole batches of `batch` stored articles while there are that many waiting
    /// and `go_on()` holds; returns how many. What is left is for [`App::index_pending`]: during a crawl
    /// this indexes alongside fetching and matching, with as few commits as indexing it all
    /// at the end.
    pub fn index_full_batches(
        &self,
        batch: usize,
        go_on: impl Fn() -> bool,
    ) -> anyhow::Result<usize> {
        let mut done = 0;
        while go_on() && self.store.unindexed_count(batch)? >= batch {
            done += self.index_batch(batch)?;
        }
        Ok(done)
    }

    /// Indexes up to `max` stored articles not in the index, commits, and marks them indexed;
    /// returns how many. Rows are read [`INDEX_CHUNK`] at a time: the writer's threads index
    /// one chunk while the next is read, instead of idling while a whole batch is read.
    fn index_batch(&self, max: usize) -> anyhow::Result<usize> {
        let mut ids = Vec::new();
        let mut after = 0;
        while ids.len() < max {
            let mut rows = self
                .store
                .unindexed_after(after, INDEX_CHUNK.min(max - ids.len()))?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.id;
            ids.extend(rows.iter().map(|r| r.id));
            // Rows stored without a tone (older ones, or by other means than a crawl) get it
            // now, before the index needs it.
            let missing: Vec<(i64, crate::store::ArticleTone)> = rows
                .iter_mut()
                .filter(|r| r.tone.is_none())
                .map(|r| {
                    let t = crate::analyze::tone::analyze(&r.title, &r.text).stored();
                    r.tone = Some(t.clone());
                    (r.id, t)
                })
                .collect();
            if !missing.is_empty() {
                self.store.set_tones(&missing)?;
            }
            for r in &rows {
                self.index.upsert(&super::index_doc(
                    r,
                    &normalize(r.author.as_deref().unwrap_or("")),
                    &normalize(&r.title),
                    &normalize(&r.text),
                ))?;
            }
        }
        if ids.is_empty() {
            return Ok(0);
        }
        self.index.commit()?;
        self.store.mark_indexed(&ids)?;
        Ok(ids.len())
    }
}

/// The report of a source whose crawl panicked: failed, with the panic's message. What it
/// stored before stays (each article is one row); the next pass tries it again.
pub fn panicked(source: String, e: &tokio::task::JoinError) -> SourceReport {
    let why = if e.is_panic() {
        "内部错误，已跳过此信息源 (internal error: the crawl of this source panicked)"
    } else {
        "已取消 (cancelled)"
    };
    tracing::error!(%source, error = %e, "source crawl aborted");
    SourceReport {
        source,
        status: crate::model::SourceStatus::Failing,
        errors: vec![why.to_string()],
        ..SourceReport::default()
    }
}

fn record_metrics(report: &SourceReport) {
    let labels = [("source", report.source.clone())];
    metrics::counter!("yuqing_fetches_total", &labels).increment(1);
    if !report.errors.is_empty() {
        metrics::counter!("yuqing_fetch_errors_total", &labels)
            .increment(report.errors.len() as u64);
    }
    metrics::counter!("yuqing_articles_ingested_total").increment(report.new as u64);
    metrics::histogram!("yuqing_crawl_seconds").record(report.ms as f64 / 1000.0);
}

/// Round-robin over hosts, keeping each host's sources in their configured order.
fn interleave_by_host(sources: Vec<&Source>) -> Vec<&Source> {
    let mut hosts: Vec<(String, VecDeque<&Source>)> = Vec::new();
    for s in sources {
        let host = s.url.host_str().unwrap_or("").to_string();
        match hosts.iter_mut().find(|(h, _)| *h == host) {
            Some((_, q)) => q.push_back(s),
            None => hosts.push((host, VecDeque::from([s]))),
        }
    }
    let mut out = Vec::new();
    while hosts.iter().any(|(_, q)| !q.is_empty()) {
        for (_, q) in hosts.iter_mut() {
            if let Some(s) = q.pop_front() {
                out.push(s);
            }
        }
    }
    out
}
