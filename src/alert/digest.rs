//! Builds the daily digest (舆情日报) and renders it as HTML, Markdown, JSON, XLSX and DOCX.
//!
//! The renderer is pure: it takes a fully assembled [`Digest`] and returns the bytes of the
//! requested document. Every crawled string (titles, snippets, notes, source names, URLs) is
//! treated as hostile and escaped for the target format; links are only emitted for
//! `http`, `https` and `file` URLs.
//!
//! Times are RFC 3339 strings; they are shown in China Standard Time (UTC+8), the time zone
//! of the 街道 office, whatever offset they carry.
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Clone, Serialize)]
pub struct DigestAlert {
    pub id: i64,
    pub rule: String,
    pub rule_name: String,
    /// "high" | "medium" | "low"
    pub level: String,
    /// "new" | "confirmed" | "reported" | "dismissed"
    pub status: String,
    pub article_id: i64,
    pub url: String,
    pub title: String,
    pub source: String,
    pub source_name: String,
    /// RFC 3339
    pub published: Option<String>,
    /// matched keywords
    pub matched: Vec<String>,
    /// plain text around the first match
    pub snippet: String,
    /// char offsets of matches inside `snippet`
    pub highlights: Vec<[usize; 2]>,
    /// 转载数 (1 = no reprints)
    pub cluster_size: usize,
    /// names of other sources that carried a reprint
    pub other_sources: Vec<String>,
    /// latest review note
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DigestSource {
    pub id: String,
    pub name: String,
    /// ok | failing | blocked | silent | new
    pub status: String,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub articles_24h: i64,
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
    pub sources: Vec<DigestSource>,
    /// HTML, Markdown and Word list at most this many alerts in full (0: all); the summary
    /// counts every alert, and XLSX and JSON always hold every one.
    #[serde(skip)]
    pub max_listed: usize,
}

/// Default of [`Digest::max_listed`]: a day's reading for a collector, not a backfill's 6 000.
pub const DEFAULT_MAX_LISTED: usize = 200;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
    Json,
    Xlsx,
    Docx,
}

