//! Plain data that flows between the stages: feed items, extracted pages, articles.
//! No I/O here; every stage takes and returns these types.

mod kinds;

pub use kinds::{AlertStatus, DigestFormat, Handling, Level, NotifyKind, Role, SourceStatus, Tone};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

/// `2026-11-21 22:45` from an RFC 3339 time, in the offset it carries (the configured zone);
/// `—` when there is none, other text as given. Used wherever a person reads a time.
pub fn short_time(t: Option<&str>) -> String {
    match t {
        Some(t) => match DateTime::parse_from_rfc3339(t.trim()) {
            Ok(d) => d.format("%Y-%m-%d %H:%M").to_string(),
            Err(_) => t.to_string(),
        },
        None => "—".to_string(),
    }
}

/// One entry found on a source: a feed item or a link on a list page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedItem {
    /// The feed's own identifier (RSS `guid`, Atom `id`), if any.
    pub guid: Option<String>,
    /// Absolute link to the article page, resolved against the feed or page URL.
    pub url: Option<String>,
    /// Title as plain text (entities decoded, tags removed, whitespace collapsed).
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// Body carried by the feed itself, as plain text (may be empty: WeWe RSS often has none).
    pub text: String,
}

/// What the extractor found on an article page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extracted {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    /// Main text as plain text, paragraphs separated by `\n`. For a forum thread or Q&A
    /// page: the first post (or the question's description), then each reply or answer
    /// after a line `回复 #N 作者：` / `回答 #N 作者：`.
    pub text: String,
    /// How sure the extractor is that `text` is the page's main text, in [0, 1] (two
    /// decimals). WeChat articles and configured site rules: 1. Generic pages: see
    /// `crawl::extract::score`; below 0.5 is low confidence (a guess, e.g. the largest
    /// block of a page where nothing looked like an article).
    pub confidence: f64,
    /// What kind of page the text came from.
    pub page_type: PageType,
}

/// The kind of page an extraction came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageType {
    /// A news story, notice, blog post, poem...: one main text.
    #[default]
    Article,
    /// A forum thread: the first post and its replies.
    Thread,
    /// A question and its answers.
    Qa,
    /// A page of links (an index or channel page).
    List,
    /// No main text found (an empty shell, a login page...).
    NotArticle,
}

/// The verdict on a fetched article page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageKind {
    /// A real article.
    Article(Extracted),
    /// The publisher deleted it, or the link expired ("该内容已被发布者删除", "链接已过期").
    Deleted(String),
    /// An anti-bot wall ("环境异常", captcha): the source must back off.
    Blocked(String),
}

/// Where an article's publication time came from. Stored with the article and shown as
/// `published_source` in its JSON, so that a reader knows how far to trust `published`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishedSource {
    /// Found on the article page itself (meta tags, the date line, WeChat's `ct`).
    Page,
    /// The feed item's date or the list page's date next to the link.
    Feed,
    /// Neither had one: the time we fetched it stands in.
    Fetched,
}

impl PublishedSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PublishedSource::Page => "page",
            PublishedSource::Feed => "feed",
            PublishedSource::Fetched => "fetched",
        }
    }

    /// The stored name back; `None` for anything else (rows from before the column existed).
    pub fn parse(s: &str) -> Option<PublishedSource> {
        match s {
            "page" => Some(PublishedSource::Page),
            "feed" => Some(PublishedSource::Feed),
            "fetched" => Some(PublishedSource::Fetched),
            _ => None,
        }
    }
}
