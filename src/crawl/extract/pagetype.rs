//! Page types: an article, a forum thread, a Q&A page, a list page, or no article.
//!
//! Threads, answers, reviews, comment lists and recommendation streams share one shape:
//! sibling elements with the same tag and class (the "signature"), each holding a few
//! lines. Such a repeated group decides the type: when the main text found by the
//! density search lies mostly inside one group, the page is a thread (or Q&A: an answer
//! count or `answer` class names on the page), and its content is every item of the group;
//! otherwise the page is an article and a group inside the main block (comments,
//! "你可能还想看" streams) is left out of it when enough text remains.

use std::collections::HashMap;
use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::{ElementRef, Html, Node};

use super::density::{Choice, line_weight, raw_weight};
use super::layout::Layout;
use crate::model::PageType;

/// Sibling blocks with one signature under one parent, in document order.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    /// Indices into `Layout::blocks`.
    pub items: Vec<usize>,
    pub start: usize,
    pub end: usize,
    /// Characters outside / inside links over all items.
    pub chars: usize,
    pub link_chars: usize,
    /// Items holding at least one link.
    pub with_links: usize,
}

/// At most this many blocks are grouped (bounded work on hostile pages).
const MAX_BLOCKS: usize = 20_000;

/// The element's signature: tag, class tokens without digits (sorted), id without digits.
pub(crate) fn signature(el: ElementRef<'_>) -> String {
    let v = el.value();
    let strip = |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_digit()).collect() };
    let mut classes: Vec<String> = v.classes().map(strip).filter(|c| !c.is_empty()).collect();
    classes.sort();
    classes.dedup();
    let id = v.id().map(strip).unwrap_or_default();
    format!("{}.{}#{}", v.name(), classes.join("."), id)
}

/// Repeated groups of the page: at least two items of at least two lines each, with text.
pub(crate) fn groups(doc: &Html, layout: &Layout) -> Vec<Group> {
    let mut by_key: HashMap<(NodeId, String), Vec<usize>> = HashMap::new();
    for (i, b) in layout.blocks.iter().enumerate().take(MAX_BLOCKS) {
        if b.end < b.start + 2 {
            continue;
        }
        let Some(node) = doc.tree.get(b.id) else {
            continue;
        };
        let Some(parent) = node.parent() else {
            continue;
        };
        if !matches!(parent.value(), Node::Element(_)) {
            continue;
        }
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        by_key
            .entry((parent.id(), signature(el)))
            .or_default()
            .push(i);
    }
    let mut out: Vec<Group> = by_key
        .into_values()
        .filter(|items| items.len() >= 2)
        .map(|mut items| {
            items.sort_by_key(|&i| layout.blocks[i].start);
            let (mut chars, mut link_chars, mut with_links) = (0, 0, 0);
            for &i in &items {
                let b = &layout.blocks[i];
                let lines = &layout.lines[b.start..b.end];
                chars += lines.iter().map(|l| l.chars).sum::<usize>();
                let links: usize = lines.iter().map(|l| l.link_chars).sum();
                link_chars += links;
                with_links += usize::from(links > 0);
            }
            Group {
                start: layout.blocks[items[0]].start,
                end: items
                    .iter()
                    .map(|&i| layout.blocks[i].end)
                    .max()
                    .unwrap_or(0),
                items,
                chars,
                link_chars,
                with_links,
            }
        })
        .filter(|g| g.chars > 0)
        .collect();
    out.sort_by_key(|g| (g.start, g.end));
    out
}

/// A post's time or floor: `2026-03-01`, `12:30`, `3楼`, `#3`, `5分钟前`.
static POST_META_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}[-/.年]\d{1,2}|\d{1,2}:\d{2}|\d+\s*楼|#\d+|\d+\s*(?:秒|分钟|小时|小時|天)前")
        .expect("valid post meta regex")
});

/// Class/id words or tags that name a post's author.
pub(crate) fn names_author(e: &scraper::node::Element) -> bool {
    const WORDS: &[&str] = &["auth", "user", "name", "nick", "poster"];
    e.name() == "cite"
        || e.classes().chain(e.id()).any(|c| {
            let c = c.to_ascii_lowercase();
            WORDS.iter().any(|w| c.contains(w))
        })
}

