//! [`App`]: configuration, storage, index and segmenter wired together, and every operation the
//! command line and the web expose: the ingest pipeline ([`ingest`]), search, show, sources,
//! alerts and review ([`alerts`]), the digest, rule tests, users, pushes. The JSON shapes of
//! DESIGN.md §3 are defined here, once. Its time is [`clock::Clock`]; what survives a reload
//! (the cluster index, the matching lock, the clock) is shared between reloaded `App`s.

pub mod alerts;
pub mod clock;
mod digest;
pub mod events;
pub mod handling;
pub mod ingest;
pub mod overview;
pub mod periodic;
mod pushes;
pub mod reports;
mod ruletest;
pub mod saved;
pub mod shared;
pub mod trends;
pub mod users;

use std::sync::Arc;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::alert::matcher::Matcher;
use crate::config::Config;
use crate::search::query::{self, QueryError};
use crate::search::snippet::{self, Snippet};
use crate::search::{IndexDoc, IndexError, SearchFilter, SearchIndex, SearchRequest, Sort};
use crate::store::{ArticleRow, Store, StoreError};
use crate::text::segment::Segmenter;

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
    /// What stays across a reload besides storage.
    state: Arc<State>,
    /// The HTTP client of pushes (one per configuration: timeouts and User-Agent come from it).
    push_http: std::sync::OnceLock<reqwest::Client>,
}

/// Process state shared by an `App` and the `App`s reloaded from it.
#[derive(Default)]
struct State {
    /// Recent fingerprints for reprint grouping, loaded on first use.
    clusters: std::sync::Mutex<Option<crate::alert::cluster::ClusterIndex>>,
    /// Recent articles' keywords for event grouping, loaded on first use.
    events: std::sync::Mutex<Option<crate::analyze::event::EventIndex>>,
    /// Held while unmatched articles are being matched: one matcher at a time.
    matching: std::sync::Mutex<()>,
    /// The application's time (tests move it).
    clock: std::sync::RwLock<clock::Clock>,
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
    pub filter: SearchFilter,
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
    /// Why a result may be empty, in Chinese: unknown source ids, a page past the end.
    pub notes: Vec<String>,
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
    /// 情感倾向: `tone`, `tone_score`, `tone_words`.
    #[serde(flatten)]
    pub tone: crate::analyze::ToneView,
    /// The event (事件) it belongs to; `null` when alone.
    pub event_id: Option<i64>,
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
    /// 情感倾向: `tone`, `tone_score`, `tone_words`.
    #[serde(flatten)]
    pub tone: crate::analyze::ToneView,
    /// The event (事件) it belongs to; `null` when alone.
    pub event_id: Option<i64>,
    pub alerts: Vec<alerts::AlertView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceHealth {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub enabled: bool,
    pub status: crate::model::SourceStatus,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub error_count: i64,
    pub next_check_at: Option<String>,
    pub articles_24h: i64,
    pub articles_7d: i64,
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
        Ok(App::assemble(
            config,
            store,
            index,
            segmenter,
            Arc::default(),
        ))
    }

    /// A new `App` for a reloaded configuration that keeps this one's database and index.
    /// The index's query segmenter follows the new user dictionary.
    pub fn reloaded(&self, config: Config) -> anyhow::Result<App> {
        let segmenter = segmenter_for(&config)?;
        self.index.set_segmenter(segmenter.clone());
        Ok(App::assemble(
            config,
            self.store.clone(),
            self.index.clone(),
            segmenter,
            self.state.clone(),
        ))
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
        Ok(App::assemble(
            config,
            store,
            index,
            segmenter,
            Arc::default(),
        ))
    }

    fn assemble(
        config: Config,
        store: Arc<Store>,
        index: Arc<SearchIndex>,
        segmenter: Segmenter,
        state: Arc<State>,
    ) -> App {
        App {
            matcher: Matcher::new(&config.rules),
            config,
            store,
            index,
            segmenter,
            state,
            push_http: std::sync::OnceLock::new(),
        }
    }

    /// Now, in the configured zone, by the application's clock.
    pub fn now(&self) -> DateTime<FixedOffset> {
        self.clock()
            .now()
            .with_timezone(&self.config.timezone)
            .fixed_offset()
    }

    /// Now as unix seconds, by the application's clock.
    pub fn now_ts(&self) -> i64 {
        self.clock().now().timestamp()
    }

