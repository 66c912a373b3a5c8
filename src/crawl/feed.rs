//! RSS / Atom / RDF / JSON Feed parsing into [`FeedItem`]s, via feed-rs.
//!
//! feed-rs decodes XML by its prolog only, and fails on GBK bytes without a prolog ("no root
//! element"). So XML is decoded here first ([`decode_xml`]), the prolog is replaced by a UTF-8 one,
//! and feed-rs gets UTF-8 bytes. JSON Feed (first byte `{`) goes to feed-rs unchanged.
//!
//! Dates: feed-rs stores `DateTime<Utc>` and its default parser knows only RFC 3339/2822/1123.
//! A custom timestamp parser ([`parse_feed_timestamp`]) is plugged in instead: it also reads
//! Chinese forms (`2021-05-18 17:26:42`, `2026年11月25日 08:30`, epoch seconds), treats times
//! without a zone (and `CST`, which Chinese servers use for China Standard Time) as local time in
//! the source's `tz` instead of UTC, and remembers the original UTC offset of every parsed
//! timestamp so that `FeedItem::published` keeps it (`+08:00` stays `+08:00`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use encoding_rs::Encoding;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use regex::Regex;
use url::Url;

use crate::crawl::charset::{decode_html, decode_xml};
use crate::model::FeedItem;

/// Bodies larger than this are rejected before parsing.
pub const MAX_FEED_BYTES: usize = 20 * 1024 * 1024;
/// At most this many entries are taken from one feed (the first ones, i.e. usually the newest).
pub const MAX_FEED_ITEMS: usize = 1_000;

/// Why a feed body could not be turned into items.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("内容为空 (empty body)")]
    Empty,
    #[error("订阅源过大 (feed too large): {size} bytes (limit {limit})")]
    TooLarge { size: usize, limit: usize },
    /// The body is something else: an HTML page (login wall, error page, site moved), plain text...
    #[error("不是订阅源 (not a feed): {0}")]
    NotAFeed(String),
    /// It looks like a feed but cannot be read: broken XML, bad JSON, or hostile XML (a DOCTYPE
    /// that declares entities, the "billion laughs" attack, is refused outright).
    #[error("订阅源格式错误 (malformed feed): {0}")]
    Malformed(String),
    /// A WAF block page, a captcha or a browser challenge instead of the feed: the source is
    /// blocked (it backs off), not broken.
    #[error("访问被拦截 (blocked by an anti-bot page): {0}")]
    Blocked(String),
}

/// Parses a feed body into items. A body that is no feed but an anti-bot wall (a WAF block
/// page, a captcha: see `crawl::antibot`) is [`FeedError::Blocked`].
///
/// * `content_type`: the HTTP `Content-Type` header, for its charset (the XML prolog wins).
/// * `force`: a per-source encoding override; beats everything.
/// * `base`: the feed URL; relative item links resolve against the feed's own `<link>` when it is
///   an absolute http(s) URL, else against `base`.
/// * `tz`: the source's time zone for timestamps without one.
pub fn parse_feed(
    bytes: &[u8],
    content_type: Option<&str>,
    force: Option<&'static Encoding>,
    base: &Url,
    tz: Tz,
) -> Result<Vec<FeedItem>, FeedError> {
    parse_feed_body(bytes, content_type, force, base, tz).map_err(|e| match e {
        FeedError::NotAFeed(why) => {
            // Decoded as the HTML page it is (its <meta charset> counts, unlike for XML).
            let (html, _) = decode_html(bytes, content_type, force);
            match crate::crawl::antibot::wall_reason(&html) {
                Some(wall) => FeedError::Blocked(wall),
                None => FeedError::NotAFeed(why),
            }
        }
        other => other,
    })
}

