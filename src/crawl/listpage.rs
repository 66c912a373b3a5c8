//! News sites without RSS: a list page plus CSS selectors gives [`FeedItem`]s.

use crate::text::html::{MAX_HTML_DEPTH, bound_nesting};
use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveTime};
use chrono_tz::Tz;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::model::FeedItem;

pub use crate::config::ListSelectors;

/// Extracts the entries of a list page.
///
/// Links resolve against `<base href>` if the page has one, else against `base`; `javascript:`,
/// `mailto:`, `tel:`, `#…` and non-http(s) links are skipped, and so are repeated URLs (first one
/// wins). Items without a usable link are skipped. Dates without a year take the year of `now`
/// (in `tz`), or the previous year if that would put them more than two days in the future.
///
/// An invalid selector gives `Err` naming the selector and scraper's message.
pub fn parse_list(
    html: &str,
    base: &Url,
    sel: &ListSelectors,
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> Result<Vec<FeedItem>, String> {
    let item_sel = compile("item", &sel.item)?;
    let link_sel = sel
        .link
        .as_deref()
        .map(|s| compile("link", s))
        .transpose()?;
    let title_sel = sel
        .title
        .as_deref()
        .map(|s| compile("title", s))
        .transpose()?;
    let date_sel = sel
        .date
        .as_deref()
        .map(|s| compile("date", s))
        .transpose()?;
    let any_link = compile("link", "a[href]")?;
    let base_tag = compile("base", "base[href]")?;

    let bounded = bound_nesting(html, MAX_HTML_DEPTH);
    let doc = Html::parse_document(&bounded);
    let page_base = doc
        .select(&base_tag)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| base.join(href.trim()).ok())
        .filter(|u| allowed_scheme(u, base))
        .unwrap_or_else(|| base.clone());

    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for item in doc.select(&item_sel) {
        let link_el = match &link_sel {
            Some(s) => item.select(s).next(),
            None if is_link(item) => Some(item),
            None => item.select(&any_link).next(),
        };
        let Some(link_el) = link_el else { continue };
        // A link selector may point at a wrapper: use its first `a[href]` then.
        let href = link_el.value().attr("href").or_else(|| {
            link_el
                .select(&any_link)
                .next()
                .and_then(|a| a.value().attr("href"))
        });
        let Some(url) = href.and_then(|h| resolve_link(h, &page_base)) else {
            continue;
        };
        if !seen.insert(url.clone()) {
            continue;
        }

        let from_title_sel = title_sel
            .as_ref()
            .and_then(|s| item.select(s).next())
            .map(element_text)
            .filter(|t| !t.is_empty());
        let title_attr = link_el
            .value()
            .attr("title")
            .map(collapse_whitespace)
            .filter(|t| !t.is_empty());
        let title = match (from_title_sel, title_attr) {
            // The shown text is often cut (`…问题...`) where the attribute has it whole.
            (Some(shown), Some(attr)) => crate::crawl::title::pick_title(&shown, &attr),
            (shown, attr) => shown.or(attr).unwrap_or_else(|| element_text(link_el)),
        };

        let published = date_sel
            .as_ref()
            .and_then(|s| item.select(s).next())
            .and_then(|el| {
                let text = element_text(el);
                parse_list_date(&text, tz, now).or_else(|| {
                    ["datetime", "title", "content"]
                        .iter()
                        .filter_map(|a| el.value().attr(a))
                        .find_map(|v| parse_list_date(v, tz, now))
                })
            });

        items.push(FeedItem {
            guid: None,
            url: Some(url),
            title,
            author: None,
            published,
            text: String::new(),
        });
    }
    Ok(items)
}

fn compile(what: &str, css: &str) -> Result<Selector, String> {
    Selector::parse(css).map_err(|e| format!("invalid {what} selector {css:?}: {e}"))
}

fn is_link(el: ElementRef<'_>) -> bool {
    el.value().name() == "a" && el.value().attr("href").is_some()
}

fn resolve_link(href: &str, base: &Url) -> Option<String> {
    let href = href.trim();
    let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
    if href.is_empty()
        || href.starts_with('#')
        || lower.starts_with("javascript:")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
    {
        return None;
    }
    let url = base.join(href).ok()?;
    allowed_scheme(&url, base).then(|| url.to_string())
}

