//! What a search is narrowed to besides its query: sources, author, days. Parsed once, from the
//! command line (a flattened `clap` group) or from HTTP parameters, and passed unchanged to the
//! index, which turns each field into one clause ([`super::SearchIndex`]).
//!
//! A new filter is a field here (with its flag and parameter), an index field if it needs one
//! ([`super::schema`]), and a clause in the index.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;

/// Longest author filter accepted, in characters.
pub const MAX_AUTHOR_CHARS: usize = 64;

#[derive(
    Debug, Clone, Default, PartialEq, Eq, clap::Args, serde::Serialize, serde::Deserialize,
)]
#[serde(default)]
pub struct SearchFilter {
    /// Only this source (repeatable: any of them).
    #[arg(long = "source", value_name = "ID")]
    #[serde(rename = "source")]
    pub sources: Vec<String>,
    /// Only articles whose author contains this (e.g. 王五 finds "记者 王五").
    #[arg(long, value_name = "NAME", value_parser = parse_author)]
    pub author: Option<String>,
    /// From this day (YYYY-MM-DD, configured time zone).
    #[arg(long, value_name = "D", value_parser = parse_day)]
    pub since: Option<NaiveDate>,
    /// Up to and including this day.
    #[arg(long, value_name = "D", value_parser = parse_day)]
    pub until: Option<NaiveDate>,
    /// Only articles of this tone: negative | neutral | positive (负面 | 中性 | 正面).
    #[arg(long, value_name = "T", value_parser = super::query::parse_tone)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tone: Option<crate::model::Tone>,
    /// Only articles stored after this id: what is new to a saved search's viewer. Set by the
    /// program, never by a flag or parameter.
    #[arg(skip)]
    #[serde(skip)]
    pub after_id: Option<i64>,
}

impl SearchFilter {
    /// The filters of HTTP parameters `source` (repeatable), `author`, `since`, `until`.
    /// `all(name)` returns every value given for `name`.
    pub fn from_params(all: impl Fn(&str) -> Vec<String>) -> Result<SearchFilter, String> {
        let one = |k: &str| all(k).into_iter().find(|v| !v.trim().is_empty());
        Ok(SearchFilter {
            sources: all("source")
                .into_iter()
                .filter(|v| !v.trim().is_empty())
                .collect(),
            author: one("author").as_deref().map(parse_author).transpose()?,
            since: one("since").as_deref().map(parse_day).transpose()?,
            until: one("until").as_deref().map(parse_day).transpose()?,
            tone: one("tone")
                .as_deref()
                .map(super::query::parse_tone)
                .transpose()?,
            after_id: None,
        })
    }

    /// `[since 00:00, the day after until 00:00)` in `tz`, as unix seconds.
    pub fn bounds(&self, tz: Tz) -> Result<(Option<i64>, Option<i64>), String> {
        let day_start = |d: NaiveDate| {
            tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
                .earliest()
                .map(|t| t.timestamp())
        };
        let since = self.since.and_then(day_start);
        let until = self.until.and_then(|d| d.succ_opt()).and_then(day_start);
        if let (Some(a), Some(b)) = (since, until)
            && a >= b
        {
            return Err("起始日期晚于结束日期 (since is after until)".into());
        }
        Ok((since, until))
    }

    /// Whether any filter is set.
    pub fn is_empty(&self) -> bool {
        self == &SearchFilter::default()
    }
}

/// A day as `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("日期格式应为 YYYY-MM-DD，收到 {s:?} (bad date)"))
}

/// An author filter: trimmed, not empty, at most [`MAX_AUTHOR_CHARS`] characters.
pub fn parse_author(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || crate::text::normalize(s).is_empty() {
        return Err("作者不能为空 (empty author)".into());
    }
    if s.chars().count() > MAX_AUTHOR_CHARS {
        return Err(format!(
            "作者最多 {MAX_AUTHOR_CHARS} 个字符 (author: at most {MAX_AUTHOR_CHARS} characters)"
        ));
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_parse_into_one_filter() {
        let params = [
            ("source", "a"),
            ("source", "b"),
            ("source", ""),
            ("author", " 王五 "),
            ("since", "2026-11-01"),
        ];
        let f = SearchFilter::from_params(|k| {
            params
                .iter()
                .filter(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
                .collect()
        })
        .unwrap();
        assert_eq!(f.sources, ["a", "b"]);
        assert_eq!(f.author.as_deref(), Some("王五"));
        assert_eq!(f.since, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert!(f.until.is_none() && !f.is_empty());
        let bad = SearchFilter::from_params(|k| {
            if k == "until" {
                vec!["11/02".to_string()]
            } else {
                vec![]
            }
        });
        assert!(bad.unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_author(&"名".repeat(MAX_AUTHOR_CHARS + 1)).is_err());
        assert!(parse_author("  ").is_err());
    }

    #[test]
    fn bounds_cover_whole_days_and_refuse_reversed_ranges() {
        let tz: Tz = "Asia/Shanghai".parse().unwrap();
        let d = |s| Some(parse_day(s).unwrap());
        let f = SearchFilter {
            since: d("2026-11-02"),
            until: d("2026-11-02"),
            ..SearchFilter::default()
        };
        let (a, b) = f.bounds(tz).unwrap();
        assert_eq!(b.unwrap() - a.unwrap(), 86_400);
        let reversed = SearchFilter {
            since: d("2026-11-03"),
            until: d("2026-11-02"),
            ..SearchFilter::default()
        };
        assert!(reversed.bounds(tz).is_err());
    }
}