fn parse_feed_body(
    bytes: &[u8],
    content_type: Option<&str>,
    force: Option<&'static Encoding>,
    base: &Url,
    tz: Tz,
) -> Result<Vec<FeedItem>, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge {
            size: bytes.len(),
            limit: MAX_FEED_BYTES,
        });
    }
    let unbommed = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = unbommed.iter().find(|b| !b.is_ascii_whitespace());
    // The XML root element's local name, once checked (None for JSON).
    let mut root = None;
    let prepared: Vec<u8> = match first {
        None => return Err(FeedError::Empty),
        Some(b'{') if force.is_none() => unbommed.to_vec(),
        _ => {
            let (text, _) = decode_xml(bytes, content_type, force);
            let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if trimmed.is_empty() {
                return Err(FeedError::Empty);
            }
            if trimmed.starts_with('{') {
                trimmed.as_bytes().to_vec()
            } else {
                let (xml, name) = prepare_xml(trimmed)?;
                root = Some(name);
                xml.into_bytes()
            }
        }
    };

    let offsets: Arc<Mutex<HashMap<DateTime<Utc>, FixedOffset>>> = Arc::default();
    let recorder = Arc::clone(&offsets);
    let parser = feed_rs::parser::Builder::new()
        // No base_uri: feed-rs would resolve relative links against the feed URL before we can
        // prefer the feed's own <link>. xml:base in the document is still honoured by feed-rs.
        // We only keep plain text; html_to_text drops scripts and styles itself.
        .sanitize_content(false)
        // Keep only real ids: feed-rs would otherwise invent one from link + title.
        .id_generator(|_, _, _| String::new())
        .timestamp_parser(move |raw| {
            let parsed = parse_feed_timestamp(raw, tz)?;
            let utc = parsed.with_timezone(&Utc);
            if let Ok(mut map) = recorder.lock() {
                map.entry(utc).or_insert(*parsed.offset());
            }
            Some(utc)
        })
        .build();
    let feed = parser.parse(prepared.as_slice()).map_err(|e| match e {
        ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot) => match &root {
            Some(name) if name == "rss" => FeedError::Malformed("<rss> without <channel>".into()),
            Some(name) => FeedError::Malformed(format!("no feed content in <{name}>")),
            None => FeedError::NotAFeed("no RSS, Atom, RDF or JSON Feed root element".into()),
        },
        other => FeedError::Malformed(other.to_string()),
    })?;

    let offsets = offsets.lock().map(|m| m.clone()).unwrap_or_default();
    let feed_link = feed
        .links
        .iter()
        .filter(|l| is_alternate(l))
        .find_map(|l| resolve_http(&l.href, base));
    let link_base = feed_link.as_ref().unwrap_or(base);

    let items =
        feed.entries
            .into_iter()
            .take(MAX_FEED_ITEMS)
            .map(|entry| {
                let title = entry
                    .title
                    .as_ref()
                    .map(|t| inline_text(&t.content))
                    .unwrap_or_default();
                let url = entry
                    .links
                    .iter()
                    .filter(|l| is_alternate(l))
                    .find_map(|l| resolve_http(&l.href, link_base))
                    .or_else(|| {
                        // An RSS guid that is a permalink.
                        Url::parse(entry.id.trim())
                            .ok()
                            .filter(|u| matches!(u.scheme(), "http" | "https"))
                    });
                let guid = Some(entry.id.trim().to_string()).filter(|id| !id.is_empty());
                let author = entry
                    .authors
                    .iter()
                    .find_map(|p| p.name.as_deref().map(inline_text).filter(|n| !n.is_empty()));
                let published = entry.published.or(entry.updated).map(|utc| {
                    let offset = offsets.get(&utc).copied().unwrap_or_else(|| {
                        utc.with_timezone(&tz).fixed_offset().offset().to_owned()
                    });
                    utc.with_timezone(&offset)
                });
                let content_text = entry
                    .content
                    .as_ref()
                    .and_then(|c| c.body.as_deref())
                    .map(html_to_text)
                    .filter(|t| !t.is_empty());
                let mut text = content_text
                    .or_else(|| {
                        entry
                            .summary
                            .as_ref()
                            .map(|s| html_to_text(&s.content))
                            .filter(|t| !t.is_empty())
                    })
                    .unwrap_or_default();
                // WeChat mirrors repeat the title as the only "content".
                if text == title {
                    text.clear();
                }
                FeedItem {
                    guid,
                    url: url.map(String::from),
                    title,
                    author,
                    published,
                    text,
                }
            })
            .collect();
    Ok(items)
}

