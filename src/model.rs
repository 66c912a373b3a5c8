//! Plain data that flows between the stages: feed items, extracted pages, articles.
//! No I/O here; every stage takes and returns these types.

use chrono::{DateTime, FixedOffset};

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
    /// Main text as plain text, paragraphs separated by `\n`.
    pub text: String,
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
