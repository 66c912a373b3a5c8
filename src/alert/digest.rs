//! Builds the daily digest (舆情日报) and renders it as HTML, Markdown, JSON, XLSX and DOCX.
//!
//! The renderer is pure: it takes a fully assembled [`Digest`] and returns the bytes of the
//! requested document. Every crawled string (titles, snippets, notes, source names, URLs) is
//! treated as hostile and escaped for the target format; links are only emitted for
//! `http`, `https` and `file` URLs.
//!
//! Times are RFC 3339 strings, shown as the local time of the offset they carry: the
//! application writes them in the configured `timezone`.
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};

use super::view::AlertView;
use crate::model::{AlertStatus, Level, SourceStatus};
use serde::Serialize;
use std::fmt::Write as _;

/// One entry of the digest: an alert (its snippet and reprints filled in for the entries listed
/// in full) and the alerts on reprints of its article folded into it.
#[derive(Debug, Clone, Serialize)]
pub struct DigestAlert {
    #[serde(flatten)]
    pub alert: AlertView,
    /// Alerts of the same rule on reprints of this article (same matched words), folded into
    /// this entry: recorded and reviewable, listed once here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reprint_alerts: Vec<i64>,
}

impl std::ops::Deref for DigestAlert {
    type Target = AlertView;
    fn deref(&self) -> &AlertView {
        &self.alert
    }
}

impl std::ops::DerefMut for DigestAlert {
    fn deref_mut(&mut self) -> &mut AlertView {
        &mut self.alert
    }
}

impl From<AlertView> for DigestAlert {
    fn from(alert: AlertView) -> DigestAlert {
        DigestAlert {
            alert,
            reprint_alerts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestSource {
    pub id: String,
    pub name: String,
    pub status: SourceStatus,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub articles_24h: i64,
}

/// The window at a glance, in 总体情况 of every format (alerts by level come from `alerts`):
/// the articles of the window by tone and the hottest events.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DigestOverview {
    /// Articles published in the window (fetch time when the page gave none).
    pub articles: usize,
    pub negative: usize,
    pub neutral: usize,
    pub positive: usize,
    /// Events with articles in the window, hottest first (at most [`TOP_EVENTS`]).
    pub top_events: Vec<DigestEvent>,
}

/// Whether the overview charts have anything to show.
fn has_overview(d: &Digest) -> bool {
    !d.alerts.is_empty() || d.overview.articles > 0
}

/// Events listed in a digest.
pub const TOP_EVENTS: usize = 5;

#[derive(Debug, Clone, Serialize)]
pub struct DigestEvent {
    pub id: i64,
    pub title: String,
    pub articles: i64,
    pub sources: i64,
    pub heat: f64,
    pub level: Option<Level>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    pub date: NaiveDate,
    /// e.g. "青石街道舆情日报"
    pub title: String,
    /// RFC 3339
    pub window_start: String,
    /// RFC 3339
    pub window_end: String,
    pub generated_at: String,
    pub alerts: Vec<DigestAlert>,
    /// Alerts of the window marked 忽略 (dismissed): left out of `alerts`, counted here.
    #[serde(default)]
    pub dismissed: usize,
    /// Alerts handed to a partner unit and past their deadline (已超期), one line each.
    #[serde(default)]
    pub overdue: Vec<String>,
    pub sources: Vec<DigestSource>,
    pub overview: DigestOverview,
    /// HTML, Markdown and Word list at most this many alerts in full (0: all); the summary
    /// counts every alert, and XLSX and JSON always hold every one.
    #[serde(skip)]
    pub max_listed: usize,
}

pub use crate::config::DEFAULT_MAX_LISTED;

impl Digest {
    /// Whether the alert with this 序号 is listed in full in HTML, Markdown and Word.
    fn listed(&self, seq: usize) -> bool {
        self.max_listed == 0 || seq <= self.max_listed
    }

    /// Alerts counted but not listed in full.
    fn unlisted(&self) -> usize {
        match self.max_listed {
            0 => 0,
            m => self.alerts.len().saturating_sub(m),
        }
    }

    /// Indices into `alerts` in display order (level, then rule, then as given), the order of
    /// the 序号; the first `max_listed` of them are the ones listed in full.
    pub fn display_order(&self) -> Vec<usize> {
        View::new(self).order
    }
}

pub use crate::model::DigestFormat;

/// The cause is in the message, not chained: a chain would print it twice.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("生成 JSON 失败 (json serialisation failed): {0}")]
    Json(serde_json::Error),
    #[error("生成 Excel 失败 (xlsx writer failed): {0}")]
    Xlsx(rust_xlsxwriter::XlsxError),
    #[error("生成 Word 失败 (docx writer failed): {0}")]
    Docx(Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl From<serde_json::Error> for DigestError {
    fn from(e: serde_json::Error) -> Self {
        DigestError::Json(e)
    }
}

impl From<rust_xlsxwriter::XlsxError> for DigestError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        DigestError::Xlsx(e)
    }
}

/// Renders the digest in the requested format.
pub fn render(d: &Digest, f: DigestFormat) -> Result<Vec<u8>, DigestError> {
    match f {
        DigestFormat::Html => Ok(html::render_html(d).into_bytes()),
        DigestFormat::Md => Ok(md::render_md(d).into_bytes()),
        DigestFormat::Json => Ok(serde_json::to_vec_pretty(d)?),
        DigestFormat::Xlsx => xlsx::render_xlsx(d),
        DigestFormat::Docx => docx::render_docx(d),
    }
}

// ---------------------------------------------------------------------------
// Shared view model
// ---------------------------------------------------------------------------

const EMPTY_LINE: &str = "本时段无预警。";
const ALL_SOURCES_OK: &str = "全部信息源运行正常。";

struct RuleGroup<'a> {
    name: &'a str,
    /// (序号, alert)
    alerts: Vec<(usize, &'a DigestAlert)>,
    /// Their indices in `Digest::alerts`.
    indices: Vec<usize>,
}

impl RuleGroup<'_> {
    /// The alerts listed in full, and how many more are only counted.
    fn listed(&self, d: &Digest) -> (impl Iterator<Item = &(usize, &DigestAlert)>, usize) {
        let shown = self.alerts.iter().filter(|(seq, _)| d.listed(*seq)).count();
        (self.alerts.iter().take(shown), self.alerts.len() - shown)
    }
}

