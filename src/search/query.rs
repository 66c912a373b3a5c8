//! The search syntax staff type, parsed into a small tree. We parse it ourselves instead of
//! handing raw text to tantivy's `QueryParser`, so that every word means "contains this
//! substring" (Ctrl-F semantics) and every mistake is a clear message, never a panic.
//!
//! ```text
//! 火灾 清河街道           both words (space = AND)
//! 火灾 OR 爆炸            either (OR binds tighter than the implicit AND)
//! 火灾 -演练              exclude
//! "fire drill"            a phrase with spaces, matched literally
//! title:火灾  source:xx   scopes: the title only; one source id
//! tone:negative           articles of one tone (negative | neutral | positive, or 负面/中性/正面)
//! (火灾 OR 爆炸) 街道     grouping
//! ```

use crate::text::normalize;

/// Parsed query. Words are already normalized.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A substring to find in the title (and the body unless `title_only`).
    Word {
        text: String,
        title_only: bool,
    },
    /// Articles of one source.
    Source(String),
    /// Articles of one tone.
    Tone(crate::model::Tone),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("查询语法错误 (bad query): {0}")]
pub struct QueryError(pub String);

/// Longest query we accept, in characters: bounds parse and search work.
pub const MAX_QUERY_CHARS: usize = 1000;
/// At most this many words and operators.
pub const MAX_TERMS: usize = 64;
/// Deepest nesting of parentheses and `-` accepted. The parser and every walk over the tree
/// recurse once per level; [`MAX_TERMS`] already bounds it, this says so with a clear message.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    /// `title:` / `source:` followed by its argument.
    Scoped(String, String),
    Or,
    Minus,
    Open,
    Close,
}

pub fn parse(input: &str) -> Result<Node, QueryError> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError(format!(
            "查询过长，最多 {MAX_QUERY_CHARS} 个字符"
        )));
    }
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(QueryError("查询为空 (empty query)".into()));
    }
    if toks.len() > MAX_TERMS {
        return Err(QueryError(format!("查询词过多，最多 {MAX_TERMS} 个")));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    let node = p.and_expr()?;
    if let Some(t) = p.toks.get(p.pos) {
        return Err(QueryError(match t {
            Tok::Close => "多余的右括号 ')' (unbalanced ')')".into(),
            other => format!("意外的 {other:?}"),
        }));
    }
    if !has_positive(&node) && !matches!(node, Node::Not(_)) && !is_all_negative(&node) {
        return Err(QueryError(
            "查询没有可检索的词 (nothing to search for)".into(),
        ));
    }
    Ok(node)
}

fn lex(input: &str) -> Result<Vec<Tok>, QueryError> {
    let mut toks = Vec::new();
    let chars: Vec<char> = input.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == '（' {
            toks.push(Tok::Open);
            i += 1;
        } else if c == ')' || c == '）' {
            toks.push(Tok::Close);
            i += 1;
        } else if c == '-'
            && i + 1 < chars.len()
            && !chars[i + 1].is_whitespace()
            && at_word_start(&chars, i)
        {
            toks.push(Tok::Minus);
            i += 1;
        } else if c == '"' || c == '“' {
            let (text, next) = quoted(&chars, i)?;
            push_word(&mut toks, text)?;
            i = next;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '（' | '）' | '"' | '“')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word == "OR" || word == "|" {
                toks.push(Tok::Or);
                continue;
            }
            if let Some((scope, rest)) = word.split_once(':')
                && (scope == "title" || scope == "source" || scope == "tone")
            {
                let arg =
                    if rest.is_empty() && i < chars.len() && (chars[i] == '"' || chars[i] == '“')
                    {
                        let (text, next) = quoted(&chars, i)?;
                        i = next;
                        text
                    } else {
                        rest.to_string()
                    };
                if arg.trim().is_empty() {
                    return Err(QueryError(format!("'{scope}:' 后缺少检索词")));
                }
                toks.push(Tok::Scoped(scope.to_string(), arg));
                continue;
            }
            push_word(&mut toks, word)?;
        }
    }
    Ok(toks)
}

fn at_word_start(chars: &[char], i: usize) -> bool {
    i == 0 || chars[i - 1].is_whitespace() || matches!(chars[i - 1], '(' | '（')
}

fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    let close = |c: char| c == '"' || c == '”';
    let mut j = open + 1;
    while j < chars.len() && !close(chars[j]) {
        j += 1;
    }
    if j >= chars.len() {
        return Err(QueryError("引号未闭合 (unclosed quote)".into()));
    }
    Ok((chars[open + 1..j].iter().collect(), j + 1))
}

fn push_word(toks: &mut Vec<Tok>, word: String) -> Result<(), QueryError> {
    if normalize(&word).is_empty() {
        return Err(QueryError("引号内为空 (empty phrase)".into()));
    }
    toks.push(Tok::Word(word));
    Ok(())
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    /// and_expr := or_expr+
    fn and_expr(&mut self) -> Result<Node, QueryError> {
        let mut parts = Vec::new();
        while let Some(t) = self.peek() {
            if *t == Tok::Close {
                break;
            }
            parts.push(self.or_expr()?);
        }
        match parts.len() {
            0 => Err(QueryError("括号内为空 (empty group)".into())),
            1 => Ok(parts.pop().expect("one part")),
            _ => Ok(Node::And(parts)),
        }
    }

    /// or_expr := unary ("OR" unary)*
    fn or_expr(&mut self) -> Result<Node, QueryError> {
        let mut parts = vec![self.unary()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            if matches!(self.peek(), None | Some(Tok::Close) | Some(Tok::Or)) {
                return Err(QueryError(
                    "OR 后缺少检索词 (OR needs a word after it)".into(),
                ));
            }
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one part")
        } else {
            Node::Or(parts)
        })
    }

    fn unary(&mut self) -> Result<Node, QueryError> {
        if self.depth >= MAX_DEPTH {
            return Err(QueryError(format!(
                "括号或排除嵌套超过 {MAX_DEPTH} 层 (nested deeper than {MAX_DEPTH})"
            )));
        }
        self.depth += 1;
        let node = self.unary_inner();
        self.depth -= 1;
        node
    }

    fn unary_inner(&mut self) -> Result<Node, QueryError> {
        match self.peek().cloned() {
            Some(Tok::Minus) => {
                self.pos += 1;
                Ok(Node::Not(Box::new(self.unary()?)))
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let inner = self.and_expr()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(QueryError("括号未闭合 (unclosed '(')".into()));
                }
                self.pos += 1;
                Ok(inner)
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                Ok(Node::Word {
                    text: normalize(&w),
                    title_only: false,
                })
            }
            Some(Tok::Scoped(scope, arg)) => {
                self.pos += 1;
                Ok(match scope.as_str() {
                    "title" => Node::Word {
                        text: normalize(&arg),
                        title_only: true,
                    },
                    "tone" => Node::Tone(parse_tone(&arg).map_err(QueryError)?),
                    _ => Node::Source(arg.trim().to_string()),
                })
            }
            Some(Tok::Or) => Err(QueryError(
                "OR 前缺少检索词 (OR needs a word before it)".into(),
            )),
            Some(Tok::Close) => Err(QueryError("多余的右括号 ')' (unbalanced ')')".into())),
            None => Err(QueryError("查询不完整 (incomplete query)".into())),
        }
    }
}

fn has_positive(n: &Node) -> bool {
    match n {
        Node::Word { .. } | Node::Source(_) | Node::Tone(_) => true,
        Node::And(v) => v.iter().any(has_positive),
        Node::Or(v) => v.iter().all(has_positive),
        Node::Not(_) => false,
    }
}

fn is_all_negative(n: &Node) -> bool {
    match n {
        Node::And(v) => v.iter().all(|c| matches!(c, Node::Not(_))),
        Node::Not(_) => true,
        _ => false,
    }
}

/// The positive words of a query (what snippets highlight), normalized.
pub fn positive_words(n: &Node) -> Vec<String> {
    let mut out = Vec::new();
    collect_positive(n, &mut out);
    out.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    out.dedup();
    out
}

fn collect_positive(n: &Node, out: &mut Vec<String>) {
    match n {
        Node::Word { text, .. } => out.push(text.clone()),
        Node::And(v) | Node::Or(v) => v.iter().for_each(|c| collect_positive(c, out)),
        Node::Source(_) | Node::Tone(_) | Node::Not(_) => {}
    }
}

