//! Chinese (and common web) date/time parsing.
//!
//! [`parse_datetime`] parses one date string in the forms Chinese news sites and
//! WeChat pages use; [`find_datetime`] finds the first plausible date inside free
//! text, preferring one that follows a label such as `发布时间：`.
//!
//! Times without a zone are interpreted in the caller's `tz`; date-only values mean
//! midnight in `tz`. Dates before 1990 or more than a year after `now` are rejected.
//!
//! Sites also print dates relative to the moment the page was served (`3小时前`, `昨天 14:20`,
//! `刚刚`) or without a year (`11-13 08:00`, `11月13日`). Both are resolved against `now`, the
//! fetch time: relative forms count back from it in `tz`, and a date without a year takes the
//! most recent year in which it is not more than a day ahead of `now`.

use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
};
use chrono_tz::Tz;
use regex::{Captures, Regex};

/// Earliest year accepted as a publication date.
mod feed;

pub use feed::parse_feed_timestamp;

const MIN_YEAR: i32 = 1990;

/// Optional time part shared by the patterns: `10:30`, `10:30:00`, `10时30分`,
/// `10点30分15秒`, `T10:30:00.123+08:00`, with an optional `上午`/`下午` marker.
const TIME_PART: &str = r"(?:(?:\s*T\s*|[\s,，]*)(?P<ampm>上午|下午|晚上|中午|早上)?\s*(?P<h>\d{1,2})\s*[:：时点點]\s*(?P<mi>\d{1,2})(?:\s*[:：分]\s*(?:(?P<s>\d{1,2})(?:\.\d+)?\s*秒?)?)?(?:\s*(?P<tz>Z|[+-]\d{2}:?\d{2})\b)?)?";

/// Full date with year: `2026-11-25`, `2026/11/25`, `2026.11.25`, `2026年11月25日`.
static FULL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<y>(?:19|20)\d{{2}})\s*(?P<sep>[-/.年])\s*(?P<m>\d{{1,2}})\s*[-/.月]\s*(?P<d>\d{{1,2}})(?:\s*[日号])?{TIME_PART}"
    ))
    .expect("valid full date regex")
});

/// Month and day without a year: `11月25日`, optionally with a time.
static MONTH_DAY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<m>\d{{1,2}})\s*月\s*(?P<d>\d{{1,2}})\s*[日号]{TIME_PART}"
    ))
    .expect("valid month-day regex")
});

/// Month and day with a dash or slash: `11-13 08:00`, `11/13 8:00`. Only taken with a time of
/// day (checked by the callers): a bare `11-13` is too ambiguous in running text.
static NUMERIC_MONTH_DAY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?P<m>\d{{1,2}})\s*[-/]\s*(?P<d>\d{{1,2}}){TIME_PART}"
    ))
    .expect("valid numeric month-day regex")
});

/// Relative days: `今天 10:30`, `昨天`, `前天 08:00`.
const RELATIVE_DAY: &str = r"(?P<rel>今天|今日|昨天|昨日|前天)";

/// Relative offsets: `5分钟前`, `3小时前`, `3个小时前`, `半小时前`, `2天前`, `1周前`, `刚刚`.
const AGO: &str =
    r"(?:(?P<n>\d{1,3}|半)\s*个?\s*(?P<unit>秒钟?|分钟|分|小时|天|日|周|星期)\s*前|(?P<now>刚刚))";

/// A whole string that is a relative day, with an optional time.
static RELATIVE_DAY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^{RELATIVE_DAY}{TIME_PART}$")).expect("valid relative day regex")
});

/// A relative day inside text; only taken with a time of day (`昨天 14:20`, not "昨天下了雨").
static RELATIVE_DAY_IN_TEXT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{RELATIVE_DAY}{TIME_PART}")).expect("valid relative day regex")
});

/// A whole string that is a relative offset.
static AGO_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^{AGO}$")).expect("valid ago regex"));

/// A relative offset inside text (see [`standalone`] for when it counts).
static AGO_IN_TEXT_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(AGO).expect("valid ago regex"));

/// Labels that introduce the publication date in page text.
static LABEL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|发文日期|成文日期|更新时间|时间|日期|发表于|发布于|发布|Published|Date)\s*[:：]?")
        .expect("valid label regex")
});

/// Parses one date/time string (see the module docs for the accepted forms).
pub fn parse_datetime(
    s: &str,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let s = normalize(s);
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let parsed = parse_unix(s)
        .or_else(|| DateTime::parse_from_rfc3339(s).ok())
        .or_else(|| parse_rfc2822(s))
        .or_else(|| parse_anchored(s, tz, now))
        .or_else(|| parse_relative(s, tz, now))?;
    plausible(parsed, now).then_some(parsed)
}

