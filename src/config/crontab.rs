//! Cron expressions: each field checked against what the `cron` crate accepts, so a problem is
//! named precisely ("the hour is 25, it must be 0–23") instead of in the crate's words ("Hours
//! must be less than 23"); then the crate builds the schedule.
//!
//! Fields: second minute hour day-of-month month day-of-week [year]. A 5-field expression (no
//! seconds) gets a leading `0`. Day of week is 1–7 with 1 = Sunday, as in the `cron` crate (not
//! 0–6 as in Unix crontab), or SUN–SAT.

use std::str::FromStr;

/// Parses a cron expression; 5-field expressions get a leading `0` seconds field.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    check_cron(expr).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| e.message)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A problem in a cron expression, at a byte offset of the expression text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CronError {
    pub offset: usize,
    pub message: String,
}

struct Unit {
    zh: &'static str,
    en: &'static str,
    min: u32,
    max: u32,
    /// Names accepted instead of numbers (lowercase), with their number.
    names: &'static [(&'static str, u32)],
    /// Whether `?` (any) is accepted.
    any: bool,
    /// Said after the range in Chinese: how else the field may be written.
    hint: &'static str,
}

const MONTHS: &[(&str, u32)] = &[
    ("jan", 1),
    ("january", 1),
    ("feb", 2),
    ("february", 2),
    ("mar", 3),
    ("march", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("jul", 7),
    ("july", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
];

const WEEKDAYS: &[(&str, u32)] = &[
    ("sun", 1),
    ("sunday", 1),
    ("mon", 2),
    ("monday", 2),
    ("tue", 3),
    ("tues", 3),
    ("tuesday", 3),
    ("wed", 4),
    ("wednesday", 4),
    ("thu", 5),
    ("thurs", 5),
    ("thursday", 5),
    ("fri", 6),
    ("friday", 6),
    ("sat", 7),
    ("saturday", 7),
];

const fn unit(zh: &'static str, en: &'static str, min: u32, max: u32) -> Unit {
    Unit {
        zh,
        en,
        min,
        max,
        names: &[],
        any: false,
        hint: "",
    }
}

/// The seven fields, in order; the year is optional.
const UNITS: [Unit; 7] = [
    unit("秒", "second", 0, 59),
    unit("分钟", "minute", 0, 59),
    unit("小时", "hour", 0, 23),
    Unit {
        any: true,
        ..unit("日", "day of month", 1, 31)
    },
    Unit {
        names: MONTHS,
        hint: "，或写 JAN–DEC",
        ..unit("月", "month", 1, 12)
    },
    Unit {
        names: WEEKDAYS,
        any: true,
        hint: "（1 为星期日），或写 SUN–SAT",
        ..unit("星期", "day of week", 1, 7)
    },
    unit("年", "year", 1970, 2100),
];

/// The day of week of a 5-field (crontab) expression, numbered as crontab does: 0 and 7 are
/// Sunday, 1 Monday … 6 Saturday. [`unix_weekdays`] renumbers it for the `cron` crate.
const UNIX_WEEKDAY: Unit = Unit {
    names: WEEKDAYS,
    any: true,
    hint: "（0 和 7 为星期日，1 为星期一），或写 SUN–SAT",
    ..unit("星期", "day of week", 0, 7)
};

/// A crontab day-of-week field in the `cron` crate's numbering (1 = Sunday … 7 = Saturday):
/// `1-5` (Monday to Friday) becomes `2-6`. Names and `*` stay; a range ending on Sunday (`5-7`)
/// becomes two items (`6-7,1`).
fn unix_weekdays(field: &str) -> String {
    let map = |n: &str| n.parse::<u32>().map(|n| n % 7 + 1).ok();
    field
        .split(',')
        .map(|item| {
            let (base, step) = match item.split_once('/') {
                Some((b, s)) => (b, Some(s)),
                None => (item, None),
            };
            let step = step.map(|s| format!("/{s}")).unwrap_or_default();
            match base.split_once('-') {
                Some((a, b)) => match (map(a), map(b)) {
                    (Some(x), Some(y)) if y < x && step.is_empty() => format!("{x}-7,{y}"),
                    (Some(x), Some(y)) => format!("{x}-{y}{step}"),
                    (Some(x), None) => format!("{x}-{b}{step}"),
                    (None, Some(y)) => format!("{a}-{y}{step}"),
                    (None, None) => item.to_string(),
                },
                None => match map(base) {
                    Some(x) => format!("{x}{step}"),
                    None => item.to_string(),
                },
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

const EXAMPLE: &str = "6 个字段：秒 分 时 日 月 周，如 \"0 */20 * * * *\"；或省略秒的 5 个字段";
const EXAMPLE_EN: &str = "6 fields, seconds first, e.g. \"0 */20 * * * *\", or 5 without seconds";

/// Checks every field of `expr`, then builds the schedule; on failure, every problem found.
pub(crate) fn check_cron(expr: &str) -> Result<cron::Schedule, Vec<CronError>> {
    let trimmed = expr.trim();
    if trimmed.starts_with('@') {
        return cron::Schedule::from_str(trimmed).map_err(|_| {
            vec![CronError {
                offset: expr.len() - expr.trim_start().len(),
                message: format!(
                    "cron 简写 {trimmed:?} 无效，可用 @yearly、@monthly、@weekly、@daily、@hourly \
                     (bad cron shorthand {trimmed:?}: use @yearly, @monthly, @weekly, @daily or @hourly)"
                ),
            }]
        });
    }
    let fields = split_fields(expr);
    let first_unit = match fields.len() {
        5 => 1,
        6 | 7 => 0,
        n => {
            return Err(vec![CronError {
                offset: fields.first().map_or(0, |f| f.0),
                message: format!(
                    "cron 表达式 {expr:?} 有 {n} 个字段，应为{EXAMPLE} \
                     (cron expression {expr:?} has {n} fields: write {EXAMPLE_EN})"
                ),
            }]);
        }
    };
    let mut errors = Vec::new();
    for (i, &(offset, text)) in fields.iter().enumerate() {
        let u = if first_unit == 1 && i == 4 {
            &UNIX_WEEKDAY
        } else {
            &UNITS[first_unit + i]
        };
        if let Err((at, zh, en)) = check_field(u, text) {
            errors.push(CronError {
                offset: offset + at,
                message: format!(
                    "cron 表达式 {expr:?} 的第 {} 个字段（{}）{zh} ({en})",
                    i + 1,
                    u.zh
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let full = if first_unit == 1 {
        // Crontab: seconds 0, and its weekday numbers renumbered for the `cron` crate.
        let f: Vec<&str> = fields.iter().map(|f| f.1).collect();
        format!(
            "0 {} {} {} {} {}",
            f[0],
            f[1],
            f[2],
            f[3],
            unix_weekdays(f[4])
        )
    } else {
        trimmed.to_string()
    };
    cron::Schedule::from_str(&full).map_err(|e| {
        vec![CronError {
            offset: fields[0].0,
            message: format!(
                "cron 表达式 {expr:?} 无效，应为{EXAMPLE} \
                 (bad cron expression {expr:?}: {e}; write {EXAMPLE_EN})"
            ),
        }]
    })
}

/// The whitespace-separated fields with their byte offsets.
fn split_fields(expr: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in expr.char_indices() {
        match (ch.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &expr[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &expr[s..]));
    }
    out
}

/// A field's problem: byte offset in the field, Chinese text (after the field's name), English.
type FieldError = (usize, String, String);

/// Checks one field: comma-separated items, each `*`, `?`, a value, or a range `a-b`, with an
/// optional step `/n`.
fn check_field(u: &Unit, field: &str) -> Result<(), FieldError> {
    let mut at = 0;
    for item in field.split(',') {
        check_item(u, item).map_err(|(o, zh, en)| (at + o, zh, en))?;
        at += item.len() + 1;
    }
    Ok(())
}

fn check_item(u: &Unit, item: &str) -> Result<(), FieldError> {
    let (base, step) = match item.split_once('/') {
        Some((b, s)) => (b, Some(s)),
        None => (item, None),
    };
    if let Some(step) = step {
        let at = base.len() + 1;
        if step.is_empty() || !step.chars().all(|c| c.is_ascii_digit()) {
            return Err((
                at,
                format!("的步长 {step:?} 不是数字"),
                format!("{} step {step:?} is not a number", u.en),
            ));
        }
        if !step.parse::<u32>().is_ok_and(|n| (1..=u.max).contains(&n)) {
            return Err((
                at,
                format!("的步长为 {step}，应在 1–{} 之间", u.max),
                format!("{} step {step} out of range 1–{}", u.en, u.max),
            ));
        }
    }
    match base {
        "*" => Ok(()),
        "?" if u.any => Ok(()),
        "?" => Err((
            0,
            "不能写 \"?\"，只有日和星期字段可以".to_string(),
            format!("{} does not accept \"?\"", u.en),
        )),
        "" => Err((
            0,
            "有空的一项".to_string(),
            format!("empty item in the {} field", u.en),
        )),
        _ => match base.split_once('-') {
            Some((a, b)) => {
                let x = value(u, a).map_err(|(zh, en)| (0, zh, en))?;
                let y = value(u, b).map_err(|(zh, en)| (a.len() + 1, zh, en))?;
                if x > y {
                    return Err((
                        0,
                        format!("的范围 {base} 起点大于终点"),
                        format!("{} range {base} starts after it ends", u.en),
                    ));
                }
                Ok(())
            }
            None => value(u, base).map(|_| ()).map_err(|(zh, en)| (0, zh, en)),
        },
    }
}

/// One number or name of a field, checked against the field's range.
fn value(u: &Unit, s: &str) -> Result<u32, (String, String)> {
    let range_zh = || format!("应在 {}–{} 之间{}", u.min, u.max, u.hint);
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
        return match s.parse::<u32>() {
            Ok(n) if (u.min..=u.max).contains(&n) => Ok(n),
            _ => Err((
                format!("为 {s}，{}", range_zh()),
                format!("{} {s} out of range {}–{}", u.en, u.min, u.max),
            )),
        };
    }
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) {
        if u.names.is_empty() {
            return Err((
                format!("不能写名称 {s:?}，{}", range_zh()),
                format!("{} does not accept names like {s:?}", u.en),
            ));
        }
        let lower = s.to_ascii_lowercase();
        return match u.names.iter().find(|(n, _)| *n == lower) {
            Some(&(_, n)) => Ok(n),
            None => Err((
                format!("的名称 {s:?} 无法识别，{}", range_zh()),
                format!("{s:?} is not a {} name", u.en),
            )),
        };
    }
    Err((
        format!("中的 {s:?} 无法识别，{}", range_zh()),
        format!("cannot read {s:?} as a {}", u.en),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(expr: &str) -> String {
        parse_cron(expr).unwrap_err()
    }

    /// Regression: a crontab line `0 8 * * 1-5` (weekdays) ran Sunday to Thursday, because
    /// the `cron` crate numbers Sunday 1. Five-field lines are crontab: 0/7 Sunday, 1 Monday.
    #[test]
    fn crontab_weekdays_mean_what_crontab_means() {
        use chrono::{Datelike, TimeZone, Weekday};
        let after = chrono::Utc
            .with_ymd_and_hms(2026, 11, 29, 12, 0, 0)
            .unwrap(); // a Sunday
        let days = |expr: &str| -> Vec<Weekday> {
            parse_cron(expr)
                .unwrap()
                .after(&after)
                .take(7)
                .map(|t| t.weekday())
                .collect()
        };
        use Weekday::*;
        assert_eq!(days("0 8 * * 1-5"), [Mon, Tue, Wed, Thu, Fri, Mon, Tue]);
        assert_eq!(days("0 8 * * 0"), [Sun; 7]);
        assert_eq!(days("0 8 * * 7"), [Sun; 7]);
        assert_eq!(days("0 8 * * 6,0"), [Sat, Sun, Sat, Sun, Sat, Sun, Sat]);
        assert_eq!(days("0 8 * * 5-7"), [Fri, Sat, Sun, Fri, Sat, Sun, Fri]);
        assert_eq!(days("0 8 * * MON-FRI"), days("0 8 * * 1-5"));
        assert_eq!(
            days("0 0 8 * * 2-6"),
            days("0 8 * * 1-5"),
            "6 fields keep the crate's numbering"
        );
        assert!(message("0 8 * * 8").contains("（星期）为 8，应在 0–7 之间"));
    }

    #[test]
    fn hour_25_names_the_field_and_its_range() {
        assert_eq!(
            message("0 0 25 * * *"),
            "cron 表达式 \"0 0 25 * * *\" 的第 3 个字段（小时）为 25，应在 0–23 之间 \
             (hour 25 out of range 0–23)"
        );
        let e = check_cron("0 0 25 * * *").unwrap_err();
        assert_eq!(e[0].offset, 4, "points at the hour field");
    }

    #[test]
    fn every_field_has_its_own_range() {
        for (expr, want) in [
            (
                "60 * * * * *",
                "第 1 个字段（秒）为 60，应在 0–59 之间 (second 60 out of range 0–59)",
            ),
            (
                "0 60 * * * *",
                "第 2 个字段（分钟）为 60，应在 0–59 之间 (minute 60 out of range 0–59)",
            ),
            (
                "0 0 23 0 * *",
                "第 4 个字段（日）为 0，应在 1–31 之间 (day of month 0 out of range 1–31)",
            ),
            ("0 0 0 32 * *", "（日）为 32，应在 1–31 之间"),
            (
                "0 0 0 * 13 *",
                "（月）为 13，应在 1–12 之间，或写 JAN–DEC (month 13 out of range 1–12)",
            ),
            (
                "0 0 0 * * 0",
                "（星期）为 0，应在 1–7 之间（1 为星期日），或写 SUN–SAT (day of week 0 out of range 1–7)",
            ),
            ("0 0 0 * * 8", "（星期）为 8"),
            (
                "0 0 0 * * * 1969",
                "第 7 个字段（年）为 1969，应在 1970–2100 之间",
            ),
            ("0 0 9-25 * * *", "（小时）为 25，应在 0–23 之间"),
            ("0 0 1,2,30 * * *", "（小时）为 30"),
            (
                "0 */0 * * * *",
                "（分钟）的步长为 0，应在 1–59 之间 (minute step 0 out of range 1–59)",
            ),
            ("0 */x * * * *", "（分钟）的步长 \"x\" 不是数字"),
            ("0 0 9-5 * * *", "（小时）的范围 9-5 起点大于终点"),
            ("0 0 0 * FOO *", "（月）的名称 \"FOO\" 无法识别"),
            ("0 0 MON * * *", "（小时）不能写名称 \"MON\""),
            ("0 ? * * * *", "（分钟）不能写 \"?\""),
            ("0 0 8,,9 * * *", "（小时）有空的一项"),
        ] {
            let m = message(expr);
            assert!(m.contains(want), "{expr}: {m}");
            assert!(!m.contains("must be less than"), "{m}");
        }
    }

    #[test]
    fn five_fields_count_from_the_minute() {
        let m = message("0 25 * * *");
        assert!(m.contains("第 2 个字段（小时）为 25"), "{m}");
        let s = parse_cron("*/20 * * * *").unwrap();
        assert_eq!(s.source(), "0 */20 * * * *");
    }

    #[test]
    fn the_accepted_forms_parse() {
        for expr in [
            "0 */30 * * * *",
            "0 5/20 * * * *",
            "0 0 8 * * *",
            "0 0 8 * * MON-FRI",
            "0 0 8 ? JAN,jul * ",
            "0 0 8 1-15/2 * ?",
            "0 0 8 * * 1-7 2030",
            "@daily",
            "  30 7 * * 2  ",
        ] {
            assert!(
                parse_cron(expr).is_ok(),
                "{expr}: {:?}",
                parse_cron(expr).err()
            );
        }
    }

    #[test]
    fn wrong_field_counts_and_shorthands() {
        let m = message("every day");
        assert!(
            m.contains("有 2 个字段") && m.contains("cron expression"),
            "{m}"
        );
        assert!(message("").contains("有 0 个字段"));
        assert!(message("@sometimes").contains("cron 简写"));
    }

    #[test]
    fn several_bad_fields_are_all_named() {
        let e = check_cron("61 0 25 * * *").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].offset, e[1].offset), (0, 5));
    }
}