impl Format {
    /// Parses a format name or file extension (case-insensitive, optional leading dot):
    /// `html`/`htm`, `md`/`markdown`, `json`, `xlsx`/`excel`, `docx`/`word`.
    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim();
        let s = s.strip_prefix('.').unwrap_or(s).to_ascii_lowercase();
        match s.as_str() {
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Md),
            "json" => Some(Format::Json),
            "xlsx" | "excel" => Some(Format::Xlsx),
            "docx" | "word" => Some(Format::Docx),
            _ => None,
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Md => "md",
            Format::Json => "json",
            Format::Xlsx => "xlsx",
            Format::Docx => "docx",
        }
    }

    /// MIME type, for HTTP responses and mail attachments.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Md => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    #[error("json serialisation failed: {0}")]
    Json(#[from] serde_json::Error),
    #[error("xlsx writer failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("docx writer failed: {0}")]
    Docx(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// Renders the digest in the requested format.
pub fn render(d: &Digest, f: Format) -> Result<Vec<u8>, DigestError> {
    match f {
        Format::Html => Ok(render_html(d).into_bytes()),
        Format::Md => Ok(render_md(d).into_bytes()),
        Format::Json => Ok(serde_json::to_vec_pretty(d)?),
        Format::Xlsx => render_xlsx(d),
        Format::Docx => render_docx(d),
    }
}

// ---------------------------------------------------------------------------
// Shared view model
// ---------------------------------------------------------------------------

const EMPTY_LINE: &str = "本时段无预警。";
const ALL_SOURCES_OK: &str = "全部信息源运行正常。";

fn level_rank(level: &str) -> u8 {
    match level {
        "high" => 0,
        "medium" => 1,
        "low" => 2,
        _ => 3,
    }
}

fn level_label(level: &str) -> &str {
    match level {
        "high" => "高",
        "medium" => "中",
        "low" => "低",
        other => other,
    }
}

fn status_rank(status: &str) -> u8 {
    match status {
        "new" => 0,
        "confirmed" => 1,
        "reported" => 2,
        "dismissed" => 3,
        _ => 4,
    }
}

fn status_label(status: &str) -> &str {
    match status {
        "new" => "新",
        "confirmed" => "已核实",
        "reported" => "已上报",
        "dismissed" => "忽略",
        other => other,
    }
}

fn source_status_rank(status: &str) -> u8 {
    match status {
        "failing" => 0,
        "blocked" => 1,
        "silent" => 2,
        "new" => 3,
        "ok" => 5,
        _ => 4,
    }
}

fn source_status_label(status: &str) -> &str {
    match status {
        "ok" => "正常",
        "failing" => "采集失败",
        "blocked" => "访问受限",
        "silent" => "长时间无更新",
        "new" => "新接入未采集",
        other => other,
    }
}

fn is_gap(status: &str) -> bool {
    matches!(status, "failing" | "blocked" | "silent" | "new")
}

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
        // Level order: high, medium, low, then unknown levels by first appearance.
        let mut level_keys: Vec<&str> = Vec::new();
        for a in &d.alerts {
            if !level_keys.contains(&a.level.as_str()) {
                level_keys.push(&a.level);
            }
        }
        level_keys.sort_by_key(|l| level_rank(l)); // stable: unknowns keep first-seen order

        let mut groups = Vec::new();
        let (mut ordered, mut order) = (Vec::new(), Vec::new());
        let mut seq = 0;
        for level in &level_keys {
            // Rules within a level in order of first appearance.
            let mut rules: Vec<(&str, RuleGroup<'a>)> = Vec::new();
            for (i, a) in d.alerts.iter().enumerate().filter(|a| a.1.level == *level) {
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
            let label = d
                .alerts
                .iter()
                .find(|a| a.level == *level)
                .map(|a| level_label(&a.level))
                .unwrap_or("");
            groups.push(LevelGroup { label, rules });
        }

        let mut by_level: Vec<(&str, usize)> = vec![("高", 0), ("中", 0), ("低", 0)];
        for g in &groups {
            let n = g.count();
            match by_level.iter_mut().find(|(l, _)| *l == g.label) {
                Some(e) => e.1 += n,
                None => by_level.push((g.label, n)),
            }
        }

        let mut by_rule: Vec<(&str, usize)> = Vec::new();
        for a in &d.alerts {
            let name = rule_display(a);
            match by_rule.iter_mut().find(|(r, _)| *r == name) {
                Some(e) => e.1 += 1,
                None => by_rule.push((name, 1)),
            }
        }
        by_rule.sort_by_key(|r| std::cmp::Reverse(r.1)); // stable: ties keep first-seen order

        let mut by_status: Vec<(&str, usize)> =
            vec![("新", 0), ("已核实", 0), ("已上报", 0), ("忽略", 0)];
        let mut status_keys: Vec<&str> = d.alerts.iter().map(|a| a.status.as_str()).collect();
        status_keys.sort_by_key(|s| status_rank(s));
        for s in status_keys {
            let label = status_label(s);
            match by_status.iter_mut().find(|(l, _)| *l == label) {
                Some(e) => e.1 += 1,
                None => by_status.push((label, 1)),
            }
        }
        let new_count = d.alerts.iter().filter(|a| a.status == "new").count();

        let mut gaps: Vec<&DigestSource> = d.sources.iter().filter(|s| is_gap(&s.status)).collect();
        gaps.sort_by_key(|s| source_status_rank(&s.status));
        let sources_ok = d.sources.iter().filter(|s| s.status == "ok").count();

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
                let l = source_status_label(&g.status);
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

/// The line under 二、预警详情 when some alerts are only counted.
fn unlisted_notice(d: &Digest) -> Option<String> {
    let rest = d.unlisted();
    (rest > 0).then(|| {
        format!(
            "本时段预警较多，以下按级别、规则顺序详列前 {} 条，其余 {rest} 条只计入统计；\
             完整清单见 Excel 版日报或系统「预警」页面。",
            d.max_listed
        )
    })
}

/// The line closing a rule group some of whose alerts are only counted.
fn unlisted_in_rule(n: usize) -> String {
    format!("（本规则另有 {n} 条未详列，见 Excel 版日报）")
}

fn join_counts(items: &[(&str, usize)], unit: &str) -> String {
    items
        .iter()
        .map(|(k, n)| format!("{k} {n} {unit}"))
        .collect::<Vec<_>>()
        .join("，")
}

/// Removes characters that are not allowed in XML 1.0 (and are meaningless in a report),
/// and folds line breaks into spaces for single-line fields.
fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            '\u{FFFE}' | '\u{FFFF}' => None,
            c => Some(c),
        })
        .collect()
}

fn cn_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&cn_offset()).naive_local());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    None
}

/// `2026年11月25日 08:00`; unparseable input is returned cleaned as-is.
fn fmt_cn_time(s: &str) -> String {
    match parse_time(s) {
        Some(t) => format!(
            "{}年{}月{}日 {}",
            t.year(),
            t.month(),
            t.day(),
            t.format("%H:%M")
        ),
        None => clean(s),
    }
}

/// `2026-11-21 22:45`; unparseable input is returned cleaned as-is.
fn fmt_short_time(s: &str) -> String {
    match parse_time(s) {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => clean(s),
    }
}

fn fmt_opt_time(s: Option<&str>) -> String {
    match s {
        Some(s) if !s.trim().is_empty() => fmt_short_time(s),
        _ => "—".to_string(),
    }
}

fn fmt_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn window_line(d: &Digest) -> String {
    format!(
        "{} 至 {}",
        fmt_cn_time(&d.window_start),
        fmt_cn_time(&d.window_end)
    )
}