/// A tone by its name or its label: `negative` / `负面`, `neutral` / `中性`, `positive` / `正面`.
pub fn parse_tone(s: &str) -> Result<crate::model::Tone, String> {
    use crate::model::Tone;
    let s = s.trim();
    Tone::parse(&s.to_ascii_lowercase())
        .or_else(|| Tone::ALL.iter().copied().find(|t| t.label_zh() == s))
        .ok_or_else(|| {
            format!("未知情感倾向 {s:?}：可用 negative（负面）、neutral（中性）、positive（正面） (unknown tone)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Node {
        Node::Word {
            text: s.into(),
            title_only: false,
        }
    }

    #[test]
    fn deep_nesting_is_a_clear_error() {
        for q in [
            format!("{}火{}", "(".repeat(3000), ")".repeat(3000)),
            format!("{}火{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH)),
            format!("{}火", "-(".repeat(20)),
        ] {
            assert!(parse(&q).is_err(), "{q}");
        }
        let ok = format!(
            "{}火{}",
            "(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert_eq!(parse(&ok).unwrap(), w("火"));
        let deep = format!("{}火{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&deep).unwrap_err().0.contains("嵌套"));
    }

    #[test]
    fn space_is_and_or_binds_tighter() {
        assert_eq!(
            parse("火灾 清河").unwrap(),
            Node::And(vec![w("火灾"), w("清河")])
        );
        assert_eq!(
            parse("街道 火灾 OR 爆炸").unwrap(),
            Node::And(vec![w("街道"), Node::Or(vec![w("火灾"), w("爆炸")])])
        );
    }

    #[test]
    fn minus_excludes_but_hyphen_inside_a_word_is_literal() {
        assert_eq!(
            parse("火灾 -演练").unwrap(),
            Node::And(vec![w("火灾"), Node::Not(Box::new(w("演练")))])
        );
        assert_eq!(parse("COVID-19").unwrap(), w("covid-19"));
    }

    #[test]
    fn phrases_scopes_and_groups() {
        assert_eq!(parse("\"Fire  Drill\"").unwrap(), w("fire drill"));
        assert_eq!(
            parse("title:火灾").unwrap(),
            Node::Word {
                text: "火灾".into(),
                title_only: true
            }
        );
        assert_eq!(
            parse("title:\"电动 车\"").unwrap(),
            Node::Word {
                text: "电动 车".into(),
                title_only: true
            }
        );
        assert_eq!(
            parse("source:a-b 火灾").unwrap(),
            Node::And(vec![Node::Source("a-b".into()), w("火灾")])
        );
        assert_eq!(
            parse("(火灾 OR 爆炸) 街道").unwrap(),
            Node::And(vec![Node::Or(vec![w("火灾"), w("爆炸")]), w("街道")])
        );
        assert_eq!(
            parse("全角（火灾）").unwrap(),
            Node::And(vec![w("全角"), w("火灾")])
        );
    }

    #[test]
    fn malformed_queries_are_clear_errors() {
        for bad in [
            "(火灾",
            "火灾)",
            "\"火灾",
            "OR 火灾",
            "火灾 OR",
            "",
            "   ",
            "()",
            "title:",
            "\"\"",
        ] {
            let err = parse(bad).expect_err(bad);
            assert!(!err.0.is_empty());
        }
        assert!(parse(&"火".repeat(MAX_QUERY_CHARS + 1)).is_err());
    }

    #[test]
    fn pure_negation_is_allowed() {
        assert_eq!(parse("-演练").unwrap(), Node::Not(Box::new(w("演练"))));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(9),
            failure_persistence: None,
            ..Default::default()
        })]

        /// Fuzz: hostile queries are parsed or refused with a message, never a panic.
        #[test]
        fn any_query_parses_or_is_refused(
            parts in proptest::collection::vec(
                "[()（）\\-\"“”: 火灾OR|title:source:a-z\u{0}\u{301}\u{feff}]{0,6}|\\({20}|-{1,5}|OR",
                0..60,
            )
        ) {
            let q: String = parts.concat();
            if let Err(e) = parse(&q) {
                proptest::prop_assert!(!e.0.is_empty());
            }
        }
    }
}
