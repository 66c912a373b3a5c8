//! Text helpers shared by the digest renderers: counts, times, links, snippets, cleaning.

use super::*;

/// The line under 二、预警详情 when some alerts are only counted.
pub(super) fn unlisted_notice(d: &Digest) -> Option<String> {
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
pub(super) fn unlisted_in_rule(n: usize) -> String {
    format!("（本规则另有 {n} 条未详列，见 Excel 版日报）")
}

pub(super) fn join_counts(items: &[(&str, usize)], unit: &str) -> String {
    items
        .iter()
        .map(|(k, n)| format!("{k} {n} {unit}"))
        .collect::<Vec<_>>()
        .join("，")
}

/// Removes characters that are not allowed in XML 1.0 (and are meaningless in a report),
/// and folds line breaks into spaces for single-line fields.
pub(super) fn clean(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            '\u{FFFE}' | '\u{FFFF}' => None,
            c => Some(c),
        })
        .collect()
}

/// Longest text written into one spreadsheet cell, in characters: Excel holds 32,767.
pub const MAX_CELL_CHARS: usize = 32_000;

/// Text for one XLSX cell: characters XML cannot hold removed, line breaks folded, and cut to
/// [`MAX_CELL_CHARS`] with a visible marker (a longer cell makes the whole file fail).
pub fn xlsx_cell(s: &str) -> String {
    let s = clean(s);
    let n = s.chars().count();
    if n <= MAX_CELL_CHARS {
        return s;
    }
    let mut t: String = s.chars().take(MAX_CELL_CHARS).collect();
    t.push_str(&format!("…（已截断，原文 {n} 字）"));
    t
}

pub(super) fn parse_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        // Shown in the zone it was written in: the app writes the configured `timezone`.
        return Some(t.naive_local());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t);
        }
    }
    None
}

/// `2026年11月25日 08:00`; unparseable input is returned cleaned as-is.
pub(super) fn fmt_cn_time(s: &str) -> String {
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
pub(super) fn fmt_short_time(s: &str) -> String {
    match parse_time(s) {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => clean(s),
    }
}

pub(super) fn fmt_opt_time(s: Option<&str>) -> String {
    match s {
        Some(s) if !s.trim().is_empty() => fmt_short_time(s),
        _ => "—".to_string(),
    }
}

pub(super) fn fmt_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `2026年12月2日 08:00 至 2026年12月3日 08:00`, and `（未截止，截至 23:25）` while the window
/// is still open when the digest is made.
pub(super) fn window_line(d: &Digest) -> String {
    let mut s = format!(
        "{} 至 {}",
        fmt_cn_time(&d.window_start),
        fmt_cn_time(&d.window_end)
    );
    if let (Some(made), Some(end)) = (parse_time(&d.generated_at), parse_time(&d.window_end))
        && made < end
    {
        let _ = write!(s, "（未截止，截至 {}）", made.format("%H:%M"));
    }
    s
}

/// What the summary adds below the counts: how many were dismissed, and the overdue items.
pub(super) fn summary_notes(d: &Digest) -> Vec<String> {
    let mut out = Vec::new();
    if d.dismissed > 0 {
        out.push(format!(
            "另有 {} 条预警已标记为忽略，未列入本日报。",
            d.dismissed
        ));
    }
    if !d.overdue.is_empty() {
        out.push(format!("交办已超期 {} 条：", d.overdue.len()));
        out.extend(d.overdue.iter().map(|l| format!("· {}", clean(l))));
    }
    out
}

pub(super) use crate::text::link::safe_link as safe_url;

/// Splits the snippet into (text, highlighted) segments using char offsets; offsets are
/// clamped, sorted and merged so bad input never panics.
pub(super) fn snippet_segments(snippet: &str, highlights: &[[usize; 2]]) -> Vec<(String, bool)> {
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

pub(super) fn reprint_line(a: &DigestAlert) -> Option<String> {
    if a.cluster_size <= 1 {
        return None;
    }
    let mut s = format!("{} 篇（首发：{}", a.cluster_size - 1, clean(&a.source_name));
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

pub(super) fn note_text(a: &DigestAlert) -> Option<String> {
    a.note
        .as_deref()
        .map(clean)
        .filter(|n| !n.trim().is_empty())
}

pub(super) fn matched_text(a: &DigestAlert) -> String {
    a.matched
        .iter()
        .map(|m| clean(m))
        .collect::<Vec<_>>()
        .join("、")
}

pub(super) fn title_text(a: &DigestAlert) -> String {
    let t = clean(&a.title);
    if t.trim().is_empty() {
        "（无标题）".to_string()
    } else {
        t
    }
}

pub(super) fn source_name(s: &DigestSource) -> String {
    let n = clean(&s.name);
    if n.trim().is_empty() { clean(&s.id) } else { n }
}
