//! Main-content finder for arbitrary news pages.
//!
//! Every line gets a weight: article-like text (punctuated or long, outside links)
//! counts positive, link text and short unpunctuated fragments (menus, tags, bylines
//! of other stories) count negative, boilerplate lines count strongly negative. The
//! main block is the block element whose lines have the highest total weight — a
//! tree version of the "maximum subsequence" idea behind BTE/CETD/GNE: a container
//! grows only while what it adds is more content than noise. [`main_range`] is the
//! plain linear version (best run of lines regardless of the DOM), which copes with
//! old table layouts that put the article's paragraphs in cells shared with other
//! material; the caller takes it only when it is clearly heavier than the block.
//! Both prefer a candidate that starts just below the headline when one is known.
//!
//! Class names and boilerplate tags (`comment`, `copyright`, `breadcrumb`, `nav`...) are
//! hints, never hard removals: a hinted prose line keeps part of its weight, and inside
//! the chosen block a hinted element is left out only when it holds at most half of the
//! block's text and the rest keeps enough (a page whose text all sits in a `breadcrumb`
//! div is still extracted).

use super::layout::{Block, Layout, Line};

/// Share of its weight a boilerplate-hinted prose line keeps (class names are a hint).
const NOISE_SHARE: f64 = 0.3;
/// Weight of a line holding an attachment link (a post may be nothing else).
const ATTACHMENT_WEIGHT: f64 = 20.0;
/// A cut (boilerplate-hinted elements, a comment or recommendation list, another story)
/// is applied only when the block keeps at least this many characters.
const MIN_REMAIN: usize = 120;
/// A boilerplate-hinted element holding more than this share of the block's text is
/// kept whole: a class name never removes most of the text.
const HINT_MAX_SHARE: f64 = 0.5;

/// The chosen main block: a line range plus sub-ranges to leave out.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub start: usize,
    pub end: usize,
    pub score: f64,
    /// Score of the best candidate that does not overlap this one (0 when none).
    pub runner_up: f64,
    /// Per line of `start..end`: left out (link-heavy sub-block, boilerplate, a list).
    excluded: Vec<bool>,
}

impl Choice {
    /// A choice of `start..end` whose element sits at `depth` (0: a plain line run):
    /// link-heavy sub-blocks are left out, and so are footer-worded lines and the
    /// boilerplate-hinted elements below the block's element that hold at most half of
    /// its text, when enough text remains without them.
    pub fn new(layout: &Layout, start: usize, end: usize, score: f64, depth: u16) -> Choice {
        let mut c = Choice {
            start,
            end,
            score,
            runner_up: 0.0,
            excluded: excluded(layout, start, end),
        };
        // Footer-worded lines, and the outermost hinted elements below the block's own
        // element that hold at most half of its text.
        let mut cut: Vec<bool> = layout.lines[start..end].iter().map(|l| l.boiler).collect();
        let total: usize = c.kept(layout).map(|(_, l)| l.chars).sum();
        let mut spans: Vec<&super::layout::NoiseSpan> = layout
            .noise
            .iter()
            .filter(|n| n.depth > depth && n.start >= start && n.end <= end && n.end > n.start)
            .collect();
        spans.sort_by_key(|n| (n.start, usize::MAX - n.end));
        let mut covered = start;
        for n in spans {
            if n.start < covered {
                continue; // inside an outer hinted element
            }
            covered = n.end;
            let chars: usize = layout.lines[n.start..n.end].iter().map(|l| l.chars).sum();
            if chars as f64 <= HINT_MAX_SHARE * total as f64 {
                cut[n.start - start..n.end - start].fill(true);
            }
        }
        c.cut_if_enough_remains(layout, &cut);
        c
    }

    /// Whether line `i` belongs to the main text.
    pub fn keeps(&self, i: usize, line: &Line) -> bool {
        i >= self.start
            && i < self.end
            && (line.attachment || !(line.link_chars > 0 && line.link_chars >= line.chars))
            && !self.excluded.get(i - self.start).copied().unwrap_or(false)
    }

    /// Characters (outside links) of the kept lines.
    pub fn kept_chars(&self, layout: &Layout) -> usize {
        self.kept(layout)
            .map(|(_, l)| l.chars + l.link_chars * usize::from(l.attachment))
            .sum()
    }

