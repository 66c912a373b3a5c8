//! 情感倾向 (tone) of a news article: `negative`, `neutral` or `positive`, a score in [-1, 1]
//! (below 0: negative) and the words that decided it, with char offsets into
//! `title + "\n" + text`, so a collector can see why.
//!
//! Two stages, offline and in process. The lexicon: one Aho-Corasick pass over the title and the
//! text finds the polar words of [`lexicon`]; each is weighed by its strength (strong, plain
//! or weak: the stock words of official reports are weak), by where it is (a title word counts
//! double), by how often it came before (each repeat counts half the last), by degree words
//! just before it (非常, 严重 …), and flipped or cancelled by a negation just before it (不, 未,
//! 没有, 并非 …: "未造成人员伤亡" is not a casualty report). A polar tone needs both a clear
//! ratio and a net weight of [`MIN_MARGIN`]. Then the model ([`model`]): a logistic regression
//! over the lexicon's evidence and the pairs of adjacent chars of the title and the lead
//! ([`LEAD_CHARS`]) decides the tone; it learned, from 3,713 labelled items, the plain words of
//! complaints and bad news that no lexicon lists ("路灯坏了三个月", "快递柜收费离谱"). The
//! explanation shown to the collector (`tone_words`) is, for a negative or positive verdict, the
//! lexicon's words of that polarity and the clause or two of the title and lead whose char
//! pairs weigh most for it (bylines excepted); for a neutral one, every lexicon word found.
//! The lexicon is our own, written for public-opinion work in Chinese local news (see
//! `lexicon.rs` for its provenance and licence).

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use crate::model::Tone;

mod explain;
mod lexicon;
pub mod model;

/// One word that moved the tone, with `[start, end)` char offsets into `title + "\n" + text`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ToneWord {
    pub word: String,
    pub start: usize,
    pub end: usize,
}

/// The tone of one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToneResult {
    pub tone: Tone,
    /// In [-1, 1]; negative below 0.
    pub score: f64,
    pub words: Vec<ToneWord>,
}

/// Below this score an article is negative, above [`POSITIVE_AT`] positive.
pub const NEGATIVE_AT: f64 = -0.15;
pub const POSITIVE_AT: f64 = 0.25;
/// Text looked at: the title and the first this many characters of the body (a long page's
/// tail is mostly boilerplate and would drown the lead).
pub const MAX_CHARS: usize = 3000;
/// Most words reported per article.
pub const MAX_WORDS: usize = 24;
/// How far back (in characters) a negation or a degree word reaches, within its clause.
const REACH: usize = 6;
/// The weight of a weak word (the strong and plain ones weigh 2 and 1).
const WEAK: f64 = 0.5;
/// Least net evidence (|positive − negative|, in word weights) for a polar tone: one weak
/// word in a long report decides nothing.
const MIN_MARGIN: f64 = 1.0;
/// What is left of the negative evidence under a warning frame.
const WARNING_DISCOUNT: f64 = 0.3;

/// Whether `c` ends a clause: sentence and clause punctuation, and a line break.
fn ends_clause(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '；' | '！' | '？' | '、' | '：' | ',' | '.' | ';' | '!' | '?' | '\n'
    )
}

/// Up to [`REACH`] characters before `start`, not across a clause break (，。；！？ …).
fn clause_before(chars: &[char], start: usize) -> String {
    let lo = start.saturating_sub(REACH);
    let from = (lo..start)
        .rev()
        .find(|&i| ends_clause(chars[i]))
        .map_or(lo, |i| i + 1);
    chars[from..start].iter().collect()
}

/// Where in `window` (in chars) the last negation that applies starts, if one does (不久,
/// 不断, 非常 … only look like one).
fn negated(window: &str) -> Option<usize> {
    lexicon::NEGATIONS
        .iter()
        .flat_map(|n| window.match_indices(n))
        .filter(|(at, _)| {
            let rest = &window[*at..];
            !lexicon::NOT_NEGATIONS.iter().any(|f| rest.starts_with(f))
        })
        .map(|(at, _)| window[..at].chars().count())
        .max()
}