/// A post, answer or comment rather than a paragraph: the item has structure of its own
/// (a nested block other than `br`/`hr`) and a time, a floor number or an author element.
fn looks_like_post(doc: &Html, layout: &Layout, item: usize) -> bool {
    let b = &layout.blocks[item];
    let Some(node) = doc.tree.get(b.id) else {
        return false;
    };
    let mut nested = false;
    let mut author = false;
    for n in node.descendants().skip(1).take(400) {
        if let Some(e) = n.value().as_element() {
            nested |= super::layout::is_block_tag(e.name()) && !matches!(e.name(), "br" | "hr");
            author |= names_author(e);
        }
    }
    nested
        && (author
            || layout.lines[b.start..b.end]
                .iter()
                .take(40)
                .any(|l| l.text.len() <= 300 && POST_META_RE.is_match(&l.text)))
}

/// Positive line weight (prose) of lines `start..end`.
fn prose(layout: &Layout, start: usize, end: usize) -> f64 {
    layout.lines[start..end]
        .iter()
        .map(line_weight)
        .filter(|w| *w > 0.0)
        .sum()
}

/// Prose of lines `start..end` by their own text, class-name hints ignored.
fn raw_prose(layout: &Layout, start: usize, end: usize) -> f64 {
    layout.lines[start..end]
        .iter()
        .filter(|l| !l.boiler)
        .map(raw_weight)
        .filter(|w| *w > 0.0)
        .sum()
}

/// A thread has less article text than this outside its posts (a news story or blog post
/// followed by comments has more).
const SMALL_MAIN: usize = 200;
/// A thread's posts start at most this many lines below the headline (or main block).
const NEAR_TOP: usize = 25;

/// Whether item block `item` has an author-named element.
fn has_author(doc: &Html, layout: &Layout, item: usize) -> bool {
    doc.tree.get(layout.blocks[item].id).is_some_and(|n| {
        n.descendants()
            .skip(1)
            .take(400)
            .any(|d| d.value().as_element().is_some_and(names_author))
    })
}

/// Whether two thirds of the group's items (of the first 50) look like posts.
fn post_like(doc: &Html, layout: &Layout, g: &Group) -> bool {
    let posts = g
        .items
        .iter()
        .take(50)
        .filter(|&&i| looks_like_post(doc, layout, i))
        .count();
    posts * 3 >= g.items.len().min(50) * 2
}

/// The group that holds the page's content, if the page is a thread or Q&A page: its
/// items look like posts and are less than 30% link text (teasers are not posts); it
/// starts near the headline; and it is the content rather than comments under an
/// article: the chosen block has less than [`SMALL_MAIN`] characters outside the group
/// (or the page is Q&A), and the group holds most of the chosen block's prose or, read
/// without class-name hints, more prose than the chosen block. Returns the group and
/// whether the page is Q&A.
pub(crate) fn thread_group<'g>(
    doc: &Html,
    layout: &Layout,
    groups: &'g [Group],
    main: &Choice,
    anchor: Option<usize>,
) -> Option<(&'g Group, bool)> {
    let top = anchor.unwrap_or(main.start);
    let main_prose = prose(layout, main.start, main.end).max(1.0);
    let main_raw = raw_prose(layout, main.start, main.end);
    groups
        .iter()
        .filter(|g| (g.link_chars as f64) < 0.3 * (g.chars + g.link_chars) as f64)
        .filter(|g| g.end > top && g.start <= top.max(main.start) + NEAR_TOP)
        .filter(|g| post_like(doc, layout, g))
        // Two items may be two page columns: both must name an author.
        .filter(|g| g.items.len() >= 3 || g.items.iter().all(|&i| has_author(doc, layout, i)))
        .filter_map(|g| {
            let mut in_items = vec![false; layout.lines.len()];
            for &it in &g.items {
                let b = &layout.blocks[it];
                in_items[b.start..b.end].fill(true);
            }
            let outside: usize = main
                .kept(layout)
                .filter(|(i, _)| !in_items[*i])
                .map(|(_, l)| l.chars)
                .sum();
            let qa = is_qa(doc, layout, g);
            if outside >= SMALL_MAIN && !qa {
                return None;
            }
            // Prose of the main block that lies inside the group's items.
            let inside: f64 = g
                .items
                .iter()
                .map(|&i| {
                    let b = &layout.blocks[i];
                    let (s, e) = (b.start.max(main.start), b.end.min(main.end));
                    if s < e { prose(layout, s, e) } else { 0.0 }
                })
                .sum();
            let raw: f64 = g
                .items
                .iter()
                .map(|&i| raw_prose(layout, layout.blocks[i].start, layout.blocks[i].end))
                .sum();
            let share = if inside >= 0.5 * main_prose {
                inside / main_prose
            } else if raw >= 60.0 && raw > main_raw {
                raw / main_raw.max(1.0)
            } else {
                return None;
            };
            Some((share, g, qa))
        })
        // The largest share, then the outermost group (posts rather than their paragraphs).
        .max_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| (b.1.start, a.1.end).cmp(&(a.1.start, b.1.end)))
        })
        .map(|(_, g, qa)| (g, qa))
}

