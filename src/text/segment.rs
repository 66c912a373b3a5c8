//! Chinese segmentation (jieba-rs with the local user dictionary) and the two tantivy
//! tokenizers built on it:
//!
//! * [`JiebaTokenizer`] — words for BM25 ranking. Holds the dictionary in an `Arc`, because
//!   tantivy clones analyzers per segment writer and per query and cloning a `Jieba` costs ~9 ms.
//! * [`GramTokenizer`] — overlapping character bigrams with real, consecutive positions (plus the
//!   last character alone), so that any substring of two or more characters is an exact phrase
//!   query and a single character is a prefix query. tantivy's `NgramTokenizer` would put every
//!   gram at position 0, which makes phrase queries over it impossible.
//!
//! Both expect text that went through [`crate::text::normalize`] first.

use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The shared jieba dictionary (default dictionary + the user dictionary).
#[derive(Clone)]
pub struct Segmenter {
    jieba: Arc<Jieba>,
}

impl Segmenter {
    /// The default dictionary only.
    pub fn new() -> Self {
        Segmenter {
            jieba: Arc::new(Jieba::new()),
        }
    }

    /// The default dictionary plus `userdict` (jieba format: `word [freq] [tag]` per line).
    pub fn with_userdict(userdict: &Path) -> std::io::Result<Self> {
        let mut jieba = Jieba::new();
        // jieba has no comment syntax: drop `#` lines and blanks before loading.
        let text = std::fs::read_to_string(userdict)?;
        let entries: String = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .flat_map(|l| [l, "\n"])
            .collect();
        jieba
            .load_dict(&mut BufReader::new(entries.as_bytes()))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        Ok(Segmenter {
            jieba: Arc::new(jieba),
        })
    }

    /// The `top_k` keywords of `text` by TF-IDF (jieba's bundled IDF table), places, names,
    /// nouns and verbs only, with their weights, strongest first.
    pub fn keywords(&self, text: &str, top_k: usize) -> Vec<(String, f64)> {
        use jieba_rs::KeywordExtract;
        static TFIDF: std::sync::OnceLock<jieba_rs::TfIdf> = std::sync::OnceLock::new();
        let tfidf = TFIDF.get_or_init(jieba_rs::TfIdf::default);
        let pos = [
            "ns", "nr", "nt", "nz", "n", "vn", "v", "l", "i", "nrt", "an",
        ]
        .iter()
        .map(|p| p.to_string())
        .collect();
        tfidf
            .extract_keywords(&self.jieba, text, top_k, pos)
            .into_iter()
            .map(|k| (k.keyword, k.weight))
            .collect()
    }

    /// Words of `text` (precise mode with HMM), dropping pure punctuation and white space.
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| is_wordish(w))
            .collect()
    }

    pub fn tokenizer(&self) -> JiebaTokenizer {
        JiebaTokenizer {
            jieba: self.jieba.clone(),
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

fn is_wordish(w: &str) -> bool {
    w.chars().any(|c| c.is_alphanumeric())
}

/// A tantivy tokenizer over jieba words: byte offsets into the input, ordinal positions.
#[derive(Clone)]
pub struct JiebaTokenizer {
    jieba: Arc<Jieba>,
}

pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = self
            .jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| is_wordish(t.word))
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position,
                text: t.word.to_string(),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, next: 0 }
    }
}

/// Overlapping character bigrams at consecutive positions, then the last character alone.
/// `"街道办"` → `街道`@0, `道办`@1, `办`@2. Every character takes part, so a phrase of the
/// bigrams of any query of 2+ characters matches exactly the texts that contain it.
#[derive(Clone, Default)]
pub struct GramTokenizer;

pub struct GramTokenStream<'a> {
    text: &'a str,
    /// Byte offset of the next gram's first char.
    pos: usize,
    index: usize,
    token: Token,
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramTokenStream<'a> {
        GramTokenStream {
            text,
            pos: 0,
            index: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for GramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.pos..];
        let mut chars = rest.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        let end = match chars.next() {
            Some(second) => self.pos + first.len_utf8() + second.len_utf8(),
            None => self.pos + first.len_utf8(),
        };
        self.token.text.clear();
        self.token.text.push_str(&self.text[self.pos..end]);
        self.token.offset_from = self.pos;
        self.token.offset_to = end;
        self.token.position = self.index;
        self.token.position_length = 1;
        self.pos += first.len_utf8();
        self.index += 1;
        true
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Every non-space character as a token, for single-character queries: one term's postings
/// instead of the union of every bigram that starts with the character (`的` at 200 000
/// articles took 19.5 ms that way). Positions are not kept.
#[derive(Clone, Copy, Debug, Default)]
pub struct CharTokenizer;

pub struct CharTokenStream<'a> {
    chars: std::str::CharIndices<'a>,
    token: Token,
}

impl Tokenizer for CharTokenizer {
    type TokenStream<'a> = CharTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CharTokenStream<'a> {
        CharTokenStream {
            chars: text.char_indices(),
            token: Token::default(),
        }
    }
}

impl TokenStream for CharTokenStream<'_> {
    fn advance(&mut self) -> bool {
        for (at, c) in self.chars.by_ref() {
            if c.is_whitespace() {
                continue;
            }
            self.token.text.clear();
            self.token.text.push(c);
            self.token.offset_from = at;
            self.token.offset_to = at + c.len_utf8();
            self.token.position = self.token.position.wrapping_add(1);
            return true;
        }
        false
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The grams of a query word, in order (what a phrase query over the gram field looks for).
pub fn query_grams(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 2 {
        return chars.iter().map(|c| c.to_string()).collect();
    }
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect<T: Tokenizer>(mut t: T, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut s = t.token_stream(text);
        while let Some(tok) = s.next() {
            out.push((
                tok.text.clone(),
                tok.offset_from,
                tok.offset_to,
                tok.position,
            ));
        }
        out
    }

    #[test]
    fn jieba_tokens_carry_byte_offsets_and_ordinal_positions() {
        let seg = Segmenter::new();
        let text = "清河街道，发生火灾";
        let toks = collect(seg.tokenizer(), text);
        for (i, (word, from, to, pos)) in toks.iter().enumerate() {
            assert_eq!(&text[*from..*to], word, "byte offsets must slice the word");
            assert_eq!(*pos, i, "positions are ordinal, punctuation skipped");
        }
        assert!(toks.iter().any(|t| t.0 == "火灾"));
        assert!(!toks.iter().any(|t| t.0 == "，"));
    }

    #[test]
    fn user_dictionary_keeps_local_names_whole() {
        let dir = tempfile::tempdir().unwrap();
        let dict = dir.path().join("userdict.txt");
        std::fs::write(&dict, "柳湾村委会 1000 nt\n").unwrap();
        let seg = Segmenter::with_userdict(&dict).unwrap();
        assert!(seg.words("柳湾村委会召开会议").contains(&"柳湾村委会"));
    }

    #[test]
    fn grams_have_real_consecutive_positions() {
        let toks = collect(GramTokenizer, "街道办a");
        assert_eq!(
            toks,
            vec![
                ("街道".into(), 0, 6, 0),
                ("道办".into(), 3, 9, 1),
                ("办a".into(), 6, 10, 2),
                ("a".into(), 9, 10, 3)
            ]
        );
        assert!(collect(GramTokenizer, "").is_empty());
        assert_eq!(collect(GramTokenizer, "火"), vec![("火".into(), 0, 3, 0)]);
    }

    #[test]
    fn query_grams_overlap() {
        assert_eq!(query_grams("街道办"), vec!["街道", "道办"]);
        assert_eq!(query_grams("火"), vec!["火"]);
    }
}
