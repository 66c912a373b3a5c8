//! Title, publication time and author for the generic path: `<meta>` tags first,
//! then the page lines around the title and the main block.

use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use regex::Regex;
use scraper::{Html, Selector};

use super::layout::{Layout, Line, inline_text};
use crate::crawl::dates::{find_datetime, parse_datetime};

/// Lines before the main block searched for the date/byline when no title line is found.
const LOOK_BEFORE: usize = 8;
/// Lines after the main block searched for the date/byline.
const LOOK_AFTER: usize = 8;

/// `content` of the first `<meta>` whose `property`/`name`/`itemprop` is one of
/// `keys` (case-insensitive), in the order of `keys`.
pub(crate) fn meta_content(doc: &Html, keys: &[&str]) -> Option<String> {
    let sel = Selector::parse("meta[content]").ok()?;
    let metas: Vec<(String, &str)> = doc
        .select(&sel)
        .filter_map(|m| {
            let el = m.value();
            let key = el
                .attr("property")
                .or_else(|| el.attr("name"))
                .or_else(|| el.attr("itemprop"))?;
            Some((key.trim().to_ascii_lowercase(), el.attr("content")?))
        })
        .collect();
    keys.iter().find_map(|k| {
        metas
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(k))
            .find_map(|(_, v)| {
                let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
                (!v.is_empty()).then_some(v)
            })
    })
}

/// Removes a trailing `_频道_站点名` / `-站点名` / `|站点` from a `<title>`.
fn strip_site_suffix(title: &str) -> String {
    const SEPS: &[char] = &['_', '|', '｜', '-', '－', '—', '–', '·'];
    let mut t = title.trim().to_string();
    while let Some(pos) = t.rfind(SEPS) {
        let head = t[..pos].trim();
        let tail_len = t[pos..].trim_start_matches(SEPS).trim().chars().count();
        let head_len = head.chars().count();
        if head_len < 5 || head_len < tail_len {
            break;
        }
        t = head.trim_end_matches(SEPS).trim().to_string();
    }
    t
}

/// Share of `a`'s characters (multiset) that also occur in `b`, relative to the longer.
/// Cheap for unequal lengths: the score is at most shorter/longer, so lines much
/// longer or shorter than the title (most of a page) are rejected without counting.
fn similarity(a: &str, b: &str) -> f64 {
    let mut pool: Vec<char> = b.chars().filter(|c| !c.is_whitespace()).collect();
    let a: Vec<char> = a.chars().filter(|c| !c.is_whitespace()).collect();
    let longest = a.len().max(pool.len());
    if longest == 0 || a.len().min(pool.len()) * 2 < longest {
        return 0.0;
    }
    let mut common = 0usize;
    for c in &a {
        if let Some(i) = pool.iter().position(|p| p == c) {
            pool.swap_remove(i);
            common += 1;
        }
    }
    common as f64 / longest as f64
}

/// `og:title`, else the heading that best matches `<title>`, else `<title>` without
/// its site suffix.
pub(crate) fn title(doc: &Html, page: &Layout) -> Option<String> {
    if let Some(t) = meta_content(doc, &["og:title"]) {
        return Some(t);
    }
    let raw = Selector::parse("title")
        .ok()
        .and_then(|s| doc.select(&s).next())
        .map(|e| inline_text(*e))
        .unwrap_or_default();
    let cleaned = strip_site_suffix(&raw);
    if let Some(h) = best_heading(page, &raw, &cleaned) {
        return Some(h);
    }
    if !cleaned.is_empty() {
        return Some(cleaned);
    }
    page.lines
        .iter()
        .find(|l| l.heading == 1)
        .map(|l| l.text.clone())
}

fn best_heading(page: &Layout, raw: &str, cleaned: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    page.lines
        .iter()
        .filter(|l| l.heading > 0 && l.heading <= 3 && l.text.chars().count() >= 4)
        .take(60)
        .map(|l| {
            let contained = raw.contains(l.text.as_str()) || l.text.contains(cleaned);
            let sim = similarity(&l.text, cleaned).max(if contained { 0.9 } else { 0.0 });
            (sim - 0.01 * f64::from(l.heading), l)
        })
        .filter(|(sim, _)| *sim >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, l)| l.text.clone())
}

