//! The lenient first pass over a configuration file: TOML parsed into a tree that keeps every
//! key's and value's position, then read key by key. Unlike serde with `deny_unknown_fields`,
//! which stops at the first surprise, this reports every unknown key (with the nearest known one
//! when it looks like a misspelling) and every value of the wrong type, and keeps going.

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::Checker;

type S = Spanned<String>;

/// Parses `text` into a tree with positions, or records the (first) TOML syntax error.
pub(crate) fn parse<'i>(c: &mut Checker, text: &'i str) -> Option<Spanned<DeTable<'i>>> {
    match DeTable::parse(text) {
        Ok(t) => Some(t),
        Err(e) => c.err(
            e.span().unwrap_or(0..0),
            format!("TOML 语法错误 (TOML syntax error: {})", e.message().trim()),
        ),
    }
}

/// One table of a file being read, with the keys it may hold.
pub(crate) struct Table<'a, 'i> {
    map: &'a DeTable<'i>,
    /// The table's header (`[http]`, `[[rule]]`), or the file's start for the top level:
    /// where a missing key is reported.
    pub at: Range<usize>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// Reads `map`, reporting every key not in `known`.
    pub fn new(c: &mut Checker, map: &'a DeTable<'i>, at: Range<usize>, known: &[&str]) -> Self {
        for (k, _) in map.iter() {
            let key: &str = k.get_ref();
            if !known.contains(&key) {
                c.err::<()>(k.span(), unknown_key(key, known));
            }
        }
        Table { map, at }
    }

    fn get(&self, key: &str) -> Option<&'a Spanned<DeValue<'i>>> {
        self.map
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == key)
            .map(|(_, v)| v)
    }

    pub fn string(&self, c: &mut Checker, key: &str) -> Option<S> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(Spanned::new(v.span(), s.to_string())),
            other => wrong_type(c, key, v.span(), "字符串", "a string", other),
        }
    }

    /// A string whose position is not needed (names, titles).
    pub fn text(&self, c: &mut Checker, key: &str) -> Option<String> {
        self.string(c, key).map(Spanned::into_inner)
    }

    pub fn int(&self, c: &mut Checker, key: &str) -> Option<Spanned<i64>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(Spanned::new(v.span(), n)),
                Err(_) => c.err(
                    v.span(),
                    format!("键 {key:?} 的整数太大 (key {key:?}: integer out of range)"),
                ),
            },
            other => wrong_type(c, key, v.span(), "整数", "an integer", other),
        }
    }

    pub fn bool(&self, c: &mut Checker, key: &str) -> Option<bool> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => wrong_type(
                c,
                key,
                v.span(),
                "布尔值 true 或 false",
                "true or false",
                other,
            ),
        }
    }

    /// An array of strings; elements of another type are reported and left out.
    pub fn strings(&self, c: &mut Checker, key: &str) -> Option<Vec<S>> {
        let v = self.get(key)?;
        let DeValue::Array(items) = v.get_ref() else {
            return wrong_type(
                c,
                key,
                v.span(),
                "字符串数组",
                "an array of strings",
                v.get_ref(),
            );
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Spanned::new(item.span(), s.to_string())),
                other => {
                    let (zh, en) = type_name(other);
                    c.err::<()>(
                        item.span(),
                        format!(
                            "键 {key:?} 的元素应为字符串，实际为{zh} \
                             (key {key:?}: each element must be a string, found {en})"
                        ),
                    );
                }
            }
        }
        Some(out)
    }

    /// A string that must be present: a missing key is reported at the table's header.
    pub fn required_string(&self, c: &mut Checker, key: &str) -> Option<S> {
        if self.get(key).is_none() {
            return self.missing(c, key);
        }
        self.string(c, key)
    }

    pub fn missing<T>(&self, c: &mut Checker, key: &str) -> Option<T> {
        c.err(
            self.at.clone(),
            format!("缺少必填的键 {key:?} (missing key {key:?})"),
        )
    }

    /// A sub-table (`[http]`, `[source.list]`), read with its own keys.
    pub fn table(&self, c: &mut Checker, key: &str, known: &[&str]) -> Option<Table<'a, 'i>> {
        let v = self.get(key)?;
        match v.get_ref() {
            DeValue::Table(t) => Some(Table::new(c, t, v.span(), known)),
            other => wrong_type(c, key, v.span(), &format!("表 [{key}]"), "a table", other),
        }
    }

    /// An array of tables (`[[rule]]`), each read with `known` keys; anything else in the
    /// array is reported and left out.
    pub fn tables(&self, c: &mut Checker, key: &str, known: &[&str]) -> Vec<Table<'a, 'i>> {
        let Some(v) = self.get(key) else {
            return Vec::new();
        };
        let zh = format!("表数组（写成 [[{key}]]）");
        let en = format!("an array of tables ([[{key}]])");
        let DeValue::Array(items) = v.get_ref() else {
            wrong_type::<()>(c, key, v.span(), &zh, &en, v.get_ref());
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(t) => out.push(Table::new(c, t, item.span(), known)),
                other => {
                    wrong_type::<()>(c, key, item.span(), &zh, &en, other);
                }
            }
        }
        out
    }
}

