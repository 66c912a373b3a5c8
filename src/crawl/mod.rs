//! One crawl pass over sources: fetch the feed or list page, find new items, fetch and extract
//! full text where needed, store new articles. Indexing and rule matching follow in
//! [`crate::app`]. One bad source never stops the others: its failure becomes its row state.

mod antibot;
pub mod canonical;
pub mod charset;
pub mod dates;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod listpage;
mod title;

#[cfg(test)]
mod fuzz_tests;

use std::time::Instant;

use chrono::{DateTime, FixedOffset, Timelike};
use futures_util::StreamExt;
use serde::Serialize;
use url::Url;

use crate::config::{Config, FullText, Source, SourceKind};
use crate::model::{FeedItem, PageKind, PublishedSource, SourceStatus};
use crate::store::{NewArticle, Store};
use fetch::{FetchError, Fetched, Fetcher, Validators};

/// Article pages fetched at once for one source (the fetcher's per-host limits still apply).
const ITEM_CONCURRENCY: usize = 4;
/// New articles of one source stored per transaction (the connection is shared: a bounded
/// transaction keeps the indexer and the web pages from waiting long).
const INSERT_BATCH: usize = 100;
/// What one source's crawl did.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SourceReport {
    pub source: String,
    /// Items listed by the feed or page.
    pub items: usize,
    /// New articles stored.
    pub new: usize,
    /// Items already known.
    pub known: usize,
    /// Items whose page says the publisher deleted them.
    pub deleted: usize,
    /// Error messages (the source's own failure, or individual items').
    pub errors: Vec<String>,
    /// `ok`, `not_modified`, `failing` or `blocked`.
    pub status: SourceStatus,
    pub ms: u64,
    /// Ids of the new articles.
    #[serde(skip)]
    pub new_ids: Vec<i64>,
}

/// Everything a crawl needs, borrowed from the application.
pub struct Crawler<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    pub fetcher: &'a Fetcher,
}

/// Why a source's feed or list page gave no items.
#[derive(Debug, thiserror::Error)]
enum ListError {
    /// An anti-bot wall or 401/403/429: the source backs off longer.
    #[error("{0}")]
    Blocked(String),
    #[error("{0}")]
    Failed(String),
}

enum ItemOutcome {
    /// Ready to store (stored with the source's other new articles, in one transaction).
    Ready(Box<NewArticle>),
    New(i64),
    Known,
    Deleted,
    Blocked(String),
    Failed(String),
}

/// An item's identity: its canonical URL when not stored yet.
enum Identity {
    New(String),
    Known,
    Failed(String),
}