fn element_text(el: ElementRef<'_>) -> String {
    collapse_whitespace(&el.text().collect::<String>())
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(
            word.chars()
                .filter(|c| !matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')),
        );
    }
    out
}

/// A list page's date: the general parsers of [`crate::crawl::dates`] (full dates, `11月25日`,
/// `11-25 10:30`, `3小时前`, `昨天 14:20`, anywhere in the string), plus the list-only short
/// form `[11-25]` / `11/25` / `11.25` (month and day at midnight, in the most recent year that
/// does not put it more than a day ahead of `now`). Local time in `tz`.
fn parse_list_date(s: &str, tz: Tz, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
    let s = s
        .trim()
        .trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '（' | '）' | '【' | '】'))
        .trim();
    static SHORT: OnceLock<Regex> = OnceLock::new();
    let short =
        SHORT.get_or_init(|| Regex::new(r"^(\d{1,2})[-/.](\d{1,2})$").expect("valid regex"));
    if let Some(c) = short.captures(s) {
        let (month, day) = (c[1].parse::<u32>().ok()?, c[2].parse::<u32>().ok()?);
        return crate::crawl::dates::month_day_in_recent_year(month, day, NaiveTime::MIN, tz, now);
    }
    crate::crawl::dates::parse_datetime(s, tz, now)
        .or_else(|| crate::crawl::dates::find_datetime(s, tz, now))
}

/// http(s) links, and file: links only on a local (file:) list page: a remote page must never
/// make us read local files.
fn allowed_scheme(url: &Url, base: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") || (url.scheme() == "file" && base.scheme() == "file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::Asia::Shanghai;

    fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
    }

    fn now() -> DateTime<FixedOffset> {
        cst(2026, 11, 26, 10, 0)
    }

    const PAGE: &str = r##"<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告</title></head>
<body>
<ul class="list">
  <li><a href="/tzgg/2026/1125/001.html" title="关于做好冬季供暖工作的通知">关于做好冬季...</a><span class="date">2026-11-25</span></li>
  <li><a href="./1124/002.html">  区政府   召开
      专题会议 </a><span class="date">[11-24]</span></li>
  <li><a href="javascript:void(0)">脚本链接</a><span class="date">2026/11/23</span></li>
  <li><a href="#top">锚点</a></li>
  <li><a href="mailto:office@example.cn">邮件</a></li>
  <li><a href="/tzgg/2026/1125/001.html">重复链接</a></li>
  <li><span>没有链接的条目</span></li>
  <li><a href="https://other.example.com/x.html">外站文章</a><span class="date">2026年11月20日 14:30</span></li>
  <li><a href="/old.html">去年的新闻</a><span class="date">12-30</span></li>