/// Is this URL safe to render as a link? Only http, https and file.
fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    if u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = u.get(..8).unwrap_or(u).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("file://")
    {
        Some(u)
    } else {
        None
    }
}

fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Splits the snippet into (text, highlighted) segments using char offsets; offsets are
/// clamped, sorted and merged so bad input never panics.
fn snippet_segments(snippet: &str, highlights: &[[usize; 2]]) -> Vec<(String, bool)> {
    let chars: Vec<char> = snippet.chars().collect();
    let n = chars.len();
    let mut ranges: Vec<(usize, usize)> = highlights
        .iter()
        .map(|[a, b]| ((*a).min(n), (*b).min(n)))
        .filter(|(a, b)| a < b)
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut pos = 0;
    for (a, b) in merged {
        if pos < a {
            out.push((chars[pos..a].iter().collect(), false));
        }
        out.push((chars[a..b].iter().collect(), true));
        pos = b;
    }
    if pos < n {
        out.push((chars[pos..].iter().collect(), false));
    }
    out.into_iter()
        .map(|(s, h)| (clean(&s), h))
        .filter(|(s, _)| !s.is_empty())
        .collect()
}

fn reprint_line(a: &DigestAlert) -> Option<String> {
    if a.cluster_size <= 1 {
        return None;
    }
    let mut s = format!("{}（首发：{}", a.cluster_size, clean(&a.source_name));
    let others: Vec<String> = a
        .other_sources
        .iter()
        .map(|s| clean(s))
        .filter(|s| !s.is_empty())
        .collect();
    if !others.is_empty() {
        let _ = write!(s, "；转载：{}", others.join("、"));
    }
    s.push('）');
    Some(s)
}

fn note_text(a: &DigestAlert) -> Option<String> {
    a.note
        .as_deref()
        .map(clean)
        .filter(|n| !n.trim().is_empty())
}

fn matched_text(a: &DigestAlert) -> String {
    a.matched
        .iter()
        .map(|m| clean(m))
        .collect::<Vec<_>>()
        .join("、")
}

fn title_text(a: &DigestAlert) -> String {
    let t = clean(&a.title);
    if t.trim().is_empty() {
        "（无标题）".to_string()
    } else {
        t
    }
}

// ---------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------

fn esc_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

const CSS_BODY: &str = "margin:0;padding:0;background:#f4f5f7;color:#222;font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;font-size:15px;line-height:1.6;";
const CSS_WRAP: &str = "max-width:760px;margin:0 auto;padding:16px;background:#ffffff;";
const CSS_H1: &str =
    "font-size:22px;text-align:center;margin:8px 0 12px;color:#b00000;font-weight:bold;";
const CSS_H2: &str =
    "font-size:18px;margin:24px 0 8px;padding-bottom:4px;border-bottom:2px solid #b00000;";
const CSS_H3: &str = "font-size:16px;margin:16px 0 6px;";
const CSS_H4: &str = "font-size:15px;margin:12px 0 6px;color:#444;";
const CSS_META: &str = "margin:2px 0;color:#555;font-size:14px;";
const CSS_CARD: &str = "border:1px solid #ddd;border-radius:4px;padding:10px 12px;margin:8px 0;";
const CSS_FIELD: &str = "margin:2px 0;font-size:14px;word-break:break-word;overflow-wrap:anywhere;";
const CSS_SNIPPET: &str = "margin:6px 0;padding:6px 8px;background:#f7f7f7;border-left:3px solid #ccc;font-size:14px;word-break:break-word;overflow-wrap:anywhere;";
const CSS_MARK: &str = "background:#ffe58f;color:#000;padding:0 1px;";
const CSS_TABLE: &str = "border-collapse:collapse;width:100%;font-size:13px;";
const CSS_TH: &str =
    "border:1px solid #ccc;padding:4px 6px;background:#f0f0f0;text-align:left;white-space:nowrap;";
const CSS_TD: &str =
    "border:1px solid #ccc;padding:4px 6px;vertical-align:top;word-break:break-word;";
const CSS_EMPTY: &str =
    "margin:8px 0;padding:8px 12px;background:#f0f7ff;border:1px solid #cfe3ff;";
const CSS_SIGN: &str = "margin:24px 0 4px;font-size:14px;color:#333;";

fn level_color(level: &str) -> &'static str {
    match level {
        "高" => "#c00000",
        "中" => "#d46b08",
        "低" => "#1d6fb8",
        _ => "#555555",
    }
}

