//! Wires configuration, storage, index, fetcher and segmenter together, and offers the
//! operations the command line (and later the web API) expose: crawl, search, show, sources,
//! reindex. The JSON shapes of DESIGN.md §3 are defined here, once.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use crate::alert::matcher::Matcher;
use crate::config::Config;
use crate::crawl::fetch::Fetcher;
use crate::crawl::{Crawler, SourceReport};
use crate::search::query::{self, QueryError};
use crate::search::snippet::{self, Snippet};
use crate::search::{IndexDoc, IndexError, SearchIndex, SearchRequest, Sort};
use crate::store::{ArticleRow, Store, StoreError};
use crate::text::normalize;
use crate::text::segment::Segmenter;

/// Articles indexed between two commits when catching up (fewer, larger commits: committing
/// every 2000 cost about a third more indexing CPU in the ingest benchmark).
const INDEX_BATCH: usize = 10_000;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 500;
pub const SNIPPET_CHARS: usize = 120;

pub struct App {
    pub matcher: Matcher,
    pub config: Config,
    /// Shared with a reloaded `App`: a reload swaps configuration and rules, never storage.
    pub store: Arc<Store>,
    pub index: Arc<SearchIndex>,
    pub segmenter: Segmenter,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The user's fault: a bad query or parameter (exit 2 / HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<QueryError> for SearchError {
    fn from(e: QueryError) -> Self {
        SearchError::BadRequest(e.to_string())
    }
}