    /// The kept lines with their indices.
    pub fn kept<'a>(&'a self, layout: &'a Layout) -> impl Iterator<Item = (usize, &'a Line)> + 'a {
        layout
            .lines
            .iter()
            .enumerate()
            .take(self.end)
            .skip(self.start)
            .filter(|(i, l)| self.keeps(*i, l))
    }

    /// Leaves out the lines before line `i` (the headline inside the block) and `i`
    /// itself: breadcrumbs and the headline row of a table layout.
    pub fn drop_through(&mut self, i: usize) {
        for k in self.start..=i.min(self.end.saturating_sub(1)) {
            if let Some(x) = self.excluded.get_mut(k - self.start) {
                *x = true;
            }
        }
    }

    /// Leaves out the lines of `start..end` (clamped to the choice) if enough text remains.
    pub fn cut_range_if_enough_remains(
        &mut self,
        layout: &Layout,
        start: usize,
        end: usize,
    ) -> bool {
        let cut: Vec<bool> = (self.start..self.end)
            .map(|i| i >= start && i < end)
            .collect();
        self.cut_if_enough_remains(layout, &cut)
    }

    /// Applies `cut` (per line of the choice) only if the rest keeps enough text.
    fn cut_if_enough_remains(&mut self, layout: &Layout, cut: &[bool]) -> bool {
        let (mut kept, mut removed) = (0usize, 0usize);
        for (k, l) in layout.lines[self.start..self.end].iter().enumerate() {
            if !self.keeps(self.start + k, l) {
                continue;
            }
            kept += l.chars;
            if cut[k] {
                removed += l.chars;
            }
        }
        if removed == 0 {
            return false;
        }
        if kept - removed < MIN_REMAIN {
            return false;
        }
        for (x, c) in self.excluded.iter_mut().zip(cut) {
            *x |= *c;
        }
        true
    }

    /// The main text, one line per paragraph; leading lines for which `header`
    /// holds (the headline, the date/source line) are dropped.
    pub fn text(&self, layout: &Layout, header: impl Fn(&Line) -> bool) -> String {
        super::layout::join(self.kept(layout).map(|(_, l)| l).skip_while(|l| header(l)))
    }
}

/// Weight of one line for the main-block search.
pub(crate) fn line_weight(l: &Line) -> f64 {
    let w = raw_weight(l);
    if l.boiler {
        return -((l.chars + l.link_chars) as f64);
    }
    match (l.noise, w > 0.0) {
        // Boilerplate by its class name or tag: prose there still counts, a little.
        (true, true) => NOISE_SHARE * w,
        (true, false) => -((l.chars + l.link_chars) as f64),
        (false, _) => w,
    }
}

/// Weight of a line by its own text alone (class-name hints ignored).
pub(crate) fn raw_weight(l: &Line) -> f64 {
    if l.attachment {
        return ATTACHMENT_WEIGHT;
    }
    let text = l.chars as f64;
    let links = l.link_chars as f64;
    let content = if l.punct > 0 || l.chars >= 30 {
        // Punctuated sentences; more punctuation per character reads more like prose.
        text * (1.0 + (l.punct as f64 / text.max(1.0)).min(0.1) * 2.0)
    } else {
        -0.5 * text
    };
    content - 1.5 * links
}

/// Finds the block with the highest total line weight. Ties go to the deepest
/// (smallest) block, so wrappers that add nothing are not chosen. With an `anchor`
/// (the title line), a block starting just around it is preferred unless a block
/// elsewhere is much heavier.
pub(crate) fn main_block(layout: &Layout, anchor: Option<usize>) -> Option<Choice> {
    let prefix = prefix_sums(&layout.lines);
    let score = |b: &Block| prefix[b.end] - prefix[b.start];
    let best_of = |near: Option<(usize, &Block)>| {
        layout
            .blocks
            .iter()
            .filter(|b| b.end > b.start)
            // Near the title, and not a wrapper around the far-away best block.
            .filter(|b| {
                near.is_none_or(|(t, far)| {
                    near_title(b, t) && !(b.start <= far.start && b.end >= far.end)
                })
            })
            .max_by(|a, b| {
                score(a)
                    .total_cmp(&score(b))
                    // Equal score: prefer the smaller range (the deeper block).
                    .then_with(|| (b.end - b.start).cmp(&(a.end - a.start)))
            })
    };
    let any = best_of(None)?;
    let best = match anchor.and_then(|t| best_of(Some((t, any)))) {
        // The heaviest block is itself near the title.
        _ if anchor.is_some_and(|t| near_title(any, t)) => any,
        Some(near) if score(near) >= NEAR_SHARE * score(any) => near,
        _ => any,
    };
    if score(best) <= 0.0 {
        return None;
    }
    let mut choice = Choice::new(layout, best.start, best.end, score(best), best.depth);
    choice.runner_up = layout
        .blocks
        .iter()
        .filter(|b| b.end <= best.start || b.start >= best.end)
        .map(score)
        .fold(0.0, f64::max);
    Some(choice)
}

/// "Near the title": starting at most two lines before it and [`NEAR_TITLE`] after.
fn near_title(b: &Block, t: usize) -> bool {
    b.start + 2 >= t && b.start <= t + NEAR_TITLE
}