fn render_html(d: &Digest) -> String {
    let v = View::new(d);
    let mut h = String::with_capacity(8192 + d.alerts.len() * 1024);
    let title = esc_html(&clean(&d.title));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title} {date}</title>\n</head>\n<body style=\"{CSS_BODY}\">\n<div style=\"{CSS_WRAP}\">\n\
<h1 style=\"{CSS_H1}\">{title}</h1>\n",
        date = esc_html(&fmt_date(d.date)),
    );
    for (k, val) in [
        ("日期", fmt_date(d.date)),
        ("统计时段", window_line(d)),
        ("生成时间", fmt_cn_time(&d.generated_at)),
    ] {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_META}\"><strong>{k}：</strong>{}</p>",
            esc_html(&val)
        );
    }

    // 一、总体情况
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">一、总体情况</h2>");
    if d.alerts.is_empty() {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_EMPTY}\"><strong>{EMPTY_LINE}</strong></p>"
        );
    } else {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}\">本时段共产生预警 <strong>{}</strong> 条，其中待处理（新）{} 条，已处理 {} 条。</p>",
            d.alerts.len(),
            v.new_count,
            v.reviewed_count
        );
        let _ = writeln!(h, "<table style=\"{CSS_TABLE}\" role=\"presentation\">");
        for (k, val) in [
            ("按级别", v.level_summary()),
            ("按规则", v.rule_summary()),
            ("按状态", v.status_summary()),
        ] {
            let _ = writeln!(
                h,
                "<tr><th style=\"{CSS_TH}\">{k}</th><td style=\"{CSS_TD}\">{}</td></tr>",
                esc_html(&val)
            );
        }
        h.push_str("</table>\n");
    }

    // 二、预警详情
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">二、预警详情</h2>");
    if d.alerts.is_empty() {
        let _ = writeln!(h, "<p style=\"{CSS_FIELD}\">{EMPTY_LINE}</p>");
    }
    if let Some(n) = unlisted_notice(d) {
        let _ = writeln!(h, "<p style=\"{CSS_EMPTY}\">{}</p>", esc_html(&n));
    }
    for g in &v.groups {
        let _ = writeln!(
            h,
            "<h3 style=\"{CSS_H3}color:{};\">{}级预警（{} 条）</h3>",
            level_color(g.label),
            esc_html(g.label),
            g.count()
        );
        for r in &g.rules {
            let _ = writeln!(
                h,
                "<h4 style=\"{CSS_H4}\">规则：{}（{} 条）</h4>",
                esc_html(&clean(r.name)),
                r.alerts.len()
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                html_alert(&mut h, *seq, a);
            }
            if rest > 0 {
                let _ = writeln!(
                    h,
                    "<p style=\"{CSS_FIELD}color:#666;\">{}</p>",
                    unlisted_in_rule(rest)
                );
            }
        }
    }

    // 三、信息源状况
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">三、信息源状况</h2>");
    let _ = writeln!(
        h,
        "<p style=\"{CSS_FIELD}\">{}</p>",
        esc_html(&v.source_summary(d))
    );
    if v.gaps.is_empty() {
        let _ = writeln!(h, "<p style=\"{CSS_FIELD}\">{ALL_SOURCES_OK}</p>");
    } else {
        let _ = writeln!(
            h,
            "<div style=\"overflow-x:auto;\"><table style=\"{CSS_TABLE}\">\n<tr>\
<th style=\"{CSS_TH}\">信息源</th><th style=\"{CSS_TH}\">状态</th><th style=\"{CSS_TH}\">最近成功</th>\
<th style=\"{CSS_TH}\">近24小时文章</th><th style=\"{CSS_TH}\">最近错误</th></tr>"
        );
        for s in &v.gaps {
            let _ = writeln!(
                h,
                "<tr><td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td>\
<td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td></tr>",
                esc_html(&source_name(s)),
                esc_html(&clean(source_status_label(&s.status))),
                esc_html(&fmt_opt_time(s.last_success.as_deref())),
                s.articles_24h,
                esc_html(&clean(s.last_error.as_deref().unwrap_or("—"))),
            );
        }
        h.push_str("</table></div>\n");
    }

    let _ = writeln!(
        h,
        "<p style=\"{CSS_SIGN}\">填报人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿</p>\n</div>\n</body>\n</html>"
    );
    h
}

fn source_name(s: &DigestSource) -> String {
    let n = clean(&s.name);
    if n.trim().is_empty() { clean(&s.id) } else { n }
}

