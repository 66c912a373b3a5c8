//! Assembling the daily digest (舆情日报) of a date from the alerts of its window.

use chrono::{NaiveDate, TimeZone};

use super::App;
use super::alerts::{AlertView, reprint_groups};
use crate::store::{AlertFilter, AlertHead, AlertRow};

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

    /// One line per alert past its deadline: 标题（单位，期限 …）.
    fn overdue_lines(&self) -> anyhow::Result<Vec<String>> {
        let list = self.alerts(&super::alerts::AlertQuery {
            handling: Some(crate::model::Handling::Overdue),
            limit: Some(200),
            ..Default::default()
        })?;
        Ok(list
            .iter()
            .map(|a| {
                let unit = a.unit.as_deref().unwrap_or("");
                let name = self
                    .config
                    .units
                    .iter()
                    .find(|u| u.id == unit)
                    .map_or(unit.to_string(), |u| u.name.clone());
                format!(
                    "{}（{}，期限 {}）",
                    a.title,
                    name,
                    crate::model::short_time(a.due.as_deref())
                )
            })
            .collect())
    }

    /// Refuses the digest of a window that has not started yet (later than the current one).
    pub fn check_digest_date(&self, date: NaiveDate) -> Result<(), String> {
        let current = self.current_digest_date();
        if date > current {
            return Err(format!(
                "{date} 的日报统计时段尚未开始，最新一期为 {current} (no digest for a future window)"
            ));
        }
        Ok(())
    }

    /// The window's articles by tone and its hottest events.
    fn digest_overview(
        &self,
        from: i64,
        to: i64,
    ) -> anyhow::Result<crate::alert::digest::DigestOverview> {
        use crate::alert::digest::{DigestEvent, DigestOverview, TOP_EVENTS};
        let (negative, neutral, positive) = self.store.tone_in_window(from, to)?;
        let top_events = self
            .events_between(Some(from), Some(to))?
            .into_iter()
            .take(TOP_EVENTS)
            .map(|e| DigestEvent {
                id: e.id,
                title: e.title,
                articles: e.articles,
                sources: e.sources,
                heat: e.heat,
                level: e.level,
            })
            .collect();
        Ok(DigestOverview {
            articles: negative + neutral + positive,
            negative,
            neutral,
            positive,
            top_events,
        })
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
        use crate::alert::digest::DigestAlert;
        let (from, to) = self.digest_window(date);
        let max_listed = self.config.digest.max_listed;
        if detail == DigestDetail::Listed
            && max_listed > 0
            && let Some(d) = self.build_listed_digest(date, from, to, max_listed)?
        {
            return Ok(d);
        }
        // Without the articles' text: a window of 60 000 alerts would hold 200 MB of it at once.
        let mut rows = self.store.alerts(&AlertFilter {
            created_from: Some(from),
            created_to: Some(to),
            without_text: true,
            ..Default::default()
        })?;
        // What a collector dismissed (忽略) is not sent upward; the digest says how many.
        let before = rows.len();
        rows.retain(|r| r.status != crate::model::AlertStatus::Dismissed);
        let dismissed = before - rows.len();
        let views: Vec<AlertView> = rows
            .iter()
            .map(|r| self.alert_view_with(r, false))
            .collect();
        let (alerts, firsts) = fold_reprints(views);
        // Moved, not copied: a window of 60 000 alerts is hundreds of MB per copy, and
        // faulting in fresh pages was most of the digest's time.
        let mut rows: Vec<AlertRow> = {
            let mut by_index: Vec<Option<AlertRow>> = rows.into_iter().map(Some).collect();
            firsts
                .iter()
                .map(|&i| by_index[i].take().expect("each alert in one group"))
                .collect()
        };
        let mut d = self.digest_shell(date, from, to, alerts, dismissed)?;
        // Every entry in full (XLSX and JSON hold them all), one article's text at a time.
        for (i, r) in rows.iter_mut().enumerate() {
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

impl App {
    /// [`App::build_digest`] for HTML, Markdown and Word shown on request, with a limit on the
    /// alerts listed in full: every alert is counted and grouped from what [`AlertHead`] holds,
    /// and only the listed ones are read whole: the 62,701-alert window of the 1M bench takes
    /// the whole command 121 MB at peak instead of 317, and the page half the time (BENCHMARKS.md,
    /// "Serve and web at 1M articles"). `None` when a listed alert changed between the two
    /// reads; the caller then builds the full digest.
    fn build_listed_digest(
        &self,
        date: NaiveDate,
        from: i64,
        to: i64,
        max_listed: usize,
    ) -> anyhow::Result<Option<crate::alert::digest::Digest>> {
        use crate::alert::digest::DigestAlert;
        let mut dismissed = 0;
        // (id, article, rule, level, status, cluster, distinct matched words): about 100 bytes
        // an alert, where a view is 500.
        let mut heads = Vec::new();
        self.store.alert_heads(from, to, |h: AlertHead| {
            // What a collector dismissed (忽略) is not sent upward; the digest says how many.
            if h.status == crate::model::AlertStatus::Dismissed {
                dismissed += 1;
                return;
            }
            let words: Vec<String> = crate::alert::view::matched_words(&h.matched)
                .into_iter()
                .collect();
            heads.push((
                h.id,
                h.article_id,
                h.rule_id,
                h.level,
                h.status,
                h.cluster_id,
                words,
            ));
        })?;
        // Reprints of one alert are one entry (转载 N 篇), as in the full digest; each entry
        // made once, in place.
        let groups = crate::alert::view::reprint_groups_of(
            heads
                .iter()
                .map(|h| (h.0, h.2.as_str(), h.5, h.6.as_slice())),
        );
        let mut alerts = Vec::with_capacity(groups.len());
        for g in &groups {
            let (id, article_id, rule, level, status, cluster_id, words) = &heads[g[0]];
            let mut d = DigestAlert::from(AlertView {
                id: *id,
                rule_name: self.rule_name(rule),
                rule: rule.clone(),
                level: *level,
                status: *status,
                article_id: *article_id,
                matched: words.clone(),
                cluster_id: *cluster_id,
                ..Default::default()
            });
            d.reprint_alerts = g[1..].iter().map(|&i| heads[i].0).collect();
            alerts.push(d);
        }
        drop(heads);
        let mut d = self.digest_shell(date, from, to, alerts, dismissed)?;
        // The listed ones, read whole: title, snippet, tone, reprints.
        for i in d.display_order().into_iter().take(max_listed) {
            // Read in a second step: an alert deleted (retention) or reviewed since its head
            // was read would not match the counts; the full digest is then built instead.
            let row = self.store.alert(d.alerts[i].id)?;
            let Some(row) = row.filter(|r| r.status == d.alerts[i].status) else {
                return Ok(None);
            };
            let folded = std::mem::take(&mut d.alerts[i].reprint_alerts);
            d.alerts[i] = DigestAlert::from(self.alert_view(&row));
            d.alerts[i].reprint_alerts = folded;
        }
        Ok(Some(d))
    }

    /// A digest of these entries with everything around them: window, sources, overview.
    fn digest_shell(
        &self,
        date: NaiveDate,
        from: i64,
        to: i64,
        alerts: Vec<crate::alert::digest::DigestAlert>,
        dismissed: usize,
    ) -> anyhow::Result<crate::alert::digest::Digest> {
        use crate::alert::digest::{Digest, DigestSource};
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
        Ok(Digest {
            date,
            title: self.config.digest.title.clone(),
            window_start: self.rfc3339(from),
            window_end: self.rfc3339(to),
            generated_at: self.rfc3339(self.now_ts()),
            alerts,
            dismissed,
            overdue: self.overdue_lines()?,
            sources,
            overview: self.digest_overview(from, to)?,
            max_listed: self.config.digest.max_listed,
        })
    }
}

/// Reprints of one alert as one entry (转载 N 篇), the folded alerts' ids kept: the entries,
/// and for each the index in `views` of the alert it shows.
fn fold_reprints(views: Vec<AlertView>) -> (Vec<crate::alert::digest::DigestAlert>, Vec<usize>) {
    let groups = reprint_groups(&views);
    let ids: Vec<i64> = views.iter().map(|v| v.id).collect();
    let mut views: Vec<Option<AlertView>> = views.into_iter().map(Some).collect();
    let alerts = groups
        .iter()
        .map(|g| {
            let view = views[g[0]].take().expect("each alert in one group");
            let mut d = crate::alert::digest::DigestAlert::from(view);
            d.reprint_alerts = g[1..].iter().map(|&i| ids[i]).collect();
            d
        })
        .collect();
    (alerts, groups.iter().map(|g| g[0]).collect())
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