/// Finds the first plausible date inside free text. A date that follows a label
/// such as `发布时间：` or `日期：` wins over an earlier unlabelled one; dates with a
/// year win over forms without one (`11月25日`, `11-25 10:30`), which win over relative
/// forms (`3小时前`, `昨天 14:20`) unless those follow a label.
///
/// Without a label, a year-less date needs a time of day (or the `月日` form); a relative
/// day needs a time (`昨天 14:20`); and a relative form (`昨天 14:20`, `3小时前`, `刚刚`) must
/// stand on its own, between line breaks, spaces or separators such as `|`: in running prose
/// ("昨日8时40分许，……", "2天前，居民反映……") it tells of an event, not the publication.
pub fn find_datetime(
    text: &str,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let text = normalize(text);
    let full_spans: Vec<(usize, usize)> = FULL_RE
        .find_iter(&text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let full: Vec<(usize, DateTime<FixedOffset>)> = FULL_RE
        .captures_iter(&text)
        .filter(|c| boundary_ok(&text, c))
        .filter_map(|c| Some((c.get(0)?.start(), from_captures(&c, true, tz, now)?)))
        .collect();
    let chinese_month_day = MONTH_DAY_RE.captures_iter(&text);
    // `11-25 10:30`: only with a time of day.
    let numeric_month_day = NUMERIC_MONTH_DAY_RE
        .captures_iter(&text)
        .filter(|c| c.name("h").is_some());
    let mut month_day: Vec<(usize, DateTime<FixedOffset>, bool)> = chinese_month_day
        .chain(numeric_month_day)
        .filter(|c| boundary_ok(&text, c))
        .filter(|c| !inside_any(c, &full_spans))
        .filter_map(|c| {
            let start = c.get(0)?.start();
            let has_time = c.name("h").is_some();
            Some((start, from_captures(&c, false, tz, now)?, has_time))
        })
        .collect();
    month_day.sort_by_key(|(start, _, _)| *start);

    // Where each label ends: a date right after one (within a few characters) is labelled.
    let label_ends: Vec<usize> = LABEL_RE.find_iter(&text).map(|l| l.end()).collect();
    let labelled = |start: usize| {
        // The nearest label ending at or before `start` is the one with the smallest gap.
        let i = label_ends.partition_point(|&e| e <= start);
        i > 0
            && text
                .get(label_ends[i - 1]..start)
                .is_some_and(|gap| gap.chars().count() <= 6)
    };
    // Relative forms: (start, time, labelled). Unlabelled ones must stand on their own.
    let token = |c: &Captures<'_>| {
        let m = c.get(0)?;
        let is_labelled = labelled(m.start());
        (is_labelled || standalone(&text, m.start(), m.end())).then_some((m.start(), is_labelled))
    };
    let mut relative: Vec<(usize, DateTime<FixedOffset>, bool)> = RELATIVE_DAY_IN_TEXT_RE
        .captures_iter(&text)
        .filter(|c| c.name("h").is_some())
        .filter_map(|c| {
            let (start, is_labelled) = token(&c)?;
            Some((start, relative_day(&c, tz, now)?, is_labelled))
        })
        .chain(AGO_IN_TEXT_RE.captures_iter(&text).filter_map(|c| {
            let (start, is_labelled) = token(&c)?;
            Some((start, ago(&c, tz, now)?, is_labelled))
        }))
        .filter(|(_, dt, _)| plausible(*dt, now))
        .collect();
    relative.sort_by_key(|(start, _, _)| *start);

    full.iter()
        .find(|(start, _)| labelled(*start))
        .map(|(_, dt)| *dt)
        .or_else(|| {
            relative
                .iter()
                .find(|(_, _, is_labelled)| *is_labelled)
                .map(|(_, dt, _)| *dt)
        })
        .or_else(|| full.first().map(|(_, dt)| *dt))
        .or_else(|| {
            month_day
                .iter()
                .find(|(start, _, _)| labelled(*start))
                .map(|(_, dt, _)| *dt)
        })
        .or_else(|| {
            month_day
                .iter()
                .find(|(_, _, has_time)| *has_time)
                .map(|(_, dt, _)| *dt)
        })
        .or_else(|| relative.first().map(|(_, dt, _)| *dt))
}