fn is_alternate(link: &feed_rs::model::Link) -> bool {
    link.target.is_none()
        && link
            .rel
            .as_deref()
            .is_none_or(|r| r.trim().is_empty() || r.trim().eq_ignore_ascii_case("alternate"))
}

/// Resolves `href` against `base`; only http(s) results (or file: under a file: base), no
/// `javascript:`/`mailto:`/`#…`.
fn resolve_http(href: &str, base: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = base.join(href).ok()?;
    // file:// links only from a local feed (offline demo, imported files): a remote feed must
    // never make us read local files.
    let ok = matches!(url.scheme(), "http" | "https")
        || (url.scheme() == "file" && base.scheme() == "file");
    ok.then_some(url)
}

/// Replaces the XML prolog by a UTF-8 one and checks the root element, whose lower-case local
/// name is returned with the new document.
///
/// `text` starts at its first non-blank character. Also gives a versionless `<rss>` (or one with
/// an odd version) `version="2.0"`, since feed-rs only accepts 0.91, 0.92 and 2.0.
fn prepare_xml(text: &str) -> Result<(String, String), FeedError> {
    let mut rest = text;
    if starts_with_ci(rest, "<?xml") {
        rest = match rest.find("?>") {
            Some(end) => &rest[end + 2..],
            None => return Err(FeedError::Malformed("unterminated XML declaration".into())),
        };
    }
    // Walk over comments, processing instructions and the doctype to the root element.
    let mut pos = 0;
    let root_at = loop {
        let tail = &rest[pos..];
        let skipped = tail.len() - tail.trim_start().len();
        pos += skipped;
        let tail = &rest[pos..];
        if tail.is_empty() {
            return Err(FeedError::NotAFeed("no root element".into()));
        }
        if !tail.starts_with('<') {
            return Err(FeedError::NotAFeed(format!(
                "body is neither XML nor JSON: starts with {:?}",
                tail.chars().take(40).collect::<String>()
            )));
        }
        if tail.starts_with("<!--") {
            let end = tail.find("-->").ok_or_else(|| {
                FeedError::Malformed("unterminated comment before the root element".into())
            })?;
            pos += end + 3;
        } else if tail.starts_with("<?") {
            let end = tail.find("?>").ok_or_else(|| {
                FeedError::Malformed("unterminated processing instruction".into())
            })?;
            pos += end + 2;
        } else if starts_with_ci(tail, "<!doctype") {
            let name = tail[9..].trim_start();
            if starts_with_ci(name, "html") {
                return Err(FeedError::NotAFeed("got an HTML page".into()));
            }
            let len = doctype_len(tail)
                .ok_or_else(|| FeedError::Malformed("unterminated DOCTYPE declaration".into()))?;
            // Entities are how XML bombs (billion laughs) and external-entity tricks work; no
            // real feed needs them. Refuse rather than hope the parser leaves them unexpanded.
            if find_ci(&tail[..len], "<!entity") {
                return Err(FeedError::Malformed(
                    "DOCTYPE 声明了实体，拒绝展开 (the DOCTYPE declares entities; expansion refused)"
                        .into(),
                ));
            }
            pos += len;
        } else {
            break pos;
        }
    };
    let root = &rest[root_at..];
    let name: String = root[1..]
        .chars()
        .take_while(|c| !(c.is_whitespace() || matches!(c, '>' | '/')))
        .collect();
    let local = name
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match local.as_str() {
        "rss" | "feed" | "rdf" | "entry" => {}
        "html" | "head" | "body" | "meta" | "title" | "div" | "script" | "p" | "table" => {
            return Err(FeedError::NotAFeed("got an HTML page".into()));
        }
        _ => {
            return Err(FeedError::NotAFeed(format!(
                "root element <{name}> is not RSS, Atom or RDF"
            )));
        }
    }
    const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(PROLOG);
    out.push_str(&rest[..root_at]);
    if local == "rss" && name == "rss" {
        let tag_end = root.find('>').unwrap_or(root.len());
        let tag = &root[..tag_end];
        match rss_version_re().captures(tag) {
            Some(c) if matches!(&c[2], "2.0" | "0.91" | "0.92") => out.push_str(root),
            Some(c) => {
                let span = c.get(2).map_or(0..0, |m| m.range());
                out.push_str(&root[..span.start]);
                out.push_str("2.0");
                out.push_str(&root[span.end..]);
            }
            None => {
                out.push_str("<rss version=\"2.0\"");
                out.push_str(&root[4..]);
            }
        }
    } else {
        out.push_str(root);
    }
    let out = drop_inner_declarations(out, PROLOG.len());
    Ok((escape_bare_ampersands(out), local))
}