struct Lexicon {
    ac: AhoCorasick,
    /// Per pattern: its weight (negative < 0 < positive).
    weight: Vec<f64>,
}

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(|| {
        let mut words = Vec::new();
        let mut weight = Vec::new();
        for (list, w) in [
            (lexicon::POSITIVE_WEAK, WEAK),
            (lexicon::NEGATIVE_WEAK, -WEAK),
            (lexicon::NEGATIVE_STRONG, -2.0),
            (lexicon::NEGATIVE, -1.0),
            (lexicon::POSITIVE, 1.0),
            (lexicon::POSITIVE_STRONG, 2.0),
        ] {
            for word in list.iter().flat_map(|l| l.split_whitespace()) {
                if !words.contains(&word) {
                    words.push(word);
                    weight.push(w);
                }
            }
        }
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&words)
            .expect("the tone lexicon builds");
        Lexicon { ac, weight }
    })
}

/// The tone of an article from its title and text: the learned model ([`model`]) over the
/// lexicon's evidence and the words of the title and lead; the lexicon's words explain it.
/// Without a model (none shipped), the lexicon decides alone.
pub fn analyze(title: &str, text: &str) -> ToneResult {
    let (lex, evidence, negative) = lexicon_scan(title, text);
    match model::get() {
        Some(m) => {
            let located = located_pairs(title, text);
            let keys: Vec<u64> = located.iter().map(|(k, _)| *k).collect();
            let mut found = Vec::with_capacity(keys.len());
            let [neg, neu, pos] =
                m.probabilities_found(&named_features(text, &lex, &evidence), &keys, &mut found);
            let tone = if neg >= neu && neg >= pos {
                Tone::Negative
            } else if pos > neu && pos > neg {
                Tone::Positive
            } else {
                Tone::Neutral
            };
            let words = explain::explain(tone, title, text, lex.words, &negative, &located, &found);
            ToneResult {
                tone,
                score: ((pos - neg) * 1000.0).round() / 1000.0,
                words,
            }
        }
        None => lex,
    }
}

/// What the lexicon found besides its verdict: the features of the model.
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence {
    /// Negative and positive weight (after negation, degree, position and repeats).
    pub neg: f64,
    pub pos: f64,
    /// Whether the title frames the article as a warning, a drill or a rebuttal.
    pub warning: bool,
}

/// The lexicon's tone, and its evidence.
pub fn lexicon_tone(title: &str, text: &str) -> (ToneResult, Evidence) {
    let (r, e, _) = lexicon_scan(title, text);
    (r, e)
}

/// [`lexicon_tone`], and for each reported word whether it counted as negative.
fn lexicon_scan(title: &str, text: &str) -> (ToneResult, Evidence, Vec<bool>) {
    let lex = lexicon();
    let title_chars = title.chars().count();
    let body: String = text.chars().take(MAX_CHARS).collect();
    let whole = format!("{title}\n{body}");
    // Byte offset → char offset, for the reported positions.
    let mut char_at = Vec::with_capacity(whole.len() + 1);
    for (i, c) in whole.chars().enumerate() {
        for _ in 0..c.len_utf8() {
            char_at.push(i);
        }
    }
    char_at.push(whole.chars().count());
    let chars: Vec<char> = whole.chars().collect();
    let (mut neg, mut pos) = (0.0f64, 0.0f64);
    // Positive evidence from words that are not weak: the stock words of official reports
    // alone never make an article positive.
    let mut pos_plain = 0.0f64;
    let mut words = Vec::new();
    let mut negative = Vec::new();
    // Occurrences so far per word: a word repeated through a long text counts less each time
    // (1, 1/2, 1/4 …), so one theme word (上涨 in a price report) does not decide alone.
    let mut seen = vec![0u32; lex.weight.len()];
    for m in lex.ac.find_iter(&whole) {
        let (start, end) = (char_at[m.start()], char_at[m.end()]);
        let k = m.pattern().as_usize();
        let mut w = lex.weight[k] * 0.5f64.powi(seen[k].min(16) as i32);
        seen[k] += 1;
        let before = clause_before(&chars, start);
        // A negated word is shown with its negation (不满意, not 满意).
        let mut shown_from = start;
        if let Some(at) = negated(&before) {
            // 未造成伤亡, 并非事故: a negated negative is no news; a negated positive is mildly
            // negative (不满意, 不到位).
            w = if w < 0.0 { 0.0 } else { -0.5 * w };
            shown_from = start - before.chars().count() + at;
        } else if lexicon::DEGREE.iter().any(|d| before.contains(d)) {
            w *= 1.5;
        }
        if w == 0.0 {
            continue;
        }
        if start < title_chars {
            w *= 2.0;
        }
        if w < 0.0 {
            neg -= w;
        } else {
            pos += w;
            if lex.weight[k] > WEAK || start < title_chars {
                pos_plain += w;
            }
        }
        if words.len() < MAX_WORDS {
            words.push(ToneWord {
                word: chars[shown_from..end].iter().collect(),
                start: shown_from,
                end,
            });
            negative.push(w < 0.0);
        }
    }
    // A title that frames the article as a warning, a drill, education or a rebuttal of a
    // rumour: the bad things in it are what readers are warned of, not what happened.
    let warning = lexicon::WARNING_FRAMES.iter().any(|f| title.contains(f));
    if warning {
        neg *= WARNING_DISCOUNT;
    }
    // Net polarity over the evidence, damped so that one weak word does not decide.
    let score = ((pos - neg) / (pos + neg + 2.0)).clamp(-1.0, 1.0);
    let tone = if score < NEGATIVE_AT && neg - pos >= MIN_MARGIN {
        Tone::Negative
    } else if score > POSITIVE_AT && pos - neg >= MIN_MARGIN && pos_plain >= 1.0 {
        Tone::Positive
    } else {
        Tone::Neutral
    };
    (
        ToneResult {
            tone,
            score: (score * 1000.0).round() / 1000.0,
            words,
        },
        Evidence { neg, pos, warning },
        negative,
    )
}