</ul>
</body></html>"##;

    #[test]
    fn default_selectors() {
        let base = Url::parse("https://www.example.gov.cn/tzgg/index.html").unwrap();
        let sel = ListSelectors {
            item: "ul.list li".into(),
            date: Some("span.date".into()),
            ..Default::default()
        };
        let items = parse_list(PAGE, &base, &sel, Shanghai, now()).unwrap();
        let urls: Vec<_> = items.iter().map(|i| i.url.as_deref().unwrap()).collect();
        assert_eq!(
            urls,
            [
                "https://www.example.gov.cn/tzgg/2026/1125/001.html",
                "https://www.example.gov.cn/tzgg/1124/002.html",
                "https://other.example.com/x.html",
                "https://www.example.gov.cn/old.html",
            ]
        );
        assert_eq!(items[0].title, "关于做好冬季供暖工作的通知");
        assert_eq!(items[0].published, Some(cst(2026, 11, 25, 0, 0)));
        assert_eq!(items[1].title, "区政府 召开 专题会议");
        assert_eq!(items[1].published, Some(cst(2026, 11, 24, 0, 0)));
        assert_eq!(items[2].published, Some(cst(2026, 11, 20, 14, 30)));
        assert_eq!(items[3].published, Some(cst(2025, 12, 30, 0, 0)));
    }

    #[test]
    fn explicit_selectors_and_base_tag() {
        let page = r#"<html><head><base href="https://cdn.example.cn/news/"></head><body>
<div class="item"><h3 class="t">标题一</h3><p class="more"><a href="a/1.html">阅读全文</a></p><em>2026.11.25 09:05</em></div>
<div class="item"><h3 class="t"></h3><p class="more"><a href="a/2.html">第二篇</a></p></div>
<a class="item" href="/direct.html">直接是链接</a>
</body></html>"#;
        let base = Url::parse("https://www.example.cn/list.html").unwrap();
        let sel = ListSelectors {
            item: ".item".into(),
            link: Some("p.more".into()),
            title: Some("h3.t".into()),
            date: Some("em".into()),
        };
        let items = parse_list(page, &base, &sel, Shanghai, now()).unwrap();
        assert_eq!(items.len(), 2, "{items:?}");
        assert_eq!(
            items[0].url.as_deref(),
            Some("https://cdn.example.cn/news/a/1.html")
        );
        assert_eq!(items[0].title, "标题一");
        assert_eq!(items[0].published, Some(cst(2026, 11, 25, 9, 5)));
        assert_eq!(
            items[1].title, "第二篇",
            "empty title selector falls back to link text"
        );
        assert_eq!(items[1].published, None);

        // Without a link selector, an item that is itself <a href> is its own link.
        let sel = ListSelectors {
            item: "a.item".into(),
            ..Default::default()
        };
        let items = parse_list(page, &base, &sel, Shanghai, now()).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].url.as_deref(),
            Some("https://cdn.example.cn/direct.html")
        );
        assert_eq!(items[0].title, "直接是链接");
    }

    #[test]
    fn a_cut_title_selector_text_gives_way_to_the_title_attribute() {
        let page = r#"<ul class="news-list">
<li><a href="1124-01.html" title="“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决">“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题...</a></li>
<li><a href="1125-01.html" title="打开新窗口">青石街道开展冬季安全生产大检查</a></li>
</ul>"#;
        let base = Url::parse("https://www.example.gov.cn/news/list.html").unwrap();
        let sel = ListSelectors {
            item: "ul.news-list li".into(),
            link: Some("a".into()),
            title: Some("a".into()),
            date: None,
        };
        let items = parse_list(page, &base, &sel, Shanghai, now()).unwrap();
        assert_eq!(
            items[0].title,
            "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决"
        );
        // An attribute that is not the title at all does not replace the text.
        assert_eq!(items[1].title, "青石街道开展冬季安全生产大检查");
    }

    #[test]
    fn invalid_selector() {
        let base = Url::parse("https://www.example.cn/").unwrap();
        let sel = ListSelectors {
            item: "li".into(),
            date: Some("span[".into()),
            ..Default::default()
        };
        let err = parse_list(PAGE, &base, &sel, Shanghai, now()).unwrap_err();
        assert!(
            err.contains("date selector") && err.contains("span["),
            "{err}"
        );
        let sel = ListSelectors {
            item: "".into(),
            ..Default::default()
        };
        assert!(parse_list(PAGE, &base, &sel, Shanghai, now()).is_err());
    }

    #[test]
    fn list_dates() {
        let d = |s: &str| parse_list_date(s, Shanghai, now());
        assert_eq!(d("2026-11-25"), Some(cst(2026, 11, 25, 0, 0)));
        assert_eq!(
            d("发布时间：2026/11/25 08:01"),
            Some(cst(2026, 11, 25, 8, 1))
        );
        assert_eq!(d("2026年11月25日"), Some(cst(2026, 11, 25, 0, 0)));
        assert_eq!(d("[11-25]"), Some(cst(2026, 11, 25, 0, 0)));
        assert_eq!(d("11月25日 16:40"), Some(cst(2026, 11, 25, 16, 40)));
        assert_eq!(d("12-31"), Some(cst(2025, 12, 31, 0, 0)));
        // Relative and year-less forms with a time, as list pages print them.
        assert_eq!(d("3小时前"), Some(cst(2026, 11, 26, 7, 0)));
        assert_eq!(d("昨天 14:20"), Some(cst(2026, 11, 25, 14, 20)));
        assert_eq!(d("11-13 08:00"), Some(cst(2026, 11, 13, 8, 0)));
        assert_eq!(d("刚刚"), Some(now()));
        // More than a day ahead: last year's.
        assert_eq!(d("11-28"), Some(cst(2025, 11, 28, 0, 0)));
        assert_eq!(d("11-27"), Some(cst(2026, 11, 27, 0, 0)));
        assert_eq!(d("2026-13-01"), None);
        assert_eq!(d("阅读 123"), None);
        assert_eq!(d(""), None);
    }
}
