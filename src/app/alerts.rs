//! The alert operations of [`App`]: match new articles, list, review, backfill. Shapes follow
//! DESIGN.md §3 (`alerts --json`).

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone};

use crate::alert::matcher::Matched;
use crate::app::App;
use crate::search::snippet;
use crate::store::{AlertFilter, AlertRow, AlertStatus, ReviewRow};

/// Longest review note accepted, in characters: a note is a sentence or two (a 1.9 MB one was
/// once stored).
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest reviewer name (`--by`, or the web user's name) accepted, in characters.
pub const MAX_REVIEWER_CHARS: usize = 32;

pub use crate::alert::view::{AlertView, matched_words, reprint_groups};

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("{0}")]
    BadRequest(String),
    #[error("没有编号为 {0} 的预警 (no alert {0})")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// An alert status from a request or an argument (`new`, `confirmed`, `reported`, `dismissed`).
pub fn parse_status(s: &str) -> Result<AlertStatus, AlertError> {
    AlertStatus::parse(s)
        .ok_or_else(|| AlertError::BadRequest(format!("未知状态 {s:?}: {}", AlertStatus::names())))
}

/// An alert level from a request or an argument (`high`, `medium`, `low`).
pub fn parse_level(s: &str) -> Result<crate::model::Level, AlertError> {
    crate::model::Level::parse(s).ok_or_else(|| {
        AlertError::BadRequest(format!("未知级别 {s:?}: {}", crate::model::Level::names()))
    })
}

/// The rule id of the built-in negative-near-region watch (`[analysis] negative_near_region`).
pub const NEGATIVE_REGION_RULE: &str = "tone:negative-region";

/// Where the region words occur in the title and the text, as matches.
fn region_mentions(
    title: &str,
    text: &str,
    regions: &[String],
) -> Vec<crate::alert::matcher::Matched> {
    use crate::alert::matcher::{Field, Matched};
    let mut out = Vec::new();
    for (field, s) in [(Field::Title, title), (Field::Text, text)] {
        let chars: Vec<char> = s.chars().collect();
        for [a, b] in crate::search::snippet::find_matches(s, regions) {
            out.push(Matched {
                word: chars[a.min(chars.len())..b.min(chars.len())]
                    .iter()
                    .collect(),
                field,
                start: a,
                end: b,
            });
        }
    }
    out
}

/// Options of `yuqing alerts`.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// Raised on this calendar day (00:00–24:00 in the configured zone).
    pub date: Option<NaiveDate>,
    /// Raised in the window of this day's digest (cut-off of the day before to its cut-off):
    /// the alerts that digest lists, dismissed ones included.
    pub window: Option<NaiveDate>,
    pub status: Option<AlertStatus>,
    pub rule: Option<String>,
    pub level: Option<crate::model::Level>,
    pub limit: Option<usize>,
    /// Handed to this partner unit.
    pub unit: Option<String>,
    pub handling: Option<crate::model::Handling>,
}