/// Chars of the body the model reads after the title (the lead says what the article is about).
pub const LEAD_CHARS: usize = 300;

/// One feature of an article for the model: a named one with its value, or a pair of
/// adjacent chars of the normalized title (`t`) or lead (`b`), present (digits folded to 0).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Feature {
    Named(&'static str),
    Pair(char, char, char),
}

impl Feature {
    /// As the model file names it: `lex_neg`, `t:火灾`, `b:起火`.
    pub fn name(&self) -> String {
        match self {
            Feature::Named(n) => (*n).to_string(),
            Feature::Pair(f, a, b) => format!("{f}:{a}{b}"),
        }
    }

    pub fn parse(s: &str) -> Option<Feature> {
        if let Some((f, pair)) = s.split_once(':') {
            let f = f.chars().next()?;
            let mut cs = pair.chars();
            let (a, b) = (cs.next()?, cs.next()?);
            return cs.next().is_none().then_some(Feature::Pair(f, a, b));
        }
        NAMED.iter().find(|n| **n == s).map(|n| Feature::Named(n))
    }
}

/// The named features.
pub const NAMED: [&str; 7] = [
    "lex_neg",
    "lex_pos",
    "lex_score",
    "lex_is_neg",
    "lex_is_pos",
    "warning",
    "title_only",
];

/// The named features of an article, with their values, in [`NAMED`] order.
pub fn named_features(text: &str, lex: &ToneResult, e: &Evidence) -> [f64; NAMED.len()] {
    let flag = |b: bool| f64::from(u8::from(b));
    [
        (1.0 + e.neg).ln(),
        (1.0 + e.pos).ln(),
        lex.score,
        flag(lex.tone == Tone::Negative),
        flag(lex.tone == Tone::Positive),
        flag(e.warning),
        flag(text.trim().is_empty()),
    ]
}

/// The distinct pairs of adjacent chars of the normalized title (`t`) and lead (`b`), digits
/// folded to 0, sorted.
pub fn pairs(title: &str, text: &str) -> Vec<(char, char, char)> {
    located_pairs(title, text)
        .into_iter()
        .map(|(k, _)| model::unkey(k))
        .collect()
}

/// [`pairs`] as the model's keys ([`model::key`]), each with the char offset of its first
/// occurrence in `title + "\n" + text`; sorted by key.
fn located_pairs(title: &str, text: &str) -> Vec<(u64, u32)> {
    let lead: String = text.chars().take(LEAD_CHARS).collect();
    let mut out = Vec::with_capacity(title.len() / 3 + lead.len() / 3);
    let body_at = title.chars().count() as u32 + 1;
    for (field, part, base) in [('t', title, 0), ('b', lead.as_str(), body_at)] {
        let (norm, map) = crate::text::normalize_mapped(part);
        let chars: Vec<char> = norm
            .chars()
            .map(|c| if c.is_ascii_digit() { '0' } else { c })
            .collect();
        for (i, w) in chars.windows(2).enumerate() {
            if !w[0].is_whitespace() && !w[1].is_whitespace() {
                out.push((model::key(field, w[0], w[1]), base + map[i]));
            }
        }
    }
    // Sorted by key, then by position: the first occurrence of each pair stays.
    out.sort_unstable();
    out.dedup_by_key(|(k, _)| *k);
    out
}