/// Is `text[start..end]` a token of its own: at a line start or end, or next to blanks or
/// separators, not glued into a sentence?
fn standalone(text: &str, start: usize, end: usize) -> bool {
    let sep = |c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '|' | '｜'
                    | '·'
                    | '•'
                    | '/'
                    | '['
                    | ']'
                    | '【'
                    | '】'
                    | '('
                    | ')'
                    | '（'
                    | '）'
                    | '<'
                    | '>'
            )
    };
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    before.is_none_or(sep) && after.is_none_or(sep)
}

/// Maps full-width digits and punctuation to ASCII so one set of patterns suffices.
fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' | '—' | '–' => '-',
            '／' => '/',
            '．' => '.',
            '\u{3000}' | '\u{a0}' => ' ',
            _ => c,
        })
        .collect()
}

fn plausible(dt: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> bool {
    dt.year() >= MIN_YEAR && dt <= now + Duration::days(366)
}

/// Unix seconds (9–10 digits) or milliseconds (13 digits).
fn parse_unix(s: &str) -> Option<DateTime<FixedOffset>> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = s.parse().ok()?;
    let utc = match s.len() {
        9 | 10 => DateTime::from_timestamp(n, 0)?,
        13 => DateTime::from_timestamp_millis(n)?,
        _ => return None,
    };
    // Chinese sources: present epoch times in China Standard Time.
    Some(utc.with_timezone(&FixedOffset::east_opt(8 * 3600)?))
}

/// RFC 2822, with `CST` read as China Standard Time (+08:00) as Chinese sites mean it.
fn parse_rfc2822(s: &str) -> Option<DateTime<FixedOffset>> {
    let fixed;
    let s = if let Some(head) = s.strip_suffix("CST") {
        fixed = format!("{}+0800", head);
        fixed.as_str()
    } else {
        s
    };
    DateTime::parse_from_rfc2822(s).ok()
}

/// The whole string is one of the regex forms (trailing `星期三` etc. tolerated).
fn parse_anchored(s: &str, tz: Tz, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let tail_ok = |rest: &str| {
        let rest = rest.trim();
        rest.is_empty()
            || rest.starts_with("星期")
            || rest.starts_with("周")
            || rest.starts_with('(')
    };
    if let Some(c) = FULL_RE.captures(s) {
        let m = c.get(0)?;
        if m.start() == 0 && tail_ok(&s[m.end()..]) {
            return from_captures(&c, true, tz, now);
        }
    }
    if let Some(c) = MONTH_DAY_RE.captures(s) {
        let m = c.get(0)?;
        if m.start() == 0 && tail_ok(&s[m.end()..]) {
            return from_captures(&c, false, tz, now);
        }
    }
    if let Some(c) = NUMERIC_MONTH_DAY_RE.captures(s) {
        let m = c.get(0)?;
        if m.start() == 0 && c.name("h").is_some() && tail_ok(&s[m.end()..]) {
            return from_captures(&c, false, tz, now);
        }
    }
    None
}

fn parse_relative(s: &str, tz: Tz, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    if let Some(c) = RELATIVE_DAY_RE.captures(s) {
        return relative_day(&c, tz, now);
    }
    if let Some(c) = AGO_RE.captures(s) {
        return ago(&c, tz, now);
    }
    None
}

/// `今天`/`昨天`/`前天` (captured as `rel`) with the optional time, on `now`'s day in `tz`.
fn relative_day(
    c: &Captures<'_>,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let back = match c.name("rel")?.as_str() {
        "昨天" | "昨日" => 1,
        "前天" => 2,
        _ => 0,
    };
    let day = now.with_timezone(&tz).date_naive() - Duration::days(back);
    let (h, mi, sec) = time_of(c)?;
    localize(day.and_hms_opt(h, mi, sec)?, tz)
}

/// `刚刚` or `N unit 前` counted back from `now`, shown in `tz`.
fn ago(c: &Captures<'_>, tz: Tz, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let delta = if c.name("now").is_some() {
        Duration::zero()
    } else {
        let n = c.name("n")?.as_str();
        let unit = c.name("unit")?.as_str();
        if n == "半" {
            // Only "half an hour" is said this way.
            if unit != "小时" {
                return None;
            }
            Duration::minutes(30)
        } else {
            let n: i64 = n.parse().ok()?;
            match unit {
                "秒" | "秒钟" => Duration::seconds(n),
                "分钟" | "分" => Duration::minutes(n),
                "小时" => Duration::hours(n),
                "周" | "星期" => Duration::weeks(n),
                _ => Duration::days(n),
            }
        }
    };
    Some((now - delta).with_timezone(&tz).fixed_offset())
}

