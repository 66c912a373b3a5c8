//! Linearises a DOM subtree into text lines, remembering which block element
//! each line came from. Everything downstream (main-block scoring, title, date and
//! author search) works on this flat list, so the tree is walked once per page.
//!
//! The walk is iterative (`traverse`), so deeply nested input cannot overflow the stack.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef, iter::Edge};
use scraper::{Node, node::Element};

/// One visual line of text: the inline content between two block boundaries.
#[derive(Debug, Clone, Default)]
pub(crate) struct Line {
    /// The text with whitespace collapsed to single spaces, trimmed.
    pub text: String,
    /// Non-whitespace characters outside links.
    pub chars: usize,
    /// Non-whitespace characters inside `<a>`.
    pub link_chars: usize,
    /// Punctuation marks outside links (，。！？；：、 and ASCII ,;!?).
    pub punct: usize,
    /// Inside boilerplate (nav/footer/aside, comment/sidebar/... class or id).
    pub noise: bool,
    /// Some ancestor's class/id mentions time|date|pub|info|source|author.
    pub meta_hint: bool,
    /// 1–6 when the line belongs to an `h1`–`h6`, else 0.
    pub heading: u8,
}

/// A block element and the half-open range of lines inside it.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub id: NodeId,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub lines: Vec<Line>,
    pub blocks: Vec<Block>,
}

impl Layout {
    /// The block for an element, if it is a block element of this layout.
    pub fn block(&self, id: NodeId) -> Option<&Block> {
        self.blocks.iter().find(|b| b.id == id)
    }
}

pub(crate) struct Options<'a> {
    /// Mark boilerplate (semantic tags, class/id names) as noise.
    pub classify_noise: bool,
    /// Elements to drop entirely (a site rule's `remove` selectors).
    pub removed: &'a HashSet<NodeId>,
}

/// Elements whose content is never text.
fn is_skipped_tag(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "iframe"
            | "select"
            | "option"
            | "textarea"
            | "button"
            | "object"
            | "embed"
            | "svg"
            | "canvas"
            | "video"
            | "audio"
            | "head"
            | "title"
            | "math"
    )
}

pub(crate) fn is_block_tag(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "li"
            | "ul"
            | "ol"
            | "dl"
            | "dt"
            | "dd"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "tbody"
            | "thead"
            | "tfoot"
            | "caption"
            | "section"
            | "article"
            | "main"
            | "aside"
            | "header"
            | "footer"
            | "nav"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "center"
            | "form"
            | "fieldset"
            | "address"
            | "details"
            | "summary"
            | "body"
            | "html"
            | "hr"
            | "br"
            | "text"
    )
}

fn is_semantic_noise(name: &str) -> bool {
    matches!(name, "nav" | "footer" | "aside" | "header")
}

/// Splits a class/id value into lower-case tokens (`news-list_item` → news, list, item).
fn tokens(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_ascii_lowercase())
}

fn class_and_id(el: &Element) -> String {
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

fn is_meta_name(value: &str) -> bool {
    const META: &[&str] = &[
        "time", "date", "pub", "info", "source", "author", "meta", "byline",
    ];
    let lower = value.to_ascii_lowercase();
    META.iter().any(|k| lower.contains(k))
}

fn is_hidden(el: &Element) -> bool {
    if el.attr("hidden").is_some() {
        return true;
    }
    el.attr("style").is_some_and(|s| {
        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        compact.to_ascii_lowercase().contains("display:none")
    })
}

/// An `<a href>` that reads like a link. Unclosed `<a>` tags get re-opened by the
/// HTML parser around every following block, so an "anchor" with a long text or a
/// paragraph inside it is article text, not a link. Bounded work per anchor.
fn is_real_link(node: NodeRef<'_, Node>, el: &Element) -> bool {
    const MAX_LINK_CHARS: usize = 60;
    const BUDGET: usize = 300;
    if el.attr("href").is_none() {
        return false;
    }
    let mut chars = 0usize;
    for d in node.descendants().skip(1).take(BUDGET) {
        match d.value() {
            Node::Text(t) => {
                chars += t
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .take(MAX_LINK_CHARS + 1)
                    .count();
                if chars > MAX_LINK_CHARS {
                    return false;
                }
            }
            Node::Element(e)
                if matches!(e.name(), "p" | "div" | "table" | "td" | "li" | "section") =>
            {
                return false;
            }
            _ => {}
        }
    }
    true
}

pub(crate) fn is_punct(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '；' | '：' | '、' | ',' | ';' | '!' | '?'
    )
}

struct Frame {
    id: NodeId,
    block: bool,
    noise: bool,
    meta: bool,
    link: bool,
    heading: u8,
    start: usize,
}

#[derive(Default)]
struct LineBuf {
    line: Line,
    pending_space: bool,
}

