//! Feed item bodies (HTML inside `<description>` or `<content:encoded>`) as plain text.

use std::sync::OnceLock;

use ego_tree::iter::Edge;
use regex::Regex;
use scraper::{Html, Node};

use super::starts_with_ci;

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
pub(super) fn inline_text(s: &str) -> String {
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
