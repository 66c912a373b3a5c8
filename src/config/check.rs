//! The checking helpers of every config file: typed values with `path:line:col` problems.

use std::ops::Range;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use toml::Spanned;

use super::crontab::check_cron;
use super::diag::{Problem, SourceFile, line_col};

/// Collects problems while checking one file.
pub(crate) struct Checker<'a> {
    pub file: SourceFile<'a>,
    pub problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    pub fn err<T>(&mut self, span: Range<usize>, msg: impl Into<String>) -> Option<T> {
        self.problems.push(self.file.at(span, msg));
        None
    }

    /// The span of byte `offset` inside string value `v`, when the file writes the string
    /// without escapes (`"…"` or `'…'`); else the start of the string.
    pub fn inside(&self, v: &Spanned<String>, offset: usize) -> Range<usize> {
        let span = v.span();
        let written = self.file.text.get(span.clone()).unwrap_or("");
        let plain = written.len() == v.get_ref().len() + 2
            && (written.starts_with('"') || written.starts_with('\''))
            && written.get(1..written.len() - 1) == Some(v.get_ref().as_str());
        if plain && offset <= v.get_ref().len() {
            let at = span.start + 1 + offset;
            at..at
        } else {
            span
        }
    }

    pub fn duration(&mut self, v: &Spanned<String>) -> Option<Duration> {
        match humantime::parse_duration(v.get_ref().trim()) {
            Ok(d) => Some(d),
            Err(e) => self.err(
                v.span(),
                format!(
                    "时长 {:?} 无效，应写成 \"30s\"、\"10m\"、\"2d\" 这样的形式 \
                     (bad duration {:?}: {e}; write e.g. \"30s\", \"10m\", \"2d\")",
                    v.get_ref(),
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
                format!(
                    "大小 {:?} 无效，应写成 \"10MB\" 这样的形式 (bad size {:?}: {e}; write e.g. \"10MB\")",
                    v.get_ref(),
                    v.get_ref()
                ),
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
                format!("应在 {min} 到 {max} 之间，实际为 {n} (must be between {min} and {max}, got {n})"),
            )
        }
    }

    /// A cron expression; each bad field is reported where it is written.
    /// An id of `what` (`("规则", "rule")`): letters, digits, `-`, `_`, `.`; and not one of
    /// `seen` when given (then added to it).
    pub fn ident(
        &mut self,
        v: &Spanned<String>,
        what: (&str, &str),
        seen: Option<&mut std::collections::HashSet<String>>,
    ) -> Option<String> {
        let id = v.get_ref();
        let (zh, en) = what;
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        {
            return self.err(
                v.span(),
                format!(
                    "{zh} id {id:?} 只能由字母、数字、'-'、'_' 或 '.' 组成 \
                     ({en} id {id:?} must be letters, digits, '-', '_' or '.')"
                ),
            );
        }
        if let Some(seen) = seen
            && !seen.insert(id.clone())
        {
            return self.err(
                v.span(),
                format!("{zh} id {id:?} 重复 (duplicate {en} id {id:?})"),
            );
        }
        Some(id.clone())
    }

    pub fn cron(&mut self, v: &Spanned<String>) -> Option<cron::Schedule> {
        match check_cron(v.get_ref()) {
            Ok(s) => Some(s),
            Err(errors) => {
                for e in errors {
                    let at = self.inside(v, e.offset);
                    self.err::<()>(at, e.message);
                }
                None
            }
        }
    }
}

/// Reads a whole file, or records why not (`what`: what the file is, in Chinese and English).
/// Text that is not UTF-8 is reported at its first bad byte.
pub(crate) fn read(path: &Path, problems: &mut Vec<Problem>, what: (&str, &str)) -> Option<String> {
    let (zh, en) = what;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem {
                path: path.to_path_buf(),
                line: 1,
                col: 1,
                message: format!("无法读取{zh}：{} (cannot read {en}: {e})", io_zh(&e)),
            });
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&e.as_bytes()[..good]);
            let (line, col) = line_col(&text, good);
            problems.push(Problem {
                path: path.to_path_buf(),
                line,
                col,
                message: format!(
                    "{zh}不是有效的 UTF-8 文本，请以 UTF-8 编码保存 ({en} is not valid UTF-8 text)"
                ),
            });
            None
        }
    }
}

/// The common reasons a file cannot be read, in Chinese.
fn io_zh(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在",
        std::io::ErrorKind::PermissionDenied => "没有读取权限",
        std::io::ErrorKind::IsADirectory => "这是一个目录",
        _ => "读取出错",
    }
}

/// Checks a jieba user dictionary: `word [freq] [tag]` per line, `#` comments allowed.
pub fn check_userdict(path: &Path, problems: &mut Vec<Problem>) {
    let Some(text) = read(path, problems, ("用户词典", "user dictionary")) else {
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
                    "每行应为\"词语 [词频] [词性]\"，这一行有 {n} 段 \
                     (expected 'word [frequency] [tag]', got {n} fields)",
                    n = parts.len()
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
                message: format!(
                    "词频 {freq:?} 不是整数 (frequency {freq:?} is not a whole number)"
                ),
            });
        }
    }
}