/// Every feature of an article with its value (what `eval/tone/train.py` learns from).
pub fn features(title: &str, text: &str, lex: &ToneResult, e: &Evidence) -> Vec<(Feature, f64)> {
    let mut out: Vec<(Feature, f64)> = NAMED
        .iter()
        .zip(named_features(text, lex, e))
        .map(|(n, v)| (Feature::Named(n), v))
        .collect();
    out.extend(
        pairs(title, text)
            .into_iter()
            .map(|(f, a, b)| (Feature::Pair(f, a, b), 1.0)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_complaints_and_wage_arrears_are_negative() {
        for (title, text) in [
            (
                "青石街道一仓库发生火灾",
                "今天下午仓库起火，造成两人受伤，起火原因正在调查。",
            ),
            (
                "农民工讨薪无果",
                "十余名工人反映被拖欠工资半年，多次维权未果。",
            ),
            (
                "路面塌陷致车辆受损",
                "柳湾路突发路面塌陷，一辆轿车陷入坑中。",
            ),
            (
                "区纪委通报批评三名干部",
                "因工作失职、作风漂浮，相关责任人被通报批评。",
            ),
        ] {
            let r = analyze(title, text);
            assert_eq!(r.tone, Tone::Negative, "{title}: {r:?}");
            assert!(r.score < 0.0);
        }
    }

    #[test]
    fn negation_cancels_a_negative_word() {
        let r = analyze(
            "青石街道开展消防演练",
            "演练现场秩序井然，未造成人员伤亡，居民纷纷点赞。",
        );
        assert_ne!(r.tone, Tone::Negative, "{r:?}");
        assert!(!r.words.iter().any(|w| w.word == "伤亡"), "{r:?}");
    }

    #[test]
    fn praise_and_awards_are_positive() {
        let r = analyze(
            "柳湾社区荣获全国文明社区称号",
            "社区居民满意度大幅提升，工作获得上级表彰和群众好评。",
        );
        assert_eq!(r.tone, Tone::Positive, "{r:?}");
        assert!(r.score > 0.0);
    }

    #[test]
    fn plain_notices_are_neutral_and_offsets_point_at_the_words() {
        let r = analyze(
            "关于调整办公时间的通知",
            "自下周一起，办事大厅上午九点开门。",
        );
        assert_eq!(r.tone, Tone::Neutral, "{r:?}");
        let title = "居民投诉噪音扰民";
        let r = analyze(title, "夜间施工影响休息。");
        let whole: Vec<char> = format!("{title}\n夜间施工影响休息。").chars().collect();
        for w in &r.words {
            let got: String = whole[w.start..w.end].iter().collect();
            assert_eq!(got, w.word);
        }
        assert!(r.words.iter().any(|w| w.word == "投诉"), "{r:?}");
    }

    /// Residents' complaints in plain words, which the lexicon alone calls neutral (written for
    /// this test, not in the training items).
    #[test]
    fn plain_complaints_are_negative_with_the_model() {
        if model::get().is_none() {
            return;
        }
        for (title, text) in [
            (
                "桃源小区门口路灯坏了三个月",
                "晚上一片漆黑，上周一位老人在门口摔了一跤，打电话反映了好几次都说马上来修。",
            ),
            (
                "快递柜收费越来越离谱",
                "超时几个小时就开始收钱，小区只有这一家快递柜，业主们意见很大。",
            ),
        ] {
            assert_ne!(lexicon_tone(title, text).0.tone, Tone::Negative, "{title}");
            let r = analyze(title, text);
            assert_eq!(r.tone, Tone::Negative, "{title}: {r:?}");
            assert!(r.score < 0.0, "{r:?}");
        }
    }

    #[test]
    fn a_negated_word_is_shown_with_its_negation() {
        let title = "整改两个月，小区环境没有改善";
        let r = lexicon_tone(title, "").0;
        assert!(!r.words.iter().any(|w| w.word == "改善"), "{r:?}");
        let w = r
            .words
            .iter()
            .find(|w| w.word == "没有改善")
            .expect("shown");
        let chars: Vec<char> = title.chars().collect();
        assert_eq!(chars[w.start..w.end].iter().collect::<String>(), "没有改善");
    }

    #[test]
    fn degree_words_strengthen() {
        let plain = analyze("", "影响出行。");
        let strong = analyze("", "严重影响出行。");
        assert!(strong.score < plain.score, "{plain:?} {strong:?}");
    }
}