fn wrong_type<T>(
    c: &mut Checker,
    key: &str,
    span: Range<usize>,
    want_zh: &str,
    want_en: &str,
    found: &DeValue,
) -> Option<T> {
    let (zh, en) = type_name(found);
    c.err(
        span,
        format!(
            "键 {key:?} 的值应为{want_zh}，实际为{zh} (key {key:?}: expected {want_en}, found {en})"
        ),
    )
}

/// The kind of a TOML value, in Chinese and in English (with its article).
fn type_name(v: &DeValue) -> (&'static str, &'static str) {
    match v {
        DeValue::String(_) => ("字符串", "a string"),
        DeValue::Integer(_) => ("整数", "an integer"),
        DeValue::Float(_) => ("小数", "a float"),
        DeValue::Boolean(_) => ("布尔值", "a boolean"),
        DeValue::Datetime(_) => ("日期时间（字符串须加引号）", "a date-time"),
        DeValue::Array(_) => ("数组", "an array"),
        DeValue::Table(_) => ("表", "a table"),
    }
}

/// The message for an unknown key: the nearest known key when it is a likely misspelling,
/// else the list of known keys.
pub(crate) fn unknown_key(key: &str, known: &[&str]) -> String {
    match suggest(key, known) {
        Some(s) => {
            format!("未知的键 {key:?}，是否想写 {s:?}？ (unknown key {key:?}, did you mean {s:?}?)")
        }
        None => format!(
            "未知的键 {key:?}，可用的键：{} (unknown key {key:?}; known keys: {})",
            known.join("、"),
            known.join(", ")
        ),
    }
}

/// The known word closest to `word`, if it is close enough to be a misspelling: at most one
/// edit per three characters (at least one), ignoring case; a swap of two neighbours is one edit.
pub(crate) fn suggest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    let w: Vec<char> = word.to_lowercase().chars().collect();
    known
        .iter()
        .map(|k| {
            let kc: Vec<char> = k.to_lowercase().chars().collect();
            (edit_distance(&w, &kc), kc.len().max(w.len()), *k)
        })
        .filter(|&(d, len, _)| d <= (len / 3).max(1))
        .min_by_key(|&(d, _, _)| d)
        .map(|(_, _, k)| k)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE_KEYS: &[&str] = &["id", "name", "level", "region", "event", "exclude", "expr"];

    #[test]
    fn near_misspellings_get_a_suggestion() {
        assert_eq!(suggest("evnt", RULE_KEYS), Some("event"));
        assert_eq!(suggest("Levle", RULE_KEYS), Some("level"));
        assert_eq!(suggest("regoin", RULE_KEYS), Some("region"));
        assert_eq!(
            suggest("user_agnet", &["user_agent", "timeout"]),
            Some("user_agent")
        );
        assert_eq!(suggest("colour", RULE_KEYS), None);
        assert_eq!(suggest("x", RULE_KEYS), None);
    }

    #[test]
    fn unknown_key_messages_are_chinese_first() {
        assert_eq!(
            unknown_key("evnt", RULE_KEYS),
            "未知的键 \"evnt\"，是否想写 \"event\"？ (unknown key \"evnt\", did you mean \"event\"?)"
        );
        let m = unknown_key("colour", &["id", "name"]);
        assert!(
            m.starts_with("未知的键 \"colour\"，可用的键：id、name (unknown key"),
            "{m}"
        );
    }

    #[test]
    fn edit_distance_counts_swaps_once() {
        let d = |a: &str, b: &str| {
            edit_distance(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("agnet", "agent"), 1);
        assert_eq!(d("地域", "地域词"), 1);
    }
}