fn html_alert(h: &mut String, seq: usize, a: &DigestAlert) {
    let title = esc_html(&title_text(a));
    let _ = write!(
        h,
        "<div style=\"{CSS_CARD}\">\n<p style=\"{CSS_FIELD}font-size:15px;\"><strong>{seq}. "
    );
    match safe_url(&a.url) {
        Some(u) => {
            let _ = write!(
                h,
                "<a href=\"{}\" style=\"color:#1a4fa0;\">{title}</a>",
                esc_html(u)
            );
        }
        None => h.push_str(&title),
    }
    h.push_str("</strong></p>\n");
    let mut fields: Vec<(&str, String)> = vec![
        ("来源", clean(&a.source_name)),
        ("发布时间", fmt_opt_time(a.published.as_deref())),
        ("命中词", matched_text(a)),
        ("状态", status_label(&a.status).to_string()),
    ];
    if let Some(r) = reprint_line(a) {
        fields.push(("转载数", r));
    }
    if let Some(n) = note_text(a) {
        fields.push(("备注", n));
    }
    for (k, val) in fields {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}\"><span style=\"color:#666;\">{k}：</span>{}</p>",
            esc_html(&val)
        );
    }
    let segs = snippet_segments(&a.snippet, &a.highlights);
    if !segs.is_empty() {
        let _ = write!(h, "<p style=\"{CSS_SNIPPET}\">");
        for (s, hl) in segs {
            if hl {
                let _ = write!(h, "<mark style=\"{CSS_MARK}\">{}</mark>", esc_html(&s));
            } else {
                h.push_str(&esc_html(&s));
            }
        }
        h.push_str("</p>\n");
    }
    if safe_url(&a.url).is_none() && !a.url.trim().is_empty() {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}color:#666;\">链接（未启用）：{}</p>",
            esc_html(&clean(&a.url))
        );
    }
    h.push_str("</div>\n");
}

// ---------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------

