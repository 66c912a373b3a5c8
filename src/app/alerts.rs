//! The alert operations of [`App`]: match new articles, list, review, backfill. Shapes follow
//! DESIGN.md §3 (`alerts --json`).

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone};
use serde::Serialize;

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

/// Options of `yuqing alerts`.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    pub date: Option<NaiveDate>,
    pub status: Option<AlertStatus>,
    pub rule: Option<String>,
    pub level: Option<crate::model::Level>,
    pub limit: Option<usize>,
}

impl App {
    /// Matches the rules against these stored articles and records new alerts; returns how many.
    pub fn match_articles(&self, ids: &[i64]) -> anyhow::Result<usize> {
        let now = self.now_ts();
        let mut created = 0;
        // Oldest first, so that the first publication (首发) of a reprint cluster carries the alert.
        let mut articles = self.store.articles(ids)?;
        articles.sort_by_key(|a| (a.published.unwrap_or(a.fetched), a.id));
        for a in articles {
            self.assign_cluster(a.id, crate::alert::cluster::simhash(&a.text), a.fetched)?;
            // Every (rule, article) pair that matches is an alert, reprints included: reprint
            // grouping is presentation (lists, digest, pushes show a group once), never a filter
            // on what is recorded (two different court-notice lists once shared a cluster).
            for hit in self.matcher.evaluate(&a.source_id, &a.title, &a.text) {
                let json = serde_json::to_string(&hit.matched)?;
                if self
                    .store
                    .insert_alert(a.id, &hit.rule_id, hit.level, &json, now)?
                    .is_some()
                {
                    created += 1;
                    metrics::counter!("yuqing_alerts_total", "level" => hit.level.as_str())
                        .increment(1);
                    tracing::info!(article = a.id, rule = %hit.rule_id, level = hit.level.as_str(), "alert");
                }
            }
            // Queue the pushes of all the article's alerts before it counts as matched: a crash
            // in between re-matches it, and queuing is idempotent (one row per alert and channel).
            if !self.config.notify.is_empty() {
                let ids: Vec<i64> = self
                    .store
                    .alerts(&AlertFilter {
                        article_id: Some(a.id),
                        without_text: true,
                        ..Default::default()
                    })?
                    .iter()
                    .map(|r| r.id)
                    .collect();
                self.queue_pushes(&ids)?;
            }
            self.store.mark_matched(a.id)?;
        }
        Ok(created)
    }

    /// Records `article_id`'s fingerprint and assigns its cluster: that of the closest article
    /// fetched in the last `WINDOW_DAYS` days within `MAX_DISTANCE` bits, else its own.
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
        self.store.set_cluster(article_id, hash, cluster)?;
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
        let (from, to) = match q.date {
            Some(d) => {
                let (a, b) = self.day_bounds(d);
                (Some(a), Some(b))
            }
            None => (None, None),
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
    fn alert_view_with(&self, r: &AlertRow, detailed: bool) -> AlertView {
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
        let rule_name = self
            .config
            .rules
            .iter()
            .find(|x| x.id == r.rule_id)
            .map_or_else(|| r.rule_id.clone(), |x| x.name.clone());
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
            cluster_id: r.cluster_id,
        }
    }
}

