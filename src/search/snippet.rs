//! Snippets and highlights cut from the article text the user sees. Matches are found in the
//! normalized text (the same normalizer the index uses) and mapped back to the original.

use serde::Serialize;

use crate::text::normalize_mapped;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Snippet {
    /// Plain text, white space collapsed.
    pub text: String,
    /// `[start, end)` char offsets into `text` of each match.
    pub highlights: Vec<[usize; 2]>,
}

/// Where each word occurs in `original`, as `[start, end)` char ranges (sorted, non-overlapping).
pub fn find_matches(original: &str, words: &[String]) -> Vec<[usize; 2]> {
    let (norm, map) = normalize_mapped(original);
    let norm_chars: Vec<char> = norm.chars().collect();
    let mut ranges = Vec::new();
    for w in words {
        let wc: Vec<char> = w.chars().collect();
        if wc.is_empty() || wc.len() > norm_chars.len() {
            continue;
        }
        let mut i = 0;
        while i + wc.len() <= norm_chars.len() {
            if norm_chars[i..i + wc.len()] == wc[..] {
                let start = map[i] as usize;
                let end = map[i + wc.len() - 1] as usize + 1;
                ranges.push([start, end]);
                i += wc.len();
            } else {
                i += 1;
            }
        }
    }
    ranges.sort();
    let mut merged: Vec<[usize; 2]> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r[0] <= last[1] => last[1] = last[1].max(r[1]),
            _ => merged.push(r),
        }
    }
    merged
}

/// A window of about `max_chars` characters of `original` around the first match (or the start),
/// with the matches inside it highlighted.
pub fn make(original: &str, words: &[String], max_chars: usize) -> Snippet {
    let matches = find_matches(original, words);
    let chars: Vec<char> = original.chars().collect();
    let first = matches.first().map_or(0, |m| m[0]);
    let lead = max_chars / 5;
    let mut start = first.saturating_sub(lead);
    let end = (start + max_chars).min(chars.len());
    if end - start < max_chars {
        start = end.saturating_sub(max_chars);
    }
    // Copy the window, collapsing white space, and remember where each char went.
    let mut text = String::new();
    let mut pos = vec![0usize; end - start + 1];
    let mut n = 0usize;
    let mut in_space = false;
    if start > 0 {
        text.push('…');
        n += 1;
    }
    for (k, &c) in chars[start..end].iter().enumerate() {
        pos[k] = n;
        if c.is_whitespace() {
            if !in_space && n > 0 {
                text.push(' ');
                n += 1;
            }
            in_space = true;
        } else {
            text.push(c);
            n += 1;
            in_space = false;
        }
    }
    pos[end - start] = n;
    let highlights = matches
        .iter()
        .filter(|m| m[0] >= start && m[1] <= end)
        .map(|m| [pos[m[0] - start], pos[m[1] - start]])
        .collect();
    let trimmed = text.trim_end().to_string();
    let mut snippet = Snippet {
        text: trimmed,
        highlights,
    };
    if end < chars.len() {
        snippet.text.push('…');
    }
    snippet
}

/// HTML for a snippet: escaped text with `<em>` around the highlights.
pub fn to_html(s: &Snippet) -> String {
    let chars: Vec<char> = s.text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    for h in &s.highlights {
        let (a, b) = (h[0].min(chars.len()), h[1].min(chars.len()));
        if a < i {
            continue;
        }
        out.push_str(&escape(&chars[i..a].iter().collect::<String>()));
        out.push_str("<em>");
        out.push_str(&escape(&chars[a..b].iter().collect::<String>()));
        out.push_str("</em>");
        i = b;
    }
    out.push_str(&escape(&chars[i..].iter().collect::<String>()));
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_map_back_through_normalization() {
        let text = "清河街道辦事處召開會議，ＣＯＶＩＤ防控";
        let s = make(text, &["街道办".into(), "covid".into()], 100);
        let chars: Vec<char> = s.text.chars().collect();
        let got: Vec<String> = s
            .highlights
            .iter()
            .map(|h| chars[h[0]..h[1]].iter().collect())
            .collect();
        assert_eq!(got, vec!["街道辦", "ＣＯＶＩＤ"]);
    }

    #[test]
    fn window_starts_near_the_first_match_and_collapses_space() {
        let text = format!("{}\n\n火灾{}", "甲".repeat(200), "乙".repeat(200));
        let s = make(&text, &["火灾".into()], 50);
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        let chars: Vec<char> = s.text.chars().collect();
        let h = s.highlights[0];
        assert_eq!(chars[h[0]..h[1]].iter().collect::<String>(), "火灾");
        assert!(!s.text.contains('\n'));
    }

    #[test]
    fn html_is_escaped_and_marked() {
        let s = make("<script>火灾</script>", &["火灾".into()], 100);
        assert_eq!(to_html(&s), "&lt;script&gt;<em>火灾</em>&lt;/script&gt;");
    }
}
