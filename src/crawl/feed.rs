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

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use ego_tree::iter::Edge;
use encoding_rs::Encoding;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use regex::Regex;
use scraper::{Html, Node};
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

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// HTML → text

/// Elements whose content is never text.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "select", "button",
];

/// Elements that start and end a line.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "thead",
    "tfoot",
    "tr",
    "caption",
    "ul",
    "body",
    "html",
];

/// Converts HTML (a fragment or a whole document) to plain text.
///
/// Block elements and `<br>` become line breaks, table cells are separated by a space, `<head>`,
/// scripts, styles and similar are dropped; entities are decoded. Whitespace (including the
/// ideographic space U+3000 and NBSP) collapses to one space within a line, lines are trimmed,
/// blank lines removed, and zero-width characters (U+200B, U+2060, U+FEFF, soft hyphen) deleted.
/// Lines are joined with `\n`.
pub fn html_to_text(html: &str) -> String {
    if !has_markup(html) {
        return normalize_lines(html);
    }
    // Bounded nesting keeps the parse linear (120 000 nested divs took 47 s).
    let html = crate::text::html::bound_nesting(html, crate::text::html::MAX_HTML_DEPTH);
    let head = html.trim_start();
    let doc = if starts_with_ci(head, "<!doctype") || starts_with_ci(head, "<html") {
        Html::parse_document(&html)
    } else {
        Html::parse_fragment(&html)
    };
    let mut out = String::with_capacity(html.len() / 2);
    let mut skip_depth = 0usize;
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let name = el.name();
                    if skip_depth > 0 || SKIPPED.contains(&name) {
                        skip_depth += 1;
                    } else if name == "br" || BLOCKS.contains(&name) {
                        out.push('\n');
                    }
                }
                Node::Text(t) if skip_depth == 0 => out.push_str(t),
                _ => {}
            },
            Edge::Close(node) => {
                if let Node::Element(el) = node.value() {
                    let name = el.name();
                    if skip_depth > 0 {
                        skip_depth -= 1;
                    } else if BLOCKS.contains(&name) {
                        out.push('\n');
                    } else if matches!(name, "td" | "th") {
                        out.push(' ');
                    }
                }
            }
        }
    }
    normalize_lines(&out)
}

/// One line of plain text: `html_to_text` with line breaks turned into spaces.
fn inline_text(s: &str) -> String {
    html_to_text(s).replace('\n', " ")
}

/// Does the string contain a tag, a comment or an entity reference?
fn has_markup(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"<[A-Za-z/!]|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
            .expect("valid regex")
    })
    .is_match(s)
}

fn normalize_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split(['\n', '\r']) {
        let mut pending_space = false;
        let start = out.len();
        for c in line.chars() {
            if matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}') {
                continue;
            }
            if c.is_whitespace() {
                pending_space = out.len() > start;
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
        if out.len() > start {
            out.push('\n');
        }
    }
    if out.ends_with('\n') {
        out.pop();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Timestamps

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

/// Local time in `tz`; in a DST gap, one hour later.
fn local(naive: NaiveDateTime, tz: Tz) -> Option<DateTime<FixedOffset>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(naive + Duration::hours(1)))
                .earliest()
        })
        .map(|dt| dt.fixed_offset())
}

#[cfg(test)]
mod tests;
