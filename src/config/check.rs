//! The checking helpers of every config file: typed values with `path:line:col` problems.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use toml::Spanned;

use super::diag::{Problem, SourceFile};

/// Collects problems while checking one file.
pub(crate) struct Checker<'a> {
    pub file: SourceFile<'a>,
    pub problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    pub fn err<T>(&mut self, span: std::ops::Range<usize>, msg: impl Into<String>) -> Option<T> {
        self.problems.push(self.file.at(span, msg));
        None
    }

    pub fn duration(&mut self, v: &Spanned<String>) -> Option<Duration> {
        match humantime::parse_duration(v.get_ref().trim()) {
            Ok(d) => Some(d),
            Err(e) => self.err(
                v.span(),
                format!(
                    "bad duration {:?}: {e} (write e.g. \"30s\", \"10m\", \"2d\")",
                    v.get_ref()
                ),
            ),
        }
    }

    pub fn size(&mut self, v: &Spanned<String>) -> Option<u64> {
        match bytesize::ByteSize::from_str(v.get_ref().trim()) {
            Ok(b) => Some(b.as_u64()),
            Err(e) => self.err(
                v.span(),
                format!("bad size {:?}: {e} (write e.g. \"10MB\")", v.get_ref()),
            ),
        }
    }

    pub fn count(&mut self, v: &Spanned<i64>, min: i64, max: i64) -> Option<i64> {
        let n = *v.get_ref();
        if (min..=max).contains(&n) {
            Some(n)
        } else {
            self.err(
                v.span(),
                format!("must be between {min} and {max}, got {n}"),
            )
        }
    }

    pub fn cron(&mut self, v: &Spanned<String>) -> Option<cron::Schedule> {
        match parse_cron(v.get_ref()) {
            Ok(s) => Some(s),
            Err(e) => self.err(v.span(), e),
        }
    }
}

/// Parses a cron expression; 5-field expressions get a leading `0` seconds field.
pub fn parse_cron(expr: &str) -> Result<cron::Schedule, String> {
    let trimmed = expr.trim();
    let fields = trimmed.split_whitespace().count();
    let full = if fields == 5 {
        format!("0 {trimmed}")
    } else {
        trimmed.to_string()
    };
    cron::Schedule::from_str(&full).map_err(|e| {
        format!(
            "bad cron expression {expr:?}: {e} (6 fields, seconds first, e.g. \"0 */20 * * * *\")"
        )
    })
}

/// Reads a whole file, or records why not.
pub(crate) fn read(path: &Path, problems: &mut Vec<Problem>, what: &str) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(Problem {
                path: path.to_path_buf(),
                line: 1,
                col: 1,
                message: format!("cannot read {what}: {e}"),
            });
            None
        }
    }
}

/// Checks a jieba user dictionary: `word [freq] [tag]` per line, `#` comments allowed.
pub fn check_userdict(path: &Path, problems: &mut Vec<Problem>) {
    let Some(text) = read(path, problems, "user dictionary") else {
        return;
    };
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = t.split_whitespace().collect();
        if parts.len() > 3 {
            problems.push(Problem {
                path: path.to_path_buf(),
                line: i + 1,
                col: 1,
                message: format!(
                    "expected 'word [frequency] [tag]', got {} fields",
                    parts.len()
                ),
            });
        } else if let Some(freq) = parts.get(1)
            && freq.parse::<usize>().is_err()
        {
            let col = line.find(freq).map_or(1, |b| line[..b].chars().count() + 1);
            problems.push(Problem {
                path: path.to_path_buf(),
                line: i + 1,
                col,
                message: format!("frequency {freq:?} is not a whole number"),
            });
        }
    }
}
