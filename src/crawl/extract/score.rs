//! Confidence of a generic extraction, a number in [0, 1].
//!
//! Four signals of the kept text, each mapped to [0, 1] and averaged:
//! * prose: punctuation marks (，。！？…) per character, full at one per 20 characters;
//! * links: one minus twice the share of link characters in the chosen block;
//! * margin: how much heavier the chosen block is than the best block outside it;
//! * length: full at 200 characters.
//!
//! Threads and Q&A pages found through their repeated posts get at least 0.6. A fallback
//! (the search found nothing useful on a page with text) is capped at 0.2; a pick that
//! dom_smoothie had to replace at 0.5. Below [`LOW`] the extraction counts as
//! low-confidence: that is when dom_smoothie is asked for a second opinion.

use super::density::Choice;
use super::layout::Layout;

/// Below this, an extraction is low-confidence.
pub(crate) const LOW: f64 = 0.5;
/// Ceiling for the guard's fallback block.
pub(crate) const FALLBACK_CAP: f64 = 0.2;

/// Confidence of `choice` as the main text of `layout`.
pub(crate) fn confidence(layout: &Layout, choice: &Choice) -> f64 {
    let (mut chars, mut punct) = (0usize, 0usize);
    for (_, l) in choice.kept(layout) {
        chars += l.chars + if l.attachment { l.link_chars } else { 0 };
        punct += l.punct;
    }
    if chars == 0 {
        return 0.0;
    }
    let links: usize = layout.lines[choice.start..choice.end]
        .iter()
        .map(|l| l.link_chars)
        .sum();
    let all: usize = layout.lines[choice.start..choice.end]
        .iter()
        .map(|l| l.chars)
        .sum::<usize>()
        + links;
    let prose = (punct as f64 * 20.0 / chars as f64).min(1.0);
    let link_share = links as f64 / all.max(1) as f64;
    let clean = (1.0 - 2.0 * link_share).clamp(0.0, 1.0);
    let margin = if choice.score <= 0.0 {
        0.0
    } else {
        (1.0 - choice.runner_up.max(0.0) / choice.score).clamp(0.0, 1.0)
    };
    let length = (chars as f64 / 200.0).min(1.0);
    round2((prose + clean + margin + length) / 4.0)
}

/// Rounds to two decimals (the stored and shown value).
pub(crate) fn round2(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 100.0).round() / 100.0
}

/// Non-whitespace characters of the page's lines (link text included): "visible text".
pub(crate) fn visible_chars(layout: &Layout) -> usize {
    layout.lines.iter().map(|l| l.chars + l.link_chars).sum()
}

/// Character-multiset F1 of two texts (non-whitespace characters, order ignored): how
/// far two extractions agree.
pub(crate) fn agreement(a: &str, b: &str) -> f64 {
    use std::collections::HashMap;
    let count = |s: &str| {
        let mut m: HashMap<char, usize> = HashMap::new();
        for c in s.chars().filter(|c| !c.is_whitespace()) {
            *m.entry(c).or_default() += 1;
        }
        m
    };
    let (x, y) = (count(a), count(b));
    let (nx, ny): (usize, usize) = (x.values().sum(), y.values().sum());
    if nx == 0 || ny == 0 {
        return 0.0;
    }
    let common: usize = x
        .iter()
        .map(|(c, n)| (*n).min(y.get(c).copied().unwrap_or(0)))
        .sum();
    2.0 * common as f64 / (nx + ny) as f64
}
