//! Configuration problems with their position: `path:line:col: message`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.col,
            self.message
        )
    }
}

/// Every problem found in the configuration, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigErrors(pub Vec<Problem>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// One file's text, to turn byte spans into lines and columns.
pub struct SourceFile<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl SourceFile<'_> {
    pub fn at(&self, span: Range<usize>, message: impl Into<String>) -> Problem {
        let (line, col) = line_col(self.text, span.start);
        Problem {
            path: self.path.to_path_buf(),
            line,
            col,
            message: one_line(&message.into()),
        }
    }

    /// A problem at the start of the file (missing keys, unreadable file).
    pub fn whole(&self, message: impl Into<String>) -> Problem {
        Problem {
            path: self.path.to_path_buf(),
            line: 1,
            col: 1,
            message: message.into(),
        }
    }
}

/// Orders problems file by file (files in the order first met), then by line and column, so
/// that checks done in several passes still read top to bottom.
pub fn sort_in_file_order(problems: &mut [Problem]) {
    let mut files: Vec<PathBuf> = Vec::new();
    for p in problems.iter() {
        if !files.contains(&p.path) {
            files.push(p.path.clone());
        }
    }
    problems.sort_by_key(|p| {
        let file = files.iter().position(|f| *f == p.path).unwrap_or(0);
        (file, p.line, p.col)
    });
}

/// One problem, one line: library messages sometimes span several.
fn one_line(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| *w != "^")
        .collect::<Vec<_>>()
        .join(" ")
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_chars() {
        let t = "a = 1\n名字 = x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        let x = t.find('x').unwrap();
        assert_eq!(line_col(t, x), (2, 6));
    }
}
