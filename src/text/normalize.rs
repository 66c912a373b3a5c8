//! The one text normalizer shared by indexing, querying, snippets and (later) watch rules.
//!
//! Normalization is deliberately *per character*: every input character maps to a fixed string
//! that does not depend on its neighbours (NFKC of the character, Latin case folded, Traditional
//! folded to Simplified by the single-character OpenCC table), and runs of white space collapse to
//! one space. That makes substring search exact: if `q` occurs in `t`, then `normalize(q)` occurs
//! in `normalize(t)`, which phrase-level conversions (`zhconv` on whole sentences) cannot promise.

use std::collections::HashMap;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization;

/// Traditional → Simplified, single characters only (from zhconv's OpenCC-derived table).
static T2S: LazyLock<HashMap<char, char>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for (from, to) in zhconv::tables::expand_table(zhconv::tables::ZH_HANS_TABLE) {
        let mut f = from.chars();
        let mut t = to.chars();
        if let (Some(a), None, Some(b), None) = (f.next(), f.next(), t.next(), t.next())
            && a != b
        {
            map.insert(a, b);
        }
    }
    map
});

/// First and last char of the CJK Unified Ideographs block: nearly every char of Chinese text.
const HAN_FIRST: char = '\u{4E00}';
const HAN_LAST: char = '\u{9FFF}';

/// [`T2S`] for the CJK Unified Ideographs block as a table indexed by code point (84 KB): the
/// lookup of every Han char of every article, without hashing.
static T2S_HAN: LazyLock<Box<[char]>> = LazyLock::new(|| {
    (HAN_FIRST..=HAN_LAST)
        .map(|c| T2S.get(&c).copied().unwrap_or(c))
        .collect()
});

/// Normalizes text for matching: NFKC (full-width → half-width, compatibility forms), lower-case,
/// Traditional → Simplified, white space collapsed to single spaces and trimmed.
pub fn normalize(text: &str) -> String {
    normalize_mapped(text).0
}

/// Like [`normalize`], and also returns, for every char of the result, the index of the char of
/// `text` it came from (so highlights found in normalized text map back to the original).
pub fn normalize_mapped(text: &str) -> (String, Vec<u32>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() / 2);
    let mut pending_space: Option<u32> = None;
    for (i, c) in text.chars().enumerate() {
        let i = i as u32;
        if c.is_whitespace() {
            if !out.is_empty() && pending_space.is_none() {
                pending_space = Some(i);
            }
            continue;
        }
        if let Some(at) = pending_space.take() {
            out.push(' ');
            map.push(at);
        }
        push_folded(c, i, &mut out, &mut map, &mut pending_space);
    }
    (out, map)
}

fn push_folded(c: char, i: u32, out: &mut String, map: &mut Vec<u32>, pending: &mut Option<u32>) {
    // Fast path: ASCII needs only lower-casing.
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        map.push(i);
        return;
    }
    // Fast path: CJK Unified Ideographs are NFKC-stable and have no case; only T→S applies.
    if (HAN_FIRST..=HAN_LAST).contains(&c) {
        if let Some(at) = pending.take() {
            out.push(' ');
            map.push(at);
        }
        out.push(T2S_HAN[(c as u32 - HAN_FIRST as u32) as usize]);
        map.push(i);
        return;
    }
    for n in std::iter::once(c).nfkc() {
        if n.is_whitespace() {
            // NFKC turns e.g. U+3000 into a space: collapse like any other white space.
            if !out.is_empty() && !out.ends_with(' ') {
                *pending = Some(i);
            }
            continue;
        }
        if let Some(at) = pending.take() {
            out.push(' ');
            map.push(at);
        }
        let n = T2S.get(&n).copied().unwrap_or(n);
        let mut lower = n.to_lowercase();
        // Keep one char per char where possible (İ lower-cases to two chars: keep the first).
        let first = lower.next().unwrap_or(n);
        out.push(first);
        map.push(i);
        for extra in lower {
            if !extra.is_whitespace() && !is_combining(extra) {
                out.push(extra);
                map.push(i);
            }
        }
    }
}

fn is_combining(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// True for characters of CJK scripts (Han, kana, Hangul, CJK punctuation excluded).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
        | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_latin_and_digits_become_half_width_lower_case() {
        assert_eq!(normalize("ＡＢＣ１２３ｘ"), "abc123x");
        assert_eq!(normalize("COVID-19疫情"), "covid-19疫情");
    }

    #[test]
    fn traditional_folds_to_simplified() {
        assert_eq!(normalize("臺灣發生火災"), "台湾发生火灾");
        assert_eq!(normalize("街道辦事處"), "街道办事处");
    }

    #[test]
    fn white_space_collapses_and_ideographic_space_counts() {
        assert_eq!(
            normalize("  发布时间：\u{3000}2026年\n\n 11月 "),
            "发布时间: 2026年 11月"
        );
    }

    #[test]
    fn mapping_points_back_to_original_chars() {
        let text = "Ａ  街道辦";
        let (n, map) = normalize_mapped(text);
        assert_eq!(n, "a 街道办");
        assert_eq!(map, vec![0, 1, 3, 4, 5]);
    }

    #[test]
    fn substring_of_normalized_is_normalized_substring() {
        let text = "臺北市ＸＸ街道辦事處發生火災，無人傷亡。";
        let whole = normalize(text);
        let chars: Vec<char> = text.chars().collect();
        for i in 0..chars.len() {
            for j in i + 1..=chars.len() {
                let part: String = chars[i..j].iter().collect();
                let n = normalize(&part);
                assert!(whole.contains(&n), "{part} → {n} not in {whole}");
            }
        }
    }
}