/// The headline line used to anchor the main-text search: a heading that shows the
/// title, else the first non-link, non-boilerplate line that does.
pub(crate) fn anchor_line(page: &Layout, title: Option<&str>) -> Option<usize> {
    let title = title?;
    let matches: Vec<usize> = page
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            let n = l.text.chars().count();
            (4..=200).contains(&n)
                // Boilerplate class names are a hint: a heading inside one still counts.
                && (!l.noise || l.heading > 0)
                && l.link_chars < l.chars
                && (l.text == title || similarity(&l.text, title) >= 0.8)
        })
        .map(|(i, _)| i)
        .collect();
    matches
        .iter()
        .copied()
        .find(|&i| page.lines[i].heading > 0)
        .or_else(|| matches.first().copied())
}

/// A line that belongs to the article header rather than its text: the headline,
/// or a short line with the date, source or byline.
pub(crate) fn is_header_line(
    l: &Line,
    title: Option<&str>,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> bool {
    let n = l.chars + l.link_chars;
    if title.is_some_and(|t| l.text == t || (n <= 200 && similarity(&l.text, t) >= 0.8)) {
        return true;
    }
    n <= 80
        && (find_datetime(&l.text, tz, now).is_some()
            || l.text.contains("来源")
            || AUTHOR_RES
                .iter()
                .any(|re| re.find(&l.text).is_some_and(|m| m.start() == 0)))
}

/// Index of the line that shows the title, if any.
fn title_line(page: &Layout, title: Option<&str>, start: usize) -> Option<usize> {
    let title = title?;
    let candidates = page.lines.iter().enumerate().filter(|(_, l)| {
        let n = l.text.chars().count();
        (4..=200).contains(&n) && (l.text == title || similarity(&l.text, title) >= 0.8)
    });
    // The last match before the main block (a headline right above the text), else the first.
    let all: Vec<usize> = candidates.map(|(i, _)| i).collect();
    all.iter()
        .copied()
        .rfind(|&i| i <= start)
        .or_else(|| all.first().copied())
}

/// The line window where the date/byline usually is: from the title line (or a
/// few lines above the main block) to just inside it.
fn window(page: &Layout, title: Option<&str>, start: usize) -> (usize, usize) {
    let from = title_line(page, title, start)
        .filter(|&t| t <= start && start - t <= 40)
        .unwrap_or(start.saturating_sub(LOOK_BEFORE));
    (from, (start + 3).min(page.lines.len()))
}

fn text_of(page: &Layout, from: usize, to: usize, only_meta: bool) -> String {
    let to = to.min(page.lines.len());
    let from = from.min(to);
    page.lines[from..to]
        .iter()
        .filter(|l| !only_meta || l.meta_hint)
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Publication time: meta tags, then the lines around the title and main block.
pub(crate) fn published(
    doc: &Html,
    page: &Layout,
    title: Option<&str>,
    start: usize,
    end: usize,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    const KEYS: &[&str] = &[
        "article:published_time",
        "og:article:published_time",
        "publishdate",
        "pubdate",
        "publish_date",
        "publishtime",
        "datepublished",
        "og:release_date",
        "article:created_time",
        "dc.date.issued",
        "dc.date",
        "weibo: article:create_at",
    ];
    let from_meta = meta_content(doc, KEYS)
        .and_then(|v| parse_datetime(&v, tz, now).or_else(|| find_datetime(&v, tz, now)));
    let (from, to) = window(page, title, start);
    let n = page.lines.len();
    let tail_from = end.saturating_sub(3).max(start);
    let tries = [
        (from, to, true),
        (from, to, false),
        (tail_from, end + LOOK_AFTER, false),
        (0, n, true),
        (start, end, false),
    ];
    let mut from_page = tries
        .iter()
        .map(|&(a, b, only_meta)| text_of(page, a, b, only_meta));
    match from_meta {
        // A date-only meta value: take the time from the page when it shows the same day.
        Some(dt) if dt.time() == chrono::NaiveTime::MIN => Some(
            from_page
                .find_map(|t| find_datetime(&t, tz, now))
                .filter(|p| p.date_naive() == dt.date_naive())
                .unwrap_or(dt),
        ),
        Some(dt) => Some(dt),
        None => from_page.find_map(|t| find_datetime(&t, tz, now)),
    }
}

static AUTHOR_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"作\s*者\s*(?:[:：]\s*|\s+)",
        r"记\s*者\s*(?:[:：]\s*|\s+)",
        r"(?:^|[\s（(【\[])文\s*[/／|｜:：]\s*",
        r"(?:责任编辑|责编)\s*[:：]\s*",
        r"编\s*辑\s*[:：]\s*",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("valid author label regex"))
    .collect()
});