impl App {
    /// Matches the rules against these stored articles and records new alerts; returns how many.
    /// One transaction records the batch's clusters and alerts, then their pushes are queued,
    /// then the articles count as matched: a crash in between re-matches them, and both
    /// recording and queuing are idempotent (one alert per article and rule, one push per alert
    /// and channel).
    pub fn match_articles(&self, ids: &[i64]) -> anyhow::Result<usize> {
        let now = self.now_ts();
        // Oldest first, so that the first publication (首发) of a reprint cluster carries the alert.
        let mut articles = self.store.articles_batch(ids)?;
        articles.sort_by_key(|a| (a.published.unwrap_or(a.fetched), a.id));
        let regions: Vec<String> = match self.config.analysis.negative_near_region {
            Some(_) => self
                .config
                .region_words()
                .iter()
                .map(|w| crate::text::normalize(w))
                .filter(|w| !w.is_empty())
                .collect(),
            None => Vec::new(),
        };
        // What each article is on its own (fingerprint, event keywords, rule hits), computed on
        // every core; then, in order, what depends on the articles before it.
        let pure = |a: &crate::store::ArticleRow| {
            // The text is normalized once, for the fingerprint and the rules.
            let title = crate::text::normalize_mapped(&a.title);
            let text = crate::text::normalize_mapped(&a.text);
            (
                crate::alert::cluster::simhash_normalized(&text.0),
                crate::analyze::event::Keywords::of(&self.segmenter, &a.title, &a.text),
                self.matcher.evaluate_normalized(
                    &a.source_id,
                    (&title.0, &title.1),
                    (&text.0, &text.1),
                ),
            )
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = articles.len().div_ceil(threads).max(16);
        let computed: Vec<_> = if articles.len() <= chunk {
            articles.iter().map(pure).collect()
        } else {
            std::thread::scope(|scope| {
                let parts: Vec<_> = articles
                    .chunks(chunk)
                    .map(|part| {
                        std::thread::Builder::new()
                            .name("match".into())
                            .spawn_scoped(scope, move || part.iter().map(pure).collect::<Vec<_>>())
                            .expect("matching thread")
                    })
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|h| h.join().expect("matching thread"))
                    .collect()
            })
        };
        let mut batch = Vec::with_capacity(articles.len());
        for (a, (simhash, keywords, hits)) in articles.iter().zip(computed) {
            let cluster_id = self.assign_cluster(a.id, simhash, a.fetched)?;
            let event = self.assign_event(a, cluster_id, keywords)?;
            // Every (rule, article) pair that matches is an alert, reprints included: reprint
            // grouping is presentation (lists, digest, pushes show a group once), never a filter
            // on what is recorded (two different court-notice lists once shared a cluster).
            let mut alerts = Vec::new();
            for hit in hits {
                alerts.push((hit.rule_id, hit.level, serde_json::to_string(&hit.matched)?));
            }
            // 负面舆情预警: a negative article that names the office's area, whatever the rules.
            if let Some(level) = self.config.analysis.negative_near_region {
                let tone = crate::analyze::ToneView::of(a.tone.as_ref(), &a.title, &a.text);
                if tone.tone == crate::model::Tone::Negative {
                    let matched = region_mentions(&a.title, &a.text, &regions);
                    if !matched.is_empty() {
                        alerts.push((
                            NEGATIVE_REGION_RULE.to_string(),
                            level,
                            serde_json::to_string(&matched)?,
                        ));
                    }
                }
            }
            batch.push(crate::store::ArticleMatches {
                article_id: a.id,
                simhash,
                cluster_id,
                alerts,
                keywords: Some(event.keywords),
                joins: event.joins,
            });
        }
        let created = self.store.record_matches(&batch, now)?;
        for (_, article, rule, level) in &created {
            metrics::counter!("yuqing_alerts_total", "level" => level.as_str()).increment(1);
            tracing::info!(article, rule = %rule, level = level.as_str(), "alert");
        }
        if !self.config.notify.is_empty() {
            // Every alert of these articles, earlier ones too (a crash may have left their
            // pushes unqueued), oldest article first.
            let mut alert_ids = Vec::new();
            for a in &articles {
                let rows = self.store.alerts(&AlertFilter {
                    article_id: Some(a.id),
                    without_text: true,
                    ..Default::default()
                })?;
                alert_ids.extend(rows.iter().rev().map(|r| r.id));
            }
            self.queue_pushes(&alert_ids)?;
        }
        let matched: Vec<i64> = articles.iter().map(|a| a.id).collect();
        self.store.mark_matched(&matched)?;
        Ok(created.len())
    }

    /// Assigns `article_id`'s cluster and adds its fingerprint to the index: the cluster of the closest article
    /// fetched in the last `WINDOW_DAYS` days within `MAX_DISTANCE` bits (`FAR_DISTANCE` beyond
    /// the newest `NEAR_WINDOW` fingerprints), else its own.
    /// Reprints travel within days, so only recent fingerprints are compared.
    fn assign_cluster(
        &self,
        article_id: i64,
        hash: Option<u64>,
        fetched: i64,
    ) -> anyhow::Result<i64> {
        use crate::alert::cluster::{ClusterIndex, Fingerprint, WINDOW_DAYS};
        let since = fetched - WINDOW_DAYS * 86_400;
        let mut guard = self
            .state
            .clusters
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // Load on first use, and again when an older article (a backfill) needs an earlier window.
        if guard.as_ref().is_none_or(|r| since < r.horizon()) {
            let rows = self.store.fingerprints_since(since)?;
            *guard = Some(ClusterIndex::new(
                since,
                rows.into_iter()
                    .map(|(fetched, article_id, hash, cluster_id)| Fingerprint {
                        fetched,
                        article_id,
                        hash,
                        cluster_id,
                    }),
            ));
        }
        let index = guard.as_mut().expect("loaded above");
        let cluster = hash
            .and_then(|h| index.closest(article_id, h, since))
            .unwrap_or(article_id);
        // Stored with the batch's alerts (`match_articles`); until then only this index has it.
        if let Some(hash) = hash {
            index.insert(Fingerprint {
                fetched,
                article_id,
                hash,
                cluster_id: cluster,
            });
            // Never below what this article needed: articles fetched long ago (a backfill, an
            // import) would otherwise reload the window from SQLite one by one.
            index.prune(self.now_ts().min(fetched));
        }
        Ok(cluster)
    }

