//! Linearises a DOM subtree into text lines, remembering which block element
//! each line came from. Everything downstream (main-block scoring, title, date and
//! author search) works on this flat list, so the tree is walked once per page.
//!
//! The walk is iterative (`traverse`), so deeply nested input cannot overflow the stack.

use std::collections::HashSet;

use ego_tree::{NodeId, NodeRef, iter::Edge};
use scraper::{Node, node::Element};

pub(crate) use super::entities::decode_js_string;
use super::hints::{BOILER_RE, class_and_id, is_attachment, is_meta_name, is_noise_name};

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
    // Open boilerplate-hinted elements.
    let mut noise_open = 0usize;

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
                            noise_open += 1;
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
                                noise: noise_open > 0,
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
                    noise_open -= 1;
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
    noise: bool,
    meta: bool,
    heading: u8,
}

fn push_text(buf: &mut LineBuf, text: &str, f: TextFlags) {
    let TextFlags {
        link,
        attachment,
        noise,
        meta,
        heading,
    } = f;
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
        line.attachment |= attachment;
        line.meta_hint |= meta;
        line.heading = line.heading.max(heading);
    }
}

fn flush(buf: &mut LineBuf, lines: &mut Vec<Line>) {
    buf.pending_space = false;
    let mut line = std::mem::take(&mut buf.line);
    if !line.text.is_empty() {
        // Short lines only: an article may quote such words.
        line.boiler = line.text.len() <= 600 && BOILER_RE.is_match(&line.text);
        if line.boiler {
            // Left out of any block that keeps enough text without it.
            line.noise = true;
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