/// Hour, minute, second from the optional time groups (00:00:00 when absent).
fn time_of(c: &Captures<'_>) -> Option<(u32, u32, u32)> {
    let num = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let Some(mut h) = num("h") else {
        return Some((0, 0, 0));
    };
    let mi = num("mi").unwrap_or(0);
    let sec = num("s").unwrap_or(0).min(59);
    match c.name("ampm").map(|m| m.as_str()) {
        Some("下午" | "晚上") if h < 12 => h += 12,
        Some("中午") if h < 11 => h += 12,
        _ => {}
    }
    (h <= 23 && mi <= 59).then_some((h, mi, sec))
}

/// Builds a date from regex captures. Without a year (`with_year` false: month-day
/// forms) the date lands in the most recent year that does not put it ahead of `now`
/// (see [`in_recent_year`]).
fn from_captures(
    c: &Captures<'_>,
    with_year: bool,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let num = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let (month, day) = (num("m")?, num("d")?);
    let (h, mi, sec) = time_of(c)?;
    let build = |year: i32| -> Option<DateTime<FixedOffset>> {
        let naive = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(h, mi, sec)?;
        match c.name("tz") {
            Some(z) => with_offset(naive, z.as_str()),
            None => localize(naive, tz),
        }
    };
    let dt = if with_year {
        build(c.name("y")?.as_str().parse().ok()?)?
    } else {
        in_recent_year(build, tz, now)?
    };
    plausible(dt, now).then_some(dt)
}

/// How far ahead of `now` a date without a year may be and still count as this year's
/// (clock skew between the site and us, a page dated "tomorrow" in its own zone).
const YEARLESS_AHEAD: Duration = Duration::days(1);

/// A date printed without a year, built by `build(year)`: the most recent year in which it
/// exists and is at most [`YEARLESS_AHEAD`] after `now` (`12月20日` read on 2026-11-26 is
/// 2025-12-20; `2月29日` goes back to the last leap year).
fn in_recent_year(
    build: impl Fn(i32) -> Option<DateTime<FixedOffset>>,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let year = now.with_timezone(&tz).year();
    (0..=4)
        .filter_map(|back| build(year - back))
        .find(|dt| *dt <= now + YEARLESS_AHEAD)
}

/// A month and day without a year at local `time` in `tz` (see [`in_recent_year`]); for
/// callers that parse their own short forms (list pages' `[11-25]`).
pub(crate) fn month_day_in_recent_year(
    month: u32,
    day: u32,
    time: NaiveTime,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Option<DateTime<FixedOffset>> {
    let dt = in_recent_year(
        |year| {
            localize(
                NaiveDate::from_ymd_opt(year, month, day)?.and_time(time),
                tz,
            )
        },
        tz,
        now,
    )?;
    plausible(dt, now).then_some(dt)
}

/// Interprets a wall-clock time in `tz`; in a DST gap, one hour later.
pub(super) fn localize(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|dt| dt.fixed_offset())
}

/// Applies an explicit `Z` / `+08:00` / `+0800` offset.
fn with_offset(naive: NaiveDateTime, zone: &str) -> Option<DateTime<FixedOffset>> {
    let secs = if zone == "Z" {
        0
    } else {
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits: String = zone.chars().filter(char::is_ascii_digit).collect();
        let h: i32 = digits.get(0..2)?.parse().ok()?;
        let m: i32 = digits.get(2..4)?.parse().ok()?;
        sign * (h * 3600 + m * 60)
    };
    FixedOffset::east_opt(secs)?
        .from_local_datetime(&naive)
        .single()
}

/// Rejects matches glued to other digits (`12026-11-25`, `2026-11-255`).
fn boundary_ok(text: &str, c: &Captures<'_>) -> bool {
    let Some(m) = c.get(0) else { return false };
    let before = text[..m.start()].chars().next_back();
    let after = text[m.end()..].chars().next();
    !before.is_some_and(|ch| ch.is_ascii_digit()) && !after.is_some_and(|ch| ch.is_ascii_digit())
}

/// A month-day match that is the tail of a full date (`2026年11月25日`).
fn inside_any(c: &Captures<'_>, spans: &[(usize, usize)]) -> bool {
    c.get(0)
        .is_some_and(|m| spans.iter().any(|&(s, e)| m.start() >= s && m.start() < e))
}

#[cfg(test)]
mod tests;
