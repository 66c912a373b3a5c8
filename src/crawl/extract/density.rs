//! Main-content finder for arbitrary news pages.
//!
//! Every line gets a weight: article-like text (punctuated or long, outside links)
//! counts positive, link text and short unpunctuated fragments (menus, tags, bylines
//! of other stories) count negative, boilerplate lines count strongly negative. The
//! main block is the block element whose lines have the highest total weight — a
//! tree version of the "maximum subsequence" idea behind BTE/CETD/GNE: a container
//! grows only while what it adds is more content than noise.

use super::layout::{Block, Layout, Line};

/// The chosen main block: a line range plus sub-ranges to leave out.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub start: usize,
    pub end: usize,
    excluded: Vec<(usize, usize)>,
}

impl Choice {
    /// Whether line `i` belongs to the main text.
    fn keeps(&self, i: usize, line: &Line) -> bool {
        i >= self.start
            && i < self.end
            && !line.noise
            && !(line.link_chars > 0 && line.link_chars >= line.chars)
            && !self.excluded.iter().any(|&(s, e)| i >= s && i < e)
    }

    /// The main text, one line per paragraph.
    pub fn text(&self, layout: &Layout) -> String {
        super::layout::join(
            layout
                .lines
                .iter()
                .enumerate()
                .filter(|(i, l)| self.keeps(*i, l))
                .map(|(_, l)| l),
        )
    }
}

/// Weight of one line for the main-block search.
pub(crate) fn line_weight(l: &Line) -> f64 {
    let text = l.chars as f64;
    let links = l.link_chars as f64;
    if l.noise {
        return -(text + links);
    }
    let content = if l.punct > 0 || l.chars >= 30 {
        // Punctuated sentences; more punctuation per character reads more like prose.
        text * (1.0 + (l.punct as f64 / text.max(1.0)).min(0.1) * 2.0)
    } else {
        -0.5 * text
    };
    content - 1.5 * links
}

/// Finds the block with the highest total line weight. Ties go to the deepest
/// (smallest) block, so wrappers that add nothing are not chosen.
pub(crate) fn main_block(layout: &Layout) -> Option<Choice> {
    let mut prefix = Vec::with_capacity(layout.lines.len() + 1);
    prefix.push(0.0f64);
    for l in &layout.lines {
        let last = prefix.last().copied().unwrap_or(0.0);
        prefix.push(last + line_weight(l));
    }
    let score = |b: &Block| prefix[b.end] - prefix[b.start];
    let best = layout
        .blocks
        .iter()
        .filter(|b| b.end > b.start)
        .max_by(|a, b| {
            score(a)
                .total_cmp(&score(b))
                // Equal score: prefer the smaller range (the deeper block).
                .then_with(|| (b.end - b.start).cmp(&(a.end - a.start)))
        })?;
    if score(best) <= 0.0 {
        return None;
    }
    let excluded = layout
        .blocks
        .iter()
        .filter(|b| b.start >= best.start && b.end <= best.end && b.end > b.start)
        .filter(|b| !(b.start == best.start && b.end == best.end))
        .filter(|b| link_heavy(&layout.lines[b.start..b.end]))
        .map(|b| (b.start, b.end))
        .collect();
    Some(Choice {
        start: best.start,
        end: best.end,
        excluded,
    })
}

/// A sub-block that is mostly links (related-story lists, tag clouds).
fn link_heavy(lines: &[Line]) -> bool {
    let text: usize = lines.iter().map(|l| l.chars).sum();
    let links: usize = lines.iter().map(|l| l.link_chars).sum();
    links >= 8 && links * 2 > text + links
}
