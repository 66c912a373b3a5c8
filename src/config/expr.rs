//! Advanced rule expressions in the syntax Chinese 舆情 systems use:
//! `(XX街道|XX社区)+(火灾|爆炸)-演练` — `+` and, `|` or, `-` and-not, parentheses, and quotes
//! for words containing those characters. `|` binds tighter than `+` and `-`.
//!
//! Expressions come from `rules.toml` and from the web rule tester (any logged-in user), so they
//! are hostile input: parentheses may nest at most [`MAX_DEPTH`] deep (the parser and the tree
//! walks recurse once per level), an expression is at most [`MAX_EXPR_BYTES`] long with at most
//! [`MAX_WORDS`] distinct words, and parsing is linear in its length.

use std::collections::HashMap;

/// Deepest parenthesis nesting accepted. Real rules use two or three levels.
pub const MAX_DEPTH: usize = 32;
/// Longest expression accepted, in bytes (about 21 000 Chinese characters).
pub const MAX_EXPR_BYTES: usize = 64 * 1024;
/// Most distinct words one expression may hold.
pub const MAX_WORDS: usize = 2_000;

/// A parsed expression; leaves index into the expression's word list.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Word(usize),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    /// Left side, minus any of the right sides.
    AndNot(Box<Expr>, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub expr: Expr,
    /// Words as written, in order of first appearance.
    pub words: Vec<String>,
}

/// A parse error at a byte offset of the expression text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ExprError {
    pub offset: usize,
    pub message: String,
}

pub fn parse(text: &str) -> Result<Parsed, ExprError> {
    if text.len() > MAX_EXPR_BYTES {
        return Err(ExprError {
            offset: 0,
            message: format!(
                "表达式过长：{} 字节，最多 {MAX_EXPR_BYTES} 字节 (expression too long: {} bytes, at most {MAX_EXPR_BYTES})",
                text.len(),
                text.len()
            ),
        });
    }
    let mut p = P {
        s: text,
        pos: 0,
        depth: 0,
        words: Vec::new(),
        index: HashMap::new(),
    };
    p.skip_ws();
    if p.pos >= text.len() {
        return Err(ExprError {
            offset: 0,
            message: "表达式为空 (empty expression)".into(),
        });
    }
    let expr = p.sum()?;
    p.skip_ws();
    if p.pos < text.len() {
        let c = p.peek().unwrap_or(' ');
        return Err(p.err(format!("此处不应出现 {c:?} (unexpected {c:?})")));
    }
    Ok(Parsed {
        expr,
        words: p.words,
    })
}

struct P<'a> {
    s: &'a str,
    pos: usize,
    /// Open parentheses around the current position.
    depth: usize,
    words: Vec<String>,
    /// Word → its index in `words` (a linear search made long OR-chains quadratic).
    index: HashMap<String, usize>,
}

impl P<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }
    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.pos += c.len_utf8();
        }
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }
    fn err(&self, message: String) -> ExprError {
        ExprError {
            offset: self.pos,
            message,
        }
    }

    /// sum := alt (('+' | '-') alt)*
    fn sum(&mut self) -> Result<Expr, ExprError> {
        let first = self.alt()?;
        let mut and = vec![first];
        let mut not = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some('+' | '＋') => {
                    self.bump();
                    and.push(self.alt()?);
                }
                Some('-' | '－') => {
                    self.bump();
                    not.push(self.alt()?);
                }
                _ => break,
            }
        }
        let left = if and.len() == 1 {
            and.pop().expect("one")
        } else {
            Expr::And(and)
        };
        Ok(if not.is_empty() {
            left
        } else {
            Expr::AndNot(Box::new(left), not)
        })
    }

    /// alt := atom ('|' atom)*
    fn alt(&mut self) -> Result<Expr, ExprError> {
        let mut parts = vec![self.atom()?];
        loop {
            self.skip_ws();
            if matches!(self.peek(), Some('|' | '｜')) {
                self.bump();
                parts.push(self.atom()?);
            } else {
                break;
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().expect("one")
        } else {
            Expr::Or(parts)
        })
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        self.skip_ws();
        match self.peek() {
            None => Err(self.err(
                "表达式在应有词语或 '(' 的地方结束 (expression ends where a word or '(' was expected)"
                    .into(),
            )),
            Some('(' | '（') => {
                let open = self.pos;
                if self.depth >= MAX_DEPTH {
                    return Err(self.err(format!(
                        "括号嵌套超过 {MAX_DEPTH} 层 (parentheses nested deeper than {MAX_DEPTH})"
                    )));
                }
                self.depth += 1;
                self.bump();
                let inner = self.sum()?;
                self.skip_ws();
                if !matches!(self.peek(), Some(')' | '）')) {
                    return Err(ExprError {
                        offset: open,
                        message: "括号未闭合 (unclosed '(')".into(),
                    });
                }
                self.bump();
                self.depth -= 1;
                Ok(inner)
            }
            Some('"' | '“') => {
                let open = self.pos;
                self.bump();
                let start = self.pos;
                while self.peek().is_some_and(|c| c != '"' && c != '”') {
                    self.bump();
                }
                if self.peek().is_none() {
                    return Err(ExprError {
                        offset: open,
                        message: "引号未闭合 (unclosed quote)".into(),
                    });
                }
                let word = self.s[start..self.pos].to_string();
                self.bump();
                self.word(word, open)
            }
            Some(c) if "+-|)＋－｜）".contains(c) => {
                Err(self.err(format!(
                    "此处应为词语，却是 {c:?} (unexpected {c:?} where a word was expected)"
                )))
            }
            Some(_) => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| !c.is_whitespace() && !"+-|()\"＋－｜（）“".contains(c))
                {
                    self.bump();
                }
                let word = self.s[start..self.pos].to_string();
                self.word(word, start)
            }
        }
    }

    fn word(&mut self, word: String, at: usize) -> Result<Expr, ExprError> {
        if crate::text::normalize(&word).is_empty() {
            return Err(ExprError {
                offset: at,
                message: "空词语 (empty word)".into(),
            });
        }
        if let Some(&i) = self.index.get(&word) {
            return Ok(Expr::Word(i));
        }
        if self.words.len() >= MAX_WORDS {
            return Err(ExprError {
                offset: at,
                message: format!(
                    "表达式的词语超过 {MAX_WORDS} 个，请拆成几条规则 (more than {MAX_WORDS} distinct words)"
                ),
            });
        }
        let i = self.words.len();
        self.index.insert(word.clone(), i);
        self.words.push(word);
        Ok(Expr::Word(i))
    }
}