impl App {
    /// The digest window for `date`: from the cut-off (default 08:00) of the day before to the
    /// cut-off of `date`, in the configured zone, as unix seconds.
    pub fn digest_window(&self, date: NaiveDate) -> (i64, i64) {
        let tz = self.config.timezone;
        let cut = self.config.digest.cutoff;
        let at = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_time(cut))
                .earliest()
                .map_or(0, |t| t.timestamp())
        };
        (at(date.pred_opt().unwrap_or(date)), at(date))
    }

    /// The digest whose window contains now (after today's cut-off that is tomorrow's).
    pub fn current_digest_date(&self) -> NaiveDate {
        let now = self.now();
        let today = now.date_naive();
        if now.time() >= self.config.digest.cutoff {
            today.succ_opt().unwrap_or(today)
        } else {
            today
        }
    }

    /// Builds the digest (舆情日报) of `date` from the alerts raised in its window.
    /// [`DigestDetail::Listed`] cuts snippets and reprints only for the alerts that HTML,
    /// Markdown and Word list in full: a window of thousands of alerts (after a backfill)
    /// stays quick to show.
    pub fn build_digest(
        &self,
        date: NaiveDate,
        detail: DigestDetail,
    ) -> anyhow::Result<crate::alert::digest::Digest> {
        use crate::alert::digest::{Digest, DigestAlert, DigestSource};
        let (from, to) = self.digest_window(date);
        // Without the articles' text: a window of 60 000 alerts would hold 200 MB of it at once.
        let rows = self.store.alerts(&AlertFilter {
            created_from: Some(from),
            created_to: Some(to),
            without_text: true,
            ..Default::default()
        })?;
        // Reprints of one alert are one entry (转载 N 篇), with the folded alerts' ids kept.
        let views: Vec<AlertView> = rows
            .iter()
            .map(|r| self.alert_view_with(r, false))
            .collect();
        let groups = reprint_groups(&views);
        let mut rows: Vec<AlertRow> = {
            let mut by_index: Vec<Option<AlertRow>> = rows.into_iter().map(Some).collect();
            groups
                .iter()
                .map(|g| by_index[g[0]].take().expect("each alert in one group"))
                .collect()
        };
        let alerts = groups
            .iter()
            .map(|g| {
                let mut d = DigestAlert::from(views[g[0]].clone());
                d.reprint_alerts = g[1..].iter().map(|&i| views[i].id).collect();
                d
            })
            .collect();
        let sources = self
            .sources_health()?
            .into_iter()
            .map(|s| DigestSource {
                id: s.id,
                name: s.name,
                status: s.status,
                last_success: s.last_success,
                last_error: s.last_error,
                articles_24h: s.articles_24h,
            })
            .collect();
        let mut d = Digest {
            date,
            title: self.config.digest.title.clone(),
            window_start: self.rfc3339(from),
            window_end: self.rfc3339(to),
            generated_at: self.rfc3339(self.now_ts()),
            alerts,
            sources,
            max_listed: self.config.digest.max_listed,
        };
        let detailed: Vec<usize> = match (detail, d.max_listed) {
            (DigestDetail::Listed, m) if m > 0 => d.display_order().into_iter().take(m).collect(),
            _ => (0..rows.len()).collect(),
        };
        // One article's text at a time.
        for i in detailed {
            let r = &mut rows[i];
            r.text = self
                .store
                .article(r.article_id)?
                .map(|a| a.text)
                .unwrap_or_default();
            let folded = std::mem::take(&mut d.alerts[i].reprint_alerts);
            d.alerts[i] = DigestAlert::from(self.alert_view(r));
            d.alerts[i].reprint_alerts = folded;
            r.text = String::new();
        }
        Ok(d)
    }
}

/// How much of a digest [`App::build_digest`] assembles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestDetail {
    /// Snippets and reprints of every alert: for XLSX and JSON, and for files written or sent.
    All,
    /// Only of the alerts listed in full: for HTML, Markdown and Word shown on request.
    Listed,
}

impl DigestDetail {
    /// What rendering `format` needs.
    pub fn for_format(format: crate::alert::digest::DigestFormat) -> DigestDetail {
        use crate::alert::digest::DigestFormat;
        match format {
            DigestFormat::Html | DigestFormat::Md | DigestFormat::Docx => DigestDetail::Listed,
            DigestFormat::Json | DigestFormat::Xlsx => DigestDetail::All,
        }
    }
}

/// What a rule would have matched among stored articles (`yuqing rules test`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleTest {
    pub rule: String,
    pub rule_name: String,
    pub days: u32,
    pub articles_scanned: usize,
    pub matched: usize,
    pub samples: Vec<RuleSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSample {
    pub article_id: i64,
    pub title: String,
    pub source: String,
    pub published: Option<String>,
    pub matched: Vec<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
}

impl App {
    /// Runs `rule` over the articles fetched in the last `days` days, without creating alerts.
    pub fn test_rule(
        &self,
        rule: &crate::config::Rule,
        days: u32,
        max_samples: usize,
    ) -> anyhow::Result<RuleTest> {
        let matcher = crate::alert::matcher::Matcher::new(std::slice::from_ref(rule));
        let since = self.now_ts() - i64::from(days) * 86_400;
        let ids = self.store.article_ids_since(since)?;
        let mut matched = 0;
        let mut samples = Vec::new();
        for chunk in ids.chunks(500) {
            for a in self.store.articles(chunk)? {
                let hits = matcher.evaluate(&a.source_id, &a.title, &a.text);
                let Some(hit) = hits.first() else { continue };
                matched += 1;
                if samples.len() < max_samples {
                    let words: Vec<String> = hit
                        .matched
                        .iter()
                        .map(|m| m.word.clone())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let snip = snippet::make(&a.text, &words, crate::app::SNIPPET_CHARS);
                    samples.push(RuleSample {
                        article_id: a.id,
                        title: a.title.clone(),
                        source: self.source_name(&a.source_id),
                        published: a.published.map(|t| self.rfc3339(t)),
                        matched: words,
                        snippet: snip.text,
                        highlights: snip.highlights,
                    });
                }
            }
        }
        Ok(RuleTest {
            rule: rule.id.clone(),
            rule_name: rule.name.clone(),
            days,
            articles_scanned: ids.len(),
            matched,
            samples,
        })
    }
}