struct LevelGroup<'a> {
    label: &'a str,
    rules: Vec<RuleGroup<'a>>,
}

impl LevelGroup<'_> {
    fn count(&self) -> usize {
        self.rules.iter().map(|r| r.alerts.len()).sum()
    }
}

struct View<'a> {
    groups: Vec<LevelGroup<'a>>,
    /// alerts in display order with their 序号
    ordered: Vec<(usize, &'a DigestAlert)>,
    /// their indices in `Digest::alerts`
    order: Vec<usize>,
    by_level: Vec<(&'a str, usize)>,
    by_rule: Vec<(&'a str, usize)>,
    by_status: Vec<(&'a str, usize)>,
    new_count: usize,
    reviewed_count: usize,
    gaps: Vec<&'a DigestSource>,
    sources_ok: usize,
}

fn rule_display(a: &DigestAlert) -> &str {
    if a.rule_name.trim().is_empty() {
        &a.rule
    } else {
        &a.rule_name
    }
}

impl<'a> View<'a> {
    fn new(d: &'a Digest) -> View<'a> {
        // Level order: high, medium, low.
        let level_keys: Vec<Level> = Level::ALL
            .iter()
            .copied()
            .filter(|l| d.alerts.iter().any(|a| a.level == *l))
            .collect();

        let mut groups = Vec::new();
        let (mut ordered, mut order) = (Vec::new(), Vec::new());
        let mut seq = 0;
        for level in &level_keys {
            let level = *level;
            // Rules within a level in order of first appearance.
            let mut rules: Vec<(&str, RuleGroup<'a>)> = Vec::new();
            for (i, a) in d.alerts.iter().enumerate().filter(|a| a.1.level == level) {
                match rules.iter_mut().find(|(k, _)| *k == a.rule.as_str()) {
                    Some((_, g)) => {
                        g.alerts.push((0, a));
                        g.indices.push(i);
                    }
                    None => rules.push((
                        &a.rule,
                        RuleGroup {
                            name: rule_display(a),
                            alerts: vec![(0, a)],
                            indices: vec![i],
                        },
                    )),
                }
            }
            let mut rules: Vec<RuleGroup<'a>> = rules.into_iter().map(|(_, g)| g).collect();
            for g in &mut rules {
                for entry in &mut g.alerts {
                    seq += 1;
                    entry.0 = seq;
                    ordered.push(*entry);
                }
                order.extend_from_slice(&g.indices);
            }
            groups.push(LevelGroup {
                label: level.label_zh(),
                rules,
            });
        }

        let by_level: Vec<(&str, usize)> = Level::ALL
            .iter()
            .map(|l| {
                (
                    l.label_zh(),
                    d.alerts.iter().filter(|a| a.level == *l).count(),
                )
            })
            .collect();

        let mut by_rule: Vec<(&str, usize)> = Vec::new();
        for a in &d.alerts {
            let name = rule_display(a);
            match by_rule.iter_mut().find(|(r, _)| *r == name) {
                Some(e) => e.1 += 1,
                None => by_rule.push((name, 1)),
            }
        }
        by_rule.sort_by_key(|r| std::cmp::Reverse(r.1)); // stable: ties keep first-seen order

        let by_status: Vec<(&str, usize)> = AlertStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.label_zh(),
                    d.alerts.iter().filter(|a| a.status == *s).count(),
                )
            })
            .collect();
        let new_count = d
            .alerts
            .iter()
            .filter(|a| a.status == AlertStatus::New)
            .count();

        let mut gaps: Vec<&DigestSource> = d.sources.iter().filter(|s| s.status.is_gap()).collect();
        gaps.sort_by_key(|s| s.status.rank());
        let sources_ok = d
            .sources
            .iter()
            .filter(|s| s.status == SourceStatus::Ok)
            .count();

        View {
            groups,
            ordered,
            order,
            by_level,
            by_rule,
            by_status,
            new_count,
            reviewed_count: d.alerts.len() - new_count,
            gaps,
            sources_ok,
        }
    }

    fn level_summary(&self) -> String {
        join_counts(&self.by_level, "条")
    }

    /// 负面 3 篇，中性 10 篇，正面 1 篇（共 14 篇）
    fn tone_summary(d: &Digest) -> String {
        let o = &d.overview;
        format!(
            "负面 {} 篇，中性 {} 篇，正面 {} 篇（共 {} 篇）",
            o.negative, o.neutral, o.positive, o.articles
        )
    }

    /// One line per top event: 标题（2 篇、2 个来源，热度 3.2，最高预警 高）
    fn event_lines(d: &Digest) -> Vec<String> {
        d.overview
            .top_events
            .iter()
            .map(|e| {
                format!(
                    "{}（{} 篇、{} 个来源，热度 {:.1}{}）",
                    clean(&e.title),
                    e.articles,
                    e.sources,
                    e.heat,
                    e.level
                        .map(|l| format!("，最高预警 {}", l.label_zh()))
                        .unwrap_or_default()
                )
            })
            .collect()
    }

    /// The two overview charts: alerts by level, articles by tone.
    fn charts(&self, d: &Digest) -> [crate::alert::report::chart::Chart; 2] {
        use crate::alert::report::chart::Chart;
        let o = &d.overview;
        [
            Chart {
                title: "预警级别（条）".into(),
                categories: self.by_level.iter().map(|(l, _)| l.to_string()).collect(),
                series: vec![(
                    "预警".into(),
                    self.by_level.iter().map(|(_, n)| *n as f64).collect(),
                )],
            },
            Chart {
                title: "文章倾向（篇）".into(),
                categories: vec!["负面".into(), "中性".into(), "正面".into()],
                series: vec![(
                    "文章".into(),
                    vec![o.negative as f64, o.neutral as f64, o.positive as f64],
                )],
            },
        ]
    }

    fn status_summary(&self) -> String {
        join_counts(&self.by_status, "条")
    }

    fn rule_summary(&self) -> String {
        join_counts(&self.by_rule, "条")
    }

    fn source_summary(&self, d: &Digest) -> String {
        let mut s = format!(
            "共监测信息源 {} 个，运行正常 {} 个",
            d.sources.len(),
            self.sources_ok
        );
        if !self.gaps.is_empty() {
            let mut kinds: Vec<(&str, usize)> = Vec::new();
            for g in &self.gaps {
                let l = g.status.label_zh();
                match kinds.iter_mut().find(|(k, _)| *k == l) {
                    Some(e) => e.1 += 1,
                    None => kinds.push((l, 1)),
                }
            }
            let _ = write!(
                s,
                "，存在覆盖缺口 {} 个（{}）",
                self.gaps.len(),
                join_counts(&kinds, "个")
            );
        }
        s.push('。');
        s
    }
}

mod text;

use text::*;
pub use text::{MAX_CELL_CHARS, xlsx_cell};

mod docx;
mod html;
mod md;
mod xlsx;

#[cfg(test)]
mod tests;