/// Removes XML declarations (`<?xml version=… encoding="gbk"?>`) after the first `from` bytes.
/// One is only allowed at the very start, where ours now is; quick-xml reports any other as a
/// declaration too, and feed-rs then switches the decoder to its encoding, which panics once the
/// reader is past the document's first bytes. They go wherever they are, also inside comments
/// and CDATA: a lexer of our own would not agree with quick-xml's on broken input (`<<!--…`),
/// and a declaration is never text worth keeping.
fn drop_inner_declarations(xml: String, from: usize) -> String {
    let is_declaration = |s: &str| {
        starts_with_ci(s, "<?xml")
            && s[5..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || c == '?')
    };
    let Some(tail) = xml.get(from..) else {
        return xml;
    };
    if !tail
        .match_indices("<?")
        .any(|(i, _)| is_declaration(&tail[i..]))
    {
        return xml;
    }
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..from]);
    let mut rest = tail;
    while let Some(i) = rest.find("<?") {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if is_declaration(rest) {
            // Up to the end of the instruction, as quick-xml reads it (or the end of input).
            rest = rest.find("?>").map_or("", |e| &rest[e + 2..]);
        } else {
            out.push_str("<?");
            rest = &rest[2..];
        }
    }
    out.push_str(rest);
    out
}

/// Escapes `&` that does not start a character or entity reference (`?a=1&b=2` in links is
/// common in Chinese feeds and makes the whole document ill-formed for quick-xml). CDATA sections
/// are left alone.
fn escape_bare_ampersands(xml: String) -> String {
    static REFERENCE: OnceLock<Regex> = OnceLock::new();
    let reference = REFERENCE.get_or_init(|| {
        Regex::new(r"^&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z_][A-Za-z0-9._-]*);")
            .expect("valid regex")
    });
    if !xml.contains('&') {
        return xml;
    }
    let mut out = String::with_capacity(xml.len() + 64);
    let mut rest = xml.as_str();
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with("<![CDATA[") {
            let end = rest.find("]]>").map_or(rest.len(), |e| e + 3);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if rest.starts_with('<') {
            out.push('<');
            rest = &rest[1..];
        } else {
            if reference.is_match(rest) {
                out.push('&');
            } else {
                out.push_str("&amp;");
            }
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn rss_version_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r#"\sversion\s*=\s*(["'])\s*([^"']*?)\s*["']"#).expect("valid regex")
    })
}

/// Length of a `<!DOCTYPE …>` declaration including an internal subset `[…]`.
fn doctype_len(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => depth -= 1,
            (None, '>') if depth <= 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Does `s` contain the ASCII `needle` (lower case), ignoring ASCII case?
fn find_ci(s: &str, needle: &str) -> bool {
    s.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

pub(super) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

mod text;

pub use crate::crawl::dates::parse_feed_timestamp;
pub use text::html_to_text;
use text::inline_text;

#[cfg(test)]
mod tests;
