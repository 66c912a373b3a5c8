//! Hints from class/id names, link targets and footer words. They shift a line's weight
//! (see `density`); none of them removes text by itself.

use std::sync::LazyLock;

use ego_tree::NodeRef;
use regex::Regex;
use scraper::{Node, node::Element};

/// Splits a class/id value into lower-case tokens (`news-list_item` → news, list, item).
fn tokens(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_lowercase())
}

pub(crate) fn class_and_id(el: &Element) -> String {
    let mut s = String::new();
    if let Some(c) = el.attr("class") {
        s.push_str(c);
    }
    if let Some(id) = el.id() {
        s.push(' ');
        s.push_str(id);
    }
    s
}

/// Boilerplate by class/id: `comment`, `footer`... always; `nav`, `sidebar`,
/// `related`... unless the same element also says `content`/`article`/`main`.
pub(crate) fn is_noise_name(value: &str) -> bool {
    const STRONG: &[&str] = &[
        "comment",
        "footer",
        "foot",
        "copyright",
        "breadcrumb",
        "crumb",
    ];
    const WEAK: &[&str] = &[
        "nav",
        "sidebar",
        "side",
        "share",
        "recommend",
        "related",
        "relate",
        "menu",
        "banner",
        "advert",
        "ads",
        "toolbar",
        "topbar",
        "login",
        "hotnews",
        "rank",
        "pager",
        "pagination",
        "social",
        "sponsor",
        "popup",
        "modal",
    ];
    const OK: &[&str] = &[
        "content", "article", "main", "body", "text", "detail", "post",
    ];
    let toks: Vec<String> = tokens(value).collect();
    let has = |list: &[&str]| toks.iter().any(|t| list.iter().any(|k| t.starts_with(k)));
    // Exact-token checks for short words that are common prefixes of unrelated words.
    if toks.iter().any(|t| t == "ad" || t == "gg") {
        return !has(OK);
    }
    has(STRONG) || (has(WEAK) && !has(OK))
}

pub(crate) fn is_meta_name(value: &str) -> bool {
    const META: &[&str] = &[
        "time", "date", "pub", "info", "source", "author", "meta", "byline",
    ];
    let lower = value.to_ascii_lowercase();
    META.iter().any(|k| lower.contains(k))
}

/// File endings of downloadable documents (attachment links).
const ATTACHMENT_EXT: &[&str] = &[
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".txt",
    ".wps", ".et", ".csv", ".ofd", ".caj",
];

/// A link whose text or target names a document file.
pub(crate) fn is_attachment(node: NodeRef<'_, Node>, el: &Element) -> bool {
    let ends = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        ATTACHMENT_EXT.iter().any(|x| s.ends_with(x))
    };
    if el
        .attr("href")
        .is_some_and(|h| ends(h.split(['?', '#']).next().unwrap_or("")))
    {
        return true;
    }
    let mut text = String::new();
    for d in node.descendants().skip(1).take(50) {
        if let Node::Text(t) = d.value() {
            text.push_str(t);
            if text.len() > 400 {
                return false;
            }
        }
    }
    ends(&text)
}

/// Words of a site footer: copyright, licence and registration numbers, the site's owner.
pub(crate) static BOILER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)版权所有|copyright|©|ICP备|ICP证|公网安备|举报电话|举报邮箱|增值电信业务|网站标识码|主办单位|承办单位|技术支持[:：]|邮编[:：]",
    )
    .expect("valid boilerplate regex")
});
