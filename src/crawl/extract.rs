//! Main-text extraction from a decoded article page.
//!
//! Order: WeChat deleted/blocked pages, WeChat articles (`#js_content`), a
//! configured [`SiteRule`] for the host, then the generic path for arbitrary Chinese
//! pages (`generic`):
//! * a scoring search for the main block (`density`): text, link and punctuation
//!   density per line, class/id names, boilerplate tags and footer words (`hints`) as
//!   soft weights (never a removal of most of the text), DOM depth as the tie-break and
//!   the headline's position as the anchor; a line run across table cells when it is
//!   clearly heavier and does not reach another story's headline;
//! * page-type detection from repeated sibling posts (`pagetype`): a forum thread or
//!   Q&A page yields the first post and every reply, each attributed (`thread`); on an
//!   article, comment lists and recommendation streams inside the block are left out;
//! * a guard: a page with ≥ 200 visible characters never yields an empty or tiny body
//!   (the largest text block is taken, with low confidence);
//! * a confidence in [0, 1] (`score`); below 0.5, dom_smoothie (readability.js port)
//!   gives a second opinion (`smoothie`).
//!
//! Synchronous and pure: input past 3 MB is ignored, nesting is bounded before parsing,
//! every tree walk is iterative.

mod density;
mod entities;
mod generic;
mod hints;
mod layout;
mod meta;
mod pagetype;
mod score;
mod smoothie;
mod thread;

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use crate::model::{Extracted, PageKind, PageType};
use crate::text::html::{MAX_HTML_DEPTH, bound_nesting};
use layout::{Layout, Options, decode_js_string, inline_text, linearize};

/// Input beyond this many bytes is ignored.
const MAX_INPUT: usize = 3 * 1024 * 1024;

/// Whether dom_smoothie is asked for a second opinion on generic pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecondOpinion {
    /// Only when our confidence is low (what [`extract`] does).
    #[default]
    Auto,
    /// Never: our extractor alone (for evaluation).
    Off,
    /// dom_smoothie's text replaces ours on every generic page (for evaluation).
    Only,
}

pub use crate::config::{SiteRule, validate_selector};

/// Extracts title, author, publication time and main text from an article page.
pub fn extract(
    html: &str,
    url: &url::Url,
    rules: &[SiteRule],
    tz: Tz,
    now: DateTime<FixedOffset>,
) -> PageKind {
    extract_with(html, url, rules, tz, now, SecondOpinion::Auto)
}

/// [`extract`] with a choice of second opinion (evaluation: ours alone, dom_smoothie alone).
pub fn extract_with(
    html: &str,
    url: &url::Url,
    rules: &[SiteRule],
    tz: Tz,
    now: DateTime<FixedOffset>,
    second: SecondOpinion,
) -> PageKind {
    let html = truncate(html, MAX_INPUT);
    // html5ever's tree building is quadratic in nesting depth: bound it (text is kept).
    let bounded = bound_nesting(html, MAX_HTML_DEPTH);
    let html: &str = &bounded;
    let doc = Html::parse_document(html);
    let no_removal = HashSet::new();
    let page = linearize(
        doc.tree.root(),
        &Options {
            classify_noise: true,
            removed: &no_removal,
        },
    );
    let ctx = Page {
        doc: &doc,
        html,
        url,
        page: &page,
        tz,
        now,
    };

    let js_content = select_first(&doc, "#js_content");
    let wechat = url
        .host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case("mp.weixin.qq.com"))
        || js_content.is_some();
    let js_text = js_content.map(|e| inline_text(*e)).unwrap_or_default();
    if let Some(kind) = wechat_non_article(&page, wechat, js_text.chars().count()) {
        return kind;
    }
    if let Some(body) = js_content {
        return PageKind::Article(ctx.wechat(body));
    }
    if let Some(rule) = rules.iter().find(|r| r.matches(url))
        && let Some(found) = ctx.with_rule(rule)
    {
        return PageKind::Article(found);
    }
    PageKind::Article(ctx.generic(second))
}

/// Cuts `s` to at most `max` bytes on a char boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn select_first<'a>(doc: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let sel = Selector::parse(selector).ok()?;
    doc.select(&sel).next()
}

/// Deleted / expired / anti-bot WeChat pages (also generic captcha walls).
fn wechat_non_article(page: &Layout, wechat: bool, body_chars: usize) -> Option<PageKind> {
    const DELETED: &[&str] = &[
        "该内容已被发布者删除",
        "此内容因违规无法查看",
        "此内容被多人投诉",
        "该公众号已迁移",
        "链接已过期",
        "该内容已被删除",
    ];
    const BLOCKED: &[&str] = &["环境异常", "完成验证后即可继续访问", "请完成安全验证"];
    const CAPTCHA: &[&str] = &["验证码", "captcha", "访问过于频繁", "人机验证", "滑动验证"];
    if body_chars >= 20 {
        return None;
    }
    let total: usize = page.lines.iter().map(|l| l.chars + l.link_chars).sum();
    // Only short pages (or WeChat pages without a body) can be such a notice;
    // a long news article merely quoting the phrase is not.
    if !wechat && total > 600 {
        return None;
    }
    // Outside WeChat the notice must be a short line of its own.
    let find = |needles: &[&str]| {
        page.lines
            .iter()
            .filter(|l| wechat || l.chars + l.link_chars <= 40)
            .find_map(|l| {
                let lower = l.text.to_lowercase();
                needles
                    .iter()
                    .find(|n| lower.contains(*n))
                    .map(|n| (*n).to_string())
            })
    };
    if let Some(reason) = find(DELETED) {
        return Some(PageKind::Deleted(reason));
    }
    if let Some(reason) = find(BLOCKED) {
        return Some(PageKind::Blocked(reason));
    }
    if total <= 600
        && let Some(reason) = find(CAPTCHA)
    {
        return Some(PageKind::Blocked(reason));
    }
    None
}

