//! Linearises a DOM subtree into text lines, remembering which block element
//! each line came from. Everything downstream (main-block scoring, title, date and
//! author search) works on this flat list, so the tree is walked once per page.
//!
//! The walk is iterative (`traverse`), so deeply nested input cannot overflow the stack.

use std::collections::HashSet;
use std::sync::LazyLock;

use ego_tree::{NodeId, NodeRef, iter::Edge};
use regex::Regex;
use scraper::{Node, node::Element};

pub(crate) use super::entities::decode_js_string;

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
    /// Inside boilerplate (nav/footer/aside, comment/sidebar/... class or id). A hint only:
    /// it lowers the line's weight, and the line is left out only when the chosen block
    /// keeps enough text without it (see `density`).
    pub noise: bool,
    /// Depth (1 = outermost element of the walk) of the innermost boilerplate ancestor; 0: none.
    pub noise_at: u16,
    /// Holds a link to a document (`.pdf`, `.docx`, `.xlsx`...): an attachment is content.
    pub attachment: bool,
    /// Reads like a site footer (版权所有, ICP备, 举报电话, 主办单位...): boilerplate by its
    /// words, wherever it sits.
    pub boiler: bool,
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
    /// Depth of the element: 1 for the outermost element of the walk.
    pub depth: u16,
}

#[derive(Debug, Default)]
pub(crate) struct Layout {
    pub lines: Vec<Line>,
    pub blocks: Vec<Block>,
    /// Boilerplate-hinted elements (block or inline), in closing order.
    pub noise: Vec<NoiseSpan>,
}

/// The lines of one boilerplate-hinted element.
#[derive(Debug, Clone)]
pub(crate) struct NoiseSpan {
    pub start: usize,
    pub end: usize,
    pub depth: u16,
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
    attachment: bool,
    heading: u8,
    start: usize,
}

/// File endings of downloadable documents (attachment links).
const ATTACHMENT_EXT: &[&str] = &[
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".txt",
    ".wps", ".et", ".csv", ".ofd", ".caj",
];

/// A link whose text or target names a document file.
fn is_attachment(node: NodeRef<'_, Node>, el: &Element) -> bool {
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
    let (mut meta_depth, mut link_depth) = (0usize, 0usize);
    let mut attach_depth = 0usize;
    // Depths of the open boilerplate elements, innermost last.
    let mut noise_stack: Vec<u16> = Vec::new();

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
                        let attachment = link && is_attachment(node, el);
                        let heading = match name.as_bytes() {
                            [b'h', d @ b'1'..=b'6'] => d - b'0',
                            _ => 0,
                        };
                        meta_depth += usize::from(meta);
                        link_depth += usize::from(link);
                        attach_depth += usize::from(attachment);
                        let start = out.lines.len();
                        stack.push(Frame {
                            id: node.id(),
                            block,
                            noise,
                            meta,
                            link,
                            attachment,
                            heading,
                            start,
                        });
                        if noise {
                            noise_stack.push(depth_of(&stack));
                        }
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
                            TextFlags {
                                link: link_depth > 0,
                                attachment: attach_depth > 0,
                                noise_at: noise_stack.last().copied().unwrap_or(0),
                                meta: meta_depth > 0,
                                heading,
                            },
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
                let depth = depth_of(&stack);
                let Some(frame) = stack.pop() else { continue };
                if frame.block {
                    flush(&mut buf, &mut out.lines);
                    out.blocks.push(Block {
                        id: frame.id,
                        start: frame.start,
                        end: out.lines.len(),
                        depth,
                    });
                }
                if frame.noise {
                    noise_stack.pop();
                    // An inline element's last line may still be in the buffer.
                    let open = usize::from(!buf.line.text.is_empty());
                    out.noise.push(NoiseSpan {
                        start: frame.start,
                        end: out.lines.len() + open,
                        depth,
                    });
                }
                meta_depth -= usize::from(frame.meta);
                link_depth -= usize::from(frame.link);
                attach_depth -= usize::from(frame.attachment);
            }
        }
    }
    flush(&mut buf, &mut out.lines);
    out
}

/// Depth of the innermost open element: 1 for the outermost element of the walk.
fn depth_of(stack: &[Frame]) -> u16 {
    u16::try_from(stack.len()).unwrap_or(u16::MAX)
}

/// What encloses a text node.
struct TextFlags {
    link: bool,
    attachment: bool,
    noise_at: u16,
    meta: bool,
    heading: u8,
}

fn push_text(buf: &mut LineBuf, text: &str, f: TextFlags) {
    let TextFlags {
        link,
        attachment,
        noise_at,
        meta,
        heading,
    } = f;
    let noise = noise_at > 0;
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
        line.noise_at = line.noise_at.max(noise_at);
        line.attachment |= attachment;
        line.meta_hint |= meta;
        line.heading = line.heading.max(heading);
    }
}

/// Words of a site footer: copyright, licence and registration numbers, the site's owner.
static BOILER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)版权所有|copyright|©|ICP备|ICP证|公网安备|举报电话|举报邮箱|增值电信业务|网站标识码|主办单位|承办单位|技术支持[:：]|邮编[:：]",
    )
    .expect("valid boilerplate regex")
});

fn flush(buf: &mut LineBuf, lines: &mut Vec<Line>) {
    buf.pending_space = false;
    let mut line = std::mem::take(&mut buf.line);
    if !line.text.is_empty() {
        // Short lines only: an article may quote such words.
        line.boiler = line.text.len() <= 600 && BOILER_RE.is_match(&line.text);
        if line.boiler {
            // Left out of any block that keeps enough text without it.
            line.noise = true;
            line.noise_at = u16::MAX;
        }
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
