//! Feed timestamps (RSS `pubDate`, Atom `updated`, JSON Feed `date_published`): strict and
//! sloppy RFC 822, ISO 8601, Chinese forms and epoch numbers, keeping the UTC offset.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::localize as local;
use regex::Regex;

/// Parses a feed timestamp, keeping its UTC offset.
///
/// Accepts RFC 3339 / ISO 8601 (also with a space instead of `T`, offsets like `+0800`, `+08`),
/// RFC 822/2822 including sloppy variants (long weekday or month names, month before day, `UTC`,
/// `GMT+8`, two-digit years), Chinese `2026年11月25日 8时30分`, `2026/11/25 08:30`, and Unix
/// epoch seconds or milliseconds. Times without a zone, and the zone `CST` (China Standard Time on
/// Chinese servers, not US Central), are local times in `tz`. Date-only values mean local
/// midnight.
pub fn parse_feed_timestamp(raw: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        let utc = match s.len() {
            10 => DateTime::from_timestamp(n, 0)?,
            13 => DateTime::from_timestamp_millis(n)?,
            _ => return None,
        };
        return Some(utc.with_timezone(&tz).fixed_offset());
    }
    parse_iso_like(s, tz).or_else(|| parse_rfc822_like(s, tz))
}

fn parse_iso_like(s: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?x)^
            (\d{4}) \s* [-/.年] \s* (\d{1,2}) \s* [-/.月] \s* (\d{1,2}) \s* 日?
            (?: (?:\s*|[Tt]) (\d{1,2}) \s* [:：时点] \s* (\d{1,2}) \s* 分?
                (?: \s* [:：] \s* (\d{1,2}) (?:[.,]\d+)? \s* 秒? | \s* (\d{1,2}) \s* 秒 )? )?
            \s* (Z|z|UTC|GMT|CST|[+-]\d{2}(?::?\d{2})?)?
            \s* (?:\(?北京时间\)?)?
            $",
        )
        .expect("valid regex")
    });
    let c = re.captures(s)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(num(1)? as i32, num(2)?, num(3)?)?;
    let seconds = num(6).or(num(7)).unwrap_or(0);
    let naive = date.and_hms_opt(num(4).unwrap_or(0), num(5).unwrap_or(0), seconds)?;
    let zone = c.get(8).map(|m| m.as_str());
    with_zone(naive, zone, tz)
}

fn parse_rfc822_like(s: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?x)^
            (?: [A-Za-z]+ \.? ,? \s* )?
            (?: (\d{1,2}) \s* [-\s] \s* ([A-Za-z]{3})[A-Za-z]* \.? | ([A-Za-z]{3})[A-Za-z]* \.? \s+ (\d{1,2}) ,? )
            \s* [-\s] \s* (\d{2}|\d{4}) ,?
            \s+ (\d{1,2}) : (\d{2}) (?: : (\d{2}) (?:\.\d+)? )?
            \s* ( [A-Za-z]{1,5} (?: \s* [+-] \s* \d{1,2} (?: :? \d{2} )? )? | [+-]\d{2}:?\d{2} )?
            \s* (?: \( [^)]* \) )?
            $",
        )
        .expect("valid regex")
    });
    let c = re.captures(s)?;
    let day: u32 = c.get(1).or(c.get(4))?.as_str().parse().ok()?;
    let month = month_number(c.get(2).or(c.get(3))?.as_str())?;
    let year_raw = c.get(5)?.as_str();
    let mut year: i32 = year_raw.parse().ok()?;
    if year_raw.len() == 2 {
        year += if year < 50 { 2000 } else { 1900 };
    }
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    let mut hour = num(6)?;
    let mut date = date;
    if hour == 24 {
        // Seen in the wild: "24:05" meaning 00:05 of the next day.
        hour = 0;
        date = date.succ_opt()?;
    }
    let naive = date.and_hms_opt(hour, num(7)?, num(8).unwrap_or(0))?;
    with_zone(naive, c.get(9).map(|m| m.as_str()), tz)
}

fn month_number(m: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let m = m.to_ascii_lowercase();
    MONTHS.iter().position(|x| *x == m).map(|i| i as u32 + 1)
}

/// Attaches a zone: none or `CST` → local in `tz`; `Z`/`UTC`/`GMT`/`UT` → UTC; numeric offsets,
/// also after `GMT`/`UTC` (`GMT+8`, `UTC+08:00`); a few US abbreviations. Unknown → `None`.
fn with_zone(naive: NaiveDateTime, zone: Option<&str>, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let zone: String = zone
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let upper = zone.to_ascii_uppercase();
    let numeric = upper
        .trim_start_matches("GMT")
        .trim_start_matches("UTC")
        .trim_start_matches("UT");
    let offset_secs: i32 = match upper.as_str() {
        "" | "CST" => return local(naive, tz),
        "Z" | "UTC" | "GMT" | "UT" => 0,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        "JST" | "KST" => 9 * 3600,
        "HKT" => 8 * 3600,
        _ => parse_numeric_offset(numeric)?,
    };
    let offset = FixedOffset::east_opt(offset_secs)?;
    offset.from_local_datetime(&naive).single()
}

/// `+0800`, `+08:00`, `+08`, `+8`, `-05:30`.
fn parse_numeric_offset(s: &str) -> Option<i32> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        3 => (
            digits[..1].parse::<i32>().ok()?,
            digits[1..].parse::<i32>().ok()?,
        ),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}