/// Walks `root` (an element or the document) into lines.
pub(crate) fn linearize(root: NodeRef<'_, Node>, opts: &Options<'_>) -> Layout {
    let mut out = Layout::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut skip: Option<NodeId> = None;
    let mut buf = LineBuf::default();
    let (mut noise_depth, mut meta_depth, mut link_depth) = (0usize, 0usize, 0usize);

    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(el) => {
                        let name = el.name();
                        let is_root = node.id() == root.id();
                        if !is_root
                            && (is_skipped_tag(name)
                                || is_hidden(el)
                                || opts.removed.contains(&node.id()))
                        {
                            skip = Some(node.id());
                            continue;
                        }
                        let block = is_block_tag(name);
                        if block {
                            flush(&mut buf, &mut out.lines);
                        }
                        let names = class_and_id(el);
                        let noise = opts.classify_noise
                            && !matches!(name, "body" | "html" | "article" | "main" | "text")
                            && (is_semantic_noise(name) || is_noise_name(&names));
                        let meta = name != "text" && is_meta_name(&names);
                        let link = name == "a" && is_real_link(node, el);
                        let heading = match name.as_bytes() {
                            [b'h', d @ b'1'..=b'6'] => d - b'0',
                            _ => 0,
                        };
                        noise_depth += usize::from(noise);
                        meta_depth += usize::from(meta);
                        link_depth += usize::from(link);
                        let start = out.lines.len();
                        stack.push(Frame {
                            id: node.id(),
                            block,
                            noise,
                            meta,
                            link,
                            heading,
                            start,
                        });
                    }
                    Node::Text(t) => {
                        let heading = stack
                            .iter()
                            .rev()
                            .find(|f| f.block)
                            .map_or(0, |f| f.heading);
                        push_text(
                            &mut buf,
                            t,
                            link_depth > 0,
                            noise_depth > 0,
                            meta_depth > 0,
                            heading,
                        );
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(id) = skip {
                    if id == node.id() {
                        skip = None;
                    }
                    continue;
                }
                if !node.value().is_element() {
                    continue;
                }
                let Some(frame) = stack.pop() else { continue };
                if frame.block {
                    flush(&mut buf, &mut out.lines);
                    out.blocks.push(Block {
                        id: frame.id,
                        start: frame.start,
                        end: out.lines.len(),
                    });
                }
                noise_depth -= usize::from(frame.noise);
                meta_depth -= usize::from(frame.meta);
                link_depth -= usize::from(frame.link);
            }
        }
    }
    flush(&mut buf, &mut out.lines);
    out
}

fn push_text(buf: &mut LineBuf, text: &str, link: bool, noise: bool, meta: bool, heading: u8) {
    for c in text.chars() {
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            buf.pending_space = true;
            continue;
        }
        let line = &mut buf.line;
        if buf.pending_space && !line.text.is_empty() {
            line.text.push(' ');
        }
        buf.pending_space = false;
        line.text.push(c);
        if link {
            line.link_chars += 1;
        } else {
            line.chars += 1;
            line.punct += usize::from(is_punct(c));
        }
        line.noise |= noise;
        line.meta_hint |= meta;
        line.heading = line.heading.max(heading);
    }
}

fn flush(buf: &mut LineBuf, lines: &mut Vec<Line>) {
    buf.pending_space = false;
    let line = std::mem::take(&mut buf.line);
    if !line.text.is_empty() {
        lines.push(line);
    }
}

/// Joins lines with `\n`.
pub(crate) fn join<'a>(lines: impl Iterator<Item = &'a Line>) -> String {
    let mut out = String::new();
    for l in lines {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&l.text);
    }
    out
}

/// All text of an element as one whitespace-collapsed line (for titles, dates).
pub(crate) fn inline_text(node: NodeRef<'_, Node>) -> String {
    let removed = HashSet::new();
    let layout = linearize(
        node,
        &Options {
            classify_noise: false,
            removed: &removed,
        },
    );
    layout
        .lines
        .iter()
        .map(|l| l.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Decodes JS string escapes (`\x26`, `\u4e2d`, `\"`) and then HTML entities.
pub(crate) fn decode_js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => {}
            Some(other) => out.push(other),
            None => {}
        }
    }
    // Twice: WeChat titles are sometimes double-escaped (`&amp;quot;`).
    decode_entities(&decode_entities(&out))
}

/// Decodes the common named entities and numeric character references.
pub(crate) fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let end = rest
            .char_indices()
            .take(12)
            .find(|&(_, c)| c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let ch = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "ldquo" => Some('“'),
                "rdquo" => Some('”'),
                "lsquo" => Some('‘'),
                "rsquo" => Some('’'),
                "mdash" => Some('—'),
                "hellip" => Some('…'),
                "middot" => Some('·'),
                _ => {
                    let num = name.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)
                }
            }?;
            Some((ch, end + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