/// A run near the title wins if it has at least this share of the best run's score.
const NEAR_SHARE: f64 = 0.3;
/// "Near the title": starting at most this many lines after it.
const NEAR_TITLE: usize = 25;

fn prefix_sums(lines: &[Line]) -> Vec<f64> {
    let mut prefix = Vec::with_capacity(lines.len() + 1);
    prefix.push(0.0f64);
    for l in lines {
        let last = prefix.last().copied().unwrap_or(0.0);
        prefix.push(last + line_weight(l));
    }
    prefix
}

/// Link-heavy sub-blocks of the line range `start..end`.
fn excluded(layout: &Layout, start: usize, end: usize) -> Vec<bool> {
    // Prefix sums of text and link characters make each block check O(1).
    let mut text = vec![0usize; end - start + 1];
    let mut links = vec![0usize; end - start + 1];
    for (k, l) in layout.lines[start..end].iter().enumerate() {
        text[k + 1] = text[k] + l.chars;
        links[k + 1] = links[k] + l.link_chars;
    }
    // Difference array: +1 where an excluded block starts, -1 where it ends.
    let mut diff = vec![0i64; end - start + 1];
    for b in &layout.blocks {
        if b.start < start || b.end > end || b.end <= b.start || (b.start == start && b.end == end)
        {
            continue;
        }
        let (s, e) = (b.start - start, b.end - start);
        if link_heavy(text[e] - text[s], links[e] - links[s]) {
            diff[s] += 1;
            diff[e] -= 1;
        }
    }
    let mut depth = 0i64;
    diff[..end - start]
        .iter()
        .map(|d| {
            depth += d;
            depth > 0
        })
        .collect()
}

/// Best contiguous run of lines (maximum-sum subarray over line weights). With an
/// `anchor` (the title line), a run starting near the title is preferred unless a
/// run elsewhere is much heavier (sidebars full of chat or summaries).
pub(crate) fn main_range(layout: &Layout, anchor: Option<usize>) -> Option<Choice> {
    let n = layout.lines.len();
    let prefix = prefix_sums(&layout.lines);
    // suffix_best[i] = (max prefix[e] for e >= i, that e)
    let mut suffix_best = vec![(f64::NEG_INFINITY, n); n + 1];
    for i in (0..=n).rev() {
        let here = (prefix[i], i);
        suffix_best[i] = if i < n && suffix_best[i + 1].0 > here.0 {
            suffix_best[i + 1]
        } else {
            here
        };
    }
    let best_from = |starts: std::ops::Range<usize>| -> Option<(f64, usize, usize)> {
        starts
            .filter(|&s| s < n)
            .map(|s| {
                let (p, e) = suffix_best[s + 1];
                (p - prefix[s], s, e)
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
    };
    let any = best_from(0..n)?;
    let chosen = match anchor {
        Some(t) if any.1 + 2 >= t && any.1 <= t + NEAR_TITLE => any,
        Some(t) => {
            // Runs starting near the title, ending before the far-away best run.
            let limit = if any.1 > t { any.1 } else { n };
            let near = (t.saturating_sub(2)..(t + NEAR_TITLE).min(n))
                .filter(|&s| s < limit)
                .filter_map(|s| {
                    ((s + 1)..=limit)
                        .map(|e| (prefix[e] - prefix[s], s, e))
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            match near {
                Some(near) if near.0 >= NEAR_SHARE * any.0 => near,
                _ => any,
            }
        }
        None => any,
    };
    let (score, start, end) = chosen;
    if score <= 0.0 {
        return None;
    }
    Some(Choice::new(layout, start, end, score, 0))
}

/// The fallback for pages whose search found nothing useful: the block with the most
/// text outside links, boilerplate hints ignored. `None` on a page without such text.
pub(crate) fn largest_block(layout: &Layout) -> Option<Choice> {
    let mut prefix = vec![0i64; layout.lines.len() + 1];
    for (i, l) in layout.lines.iter().enumerate() {
        prefix[i + 1] = prefix[i] + l.chars as i64 - 2 * l.link_chars as i64;
    }
    let best = layout
        .blocks
        .iter()
        .filter(|b| b.end > b.start)
        .max_by(|a, b| {
            (prefix[a.end] - prefix[a.start])
                .cmp(&(prefix[b.end] - prefix[b.start]))
                .then_with(|| (b.end - b.start).cmp(&(a.end - a.start)))
        })?;
    let score = prefix[best.end] - prefix[best.start];
    (score > 0).then(|| Choice::new(layout, best.start, best.end, score as f64, u16::MAX))
}

/// A sub-block that is mostly links (related-story lists, tag clouds).
fn link_heavy(text: usize, links: usize) -> bool {
    links >= 8 && links * 2 > text + links
}