/// Backslash-escapes Markdown-significant ASCII punctuation in crawled text.
fn esc_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Makes a URL safe inside `( … )` of a Markdown link by percent-encoding delimiters.
fn md_url(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        match c {
            ' ' | '<' | '>' | '(' | ')' | '"' | '\\' | '`' | '[' | ']' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn render_md(d: &Digest) -> String {
    let v = View::new(d);
    let mut m = String::with_capacity(4096 + d.alerts.len() * 512);
    let _ = writeln!(m, "# {}\n", esc_md(&d.title));
    let _ = writeln!(m, "- **日期**：{}", fmt_date(d.date));
    let _ = writeln!(m, "- **统计时段**：{}", esc_md(&window_line(d)));
    let _ = writeln!(
        m,
        "- **生成时间**：{}\n",
        esc_md(&fmt_cn_time(&d.generated_at))
    );

    m.push_str("## 一、总体情况\n\n");
    if d.alerts.is_empty() {
        let _ = writeln!(m, "**{EMPTY_LINE}**\n");
    } else {
        let _ = writeln!(
            m,
            "本时段共产生预警 **{}** 条，其中待处理（新）{} 条，已处理 {} 条。\n",
            d.alerts.len(),
            v.new_count,
            v.reviewed_count
        );
        let _ = writeln!(m, "- 按级别：{}", esc_md(&v.level_summary()));
        let _ = writeln!(m, "- 按规则：{}", esc_md(&v.rule_summary()));
        let _ = writeln!(m, "- 按状态：{}\n", esc_md(&v.status_summary()));
    }

    m.push_str("## 二、预警详情\n\n");
    if d.alerts.is_empty() {
        let _ = writeln!(m, "{EMPTY_LINE}\n");
    }
    if let Some(n) = unlisted_notice(d) {
        let _ = writeln!(m, "**{}**\n", esc_md(&n));
    }
    for g in &v.groups {
        let _ = writeln!(m, "### {}级预警（{} 条）\n", esc_md(g.label), g.count());
        for r in &g.rules {
            let _ = writeln!(
                m,
                "#### 规则：{}（{} 条）\n",
                esc_md(r.name),
                r.alerts.len()
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                md_alert(&mut m, *seq, a);
            }
            if rest > 0 {
                let _ = writeln!(m, "{}\n", esc_md(&unlisted_in_rule(rest)));
            }
        }
    }

    m.push_str("## 三、信息源状况\n\n");
    let _ = writeln!(m, "{}\n", esc_md(&v.source_summary(d)));
    if v.gaps.is_empty() {
        let _ = writeln!(m, "{ALL_SOURCES_OK}\n");
    } else {
        m.push_str("| 信息源 | 状态 | 最近成功 | 近24小时文章 | 最近错误 |\n");
        m.push_str("| --- | --- | --- | ---: | --- |\n");
        for s in &v.gaps {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                esc_md(&source_name(s)),
                esc_md(source_status_label(&s.status)),
                esc_md(&fmt_opt_time(s.last_success.as_deref())),
                s.articles_24h,
                esc_md(s.last_error.as_deref().unwrap_or("—")),
            );
        }
        m.push('\n');
    }
    m.push_str("填报人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿\n");
    m
}

fn md_alert(m: &mut String, seq: usize, a: &DigestAlert) {
    let title = esc_md(&title_text(a));
    match safe_url(&a.url) {
        Some(u) => {
            let _ = writeln!(m, "{seq}. **[{title}]({})**", md_url(u));
        }
        None => {
            let _ = writeln!(m, "{seq}. **{title}**");
        }
    }
    let _ = writeln!(m, "   - 来源：{}", esc_md(&a.source_name));
    let _ = writeln!(
        m,
        "   - 发布时间：{}",
        esc_md(&fmt_opt_time(a.published.as_deref()))
    );
    let _ = writeln!(m, "   - 命中词：{}", esc_md(&matched_text(a)));
    let segs = snippet_segments(&a.snippet, &a.highlights);
    if !segs.is_empty() {
        let mut s = String::new();
        for (t, hl) in segs {
            let t = esc_md(&t);
            if hl {
                // Emphasis markers must hug non-space text to take effect.
                let lead = &t[..t.len() - t.trim_start().len()];
                let trail = &t[t.trim_end().len()..];
                let core = t.trim();
                if core.is_empty() {
                    s.push_str(&t);
                } else {
                    let _ = write!(s, "{lead}**{core}**{trail}");
                }
            } else {
                s.push_str(&t);
            }
        }
        let _ = writeln!(m, "   - 摘要：{s}");
    }
    let _ = writeln!(m, "   - 状态：{}", esc_md(status_label(&a.status)));
    if let Some(r) = reprint_line(a) {
        let _ = writeln!(m, "   - 转载数：{}", esc_md(&r));
    }
    if let Some(n) = note_text(a) {
        let _ = writeln!(m, "   - 备注：{}", esc_md(&n));
    }
    if safe_url(&a.url).is_none() && !a.url.trim().is_empty() {
        let _ = writeln!(m, "   - 链接（未启用）：{}", esc_md(&a.url));
    }
    m.push('\n');
}

// ---------------------------------------------------------------------------
// XLSX
// ---------------------------------------------------------------------------

/// Excel's cell limit is 32,767 UTF-16 units; stay well under it.
fn xl_text(s: &str) -> String {
    let s = clean(s);
    if s.chars().count() > 30_000 {
        let mut t: String = s.chars().take(30_000).collect();
        t.push('…');
        t
    } else {
        s
    }
}

fn render_xlsx(d: &Digest) -> Result<Vec<u8>, DigestError> {
    use rust_xlsxwriter::{Format as XFormat, FormatAlign, Url, Workbook};

    let v = View::new(d);
    let mut wb = Workbook::new();
    let header = XFormat::new()
        .set_bold()
        .set_background_color(0xE7E6E6)
        .set_align(FormatAlign::Center);
    let wrap = XFormat::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = XFormat::new().set_align(FormatAlign::Top);

    {
        let ws = wb.add_worksheet();
        ws.set_name("预警")?;
        let cols: [(&str, f64); 11] = [
            ("序号", 6.0),
            ("级别", 6.0),
            ("规则", 16.0),
            ("标题", 48.0),
            ("来源", 16.0),
            ("发布时间", 17.0),
            ("链接", 40.0),
            ("命中词", 20.0),
            ("状态", 8.0),
            ("备注", 28.0),
            ("转载数", 8.0),
        ];
        for (i, (name, width)) in cols.iter().enumerate() {
            let c = i as u16;
            ws.write_string_with_format(0, c, *name, &header)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if v.ordered.is_empty() {
            ws.write_string(1, 0, EMPTY_LINE)?;
        }
        for (i, (seq, a)) in v.ordered.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_number_with_format(r, 0, *seq as f64, &top)?;
            ws.write_string_with_format(r, 1, level_label(&a.level), &top)?;
            ws.write_string_with_format(r, 2, xl_text(rule_display(a)), &wrap)?;
            ws.write_string_with_format(r, 3, xl_text(&title_text(a)), &wrap)?;
            ws.write_string_with_format(r, 4, xl_text(&a.source_name), &wrap)?;
            ws.write_string_with_format(r, 5, fmt_opt_time(a.published.as_deref()), &top)?;
            let url = xl_text(&a.url);
            let linked = match safe_url(&url) {
                Some(u) if is_web_url(u) => {
                    ws.write_url_with_format(r, 6, Url::new(u), &top).is_ok()
                }
                _ => false,
            };
            if !linked {
                ws.write_string_with_format(r, 6, url, &top)?;
            }
            ws.write_string_with_format(r, 7, xl_text(&matched_text(a)), &wrap)?;
            ws.write_string_with_format(r, 8, status_label(&a.status), &top)?;
            ws.write_string_with_format(r, 9, xl_text(&note_text(a).unwrap_or_default()), &wrap)?;
            ws.write_number_with_format(r, 10, a.cluster_size as f64, &top)?;
        }
    }

    {
        let ws = wb.add_worksheet();
        ws.set_name("信息源")?;
        let cols: [(&str, f64); 6] = [
            ("信息源ID", 18.0),
            ("名称", 20.0),
            ("状态", 14.0),
            ("最近成功", 17.0),
            ("近24小时文章数", 14.0),
            ("最近错误", 50.0),
        ];
        for (i, (name, width)) in cols.iter().enumerate() {
            let c = i as u16;
            ws.write_string_with_format(0, c, *name, &header)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        // Coverage gaps first, then healthy sources.
        let mut sources: Vec<&DigestSource> = d.sources.iter().collect();
        sources.sort_by_key(|s| source_status_rank(&s.status));
        for (i, s) in sources.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_string_with_format(r, 0, xl_text(&s.id), &top)?;
            ws.write_string_with_format(r, 1, xl_text(&s.name), &top)?;
            ws.write_string_with_format(r, 2, source_status_label(&s.status), &top)?;
            ws.write_string_with_format(r, 3, fmt_opt_time(s.last_success.as_deref()), &top)?;
            ws.write_number_with_format(r, 4, s.articles_24h as f64, &top)?;
            ws.write_string_with_format(
                r,
                5,
                xl_text(s.last_error.as_deref().unwrap_or("")),
                &wrap,
            )?;
        }
    }

    Ok(wb.save_to_buffer()?)
}

// ---------------------------------------------------------------------------
// DOCX (公文-style)
// ---------------------------------------------------------------------------

const HEITI: &str = "黑体";
const FANGSONG: &str = "仿宋";
const KAITI: &str = "楷体";
/// 二号 = 22pt, in half-points.
const SIZE_ERHAO: usize = 44;
/// 三号 = 16pt, in half-points.
const SIZE_SANHAO: usize = 32;
/// 小四 = 12pt, in half-points (tables).
const SIZE_XIAOSI: usize = 24;
/// Fixed line pitch of 28pt (twips), the usual 公文 grid.
const LINE_PITCH: i32 = 560;
/// Two 三号 characters (twips), the first-line indent of body text.
const INDENT_2CH: i32 = 640;

fn docx_render_err<E: std::error::Error + Send + Sync + 'static>(e: E) -> DigestError {
    DigestError::Docx(Box::new(e))
}

