//! Second opinion from `dom_smoothie` (MIT; a Rust port of Mozilla's readability.js).
//!
//! It parses the page again (its own DOM), so it costs about as much as our own pass:
//! it runs only when our confidence is low (see `score::LOW`), never on threads or Q&A
//! pages (readability keeps one post), and on the already depth-bounded HTML with an
//! element cap.

use dom_smoothie::{Config, Readability, TextMode};

/// Pages with more elements than this get no second opinion (bounded time).
const MAX_ELEMENTS: usize = 30_000;

/// The main text according to dom_smoothie, one paragraph per line; `None` when it
/// finds nothing or refuses the page.
pub(crate) fn main_text(html: &str, url: &url::Url) -> Option<String> {
    let cfg = Config {
        max_elements_to_parse: MAX_ELEMENTS,
        text_mode: TextMode::Formatted,
        disable_json_ld: true,
        ..Default::default()
    };
    let mut r = Readability::new(html, Some(url.as_str()), Some(cfg)).ok()?;
    let article = r.parse().ok()?;
    let text = article
        .text_content
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (!text.is_empty()).then_some(text)
}

/// Punctuation marks per non-whitespace character: how much a text reads like prose.
pub(crate) fn prose_density(text: &str) -> f64 {
    let (mut chars, mut punct) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        chars += 1;
        punct += usize::from(super::layout::is_punct(c));
    }
    if chars == 0 {
        0.0
    } else {
        punct as f64 / chars as f64
    }
}
