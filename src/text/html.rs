//! Bounds the nesting of hostile HTML before an HTML5 parser sees it.
//!
//! html5ever's tree builder checks "element in scope" by walking the stack of open elements, so
//! its work grows with nesting depth times element count: 200 000 nested `<div>` took minutes to
//! parse (and to sanitize, for the evidence page). Browsers stop nesting at a fixed depth (512 in
//! Chromium); [`bound_nesting`] does the same lexically, in one linear pass: start tags that
//! would open deeper than the limit are dropped together with their end tags, while their text
//! stays. Nothing is cut, so no word of the page is lost to the bound.
//!
//! It also bounds the other quadratic shape: formatting elements (`<b>`, `<a>`, `<font>`…) left
//! open when a block closes are re-opened by the parser before every later text, so a page can
//! make the parser copy an ever longer list. Past [`MAX_LEAKED_FORMATTING`] such leaks, further
//! formatting tags are dropped (their text is kept).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Deepest element nesting handed to an HTML parser. Real pages stay under 60.
pub const MAX_HTML_DEPTH: usize = 256;
/// Distinct formatting tags (name and attributes) left open by a closing block, which the parser
/// re-opens before later text, before further new ones are dropped. The parser itself keeps at
/// most three identical ones, and `<a>`/`<nobr>` close their predecessor.
pub const MAX_LEAKED_FORMATTING: usize = 32;

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "keygen", "frame", "basefont", "bgsound", "image",
];
/// Elements whose content is raw text up to their end tag (no tags inside).
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];
const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];
/// Start tags that close an open `<p>` (HTML's "close a p element" rule, abridged).
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
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
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "ul",
];

/// `html` with element nesting bounded by `max_depth` (see the module docs). Borrowed when the
/// page needed no change, which is every ordinary page.
pub fn bound_nesting(html: &str, max_depth: usize) -> Cow<'_, str> {
    let bytes = html.as_bytes();
    // Open elements: name and the byte range of the start tag.
    let mut stack: Vec<(String, usize, usize)> = Vec::new();
    // Start tags dropped per name, so their end tags are dropped too.
    let mut dropped: HashMap<String, usize> = HashMap::new();
    let mut leaked: HashSet<&str> = HashSet::new();
    let mut out: Option<String> = None;
    let mut copied = 0usize;
    let mut i = 0usize;
    let drop_range = |out: &mut Option<String>, copied: &mut usize, from: usize, to: usize| {
        let o = out.get_or_insert_with(|| String::with_capacity(html.len()));
        o.push_str(&html[*copied..from]);
        o.push(' ');
        *copied = to;
    };
    while let Some(p) = memchr(b'<', &bytes[i..]) {
        let at = i + p;
        let rest = &bytes[at + 1..];
        if rest.starts_with(b"!--") {
            i = find(bytes, at + 4, b"-->").map_or(bytes.len(), |e| e + 3);
            continue;
        }
        if matches!(rest.first(), Some(b'!' | b'?')) {
            i = memchr(b'>', rest).map_or(bytes.len(), |e| at + 1 + e + 1);
            continue;
        }
        let closing = rest.first() == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            i = at + 1;
            continue;
        }
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|&&c| !c.is_ascii_whitespace() && c != b'/' && c != b'>')
            .count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let end = tag_end(bytes, name_start + name_len);
        i = end;
        if closing {
            if let Some(n) = dropped.get_mut(&name).filter(|n| **n > 0) {
                *n -= 1;
                drop_range(&mut out, &mut copied, at, end);
            } else if let Some(pos) = stack.iter().rposition(|s| s.0 == name) {
                for (n, from, to) in &stack[pos + 1..] {
                    if counts_as_leak(n) {
                        leaked.insert(&html[*from..*to]);
                    }
                }
                stack.truncate(pos);
            }
            continue;
        }
        if RAW_TEXT.contains(&name.as_str()) {
            // Its content is text up to the matching end tag; it cannot nest.
            let close = format!("</{name}");
            i = find_ci(bytes, end, close.as_bytes()).unwrap_or(bytes.len());
            continue;
        }
        if VOID.contains(&name.as_str()) {
            continue;
        }
        implicit_close(&mut stack, &name);
        let leak_bound = counts_as_leak(&name)
            && leaked.len() >= MAX_LEAKED_FORMATTING
            && !leaked.contains(&html[at..end]);
        if stack.len() >= max_depth || leak_bound {
            *dropped.entry(name).or_default() += 1;
            drop_range(&mut out, &mut copied, at, end);
        } else {
            stack.push((name, at, end));
        }
    }
    match out {
        None => Cow::Borrowed(html),
        Some(mut o) => {
            o.push_str(&html[copied..]);
            Cow::Owned(o)
        }
    }
}

fn counts_as_leak(name: &str) -> bool {
    FORMATTING.contains(&name) && !matches!(name, "a" | "nobr")
}

