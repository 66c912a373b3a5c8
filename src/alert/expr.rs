//! Advanced rule expressions in the syntax Chinese 舆情 systems use:
//! `(XX街道|XX社区)+(火灾|爆炸)-演练` — `+` and, `|` or, `-` and-not, parentheses, and quotes
//! for words containing those characters. `|` binds tighter than `+` and `-`.

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
    let mut p = P {
        s: text,
        pos: 0,
        words: Vec::new(),
    };
    p.skip_ws();
    if p.pos >= text.len() {
        return Err(ExprError {
            offset: 0,
            message: "empty expression".into(),
        });
    }
    let expr = p.sum()?;
    p.skip_ws();
    if p.pos < text.len() {
        let c = p.peek().unwrap_or(' ');
        return Err(p.err(format!("unexpected {c:?}")));
    }
    Ok(Parsed {
        expr,
        words: p.words,
    })
}

struct P<'a> {
    s: &'a str,
    pos: usize,
    words: Vec<String>,
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
            None => Err(self.err("expression ends where a word or '(' was expected".into())),
            Some('(' | '（') => {
                let open = self.pos;
                self.bump();
                let inner = self.sum()?;
                self.skip_ws();
                if !matches!(self.peek(), Some(')' | '）')) {
                    return Err(ExprError {
                        offset: open,
                        message: "unclosed '('".into(),
                    });
                }
                self.bump();
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
                        message: "unclosed quote".into(),
                    });
                }
                let word = self.s[start..self.pos].to_string();
                self.bump();
                self.word(word, open)
            }
            Some(c) if "+-|)＋－｜）".contains(c) => {
                Err(self.err(format!("unexpected {c:?} where a word was expected")))
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
                message: "empty word".into(),
            });
        }
        let i = match self.words.iter().position(|w| *w == word) {
            Some(i) => i,
            None => {
                self.words.push(word);
                self.words.len() - 1
            }
        };
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
}