#[derive(Debug, Clone, Default)]
pub struct SearchOptions {
    pub query: String,
    pub sources: Vec<String>,
    pub since: Option<NaiveDate>,
    /// Inclusive: the whole day is searched.
    pub until: Option<NaiveDate>,
    pub sort: Sort,
    pub limit: usize,
    pub page: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub total: usize,
    pub page: usize,
    pub limit: usize,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub source: String,
    pub source_name: String,
    pub published: Option<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    pub title_highlights: Vec<[usize; 2]>,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArticleView {
    pub id: i64,
    pub url: String,
    pub canonical_url: String,
    pub title: String,
    pub author: Option<String>,
    pub source: String,
    pub source_name: String,
    pub published: Option<String>,
    /// Where `published` came from: `page`, `feed` or `fetched` (`null` for old rows).
    pub published_source: Option<crate::model::PublishedSource>,
    pub fetched: String,
    pub state: String,
    pub text: String,
    /// The extractor's confidence in `text`, in [0, 1] (below 0.5: low); `null` when the
    /// text came from the feed or the row predates the field.
    pub extract_confidence: Option<f64>,
    pub alerts: Vec<crate::alert::service::AlertView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceHealth {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub enabled: bool,
    pub status: String,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub error_count: i64,
    pub next_check_at: Option<String>,
    pub articles_24h: i64,
    pub articles_7d: i64,
}

/// Round-robin over hosts, keeping each host's sources in their configured order.
fn interleave_by_host(sources: Vec<&crate::config::Source>) -> Vec<&crate::config::Source> {
    let mut hosts: Vec<(String, std::collections::VecDeque<&crate::config::Source>)> = Vec::new();
    for s in sources {
        let host = s.url.host_str().unwrap_or("").to_string();
        match hosts.iter_mut().find(|(h, _)| *h == host) {
            Some((_, q)) => q.push_back(s),
            None => hosts.push((host, std::collections::VecDeque::from([s]))),
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

/// jieba with the configuration's user dictionary (or the default dictionary alone).
fn segmenter_for(config: &Config) -> anyhow::Result<Segmenter> {
    match &config.userdict {
        Some(p) => Segmenter::with_userdict(p)
            .with_context(|| format!("loading user dictionary {}", p.display())),
        None => Ok(Segmenter::new()),
    }
}

impl App {
    /// Opens the database and the index. Rows a previous run stored but did not match or index
    /// are caught up by `crawl` and `serve` (`match_pending`, `index_pending`), not here, so
    /// read-only commands never need the index writer.
    pub fn open(config: Config) -> anyhow::Result<App> {
        let segmenter = segmenter_for(&config)?;
        let store = Arc::new(Store::open(&config.db_path())?);
        let index = Arc::new(SearchIndex::open(&config.index_path(), segmenter.clone())?);
        Ok(App {
            matcher: Matcher::new(&config.rules),
            config,
            store,
            index,
            segmenter,
        })
    }

    /// A new `App` for a reloaded configuration that keeps this one's database and index.
    /// The index's query segmenter follows the new user dictionary.
    pub fn reloaded(&self, config: Config) -> anyhow::Result<App> {
        let segmenter = segmenter_for(&config)?;
        self.index.set_segmenter(segmenter.clone());
        Ok(App {
            matcher: Matcher::new(&config.rules),
            config,
            store: self.store.clone(),
            index: self.index.clone(),
            segmenter,
        })
    }

    /// Opens the index afresh (deleting the old one), e.g. after a schema change.
    pub fn open_for_reindex(config: Config) -> anyhow::Result<App> {
        let segmenter = segmenter_for(&config)?;
        let store = Arc::new(Store::open(&config.db_path())?);
        let index = Arc::new(SearchIndex::recreate(
            &config.index_path(),
            segmenter.clone(),
        )?);
        store.mark_all_unindexed()?;
        Ok(App {
            matcher: Matcher::new(&config.rules),
            config,
            store,
            index,
            segmenter,
        })
    }

    pub fn now(&self) -> DateTime<FixedOffset> {
        Utc::now()
            .with_timezone(&self.config.timezone)
            .fixed_offset()
    }

    /// Indexes every stored article not yet in the index; returns how many.
    pub fn index_pending(&self) -> anyhow::Result<usize> {
        let mut done = 0;
        loop {
            let rows = self.store.unindexed(INDEX_BATCH)?;
            if rows.is_empty() {
                return Ok(done);
            }
            for r in &rows {
                self.index
                    .upsert(&index_doc(r, &normalize(&r.title), &normalize(&r.text)))?;
            }
            self.index.commit()?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            self.store.mark_indexed(&ids)?;
            done += rows.len();
        }
    }

    /// One crawl pass over the given sources (all enabled ones when empty), then indexing.
    pub async fn crawl(
        &self,
        ids: &[String],
        on_done: impl Fn(&SourceReport),
    ) -> anyhow::Result<Vec<SourceReport>> {
        let fetcher = Fetcher::new(&self.config.http)?;
        let crawler = Crawler {
            config: &self.config,
            store: &self.store,
            fetcher: &fetcher,
        };
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
        let sources = interleave_by_host(chosen);
        let mut reports = Vec::new();
        let mut running =
            futures_util::stream::iter(sources.into_iter().map(|s| crawler.crawl_source(s, now)))
                .buffer_unordered(self.config.http.concurrency.max(1));
        use futures_util::StreamExt;
        while let Some(r) = running.next().await {
            on_done(&r);
            reports.push(r);
        }
        reports.sort_by(|a, b| a.source.cmp(&b.source));
        // Match before indexing: an alert should not wait for the index commit.
        self.match_pending()?;
        crate::alert::notify::after_crawl(self, now).await;
        self.index_pending()?;
        Ok(reports)
    }

    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResult, SearchError> {
        let started = std::time::Instant::now();
        let result = self.search_inner(opts);
        metrics::histogram!("yuqing_search_seconds").record(started.elapsed().as_secs_f64());
        result
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResult, SearchError> {
        let node = query::parse(&opts.query)?;
        let limit = if opts.limit == 0 {
            DEFAULT_LIMIT
        } else {
            opts.limit
        };
        if limit > MAX_LIMIT {
            return Err(SearchError::BadRequest(format!("limit 最大为 {MAX_LIMIT}")));
        }
        let page = opts.page.max(1);
        if (page - 1).saturating_mul(limit) > 100_000 {
            return Err(SearchError::BadRequest("页码过大 (page too large)".into()));
        }
        let tz = self.config.timezone;
        let day_start = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map(|t| t.timestamp())
        };
        let since = opts.since.and_then(day_start);
        let until = opts.until.and_then(|d| d.succ_opt()).and_then(day_start);
        if let (Some(a), Some(b)) = (since, until)
            && a >= b
        {
            return Err(SearchError::BadRequest(
                "起始日期晚于结束日期 (since is after until)".into(),
            ));
        }
        let req = SearchRequest {
            query: &node,
            sources: &opts.sources,
            since,
            until,
            sort: opts.sort,
            limit,
            offset: (page - 1) * limit,
        };
        let found = self.index.search(&req)?;
        let words = query::positive_words(&node);
        let mut hits = Vec::with_capacity(found.hits.len());
        for (id, score) in found.hits {
            let Some(a) = self.store.article(id as i64)? else {
                continue;
            };
            let snip = snippet::make(&a.text, &words, SNIPPET_CHARS);
            let title_highlights = snippet::find_matches(&a.title, &words);
            hits.push(Hit {
                id: a.id,
                url: a.url.clone(),
                title: a.title.clone(),
                source_name: self.source_name(&a.source_id),
                source: a.source_id.clone(),
                published: a.published.map(|t| self.rfc3339(t)),
                snippet: snip.text,
                highlights: snip.highlights,
                title_highlights,
                score,
            });
        }
        Ok(SearchResult {
            total: found.total,
            page,
            limit,
            hits,
        })
    }

    pub fn show(&self, id: i64) -> anyhow::Result<Option<ArticleView>> {
        let Some(a) = self.store.article(id)? else {
            return Ok(None);
        };
        Ok(Some(ArticleView {
            id: a.id,
            url: a.url.clone(),
            canonical_url: a.canonical_url.clone(),
            title: a.title.clone(),
            author: a.author.clone(),
            source_name: self.source_name(&a.source_id),
            source: a.source_id.clone(),
            published: a.published.map(|t| self.rfc3339(t)),
            published_source: a.published_source,
            fetched: self.rfc3339(a.fetched),
            state: a.state.clone(),
            text: a.text.clone(),
            extract_confidence: a.extract_confidence,
            alerts: self.alerts_of_article(a.id)?,
        }))
    }

    pub fn sources_health(&self) -> anyhow::Result<Vec<SourceHealth>> {
        let now = Utc::now().timestamp();
        let mut out = Vec::new();
        for s in &self.config.sources {
            let st = self.store.source_state(&s.id)?;
            let status = health_status(s, &st, self.store.last_article_at(&s.id)?, now);
            out.push(SourceHealth {
                id: s.id.clone(),
                name: s.name.clone(),
                kind: s.kind_name().into(),
                url: s.url.to_string(),
                enabled: s.enabled,
                status: status.into(),
                last_attempt: st.last_attempt.map(|t| self.rfc3339(t)),
                last_success: st.last_success.map(|t| self.rfc3339(t)),
                last_error: st.last_error.clone(),
                error_count: st.error_count,
                next_check_at: st.next_check_at.map(|t| self.rfc3339(t)),
                articles_24h: self.store.count_articles_since(&s.id, now - 86_400)?,
                articles_7d: self.store.count_articles_since(&s.id, now - 7 * 86_400)?,
            });
        }
        Ok(out)
    }

    pub fn source_name(&self, id: &str) -> String {
        self.config
            .source(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    /// Unix seconds as RFC 3339 in the configured zone.
    pub fn rfc3339(&self, ts: i64) -> String {
        rfc3339(ts, self.config.timezone)
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }
}

/// `silent` when a source that should publish every `expect_every` has brought nothing new for
/// that long; otherwise the fetch status (`new`, `ok`, `failing`, `blocked`).
pub fn health_status(
    source: &crate::config::Source,
    st: &crate::store::SourceState,
    last_article: Option<i64>,
    now: i64,
) -> &'static str {
    let fetch = st.status.as_str();
    if fetch != "ok" {
        return fetch;
    }
    match (source.expect_every, last_article) {
        (Some(every), Some(since)) if now - since > every.as_secs() as i64 => "silent",
        _ => fetch,
    }
}

pub fn rfc3339(ts: i64, tz: chrono_tz::Tz) -> String {
    DateTime::from_timestamp(ts, 0)
        .map(|t| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        })
        .unwrap_or_default()
}

/// The index document for a stored row (texts already normalized by the caller).
pub fn index_doc<'a>(r: &'a ArticleRow, title: &'a str, text: &'a str) -> IndexDoc<'a> {
    IndexDoc {
        id: r.id as u64,
        source: &r.source_id,
        published: r.published.unwrap_or(r.fetched),
        title,
        text,
    }
}

/// Highlighted snippet HTML for web views.
pub fn snippet_html(text: &str, highlights: &[[usize; 2]]) -> String {
    snippet::to_html(&Snippet {
        text: text.to_string(),
        highlights: highlights.to_vec(),
    })
}
