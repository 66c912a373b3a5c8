//! Why an article got its tone (`tone_words`): for a negative or positive verdict, the lexicon's
//! words of that polarity and the clause or two of the title and lead whose char pairs weigh
//! most for the verdict in the model; for a neutral one, every lexicon word found.

use super::{LEAD_CHARS, MAX_WORDS, ToneWord, ends_clause};
use crate::model::Tone;

/// Most clauses of the model's own added to an explanation.
const MODEL_CLAUSES: usize = 2;
/// Least weight the char pairs of a clause must give the verdict over the other classes for
/// the clause to be shown.
const MIN_CLAUSE_WEIGHT: f32 = 0.5;
/// Longest clause shown, in chars.
const MAX_CLAUSE_CHARS: usize = 20;
/// Clauses of datelines, bylines and captions: never the reason, however the model weighs them
/// (People's Daily's bylines come with its mostly positive news).
const BYLINE_MARKS: &[&str] = &[
    "记者",
    "本报",
    "新华社",
    "通讯员",
    "编辑",
    "来源",
    "图片",
    "摄",
    "日电",
    "日讯",
];

/// The words that decided a polar verdict: the lexicon's words of that polarity, and the
/// clauses of the title and lead whose char pairs weigh most for it in the model (a plain
/// complaint, "路灯坏了三个月", has no lexicon word); in text order. A neutral verdict keeps
/// every lexicon word found (what was weighed and not enough).
/// `found`: the model's weights of each of `located`'s pairs, where it has them.
pub(super) fn explain(
    tone: Tone,
    title: &str,
    text: &str,
    words: Vec<ToneWord>,
    negative: &[bool],
    located: &[(u64, u32)],
    found: &[Option<[f32; 3]>],
) -> Vec<ToneWord> {
    let class = match tone {
        Tone::Negative => 0,
        Tone::Positive => 2,
        Tone::Neutral => return words,
    };
    let mut out: Vec<ToneWord> = words
        .into_iter()
        .zip(negative)
        .filter(|(_, n)| **n == (tone == Tone::Negative))
        .map(|(w, _)| w)
        .collect();
    let whole: Vec<char> = title
        .chars()
        .chain(std::iter::once('\n'))
        .chain(text.chars().take(LEAD_CHARS))
        .collect();
    // Clauses: runs between punctuation, spaces and the title's end.
    let breaks = |c: char| {
        c.is_whitespace()
            || ends_clause(c)
            || matches!(
                c,
                '“' | '”' | '"' | '（' | '）' | '(' | ')' | '【' | '】' | '《' | '》'
            )
    };
    let mut clause_of = vec![usize::MAX; whole.len()];
    let mut clauses: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, &c) in whole.iter().chain(std::iter::once(&'\n')).enumerate() {
        match (breaks(c), start) {
            (true, Some(s)) => {
                clauses.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        if let (false, Some(_)) = (breaks(c), start) {
            clause_of[i] = clauses.len();
        }
    }
    // Each clause's weight for the verdict: the sum over its pairs of the verdict's weight
    // less the mean of the others'.
    let mut weight = vec![0f32; clauses.len()];
    let mut first_for = vec![usize::MAX; clauses.len()];
    for (&(_, at), w) in located.iter().zip(found) {
        let at = at as usize;
        let (Some(&k), Some(w)) = (clause_of.get(at), w) else {
            continue;
        };
        if k == usize::MAX {
            continue;
        }
        let c = w[class] - (0..3).filter(|&j| j != class).map(|j| w[j]).sum::<f32>() / 2.0;
        weight[k] += c;
        if c > 0.0 {
            first_for[k] = first_for[k].min(at);
        }
    }
    let mut best: Vec<usize> = (0..clauses.len())
        .filter(|&k| weight[k] >= MIN_CLAUSE_WEIGHT)
        .collect();
    best.sort_by(|&x, &y| weight[y].total_cmp(&weight[x]));
    // One clause beside the lexicon's words, two where the lexicon has none.
    let wanted = if out.is_empty() { MODEL_CLAUSES } else { 1 };
    let mut added = 0;
    for k in best {
        if added == wanted {
            break;
        }
        let (s, e) = clauses[k];
        let clause: String = whole[s..e].iter().collect();
        if BYLINE_MARKS.iter().any(|b| clause.contains(b)) {
            continue;
        }
        // A long clause is cut to MAX_CLAUSE_CHARS from its first pair that counts for it.
        let s = if e - s > MAX_CLAUSE_CHARS {
            first_for[k].clamp(s, e)
        } else {
            s
        };
        let e = e.min(s + MAX_CLAUSE_CHARS);
        if out.iter().any(|w| s < w.end && w.start < e) {
            continue;
        }
        out.push(ToneWord {
            word: whole[s..e].iter().collect(),
            start: s,
            end: e,
        });
        added += 1;
    }
    out.sort_by_key(|w| w.start);
    out.truncate(MAX_WORDS);
    out
}

#[cfg(test)]
mod tests {
    use super::super::{analyze, model};
    use crate::model::Tone;

    /// A verdict is explained by words of its own polarity: the lexicon's, and the model's
    /// strongest phrases where the lexicon has none (written for this test).
    #[test]
    fn the_words_shown_explain_the_verdict() {
        if model::get().is_none() {
            return;
        }
        for (title, text) in [
            (
                "桃源小区门口路灯坏了三个月",
                "晚上一片漆黑，上周一位老人在门口摔了一跤，打电话反映了好几次都说马上来修。",
            ),
            (
                "物业的“优化”方案引发居民不满",
                "小区停车位一减再减，居民多次投诉无人理睬，所谓优化只是多收了停车费。",
            ),
        ] {
            let r = analyze(title, text);
            assert_eq!(r.tone, Tone::Negative, "{title}: {r:?}");
            assert!(!r.words.is_empty(), "{title}: nothing explains it: {r:?}");
            let whole: Vec<char> = format!("{title}\n{text}").chars().collect();
            for w in &r.words {
                let at: String = whole[w.start..w.end].iter().collect();
                assert_eq!(at, w.word, "{r:?}");
            }
            println!(
                "{title}: {:?}",
                r.words.iter().map(|w| &w.word).collect::<Vec<_>>()
            );
            // 优化 is a (weak) positive word of the lexicon: not why this is negative.
            assert!(!r.words.iter().any(|w| w.word == "优化"), "{r:?}");
        }
    }
}
