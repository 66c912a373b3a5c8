//! The generic path: density search, page type, thread rendering, the empty-body guard
//! and dom_smoothie's second opinion.

use super::density::{self, Choice};
use super::layout::Line;
use super::pagetype::{self, Group};
use super::{Page, SecondOpinion, meta, score, smoothie, thread};
use crate::model::{Extracted, PageType};

/// How much heavier the best line run must be than the best block to be used.
const RUN_OVER_BLOCK: f64 = 1.5;
/// A block with at least this share of a longer run's score is a story of its own.
const STORY_SHARE: f64 = 0.25;
/// A page with at least this much visible text never yields an empty or tiny body.
pub(crate) const GUARD_VISIBLE: usize = 200;
/// "Tiny": fewer characters than this (an attachment link alone is not tiny).
const TINY: usize = 20;
/// Threads and Q&A pages found through their repeated posts: at least this confidence.
const THREAD_CONFIDENCE: f64 = 0.6;
/// Two extractions agreeing at least this much (character F1) confirm each other.
const AGREE: f64 = 0.8;

fn chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

impl Page<'_> {
    /// Title, text, date and author of a page without a site rule.
    pub(super) fn generic(&self, second: SecondOpinion) -> Extracted {
        let title = meta::title(self.doc, self.page);
        let anchor = meta::anchor_line(self.page, title.as_deref());
        let header = |l: &Line| meta::is_header_line(l, title.as_deref(), self.tz, self.now);
        let mut choice = self.best_candidate(anchor);
        let groups = pagetype::groups(self.doc, self.page);
        let thread: Option<(&Group, bool)> = choice
            .as_ref()
            .and_then(|c| pagetype::thread_group(self.doc, self.page, &groups, c, anchor));
        let page_type;
        let (mut text, mut confidence, (start, end));
        if let Some((g, qa)) = thread {
            text = thread::render(self.doc, self.page, g, qa, anchor, header);
            let base = choice
                .as_ref()
                .map_or(0.0, |c| score::confidence(self.page, c));
            confidence = base.max(THREAD_CONFIDENCE);
            // Date and author of the first post.
            let first = &self.page.blocks[g.items[0]];
            (start, end) = (first.start, first.end);
            page_type = if qa { PageType::Qa } else { PageType::Thread };
        } else {
            if let Some(c) = choice.as_mut() {
                if let Some(t) = anchor.filter(|&t| t >= c.start && t < c.end) {
                    c.drop_through(t);
                }
                pagetype::cut_lists(self.doc, self.page, &groups, c);
                pagetype::cut_other_stories(self.page, anchor, c);
            }
            text = choice
                .as_ref()
                .map(|c| c.text(self.page, header))
                .unwrap_or_default();
            confidence = choice
                .as_ref()
                .map_or(0.0, |c| score::confidence(self.page, c));
            (start, end) = choice
                .as_ref()
                .map_or((0, self.page.lines.len()), |c| (c.start, c.end));
            page_type = pagetype::classify(self.page, choice.as_ref(), None);
        }

        // The guard: a page with text never comes back empty or tiny.
        let attachment = choice
            .as_ref()
            .is_some_and(|c| c.kept(self.page).any(|(_, l)| l.attachment));
        if score::visible_chars(self.page) >= GUARD_VISIBLE
            && chars(&text) < TINY
            && !attachment
            && let Some(fb) = density::largest_block(self.page)
        {
            let t = fb.text(self.page, header);
            if chars(&t) > chars(&text) {
                text = t;
                confidence = confidence.min(score::FALLBACK_CAP);
            }
        }

        let threaded = matches!(page_type, PageType::Thread | PageType::Qa);
        match second {
            SecondOpinion::Off => {}
            SecondOpinion::Only => {
                text = smoothie::main_text(self.html, self.url).unwrap_or_default();
            }
            SecondOpinion::Auto if !threaded && confidence < score::LOW => {
                if let Some(other) = smoothie::main_text(self.html, self.url) {
                    (text, confidence) = second_opinion(text, confidence, other);
                }
            }
            SecondOpinion::Auto => {}
        }

        let published = meta::published(
            self.doc,
            self.page,
            title.as_deref(),
            start,
            end,
            self.tz,
            self.now,
        );
        let author = meta::author(self.doc, self.page, title.as_deref(), start, end);
        Extracted {
            title,
            author,
            published,
            text,
            confidence: score::round2(confidence),
            page_type,
        }
    }

    /// The best block, or the best line run when it is clearly heavier and does not run
    /// into another headline: the block is precise when the article sits in one
    /// container; the run copes with table layouts that interleave it with other cells.
    fn best_candidate(&self, anchor: Option<usize>) -> Option<Choice> {
        match (
            density::main_block(self.page, anchor),
            density::main_range(self.page, anchor),
        ) {
            (Some(block), Some(mut run)) => {
                // A run that continues past a block of substance into a new headline is
                // two stories (a run far heavier than the block is the article itself,
                // section headings and all).
                let from = block.end.max(run.start);
                let next_story = run.end > from
                    && block.score >= STORY_SHARE * run.score
                    && self.page.lines[from..run.end]
                        .iter()
                        .any(|l| (1..=3).contains(&l.heading) && l.chars + l.link_chars >= 4);
                Some(if run.score > RUN_OVER_BLOCK * block.score && !next_story {
                    run.runner_up = block.runner_up;
                    run
                } else {
                    block
                })
            }
            (block, run) => block.or(run),
        }
    }
}

/// Ours (low-confidence) against dom_smoothie's text: agreement confirms ours; otherwise
/// the one that reads more like prose wins if it is not much shorter, and a tiny or empty
/// text always loses to a real one.
fn second_opinion(ours: String, confidence: f64, other: String) -> (String, f64) {
    let (a, b) = (chars(&ours), chars(&other));
    if score::agreement(&ours, &other) >= AGREE {
        return (ours, confidence.max(score::LOW));
    }
    if a < TINY && b >= TINY * 2 {
        return (other, confidence.max(score::FALLBACK_CAP));
    }
    let (pa, pb) = (
        smoothie::prose_density(&ours),
        smoothie::prose_density(&other),
    );
    if b * 2 >= a && pb > pa * 1.2 + 0.005 {
        return (other, confidence.min(score::LOW - 0.01));
    }
    (ours, confidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "县防汛抗旱指挥部启动三级应急响应，要求各乡镇开展拉网式排查。";

    #[test]
    fn agreement_confirms_ours() {
        let (text, c) = second_opinion(OURS.into(), 0.3, format!("{OURS}责任编辑"));
        assert_eq!(text, OURS);
        assert_eq!(c, score::LOW);
    }

    #[test]
    fn a_tiny_text_loses_to_a_real_one() {
        let (text, c) = second_opinion("首页".into(), 0.1, OURS.into());
        assert_eq!(text, OURS);
        assert!(c < score::LOW);
    }

    #[test]
    fn prose_beats_a_list_of_the_same_length() {
        let list =
            "首页 要闻 社会 财经 体育 娱乐 科技 教育 健康 文旅 视频 图片 专题 评论 县区 乡镇";
        let other = "记者在城东看到，抢险队员正在河堤上堆放沙袋，几辆装载机来回运送石料。";
        let (text, _) = second_opinion(list.into(), 0.2, other.into());
        assert_eq!(text, other);
        // And the other way round: ours stays.
        let (text, c) = second_opinion(other.into(), 0.4, list.into());
        assert_eq!((text.as_str(), c), (other, 0.4));
    }
}
