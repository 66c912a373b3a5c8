//! Text of a forum thread or Q&A page: the first post (or the question's description)
//! and every reply or answer, each after an attribution line (`回复 #2 张三：`,
//! `回答 #1 李四：`), so that a reply's words can raise an alert and a reader sees whose
//! they are.
//!
//! Within each item of the repeated group the content element is found by vote: every
//! item's heaviest sub-block names a signature (tag and classes), and the most common
//! one is taken in every item, so a one-word reply or an attachment-only post is found
//! where the longer posts have their text.

use std::collections::HashMap;

use scraper::{ElementRef, Html, Node};

use super::density::line_weight;
use super::layout::{Layout, Line, inline_text, join};
use super::pagetype::{Group, names_author, signature};

/// At most this many items are rendered.
const MAX_ITEMS: usize = 500;
/// Blocks examined per item when looking for its content element.
const MAX_SUB_BLOCKS: usize = 2_000;

/// An item's content: a line range.
struct Content {
    start: usize,
    end: usize,
    /// The item itself (no content element found): leave out header-like lines.
    whole: bool,
}

/// The thread's (or Q&A page's) text. `anchor` is the headline line, if known; `header`
/// tells date/byline lines.
pub(crate) fn render(
    doc: &Html,
    layout: &Layout,
    group: &Group,
    qa: bool,
    anchor: Option<usize>,
    header: impl Fn(&Line) -> bool,
) -> String {
    let items: Vec<usize> = group.items.iter().copied().take(MAX_ITEMS).collect();
    let contents = contents(doc, layout, &items);
    let mut out: Vec<String> = Vec::new();
    if qa && let Some(t) = anchor.filter(|&t| t < group.start) {
        // The question's description: prose between the headline and the answers.
        out.extend(
            layout.lines[t + 1..group.start]
                .iter()
                .filter(|l| !header(l) && l.punct > 0 && line_weight(l) > 0.0)
                .map(|l| l.text.clone()),
        );
    }
    for (k, (&item, c)) in items.iter().zip(&contents).enumerate() {
        let lines: Vec<&Line> = layout.lines[c.start..c.end]
            .iter()
            .filter(|l| l.attachment || !(l.link_chars > 0 && l.link_chars >= l.chars))
            .filter(|l| !c.whole || !header(l))
            .collect();
        if lines.is_empty() {
            continue;
        }
        if qa || k > 0 {
            let word = if qa { "回答" } else { "回复" };
            let who = author(doc, layout, item, c.start);
            out.push(match who {
                Some(a) => format!("{word} #{} {a}：", k + 1),
                None => format!("{word} #{}：", k + 1),
            });
        }
        out.push(join(lines.into_iter()));
    }
    out.join("\n")
}

/// Blocks inside item block `item` (its descendants), by index.
fn sub_blocks(layout: &Layout, item: usize) -> impl Iterator<Item = usize> + '_ {
    let b = &layout.blocks[item];
    (0..item)
        .rev()
        .take(MAX_SUB_BLOCKS)
        .take_while(move |&j| {
            let s = &layout.blocks[j];
            s.start >= b.start || s.end > b.start
        })
        .filter(move |&j| {
            let s = &layout.blocks[j];
            s.start >= b.start && s.end <= b.end && s.end > s.start
        })
}

fn contents(doc: &Html, layout: &Layout, items: &[usize]) -> Vec<Content> {
    let mut prefix = vec![0.0f64; layout.lines.len() + 1];
    for (i, l) in layout.lines.iter().enumerate() {
        prefix[i + 1] = prefix[i] + line_weight(l);
    }
    let weight = |j: usize| {
        let b = &layout.blocks[j];
        prefix[b.end] - prefix[b.start]
    };
    let sig = |j: usize| {
        doc.tree
            .get(layout.blocks[j].id)
            .and_then(ElementRef::wrap)
            .map(signature)
    };
    // Each item's heaviest sub-block votes for its signature.
    let mut votes: HashMap<String, usize> = HashMap::new();
    for &item in items {
        // The heaviest; then the fewest lines; then the outermost of elements with the
        // same lines (a post's one paragraph votes for the post body, as longer posts do).
        let best = sub_blocks(layout, item).max_by(|&a, &b| {
            let (x, y) = (&layout.blocks[a], &layout.blocks[b]);
            weight(a)
                .total_cmp(&weight(b))
                .then_with(|| (y.end - y.start).cmp(&(x.end - x.start)))
                .then_with(|| y.depth.cmp(&x.depth))
        });
        if let Some(s) = best.filter(|&j| weight(j) > 0.0).and_then(sig) {
            *votes.entry(s).or_default() += 1;
        }
    }
    let winner = votes
        .into_iter()
        .filter(|(_, n)| *n * 2 >= items.len().min(2))
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(s, _)| s);
    items
        .iter()
        .map(|&item| {
            let found = winner.as_ref().and_then(|w| {
                sub_blocks(layout, item)
                    .filter(|&j| sig(j).as_deref() == Some(w.as_str()))
                    // The heaviest such element (a row of text rather than the title row),
                    // then the outermost.
                    .max_by(|&a, &b| {
                        let (x, y) = (&layout.blocks[a], &layout.blocks[b]);
                        weight(a)
                            .total_cmp(&weight(b))
                            .then_with(|| (x.end - x.start).cmp(&(y.end - y.start)))
                    })
            });
            match found {
                Some(j) => Content {
                    start: layout.blocks[j].start,
                    end: layout.blocks[j].end,
                    whole: false,
                },
                None => Content {
                    start: layout.blocks[item].start,
                    end: layout.blocks[item].end,
                    whole: true,
                },
            }
        })
        .collect()
}

/// The author of item block `item` whose content starts at line `content_start`: the
/// innermost author-named element before the content, else a short first line.
fn author(doc: &Html, layout: &Layout, item: usize, content_start: usize) -> Option<String> {
    let node = doc.tree.get(layout.blocks[item].id)?;
    fn first_match(root: ego_tree::NodeRef<'_, Node>) -> Option<ego_tree::NodeRef<'_, Node>> {
        root.descendants()
            .skip(1)
            .take(300)
            .find(|n| n.value().as_element().is_some_and(names_author))
    }
    let mut found = first_match(node);
    // Descend to the innermost match (`AuthorInfo` → `AuthorInfo-name` → the link).
    let mut guard = 0;
    while let Some(n) = found
        && guard < 20
    {
        match first_match(n) {
            Some(inner) => found = Some(inner),
            None => break,
        }
        guard += 1;
    }
    let clean = |s: &str| -> Option<String> {
        let name = s.split_whitespace().next()?.trim_end_matches(['：', ':']);
        let n = name.chars().count();
        (1..=24).contains(&n).then(|| name.to_string())
    };
    if let Some(n) = found
        && let Some(name) = clean(&inline_text(n))
    {
        return Some(name);
    }
    // A short first line without punctuation or digits before the content.
    let b = &layout.blocks[item];
    layout.lines[b.start..content_start.max(b.start)]
        .first()
        .filter(|l| {
            l.chars + l.link_chars <= 20
                && l.punct == 0
                && !l.text.chars().any(|c| c.is_ascii_digit())
        })
        .and_then(|l| clean(&l.text))
}