/// Q&A rather than a thread: an answer count or answer-ish markup on the page.
pub(crate) fn is_qa(doc: &Html, layout: &Layout, group: &Group) -> bool {
    const WORDS: &[&str] = &["个回答", "回答于", "我来回答", "查看全部回答", "写回答"];
    let text_says = layout
        .lines
        .iter()
        .filter(|l| l.chars + l.link_chars <= 40)
        .any(|l| WORDS.iter().any(|w| l.text.contains(w)));
    let markup_says = group.items.iter().take(50).any(|&i| {
        doc.tree
            .get(layout.blocks[i].id)
            .into_iter()
            .flat_map(|n| n.descendants().take(200))
            .filter_map(|n| n.value().as_element())
            .any(|e| {
                e.classes()
                    .chain(e.id())
                    .any(|c| c.to_ascii_lowercase().contains("answer"))
            })
    });
    text_says || markup_says
}

/// Mean characters per item of a list (teasers, comments) at most.
const LIST_ITEM_CHARS: usize = 300;

/// Groups inside the article's main block that are lists, not text: recommendation
/// streams and related-story cards (two thirds of the items hold a link), reader
/// comments (two thirds look like posts). Three or more short items; left out only when
/// enough text remains.
pub(crate) fn cut_lists(doc: &Html, layout: &Layout, groups: &[Group], main: &mut Choice) {
    for g in groups {
        let n = g.items.len();
        if n < 3 || g.end <= main.start || g.start >= main.end {
            continue;
        }
        // Teasers and comments are short; rows of an article's own table are not.
        let short = g.chars <= LIST_ITEM_CHARS * n;
        let listy = short && (g.with_links * 3 >= n * 2 || post_like(doc, layout, g));
        if listy {
            // A list may run past the block (a line run ends inside it): cut the overlap.
            main.cut_range_if_enough_remains(layout, g.start, g.end);
        }
    }
}

/// Prose a sub-block needs to count as a story of its own.
const STORY_PROSE: f64 = 100.0;

/// Portal pages that append the next story (or a prose box on another topic) to the
/// article: when two or more top-level sub-blocks of the main block each have a heading
/// and prose of their own, and the headline sits in one of them, the others are left
/// out. Sections of one article (headline above them all) are not touched.
pub(crate) fn cut_other_stories(layout: &Layout, anchor: Option<usize>, main: &mut Choice) {
    let Some(t) = anchor.filter(|&t| t >= main.start && t < main.end) else {
        return;
    };
    // Top-level blocks inside the main range, in document order (blocks are in post-order:
    // a block closes after everything inside it, so scanning backwards finds outer ones first).
    let mut tops: Vec<(usize, usize)> = Vec::new();
    let mut covered_from = usize::MAX;
    for b in layout.blocks.iter().rev() {
        if b.start < main.start || b.end > main.end || b.end <= b.start {
            continue;
        }
        if b.start == main.start && b.end == main.end {
            continue;
        }
        if b.end <= covered_from {
            tops.push((b.start, b.end));
            covered_from = b.start;
        }
    }
    let stories: Vec<(usize, usize)> = tops
        .into_iter()
        .filter(|&(s, e)| {
            layout.lines[s..e]
                .iter()
                .any(|l| (1..=3).contains(&l.heading) && l.chars + l.link_chars >= 4)
                && prose(layout, s, e) >= STORY_PROSE
        })
        .collect();
    if stories.len() < 2 || !stories.iter().any(|&(s, e)| s <= t && t < e) {
        return;
    }
    for (s, e) in stories {
        if !(s <= t && t < e) {
            main.cut_range_if_enough_remains(layout, s, e);
        }
    }
}

/// Type of a page whose main text is `main` (or none).
pub(crate) fn classify(
    layout: &Layout,
    main: Option<&Choice>,
    thread: Option<(&Group, bool)>,
) -> PageType {
    if let Some((_, qa)) = thread {
        return if qa { PageType::Qa } else { PageType::Thread };
    }
    let (mut chars, mut links) = (0usize, 0usize);
    for l in &layout.lines {
        chars += l.chars;
        links += l.link_chars;
    }
    let main_chars = main.map_or(0, |m| m.kept_chars(layout));
    if main_chars == 0 && chars + links < 50 {
        return PageType::NotArticle;
    }
    if links > 2 * chars && main_chars < 300 {
        return PageType::List;
    }
    if main_chars < 20 {
        return PageType::NotArticle;
    }
    PageType::Article
}