/// Pops what a start tag `name` closes implicitly (`<p>` in `<p>`, `<li>` in `<li>`, …).
fn implicit_close(stack: &mut Vec<(String, usize, usize)>, name: &str) {
    let closes = |top: &str| match top {
        "p" => CLOSES_P.contains(&name),
        "li" => name == "li",
        "dt" | "dd" => matches!(name, "dt" | "dd"),
        "option" => matches!(name, "option" | "optgroup"),
        "td" | "th" => matches!(name, "td" | "th" | "tr"),
        "tr" => name == "tr",
        _ => false,
    };
    while let Some(top) = stack.last() {
        if !closes(&top.0) {
            break;
        }
        stack.pop();
    }
}

/// The byte after the `>` that ends a tag whose name ends at `from` (quotes respected).
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut j = from;
    while j < bytes.len() {
        let c = bytes[j];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            // Quotes only open an attribute value right after '='.
            None if (c == b'"' || c == b'\'')
                && bytes[..j].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'=') =>
            {
                quote = Some(c);
            }
            None if c == b'>' => return j + 1,
            None => {}
        }
        j += 1;
    }
    bytes.len()
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn find_ci(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| from + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ego_tree::iter::Edge;
    use scraper::Html;

    /// Deepest element nesting of the parsed document (iteratively).
    fn parsed_depth(html: &str) -> usize {
        let doc = Html::parse_document(html);
        let (mut depth, mut max) = (0usize, 0usize);
        for edge in doc.tree.root().traverse() {
            match edge {
                Edge::Open(n) if n.value().is_element() => {
                    depth += 1;
                    max = max.max(depth);
                }
                Edge::Close(n) if n.value().is_element() => depth -= 1,
                _ => {}
            }
        }
        max
    }

    fn text(html: &str) -> String {
        Html::parse_document(html)
            .root_element()
            .text()
            .collect::<String>()
            .split_whitespace()
            .collect()
    }

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<html><head><title>a<b></title><script>if (a<b) {'<div>'}</script></head>\
            <body><div class=\"x>y\"><p>一<p>二<ul><li>三<li>四</ul><br><img src=x>\
            <table><tr><td>五<td>六<tr><td>七</table><!-- <div> --></div></body></html>";
        assert!(matches!(bound_nesting(page, 8), Cow::Borrowed(_)));
        // Siblings never add depth, however many.
        let flat = "<div>x</div>".repeat(10_000) + &"<p>y".repeat(10_000);
        assert!(matches!(bound_nesting(&flat, 8), Cow::Borrowed(_)));
    }

    #[test]
    fn deep_nesting_is_flattened_and_keeps_every_word() {
        let n = 20_000;
        let deep = format!(
            "<html><body>{}火灾{}<p>尾部</p></body></html>",
            "<div>".repeat(n),
            "</div>".repeat(n)
        );
        let bounded = bound_nesting(&deep, MAX_HTML_DEPTH);
        assert!(parsed_depth(&bounded) <= MAX_HTML_DEPTH + 3);
        assert_eq!(text(&bounded), "火灾尾部");
        // Custom elements and misnested closers do not get around it.
        let sneaky = format!("{}火{}", "<x-a></b>".repeat(n), "</x-a>".repeat(n));
        let bounded = bound_nesting(&sneaky, MAX_HTML_DEPTH);
        assert!(parsed_depth(&bounded) <= MAX_HTML_DEPTH + 3);
        assert_eq!(text(&bounded), "火");
        // Text after the deep part is kept (the old cut dropped it).
        let after = format!("{}深{}后文", "<span>".repeat(n), "</span>".repeat(n));
        assert!(text(&bound_nesting(&after, MAX_HTML_DEPTH)).ends_with("深后文"));
    }

    #[test]
    fn leaked_formatting_elements_are_bounded() {
        let n = 5_000;
        let mut page = String::new();
        for k in 0..n {
            page.push_str(&format!("<p><b id=b{k}>{k}</p>"));
        }
        let bounded = bound_nesting(&page, MAX_HTML_DEPTH);
        let doc = Html::parse_document(&bounded);
        let elements = doc.tree.nodes().filter(|n| n.value().is_element()).count();
        // Without the bound the parser re-opens every earlier <b> in each <p>: n²/2 elements.
        assert!(
            elements < (MAX_LEAKED_FORMATTING + 4) * n,
            "{elements} elements"
        );
        assert!(text(&bounded).contains(&format!("{}", n - 1)));
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "<",
            "</",
            "<a",
            "</a",
            "<!",
            "<!-",
            "<!--",
            "<?",
            "<a href='",
            "<a b=\">",
            "<script>",
            "<title",
            "<1>",
            "<中文>",
            "</中>",
            "<a/>",
            "<<<>>>",
            "<div \"'>'",
        ] {
            let _ = bound_nesting(s, 2);
            let _ = bound_nesting(&s.repeat(5), 2);
        }
    }
}
