//! `rules.toml`: watch rules (地域词 + 主体词 + 事件词 − 排除词).

use std::collections::HashSet;
use std::path::Path;

use toml::Spanned;

use super::diag::{Problem, SourceFile};
use super::raw::{RawRule, RawRules};
use super::{Checker, read, tree};
use crate::text::normalize;

pub use crate::model::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Title,
    Body,
    All,
}

/// A checked rule. Word lists hold the words as written; matching normalizes them.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub level: Level,
    pub region: Vec<String>,
    pub subject: Vec<String>,
    pub event: Vec<String>,
    pub all: Vec<String>,
    pub exclude: Vec<String>,
    pub scope: Scope,
    pub sources: Vec<String>,
    pub near: Option<usize>,
    pub enabled: bool,
    /// Advanced expression (`(A|B)+(C|D)-E`), combined with the lists by AND.
    pub expr: Option<super::expr::Parsed>,
}

fn words(c: &mut Checker, list: &Option<Vec<Spanned<String>>>) -> Vec<String> {
    let mut out = Vec::new();
    for w in list.iter().flatten() {
        if normalize(w.get_ref()).is_empty() {
            c.err::<()>(w.span(), "关键词为空 (empty keyword)");
        } else {
            out.push(w.get_ref().clone());
        }
    }
    out
}

pub(super) fn load(
    path: &Path,
    source_ids: &[&str],
    problems: &mut Vec<Problem>,
) -> Option<Vec<Rule>> {
    if !path.exists() {
        return Some(Vec::new());
    }
    let text = read(path, problems, ("规则文件", "rules"))?;
    let file = SourceFile { path, text: &text };
    let mut c = Checker { file, problems };
    let doc = tree::parse(&mut c, &text)?;
    let raw = RawRules::read(&mut c, &doc);
    let mut rules = Vec::new();
    let mut seen = HashSet::new();
    for r in &raw.rule {
        if let Some(rule) = check_rule(&mut c, r, source_ids, &mut seen) {
            rules.push(rule);
        }
    }
    Some(rules)
}

/// Checks one `[[rule]]` completely (a bad value does not hide the next one); `None` when any
/// problem was found.
fn check_rule(
    c: &mut Checker,
    r: &RawRule,
    source_ids: &[&str],
    seen: &mut HashSet<String>,
) -> Option<Rule> {
    let before = c.problems.len();
    // Where a problem of the whole rule is reported: its id, else its `[[rule]]` header.
    let at = r.id.as_ref().map_or_else(|| r.at.clone(), |id| id.span());
    let id = r.id.as_ref().map(|v| v.get_ref().clone());
    if let Some(v) = &r.id {
        c.ident(v, ("规则", "rule"), Some(seen));
    }
    let level = match &r.level {
        None => Level::Medium,
        Some(l) => Level::parse(l.get_ref()).unwrap_or_else(|| {
            c.err::<()>(
                l.span(),
                format!(
                    "级别应为 high、medium 或 low，实际为 {l:?} \
                     (level must be high, medium or low, got {l:?})",
                    l = l.get_ref()
                ),
            );
            Level::Medium
        }),
    };
    let scope = match r.scope.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("all", _)) => Scope::All,
        Some(("title", _)) => Scope::Title,
        Some(("body", _)) => Scope::Body,
        Some((other, span)) => {
            c.err::<()>(
                span,
                format!(
                    "scope 应为 title、body 或 all，实际为 {other:?} \
                     (scope must be title, body or all, got {other:?})"
                ),
            );
            Scope::All
        }
    };
    for s in r.sources.iter().flatten() {
        if !source_ids.contains(&s.get_ref().as_str()) {
            c.err::<()>(
                s.span(),
                format!(
                    "未知的信息源 id {s:?}（sources.toml 中没有） \
                     (unknown source id {s:?}, not in sources.toml)",
                    s = s.get_ref()
                ),
            );
        }
    }
    let expr = match &r.expr {
        None => None,
        Some(e) => match super::expr::parse(e.get_ref()) {
            Ok(p) => Some(p),
            Err(err) => {
                let name = id.as_deref().unwrap_or("");
                let at = c.inside(e, err.offset);
                c.err(at, format!("规则 {name:?} 的表达式有误：{}", err.message))
            }
        },
    };
    let region = words(c, &r.region);
    let subject = words(c, &r.subject);
    let event = words(c, &r.event);
    let all = words(c, &r.all);
    let exclude = words(c, &r.exclude);
    let near = match &r.near {
        None => None,
        Some(n) => c.count(n, 1, 100_000).map(|n| n as usize),
    };
    if near.is_some() && (region.is_empty() || event.is_empty()) {
        c.err::<()>(
            r.near.as_ref().map_or(at.clone(), |n| n.span()),
            "near 需要同时有地域词 region 和事件词 event (near needs both region and event words)",
        );
    }
    let positive = !(region.is_empty() && subject.is_empty() && event.is_empty() && all.is_empty());
    if !positive && expr.is_none() && r.expr.is_none() {
        c.err::<()>(
            at,
            "规则至少需要 region、subject、event、all 或 expr 之一 \
             (a rule needs at least one of region, subject, event, all or expr)",
        );
    }
    let id = id?;
    if c.problems.len() > before {
        return None;
    }
    Some(Rule {
        name: r.name.clone().unwrap_or_else(|| id.clone()),
        id,
        level,
        region,
        subject,
        event,
        all,
        exclude,
        scope,
        sources: r
            .sources
            .iter()
            .flatten()
            .map(|s| s.get_ref().clone())
            .collect(),
        near,
        enabled: r.enabled.unwrap_or(true),
        expr,
    })
}