impl Crawler<'_> {
    /// Crawls one source now and records the outcome in its state row.
    pub async fn crawl_source(&self, source: &Source, now: DateTime<FixedOffset>) -> SourceReport {
        let started = Instant::now();
        let mut report = SourceReport {
            source: source.id.clone(),
            ..Default::default()
        };
        let ts = now.timestamp();
        let state = match off_async(|| self.store.source_state(&source.id)) {
            Ok(s) => s,
            Err(e) => {
                report.errors.push(e.to_string());
                report.status = SourceStatus::Failing;
                return report;
            }
        };
        let validators = Validators {
            etag: state.etag.clone(),
            last_modified: state.last_modified.clone(),
        };
        let outcome = self.list_items(source, &validators, now).await;
        let (items, new_validators) = match outcome {
            Ok(None) => {
                report.status = SourceStatus::NotModified;
                self.record_ok(source, ts, None, &mut report);
                report.ms = started.elapsed().as_millis() as u64;
                return report;
            }
            Ok(Some(x)) => x,
            Err(e) => {
                let blocked = matches!(e, ListError::Blocked(_));
                let msg = e.to_string();
                tracing::warn!(source = %source.id, error = %msg, "source failed");
                report.errors.push(msg.clone());
                self.record_failure(
                    source,
                    ts,
                    &msg,
                    blocked,
                    state.error_count,
                    state.blocked_count,
                    &mut report,
                );
                report.ms = started.elapsed().as_millis() as u64;
                return report;
            }
        };
        report.items = items.len();
        let identities = self.identify(source, &items);
        let outcomes: Vec<ItemOutcome> = futures_util::stream::iter(
            items
                .into_iter()
                .zip(identities)
                .map(|(item, identity)| self.process_item(source, item, identity, now)),
        )
        .buffered(ITEM_CONCURRENCY)
        .collect()
        .await;
        let outcomes = self.store_ready(outcomes);
        let mut blocked = None;
        for o in outcomes {
            match o {
                ItemOutcome::Ready(_) => unreachable!("store_ready stores every ready article"),
                ItemOutcome::New(id) => {
                    report.new += 1;
                    report.new_ids.push(id);
                }
                ItemOutcome::Known => report.known += 1,
                ItemOutcome::Deleted => report.deleted += 1,
                ItemOutcome::Blocked(why) => blocked = Some(why),
                ItemOutcome::Failed(msg) => report.errors.push(msg),
            }
        }
        if let Some(why) = blocked {
            let msg = format!("blocked: {why}");
            tracing::warn!(source = %source.id, "{msg}");
            report.errors.push(msg.clone());
            self.record_failure(
                source,
                ts,
                &msg,
                true,
                state.error_count,
                state.blocked_count,
                &mut report,
            );
        } else if report.items > 0 && report.new + report.known + report.deleted == 0 {
            let msg = format!(
                "every item failed; first error: {}",
                report.errors.first().map_or("", String::as_str)
            );
            self.record_failure(source, ts, &msg, false, state.error_count, 0, &mut report);
        } else {
            report.status = SourceStatus::Ok;
            self.record_ok(source, ts, Some(&new_validators), &mut report);
        }
        report.ms = started.elapsed().as_millis() as u64;
        tracing::info!(source = %source.id, items = report.items, new = report.new, errors = report.errors.len(), ms = report.ms, "crawled");
        report
    }

    fn record_ok(
        &self,
        source: &Source,
        ts: i64,
        v: Option<&Validators>,
        report: &mut SourceReport,
    ) {
        let next = crate::schedule::next_run(source, self.config.timezone, ts);
        let r = off_async(|| {
            self.store.record_success(
                &source.id,
                ts,
                v.and_then(|v| v.etag.as_deref()),
                v.and_then(|v| v.last_modified.as_deref()),
                Some(next),
            )
        });
        if let Err(e) = r {
            report.errors.push(e.to_string());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record_failure(
        &self,
        source: &Source,
        ts: i64,
        msg: &str,
        blocked: bool,
        errors_before: i64,
        blocks_before: i64,
        report: &mut SourceReport,
    ) {
        let next = if blocked {
            crate::schedule::next_after_block(ts, blocks_before as u32 + 1)
        } else {
            crate::schedule::next_after_failure(
                source,
                self.config.timezone,
                ts,
                errors_before as u32 + 1,
            )
        };
        report.status = if blocked {
            SourceStatus::Blocked
        } else {
            SourceStatus::Failing
        };
        if let Err(e) = off_async(|| {
            self.store
                .record_failure(&source.id, ts, msg, blocked, Some(next))
        }) {
            report.errors.push(e.to_string());
        }
    }

    /// Fetches the source's feed or list page. `Ok(None)` = not modified.
    async fn list_items(
        &self,
        source: &Source,
        validators: &Validators,
        now: DateTime<FixedOffset>,
    ) -> Result<Option<(Vec<FeedItem>, Validators)>, ListError> {
        let tz = self.config.timezone;
        let resp = match self.fetcher.get(&source.url, Some(validators)).await {
            Ok(Fetched::NotModified) => return Ok(None),
            Ok(Fetched::Ok(r)) => r,
            Err(e) => {
                let msg = format!("fetching {}: {e}", source.url);
                return Err(if matches!(e.status(), Some(401 | 403 | 429)) {
                    ListError::Blocked(msg)
                } else {
                    ListError::Failed(msg)
                });
            }
        };
        let mut items = off_async(|| match &source.kind {
            SourceKind::Rss => feed::parse_feed(
                &resp.body,
                resp.content_type.as_deref(),
                source.encoding,
                &resp.final_url,
                tz,
            )
            .map_err(|e| {
                let msg = format!("{}: {e}", source.url);
                match e {
                    feed::FeedError::Blocked(_) => ListError::Blocked(msg),
                    _ => ListError::Failed(msg),
                }
            }),
            SourceKind::Html(sel) => {
                let (html, _) =
                    charset::decode_html(&resp.body, resp.content_type.as_deref(), source.encoding);
                let items = listpage::parse_list(&html, &resp.final_url, sel, tz, now)
                    .map_err(|e| ListError::Failed(format!("{}: {e}", source.url)))?;
                // No entries, and the page is a WAF or captcha wall: blocked, not an empty list.
                if items.is_empty()
                    && let Some(why) = antibot::wall_reason(&html)
                {
                    let msg = format!("{}: {}", source.url, feed::FeedError::Blocked(why));
                    return Err(ListError::Blocked(msg));
                }
                Ok(items)
            }
        })?;
        items.truncate(self.config.crawl.max_items_per_source);
        Ok(Some((items, resp.validators)))
    }

    async fn process_item(
        &self,
        source: &Source,
        item: FeedItem,
        identity: Identity,
        now: DateTime<FixedOffset>,
    ) -> ItemOutcome {
        let link = item.url.clone();
        let canonical = match identity {
            Identity::Known => return ItemOutcome::Known,
            Identity::New(c) => c,
            Identity::Failed(why) => return ItemOutcome::Failed(why),
        };
        let feed_chars = item.text.chars().count();
        let want_page = match source.full_text {
            FullText::Always => true,
            FullText::Auto => feed_chars < self.config.crawl.min_text_chars,
            FullText::Never => false,
        };
        let mut article = NewArticle {
            canonical_url: canonical.clone(),
            url: link.clone().unwrap_or_else(|| canonical.clone()),
            source_id: source.id.clone(),
            guid: item.guid.clone(),
            title: item.title.clone(),
            author: item.author.clone(),
            // Set once below, from the feed's and the page's dates.
            published: None,
            published_source: None,
            fetched: now.timestamp(),
            text: item.text.clone(),
            extract_confidence: None,
            tone: None,
            evidence: None,
            evidence_type: None,
        };
        let mut page_published = None;
        let page_url = link.as_deref().and_then(|l| Url::parse(l).ok());
        if let (true, Some(page_url)) = (want_page, page_url) {
            match self.fetch_page(source, &page_url, now).await {
                Ok((PageKind::Article(ex), body)) => {
                    if let Some(page_title) = &ex.title {
                        article.title = title::pick_title(&article.title, page_title);
                    }
                    if article.author.is_none() {
                        article.author = ex.author.clone();
                    }
                    page_published = ex.published;
                    if ex.text.chars().count() >= feed_chars {
                        article.text = ex.text;
                        article.extract_confidence = Some(ex.confidence);
                    }
                    article.evidence = Some(body);
                    article.evidence_type = Some("text/html".into());
                }
                Ok((PageKind::Deleted(why), _)) => {
                    tracing::info!(source = %source.id, url = %page_url, %why, "article deleted by publisher");
                    let _ = off_async(|| self.store.mark_deleted(&canonical));
                    return ItemOutcome::Deleted;
                }
                Ok((PageKind::Blocked(why), _)) => return ItemOutcome::Blocked(why),
                Err(e) => {
                    if feed_chars == 0 {
                        // Title-only item: try again next crawl rather than store a husk.
                        return ItemOutcome::Failed(format!("{page_url}: {e}"));
                    }
                    tracing::warn!(source = %source.id, url = %page_url, error = %e, "full text failed; keeping the feed's text");
                }
            }
        }
        let (published, source) = pick_published(item.published, page_published, now);
        article.published = Some(published.timestamp());
        article.published_source = Some(source);
        if article.title.trim().is_empty() {
            article.title = first_line(&article.text);
        }
        if article.title.trim().is_empty() && article.text.trim().is_empty() {
            return ItemOutcome::Failed(format!("{}: no title and no text", article.url));
        }
        article.tone = Some(crate::analyze::tone::analyze(&article.title, &article.text).stored());
        ItemOutcome::Ready(Box::new(article))
    }

    /// Each item's canonical URL, and whether it is stored already: one query for the whole
    /// list, not one per item.
    fn identify(&self, source: &Source, items: &[FeedItem]) -> Vec<Identity> {
        let canonical: Vec<Option<String>> = items
            .iter()
            .map(
                |item| match item.url.as_deref().and_then(canonical::canonical_url) {
                    Some(c) => Some(c),
                    // No usable link: identify the item by its feed and guid.
                    None => match &item.guid {
                        Some(g) if !item.text.is_empty() => Some(format!("{}#{}", source.url, g)),
                        _ => None,
                    },
                },
            )
            .collect();
        let urls: Vec<&str> = canonical.iter().flatten().map(String::as_str).collect();
        let known = off_async(|| self.store.known_urls(&urls));
        canonical
            .into_iter()
            .zip(items)
            .map(|(c, item)| match (c, &known) {
                (None, _) => Identity::Failed(format!("item {:?} has no usable link", item.title)),
                (Some(_), Err(e)) => Identity::Failed(e.to_string()),
                (Some(c), Ok(known)) if known.contains(&c) => Identity::Known,
                (Some(c), Ok(_)) => Identity::New(c),
            })
            .collect()
    }

    /// Stores the ready articles of one source, [`INSERT_BATCH`] per transaction, and turns
    /// each into `New` (or `Known`, when stored meanwhile, or `Failed`).
    fn store_ready(&self, outcomes: Vec<ItemOutcome>) -> Vec<ItemOutcome> {
        let mut out = Vec::with_capacity(outcomes.len());
        let mut batch: Vec<NewArticle> = Vec::new();
        let flush = |batch: &mut Vec<NewArticle>, out: &mut Vec<ItemOutcome>| {
            if batch.is_empty() {
                return;
            }
            match off_async(|| self.store.insert_articles(batch)) {
                Ok(ids) => out.extend(ids.into_iter().map(|id| match id {
                    Some(id) => ItemOutcome::New(id),
                    None => ItemOutcome::Known,
                })),
                Err(e) => out.extend(batch.iter().map(|_| ItemOutcome::Failed(e.to_string()))),
            }
            batch.clear();
        };
        for o in outcomes {
            match o {
                ItemOutcome::Ready(a) => {
                    batch.push(*a);
                    if batch.len() >= INSERT_BATCH {
                        flush(&mut batch, &mut out);
                    }
                }
                other => out.push(other),
            }
        }
        flush(&mut batch, &mut out);
        out
    }

    async fn fetch_page(
        &self,
        source: &Source,
        url: &Url,
        now: DateTime<FixedOffset>,
    ) -> Result<(PageKind, Vec<u8>), FetchError> {
        let resp = match self.fetcher.get(url, None).await? {
            Fetched::Ok(r) => r,
            Fetched::NotModified => {
                return Err(FetchError::Network(
                    "unexpected 304 without validators".into(),
                ));
            }
        };
        let kind = off_async(|| {
            let (html, _) =
                charset::decode_html(&resp.body, resp.content_type.as_deref(), source.encoding);
            extract::extract(
                &html,
                &resp.final_url,
                &self.config.sites,
                self.config.timezone,
                now,
            )
        });
        Ok((kind, resp.body))
    }
}

/// Runs `f` (SQLite, parsing a page) without stalling the other tasks of this async worker: on
/// a multi-threaded runtime the worker hands its tasks to another thread meanwhile. SQLite's one
/// connection may be busy with the indexer for a while; parsing a large page takes milliseconds.
pub fn off_async<T>(f: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// The publication time and where it came from: the feed's (or list page's) time unless it is
/// a bare date (midnight) and the page knows the time of day that day; else the page's; else the
/// fetch time, so that every article has a time to sort and filter by.
fn pick_published(
    feed: Option<DateTime<FixedOffset>>,
    page: Option<DateTime<FixedOffset>>,
    fetched: DateTime<FixedOffset>,
) -> (DateTime<FixedOffset>, PublishedSource) {
    match (feed, page) {
        (Some(f), Some(p))
            if f.hour() == 0 && f.minute() == 0 && f.date_naive() == p.date_naive() =>
        {
            (p, PublishedSource::Page)
        }
        (Some(f), _) => (f, PublishedSource::Feed),
        (None, Some(p)) => (p, PublishedSource::Page),
        (None, None) => (fetched, PublishedSource::Fetched),
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .chars()
        .take(60)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_time_refines_a_date_only_feed_time() {
        let d = |s| DateTime::parse_from_rfc3339(s).unwrap();
        let fetched = d("2026-11-26T12:00:00+08:00");
        assert_eq!(
            pick_published(
                Some(d("2026-11-25T00:00:00+08:00")),
                Some(d("2026-11-25T10:30:00+08:00")),
                fetched
            ),
            (d("2026-11-25T10:30:00+08:00"), PublishedSource::Page)
        );
        assert_eq!(
            pick_published(
                Some(d("2026-11-25T09:00:00+08:00")),
                Some(d("2026-11-25T10:30:00+08:00")),
                fetched
            ),
            (d("2026-11-25T09:00:00+08:00"), PublishedSource::Feed)
        );
    }

    #[test]
    fn published_falls_back_from_page_to_feed_to_fetch_time() {
        let d = |s| DateTime::parse_from_rfc3339(s).unwrap();
        let fetched = d("2026-11-26T12:00:00+08:00");
        let page = d("2026-11-26T09:00:00+08:00");
        let feed = d("2026-11-20T00:00:00+08:00");
        assert_eq!(
            pick_published(None, Some(page), fetched),
            (page, PublishedSource::Page)
        );
        assert_eq!(
            pick_published(Some(feed), None, fetched),
            (feed, PublishedSource::Feed)
        );
        assert_eq!(
            pick_published(None, None, fetched),
            (fetched, PublishedSource::Fetched)
        );
    }
}