/// Words that start the next field rather than continue a list of names.
const FIELD_WORDS: &[&str] = &[
    "来源", "时间", "发布", "日期", "编辑", "责任", "点击", "浏览", "阅读", "字号", "出处", "作者",
    "记者", "发表", "发帖", "声明", "时间",
];

/// The name(s) right after a label: up to whitespace or punctuation; further
/// space-separated 2–4 character names are kept (`王某 张某`).
fn name_after(rest: &str) -> Option<String> {
    let is_stop = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '，' | '。'
                    | '、'
                    | '；'
                    | '：'
                    | ':'
                    | ','
                    | ';'
                    | '！'
                    | '？'
                    | '!'
                    | '?'
                    | '('
                    | ')'
                    | '（'
                    | '）'
                    | '['
                    | ']'
                    | '【'
                    | '】'
                    | '|'
                    | '｜'
                    | '<'
                    | '>'
                    | '/'
                    | '"'
                    | '“'
                    | '”'
            )
    };
    let first: String = rest.chars().take_while(|&c| !is_stop(c)).take(20).collect();
    if first.is_empty() || first.contains('=') || FIELD_WORDS.iter().any(|w| first.starts_with(w)) {
        return None;
    }
    let is_han = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || c == '·')
    };
    let mut names = vec![first.clone()];
    let mut tail = &rest[first.len()..];
    loop {
        let trimmed = tail.trim_start_matches([' ', '\u{3000}', '、']);
        if trimmed.len() == tail.len() {
            break;
        }
        let next: String = trimmed.chars().take_while(|&c| !is_stop(c)).collect();
        let n = next.chars().count();
        let followed_by_colon = trimmed[next.len()..].starts_with([':', '：']);
        if !is_han(&next) || followed_by_colon || FIELD_WORDS.iter().any(|w| next.starts_with(w)) {
            break;
        }
        let single = names.len() == 1;
        match names.last_mut() {
            // `赵  培`: a two-character name padded with spaces.
            Some(last) if single && last.chars().count() == 1 && is_han(last) && n == 1 => {
                last.push_str(&next)
            }
            _ if (2..=4).contains(&n) => names.push(next.clone()),
            _ => break,
        }
        tail = &trimmed[next.len()..];
    }
    Some(names.join(" "))
}

/// Removes a leading `作者：` style label from a selector's text.
pub(crate) fn strip_author_label(s: &str) -> String {
    let s = s.trim();
    for re in AUTHOR_RES.iter() {
        if let Some(m) = re.find(s)
            && m.start() == 0
        {
            return name_after(&s[m.end()..]).unwrap_or_default();
        }
    }
    s.to_string()
}

fn author_in(text: &str) -> Option<String> {
    AUTHOR_RES.iter().find_map(|re| {
        re.find_iter(text)
            .find_map(|m| name_after(&text[m.end()..]))
    })
}

/// Author: `<meta name=author>`, else a `作者：`/`记者：`/`编辑：` label near the
/// title and main block, else anywhere on the page.
pub(crate) fn author(
    doc: &Html,
    page: &Layout,
    title: Option<&str>,
    start: usize,
    end: usize,
) -> Option<String> {
    if let Some(a) = meta_content(doc, &["author", "article:author"])
        && a.chars().count() <= 30
        && !a.contains([',', '，', '.', '/', '='])
    {
        return Some(a);
    }
    let (from, _) = window(page, title, start);
    author_in(&text_of(page, from, end + LOOK_AFTER, false))
        .or_else(|| author_in(&text_of(page, 0, page.lines.len(), false)))
}