    /// The clock of this application and of those reloaded from it.
    pub fn clock(&self) -> clock::Clock {
        self.state
            .clock
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the clock (tests: a manual one, moved without sleeping).
    pub fn set_clock(&self, c: clock::Clock) {
        *self.state.clock.write().unwrap_or_else(|p| p.into_inner()) = c;
    }

    pub fn search(&self, opts: &SearchOptions) -> Result<SearchResult, SearchError> {
        let started = std::time::Instant::now();
        let result = self.search_inner(opts);
        metrics::histogram!("yuqing_search_seconds").record(started.elapsed().as_secs_f64());
        result
    }

    fn search_inner(&self, opts: &SearchOptions) -> Result<SearchResult, SearchError> {
        // An empty query with a filter browses: the filter's articles, newest first.
        let browse = opts.query.trim().is_empty();
        if browse && opts.filter.is_empty() {
            return Err(SearchError::BadRequest(
                "查询为空：请输入检索词，或选择信息源、作者或日期 (empty query: give words or a filter)"
                    .into(),
            ));
        }
        let node = if browse {
            query::Node::And(Vec::new())
        } else {
            query::parse(&opts.query)?
        };
        let sort = if browse { Sort::Newest } else { opts.sort };
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
        opts.filter.bounds(tz).map_err(SearchError::BadRequest)?;
        let req = SearchRequest {
            query: &node,
            filter: &opts.filter,
            tz,
            sort,
            limit,
            offset: (page - 1) * limit,
        };
        let found = self.index.search(&req)?;
        let words = query::positive_words(&node);
        let mut hits = Vec::with_capacity(found.hits.len());
        // One statement for the page's rows (a hit deleted meanwhile is skipped).
        let ids: Vec<i64> = found.hits.iter().map(|(id, _)| *id as i64).collect();
        let mut rows: std::collections::HashMap<i64, ArticleRow> = self
            .store
            .articles(&ids)?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
        for (id, score) in found.hits {
            let Some(a) = rows.remove(&(id as i64)) else {
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
                tone: crate::analyze::ToneView::of(a.tone.as_ref(), &a.title, &a.text),
                event_id: a.event_id,
            });
        }
        let mut notes: Vec<String> = self
            .unknown_sources(&node, &opts.filter)
            .into_iter()
            .map(|id| format!("未知信息源编号 {id:?}：配置中没有这个信息源 (unknown source)"))
            .collect();
        if hits.is_empty() && found.total > 0 && page > 1 {
            let last = found.total.div_ceil(limit);
            notes.push(format!(
                "第 {page} 页超出范围：共 {} 篇，{last} 页 (page past the end)",
                found.total
            ));
        }
        Ok(SearchResult {
            total: found.total,
            page,
            limit,
            hits,
            notes,
        })
    }

    /// Source ids named by `source:` or the filter that no configured source has.
    fn unknown_sources(&self, node: &query::Node, filter: &SearchFilter) -> Vec<String> {
        let mut named: Vec<&str> = filter.sources.iter().map(String::as_str).collect();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match n {
                query::Node::Source(id) => named.push(id),
                query::Node::And(v) | query::Node::Or(v) => stack.extend(v),
                query::Node::Not(inner) => stack.push(inner),
                query::Node::Word { .. } | query::Node::Tone(_) => {}
            }
        }
        let known = |id: &str| self.config.sources.iter().any(|s| s.id == id);
        let mut unknown: Vec<String> = named
            .into_iter()
            .filter(|id| !known(id) && !id.starts_with('\0'))
            .map(str::to_string)
            .collect();
        unknown.dedup();
        unknown
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
            tone: crate::analyze::ToneView::of(a.tone.as_ref(), &a.title, &a.text),
            event_id: a.event_id,
            alerts: self.alerts_of_article(a.id)?,
        }))
    }

    pub fn sources_health(&self) -> anyhow::Result<Vec<SourceHealth>> {
        let now = self.now_ts();
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
                status,
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
}

/// `silent` when a source that should publish every `expect_every` has brought nothing new for
/// that long; otherwise the fetch status (`new`, `ok`, `failing`, `blocked`).
pub fn health_status(
    source: &crate::config::Source,
    st: &crate::store::SourceState,
    last_article: Option<i64>,
    now: i64,
) -> crate::model::SourceStatus {
    use crate::model::SourceStatus;
    if st.status != SourceStatus::Ok {
        return st.status;
    }
    match (source.expect_every, last_article) {
        (Some(every), Some(since)) if now - since > every.as_secs() as i64 => SourceStatus::Silent,
        _ => st.status,
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
pub fn index_doc<'a>(
    r: &'a ArticleRow,
    author: &'a str,
    title: &'a str,
    text: &'a str,
) -> IndexDoc<'a> {
    IndexDoc {
        id: r.id as u64,
        source: &r.source_id,
        author,
        published: r.published.unwrap_or(r.fetched),
        title,
        text,
        tone: r.tone.as_ref().map(|t| t.tone).unwrap_or_default(),
    }
}

/// Highlighted snippet HTML for web views.
pub fn snippet_html(text: &str, highlights: &[[usize; 2]]) -> String {
    snippet::to_html(&Snippet {
        text: text.to_string(),
        highlights: highlights.to_vec(),
    })
}

/// Hands the memory freed by a large job (a digest of thousands of alerts) back to the system.
/// glibc keeps freed memory in per-thread arenas for reuse; after a one-off peak on a blocking
/// thread that would stay resident for the life of the process.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