    /// Puts these alerts in the push outbox of every channel whose `min_level` they reach.
    /// The name of a rule, or 专题：NAME for a pushed saved search; the id when neither exists.
    pub fn rule_name(&self, rule_id: &str) -> String {
        if let Some(r) = self.config.rules.iter().find(|x| x.id == rule_id) {
            return r.name.clone();
        }
        if rule_id == NEGATIVE_REGION_RULE {
            return "负面舆情（涉及辖区）".to_string();
        }
        rule_id
            .strip_prefix("saved:")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| self.store.saved_search(id).ok().flatten())
            .map_or_else(|| rule_id.to_string(), |s| format!("专题：{}", s.name))
    }

    pub fn queue_pushes(&self, alert_ids: &[i64]) -> anyhow::Result<usize> {
        if self.config.notify.is_empty() || alert_ids.is_empty() {
            return Ok(0);
        }
        let mut views = Vec::with_capacity(alert_ids.len());
        for id in alert_ids {
            let Some(row) = self.store.alert(*id)? else {
                continue;
            };
            if self.is_pushed_reprint(&row)? {
                // Its group was pushed with the first alert; it shows there as 转载.
                continue;
            }
            views.push(self.alert_view(&row));
        }
        crate::alert::notify::enqueue_alerts(&self.store, &self.config, &views, self.now())
    }

    /// Whether an earlier alert of the same rule, with the same matched words, exists on another
    /// article of this alert's reprint cluster: then this alert is a reprint of that one.
    fn is_pushed_reprint(&self, row: &AlertRow) -> anyhow::Result<bool> {
        let words = matched_words(&row.matched);
        Ok(self
            .store
            .cluster_rule_alerts(row.article_id, &row.rule_id, row.id)?
            .iter()
            .any(|(_, m)| matched_words(m) == words))
    }

    /// Matches every article stored but not yet matched (after a crash, too); returns new alerts.
    /// When another thread is already matching, returns 0 at once: that one loops until no
    /// unmatched row is left, new ones included.
    pub fn match_pending(&self) -> anyhow::Result<usize> {
        let Ok(_guard) = self.state.matching.try_lock() else {
            return Ok(0);
        };
        let mut created = 0;
        loop {
            let ids = self.store.unmatched(500)?;
            if ids.is_empty() {
                return Ok(created);
            }
            created += self.match_articles(&ids)?;
        }
    }

    /// Applies the rules to articles fetched in the last `days` days; existing alerts stay as they are.
    pub fn backfill_alerts(&self, days: u32) -> anyhow::Result<usize> {
        let since = self.now_ts() - i64::from(days) * 86_400;
        let ids = self.store.article_ids_since(since)?;
        self.match_articles(&ids)
    }

    pub fn alerts(&self, q: &AlertQuery) -> Result<Vec<AlertView>, AlertError> {
        let (from, to) = match (q.date, q.window) {
            (Some(d), _) => {
                let (a, b) = self.day_bounds(d);
                (Some(a), Some(b))
            }
            (None, Some(d)) => {
                let (a, b) = self.digest_window(d);
                (Some(a), Some(b))
            }
            (None, None) => (None, None),
        };
        let rows = self.store.alerts(&AlertFilter {
            created_from: from,
            created_to: to,
            status: q.status,
            rule: q.rule.clone(),
            level: q.level,
            article_id: None,
            limit: q.limit,
            without_text: false,
            unit: q.unit.clone(),
            handling: q.handling.map(|h| (h, self.now_ts())),
        })?;
        Ok(rows.iter().map(|r| self.alert_view(r)).collect())
    }

    pub fn alerts_of_article(&self, article_id: i64) -> anyhow::Result<Vec<AlertView>> {
        let rows = self.store.alerts(&AlertFilter {
            article_id: Some(article_id),
            ..Default::default()
        })?;
        Ok(rows.iter().map(|r| self.alert_view(r)).collect())
    }

    pub fn review_alert(
        &self,
        id: i64,
        to: AlertStatus,
        note: Option<&str>,
        by: Option<&str>,
    ) -> Result<AlertView, AlertError> {
        if let Some(n) = note
            && n.chars().count() > MAX_NOTE_CHARS
        {
            return Err(AlertError::BadRequest(format!(
                "备注过长：最多 {MAX_NOTE_CHARS} 个字符 (note: at most {MAX_NOTE_CHARS} characters)"
            )));
        }
        if let Some(b) = by
            && (b.chars().count() > MAX_REVIEWER_CHARS || b.chars().any(char::is_control))
        {
            return Err(AlertError::BadRequest(format!(
                "审核人姓名须为 1–{MAX_REVIEWER_CHARS} 个字符，不含控制字符 (reviewer name: at most {MAX_REVIEWER_CHARS} characters)"
            )));
        }
        if !self.store.review_alert(id, to, note, by, self.now_ts())? {
            return Err(AlertError::NotFound(id));
        }
        let row = self.store.alert(id)?.ok_or(AlertError::NotFound(id))?;
        Ok(self.alert_view(&row))
    }

    pub fn alert_reviews(&self, id: i64) -> Result<Vec<ReviewRow>, AlertError> {
        Ok(self.store.alert_reviews(id)?)
    }

    /// `[00:00 of d, 00:00 of d+1)` in the configured zone, as unix seconds.
    pub fn day_bounds(&self, d: NaiveDate) -> (i64, i64) {
        let tz = self.config.timezone;
        let at = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
                .earliest()
                .map_or(0, |t| t.timestamp())
        };
        (at(d), at(d.succ_opt().unwrap_or(d)))
    }

    pub fn alert_view(&self, r: &AlertRow) -> AlertView {
        self.alert_view_with(r, true)
    }

    /// `detailed = false` leaves out what costs per alert: the snippet (cut from the article
    /// text) and the reprint cluster (a query): `snippet` is empty and `cluster_size` 1.
    pub(super) fn alert_view_with(&self, r: &AlertRow, detailed: bool) -> AlertView {
        let matches: Vec<Matched> = serde_json::from_str(&r.matched).unwrap_or_default();
        let words: Vec<String> = matches
            .iter()
            .map(|m| m.word.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (snip, cluster) = if detailed {
            let snip = snippet::make(&r.text, &words, crate::app::SNIPPET_CHARS);
            (
                snip,
                self.store.cluster_of(r.article_id).unwrap_or_default(),
            )
        } else {
            (snippet::Snippet::default(), Vec::new())
        };
        let rule_name = self.rule_name(&r.rule_id);
        AlertView {
            id: r.id,
            rule: r.rule_id.clone(),
            rule_name,
            level: r.level,
            status: r.status,
            article_id: r.article_id,
            url: r.url.clone(),
            title: r.title.clone(),
            source_name: self.source_name(&r.source_id),
            source: r.source_id.clone(),
            published: r.published.map(|t| self.rfc3339(t)),
            created: self.rfc3339(r.created),
            matched: words,
            matches,
            snippet: snip.text,
            highlights: snip.highlights,
            cluster_size: cluster.len().max(1),
            other_sources: cluster
                .iter()
                .filter(|m| m.article_id != r.article_id)
                .map(|m| self.source_name(&m.source_id))
                .collect(),
            note: r.note.clone(),
            tone: crate::analyze::ToneView::of(r.tone.as_ref(), &r.title, &r.text),
            event_id: r.event_id,
            unit: r.unit.clone(),
            due: r.due.map(|t| self.rfc3339(t)),
            handling: super::handling::handling_of(r, self.now_ts()),
            cluster_id: r.cluster_id,
        }
    }
}

pub use super::digest::DigestDetail;
pub use super::ruletest::{RuleSample, RuleTest};