/// Everything the extraction steps share for one page.
struct Page<'a> {
    doc: &'a Html,
    html: &'a str,
    url: &'a url::Url,
    page: &'a Layout,
    tz: Tz,
    now: DateTime<FixedOffset>,
}

static MSG_TITLE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"var\s+msg_title\s*=\s*(?:htmlDecode\(\s*)?(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#,
    )
    .expect("valid msg_title regex")
});
static NICKNAME_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"var\s+nickname\s*=\s*(?:htmlDecode\(\s*)?(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#,
    )
    .expect("valid nickname regex")
});
static CT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\bvar\s+ct\s*=\s*["']?(\d{9,13})["']?"#).expect("valid ct regex")
});
static MSG_DESC_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"var\s+msg_desc\s*=\s*(?:htmlDecode\(\s*)?(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"#,
    )
    .expect("valid msg_desc regex")
});

/// The first string literal captured by a `var name = "…"` / `'…'` regex, decoded.
fn js_var(re: &Regex, html: &str) -> Option<String> {
    let c = re.captures(html)?;
    let raw = c.get(1).or_else(|| c.get(2))?.as_str();
    let value = decode_js_string(raw);
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    (!value.is_empty()).then_some(value)
}

fn non_empty(s: String) -> Option<String> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    (!s.is_empty()).then_some(s)
}

impl Page<'_> {
    /// WeChat article: body of `#js_content`, metadata from the page's JS variables.
    fn wechat(&self, body: ElementRef<'_>) -> Extracted {
        let removed = HashSet::new();
        let layout = linearize(
            *body,
            &Options {
                classify_noise: false,
                removed: &removed,
            },
        );
        let mut text = layout::join(layout.lines.iter());
        if text.is_empty() {
            // Picture or video posts: the description is the only text.
            text = js_var(&MSG_DESC_RE, self.html)
                .or_else(|| meta::meta_content(self.doc, &["og:description", "description"]))
                .unwrap_or_default();
        }
        let title = meta::meta_content(self.doc, &["og:title"])
            .or_else(|| js_var(&MSG_TITLE_RE, self.html))
            .or_else(|| {
                select_first(self.doc, "#activity-name").and_then(|e| non_empty(inline_text(*e)))
            });
        let published = CT_RE
            .captures(self.html)
            .and_then(|c| crate::crawl::dates::parse_datetime(&c[1], self.tz, self.now))
            .or_else(|| {
                let t = select_first(self.doc, "#publish_time").map(|e| inline_text(*e))?;
                crate::crawl::dates::parse_datetime(&t, self.tz, self.now)
            });
        let author = js_var(&NICKNAME_RE, self.html)
            .or_else(|| select_first(self.doc, "#js_name").and_then(|e| non_empty(inline_text(*e))))
            .or_else(|| meta::meta_content(self.doc, &["author"]));
        let confidence = if text.is_empty() { 0.0 } else { 1.0 };
        Extracted {
            title,
            author,
            published,
            text,
            confidence,
            page_type: PageType::Article,
        }
    }

    /// A configured site rule. `None` when its body selector finds no text (the
    /// site changed its layout), so the generic finder takes over.
    fn with_rule(&self, rule: &SiteRule) -> Option<Extracted> {
        let body_sel = Selector::parse(&rule.body).ok()?;
        let mut removed = HashSet::new();
        for r in &rule.remove {
            if let Ok(sel) = Selector::parse(r) {
                removed.extend(self.doc.select(&sel).map(|e| e.id()));
            }
        }
        let mut parts = Vec::new();
        let mut range = None;
        for el in self.doc.select(&body_sel) {
            if removed.contains(&el.id()) {
                continue;
            }
            let layout = linearize(
                *el,
                &Options {
                    classify_noise: false,
                    removed: &removed,
                },
            );
            let text = layout::join(layout.lines.iter());
            if !text.is_empty() {
                parts.push(text);
            }
            if range.is_none() {
                range = self.page.block(el.id()).map(|b| (b.start, b.end));
            }
        }
        let text = parts.join("\n");
        if text.is_empty() {
            return None;
        }
        let pick = |sel: &Option<String>| -> Option<String> {
            let sel = Selector::parse(sel.as_deref()?).ok()?;
            self.doc
                .select(&sel)
                .find_map(|e| non_empty(inline_text(*e)))
        };
        let title = pick(&rule.title).or_else(|| meta::title(self.doc, self.page));
        let (start, end) = range.unwrap_or((0, 0));
        let published = pick(&rule.date)
            .and_then(|t| {
                crate::crawl::dates::parse_datetime(&t, self.tz, self.now)
                    .or_else(|| crate::crawl::dates::find_datetime(&t, self.tz, self.now))
            })
            .or_else(|| {
                meta::published(
                    self.doc,
                    self.page,
                    title.as_deref(),
                    start,
                    end,
                    self.tz,
                    self.now,
                )
            });
        let author = pick(&rule.author)
            .map(|a| meta::strip_author_label(&a))
            .filter(|a| !a.is_empty())
            .or_else(|| meta::author(self.doc, self.page, title.as_deref(), start, end));
        Some(Extracted {
            title,
            author,
            published,
            text,
            confidence: 1.0,
            page_type: PageType::Article,
        })
    }
}

#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
