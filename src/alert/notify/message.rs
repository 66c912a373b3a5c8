//! Message texts (Simplified Chinese): one alert, a batch of alerts, the digest summary; and
//! splitting a text that is too long for a channel without cutting a UTF-8 character.

use std::fmt::Write as _;

use crate::alert::digest::Digest;
use crate::model::{Level, SourceStatus};

/// A stored alert payload is an [`AlertView`](crate::alert::view::AlertView) as JSON; messages show some of its fields.
pub use crate::alert::view::AlertView as PushAlert;

const MAX_TITLE_CHARS: usize = 120;
const MAX_WORDS: usize = 10;
const MAX_URL_BYTES: usize = 1000;

/// Markdown flavour: DingTalk needs blank lines where WeCom takes a newline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    WeCom,
    DingTalk,
    Plain,
}

impl Flavor {
    pub fn newline(self) -> &'static str {
        match self {
            Flavor::DingTalk => "\n\n",
            _ => "\n",
        }
    }
}

/// One line of crawled text made safe for a message: no control characters or line breaks,
/// no markdown link or emphasis syntax, at most `max` characters.
pub fn clean(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, ch) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        match ch {
            c if c.is_control() => out.push(' '),
            '[' => out.push('［'),
            ']' => out.push('］'),
            '<' => out.push('＜'),
            '>' => out.push('＞'),
            '*' => out.push('＊'),
            '`' => out.push('｀'),
            '#' => out.push('＃'),
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// An http(s) URL as text, or `None` for anything else (javascript:, file:, …).
pub fn safe_url(u: &str) -> Option<String> {
    crate::text::link::safe_link(u)
        .filter(|s| s.len() <= MAX_URL_BYTES)
        .map(str::to_string)
}

fn when(a: &PushAlert) -> String {
    let t = a.published.as_deref().unwrap_or(&a.created);
    // RFC 3339 → "2026-11-21 22:45"
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(d) => d.format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => clean(t, 40),
    }
}

/// The lines of one alert; `number` prefixes the heading in a batch.
fn alert_lines(a: &PushAlert, number: Option<usize>) -> Vec<String> {
    let prefix = number.map_or(String::new(), |n| format!("{n}. "));
    let mut lines = vec![
        format!(
            "**{prefix}【舆情预警·{}】{}**",
            a.level.label_zh(),
            clean(&a.rule_name, 60)
        ),
        format!("标题：{}", clean(&a.title, MAX_TITLE_CHARS)),
        format!("来源：{}", clean(&a.source_name, 60)),
        format!("时间：{}", when(a)),
    ];
    let words: Vec<String> = a
        .matched
        .iter()
        .take(MAX_WORDS)
        .map(|w| clean(w, 30))
        .collect();
    if !words.is_empty() {
        lines.push(format!("命中：{}", words.join("、")));
    }
    if a.cluster_size > 1 {
        lines.push(format!("转载：{} 篇", a.cluster_size - 1));
    }
    if let Some(u) = safe_url(&a.url) {
        lines.push(format!("链接：{u}"));
    }
    lines
}

/// The text of a message carrying `alerts` (one alert, or a list under "新增舆情预警 N 条").
pub fn alerts_text(alerts: &[PushAlert], flavor: Flavor) -> String {
    let nl = flavor.newline();
    if let [one] = alerts {
        return alert_lines(one, None).join(nl);
    }
    let mut out = format!("### 新增舆情预警 {} 条", alerts.len());
    for (i, a) in alerts.iter().enumerate() {
        out.push_str(nl);
        if flavor != Flavor::DingTalk {
            out.push('\n');
        }
        out.push_str(&alert_lines(a, Some(i + 1)).join(nl));
    }
    out
}

/// A short title for a message (DingTalk's `title`, an email subject).
pub fn alerts_title(alerts: &[PushAlert]) -> String {
    match alerts {
        [one] => format!(
            "【舆情预警·{}】{}",
            one.level.label_zh(),
            clean(&one.rule_name, 60)
        ),
        _ => format!("新增舆情预警 {} 条", alerts.len()),
    }
}

/// The digest as a short markdown summary for a group bot.
pub fn digest_summary(d: &Digest, flavor: Flavor) -> String {
    let nl = flavor.newline();
    let count = |l: Level| d.alerts.iter().filter(|a| a.level == l).count();
    let mut out = String::new();
    let _ = write!(out, "### {}（{}）", clean(&d.title, 60), d.date);
    let window = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t)
            .map(|x| x.format("%m-%d %H:%M").to_string())
            .unwrap_or_else(|_| clean(t, 40))
    };
    let _ = write!(
        out,
        "{nl}统计时段：{} 至 {}",
        window(&d.window_start),
        window(&d.window_end)
    );
    let _ = write!(
        out,
        "{nl}预警 {} 条：高 {} 条，中 {} 条，低 {} 条",
        d.alerts.len(),
        count(Level::High),
        count(Level::Medium),
        count(Level::Low)
    );
    let mut top: Vec<_> = d.alerts.iter().collect();
    top.sort_by_key(|a| std::cmp::Reverse(a.level));
    for (i, a) in top.iter().take(10).enumerate() {
        let _ = write!(
            out,
            "{nl}{}. 【{}】{}（{}）",
            i + 1,
            a.level.label_zh(),
            clean(&a.title, 60),
            clean(&a.source_name, 30)
        );
    }
    if d.alerts.len() > 10 {
        let _ = write!(out, "{nl}……其余 {} 条见日报附件", d.alerts.len() - 10);
    }
    let failing = d
        .sources
        .iter()
        .filter(|s| s.status != SourceStatus::Ok)
        .count();
    if failing > 0 {
        let _ = write!(out, "{nl}信息源异常 {failing} 个");
    }
    out
}

/// Splits `text` into pieces of at most `limit` bytes, at line ends where possible and never
/// inside a UTF-8 character.
pub fn split_message(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(4);
    if text.len() <= limit {
        return vec![text.to_string()];
    }
    let mut parts = Vec::new();
    let mut cur = String::new();
    for line in text.split_inclusive('\n') {
        if cur.len() + line.len() <= limit {
            cur.push_str(line);
            continue;
        }
        if !cur.is_empty() {
            parts.push(std::mem::take(&mut cur));
        }
        let mut rest = line;
        while rest.len() > limit {
            let cut = rest.floor_char_boundary(limit);
            parts.push(rest[..cut].to_string());
            rest = &rest[cut..];
        }
        cur.push_str(rest);
    }
    if !cur.trim().is_empty() {
        parts.push(cur);
    }
    parts
        .into_iter()
        .map(|p| p.trim_end_matches('\n').to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_never_cuts_a_char_and_keeps_everything() {
        let text = "预警".repeat(3000) + "\n" + &"短行\n".repeat(500);
        for limit in [5, 7, 100, 4096] {
            let parts = split_message(&text, limit);
            assert!(parts.iter().all(|p| p.len() <= limit));
            let joined: String = parts.concat();
            assert_eq!(joined.replace('\n', ""), text.replace('\n', ""));
        }
        assert_eq!(split_message("短", 4096), vec!["短".to_string()]);
    }

    #[test]
    fn clean_defuses_markdown_and_urls_must_be_http() {
        assert_eq!(
            clean("[x](javascript:1)\n**b**", 100),
            "［x］(javascript:1) ＊＊b＊＊"
        );
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert!(safe_url("https://example.org/a?b=1").is_some());
    }
}