fn render_docx(d: &Digest) -> Result<Vec<u8>, DigestError> {
    use docx_rs::{
        AlignmentType, Docx, Hyperlink, HyperlinkType, LineSpacing, LineSpacingType, PageMargin,
        Paragraph, Run, RunFonts, SpecialIndentType, Table, TableAlignmentType, TableCell,
        TableRow, WidthType,
    };

    let fonts = |ea: &str| {
        RunFonts::new()
            .east_asia(ea)
            .ascii("Times New Roman")
            .hi_ansi("Times New Roman")
    };
    let run = |text: &str, font: &str| {
        Run::new()
            .add_text(text)
            .fonts(fonts(font))
            .size(SIZE_SANHAO)
    };
    let body_para = || {
        Paragraph::new()
            .align(AlignmentType::Both)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(LINE_PITCH),
            )
            .indent(
                None,
                Some(SpecialIndentType::FirstLine(INDENT_2CH)),
                None,
                None,
            )
    };
    let text_para = |text: &str| body_para().add_run(run(text, FANGSONG));
    let field_para = |label: &str, text: &str| {
        body_para()
            .add_run(run(&format!("{label}："), FANGSONG).bold())
            .add_run(run(text, FANGSONG))
    };
    let heading = |text: &str| body_para().keep_next(true).add_run(run(text, HEITI));
    let sub_heading = |text: &str| body_para().keep_next(true).add_run(run(text, KAITI));

    let v = View::new(d);
    let mut doc = Docx::new()
        .page_size(11906, 16838) // A4
        .page_margin(
            PageMargin::new()
                .top(2098) // 37mm
                .bottom(1984) // 35mm
                .left(1587) // 28mm
                .right(1474) // 26mm
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(SIZE_SANHAO);

    // Title: 二号黑体, centred.
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(200))
            .add_run(
                Run::new()
                    .add_text(clean(&d.title))
                    .fonts(fonts(HEITI))
                    .size(SIZE_ERHAO),
            ),
    );
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run(&format!("（{}）", fmt_date(d.date)), FANGSONG)),
    );
    doc = doc
        .add_paragraph(field_para("统计时段", &window_line(d)))
        .add_paragraph(field_para("生成时间", &fmt_cn_time(&d.generated_at)));

    // 一、总体情况
    doc = doc.add_paragraph(heading("一、总体情况"));
    if d.alerts.is_empty() {
        doc = doc.add_paragraph(text_para(EMPTY_LINE));
    } else {
        doc = doc
            .add_paragraph(text_para(&format!(
                "本时段共产生预警 {} 条，其中待处理（新）{} 条，已处理 {} 条。",
                d.alerts.len(),
                v.new_count,
                v.reviewed_count
            )))
            .add_paragraph(text_para(&format!("按级别：{}。", v.level_summary())))
            .add_paragraph(text_para(&format!("按规则：{}。", v.rule_summary())))
            .add_paragraph(text_para(&format!("按状态：{}。", v.status_summary())));
    }

    // 二、预警详情
    doc = doc.add_paragraph(heading("二、预警详情"));
    if d.alerts.is_empty() {
        doc = doc.add_paragraph(text_para(EMPTY_LINE));
    }
    if let Some(n) = unlisted_notice(d) {
        doc = doc.add_paragraph(text_para(&n));
    }
    for (gi, g) in v.groups.iter().enumerate() {
        doc = doc.add_paragraph(sub_heading(&format!(
            "（{}）{}级预警（{} 条）",
            cn_numeral(gi + 1),
            clean(g.label),
            g.count()
        )));
        for r in &g.rules {
            doc = doc.add_paragraph(
                body_para().keep_next(true).add_run(
                    run(
                        &format!("规则：{}（{} 条）", clean(r.name), r.alerts.len()),
                        FANGSONG,
                    )
                    .bold(),
                ),
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                let title = title_text(a);
                let mut p = body_para()
                    .keep_next(true)
                    .add_run(run(&format!("{seq}. "), FANGSONG).bold());
                p = match safe_url(&a.url) {
                    Some(u) => p.add_hyperlink(
                        Hyperlink::new(u, HyperlinkType::External).add_run(
                            run(&title, FANGSONG)
                                .bold()
                                .color("1A4FA0")
                                .underline("single"),
                        ),
                    ),
                    None => p.add_run(run(&title, FANGSONG).bold()),
                };
                doc = doc.add_paragraph(p);
                doc = doc.add_paragraph(field_para(
                    "来源",
                    &format!(
                        "{}　发布时间：{}　状态：{}",
                        clean(&a.source_name),
                        fmt_opt_time(a.published.as_deref()),
                        status_label(&a.status)
                    ),
                ));
                doc = doc.add_paragraph(field_para("命中词", &matched_text(a)));
                let segs = snippet_segments(&a.snippet, &a.highlights);
                if !segs.is_empty() {
                    let mut p = body_para().add_run(run("摘要：", FANGSONG).bold());
                    for (s, hl) in segs {
                        p = p.add_run(if hl {
                            run(&s, FANGSONG).bold().highlight("yellow")
                        } else {
                            run(&s, FANGSONG)
                        });
                    }
                    doc = doc.add_paragraph(p);
                }
                if let Some(rp) = reprint_line(a) {
                    doc = doc.add_paragraph(field_para("转载数", &rp));
                }
                if let Some(n) = note_text(a) {
                    doc = doc.add_paragraph(field_para("备注", &n));
                }
                if !a.url.trim().is_empty() {
                    doc = doc.add_paragraph(field_para("链接", &clean(&a.url)));
                }
            }
            if rest > 0 {
                doc = doc.add_paragraph(text_para(&unlisted_in_rule(rest)));
            }
        }
    }

    // 三、信息源状况
    doc = doc
        .add_paragraph(heading("三、信息源状况"))
        .add_paragraph(text_para(&v.source_summary(d)));
    if v.gaps.is_empty() {
        doc = doc.add_paragraph(text_para(ALL_SOURCES_OK));
    } else {
        let cell = |text: &str, bold: bool, width: usize| {
            let mut r = Run::new()
                .add_text(text)
                .fonts(fonts(if bold { HEITI } else { FANGSONG }))
                .size(SIZE_XIAOSI);
            if bold {
                r = r.bold();
            }
            TableCell::new()
                .width(width, WidthType::Dxa)
                .add_paragraph(Paragraph::new().add_run(r))
        };
        // Text width of A4 minus margins = 8845 twips.
        let widths = [2000usize, 1500, 1900, 1045, 2400];
        let header = ["信息源", "状态", "最近成功", "近24小时", "最近错误"];
        let mut rows = vec![TableRow::new(
            header
                .iter()
                .zip(widths)
                .map(|(h, w)| cell(h, true, w))
                .collect(),
        )];
        for s in &v.gaps {
            let vals = [
                source_name(s),
                source_status_label(&s.status).to_string(),
                fmt_opt_time(s.last_success.as_deref()),
                s.articles_24h.to_string(),
                clean(s.last_error.as_deref().unwrap_or("—")),
            ];
            rows.push(TableRow::new(
                vals.iter()
                    .zip(widths)
                    .map(|(t, w)| cell(t, false, w))
                    .collect(),
            ));
        }
        doc = doc.add_table(
            Table::new(rows)
                .set_grid(widths.to_vec())
                .align(TableAlignmentType::Center),
        );
    }

    doc = doc
        .add_paragraph(Paragraph::new())
        .add_paragraph(body_para().add_run(run("填报人：　　　　　　　　审核人：", FANGSONG)));

    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).map_err(docx_render_err)?;
    Ok(buf.into_inner())
}

fn cn_numeral(n: usize) -> String {
    const D: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match n {
        0..=10 => D[n].to_string(),
        11..=19 => format!("十{}", D[n - 10]),
        _ => n.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests;