impl Expr {
    /// Evaluates with `present[i]` telling whether word `i` occurs.
    pub fn eval(&self, present: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Expr::Word(i) => present(*i),
            Expr::And(v) => v.iter().all(|e| e.eval(present)),
            Expr::Or(v) => v.iter().any(|e| e.eval(present)),
            Expr::AndNot(l, nots) => l.eval(present) && !nots.iter().any(|e| e.eval(present)),
        }
    }

    /// Words that count as matched when the expression holds (not those under a `-`).
    pub fn positive_words(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Word(i) => out.push(*i),
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.positive_words(out)),
            Expr::AndNot(l, _) => l.positive_words(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(expr: &str, text: &str) -> bool {
        let p = parse(expr).unwrap();
        p.expr.eval(&|i| text.contains(&p.words[i]))
    }

    #[test]
    fn the_common_shape_works() {
        let e = "(XX街道|XX社区)+(火灾|爆炸)-演练";
        assert!(holds(e, "XX社区发生爆炸"));
        assert!(!holds(e, "XX社区爆炸演练"));
        assert!(!holds(e, "YY街道火灾"));
        assert!(holds("A|B+C", "B C"));
        assert!(!holds("A|B+C", "A"));
        assert!(holds("\"a+b\"+c", "a+b c"));
        assert!(holds("（甲｜乙）＋丙", "乙丙"));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(parse("(火灾|爆炸").unwrap_err().offset, 0);
        let e = parse("火灾++爆炸").unwrap_err();
        assert_eq!(e.offset, "火灾+".len());
        assert!(parse("").is_err());
        assert!(parse("火灾)").is_err());
        assert!(parse("\"火灾").is_err());
        assert!(parse("\"\"").is_err());
    }

    /// Regression: 3 000 nested parentheses overflowed the stack and aborted `serve`.
    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for depth in [MAX_DEPTH + 1, 3_000, 20_000] {
            let e = format!("{}火{}", "(".repeat(depth), ")".repeat(depth));
            let err = parse(&e).unwrap_err();
            assert!(err.message.contains("嵌套"), "{}", err.message);
            assert_eq!(
                err.offset, MAX_DEPTH,
                "points at the first parenthesis too deep"
            );
        }
        let ok = format!("{}火{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(holds(&ok, "火"));
        // Depth is about open parentheses, not how many groups there are.
        let wide = vec!["(甲|乙)"; 500].join("+");
        assert!(holds(&wide, "乙"));
    }

    /// Regression: an OR-chain of 150 000 words took a minute (linear de-duplication).
    #[test]
    fn long_expressions_are_bounded_and_linear() {
        let words: Vec<String> = (0..MAX_WORDS).map(|i| format!("词{i}")).collect();
        let p = parse(&words.join("|")).unwrap();
        assert_eq!(p.words.len(), MAX_WORDS);
        // Repeats are de-duplicated, not counted.
        let repeated = vec!["火灾"; 5_000].join("|");
        assert_eq!(parse(&repeated).unwrap().words, vec!["火灾".to_string()]);
        let too_many: Vec<String> = (0..=MAX_WORDS).map(|i| format!("词{i}")).collect();
        assert!(
            parse(&too_many.join("|"))
                .unwrap_err()
                .message
                .contains("超过")
        );
        let huge: Vec<String> = (0..150_000).map(|i| format!("w{i}")).collect();
        assert!(parse(&huge.join("|")).unwrap_err().message.contains("过长"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 2000,
            rng_seed: proptest::test_runner::RngSeed::Fixed(9),
            failure_persistence: None,
            ..Default::default()
        })]

        /// Fuzz: hostile expressions (operators of both widths, quotes, deep and unbalanced
        /// parentheses, long words, control and combining characters) are parsed or refused,
        /// never a panic, and a parsed one evaluates.
        #[test]
        fn any_expression_parses_or_is_refused(
            parts in proptest::collection::vec(
                "[()（）+\\-|＋－｜\"“”火灾街道 \u{0}\u{301}\u{202e}\u{feff}a-z]{0,6}|\\({40}|\\){40}|[甲乙]{1,3000}",
                0..40,
            )
        ) {
            let e: String = parts.concat();
            if let Ok(p) = parse(&e) {
                let _ = p.expr.eval(&|i| i % 2 == 0);
                let mut v = Vec::new();
                p.expr.positive_words(&mut v);
                proptest::prop_assert!(v.iter().all(|&i| i < p.words.len()));
            }
        }
    }
}
