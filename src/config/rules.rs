//! `rules.toml`: watch rules (地域词 + 主体词 + 事件词 − 排除词).

use std::path::Path;

use toml::Spanned;

use super::diag::{Problem, SourceFile};
use super::raw::RawRules;
use super::{Checker, read};
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
            c.err::<()>(w.span(), "empty keyword");
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
    let text = read(path, problems, "rules")?;
    let file = SourceFile { path, text: &text };
    let raw: RawRules = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            problems.push(file.toml_error(&e));
            return None;
        }
    };
    let mut c = Checker { file, problems };
    let mut rules = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in &raw.rule {
        let id = r.id.get_ref().clone();
        if id.is_empty()
            || !id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
        {
            c.err::<()>(
                r.id.span(),
                format!("rule id {id:?} must be letters, digits, '-', '_' or '.'"),
            );
            continue;
        }
        if !seen.insert(id.clone()) {
            c.err::<()>(r.id.span(), format!("duplicate rule id {id:?}"));
            continue;
        }
        let level = match &r.level {
            None => Level::Medium,
            Some(l) => Level::parse(l.get_ref()).unwrap_or_else(|| {
                c.err::<()>(
                    l.span(),
                    format!("level must be high, medium or low, got {:?}", l.get_ref()),
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
                    format!("scope must be title, body or all, got {other:?}"),
                );
                Scope::All
            }
        };
        for s in r.sources.iter().flatten() {
            if !source_ids.contains(&s.get_ref().as_str()) {
                c.err::<()>(
                    s.span(),
                    format!("unknown source id {:?} (not in sources.toml)", s.get_ref()),
                );
            }
        }
        let expr = match &r.expr {
            None => None,
            Some(e) => match super::expr::parse(e.get_ref()) {
                Ok(p) => Some(p),
                Err(err) => {
                    // Point into the string: skip its opening quote.
                    let at = e.span().start + 1 + err.offset;
                    c.err::<()>(
                        at..at,
                        format!("rule {:?}: bad expr: {}", r.id.get_ref(), err.message),
                    );
                    continue;
                }
            },
        };
        let rule = Rule {
            name: r.name.clone().unwrap_or_else(|| id.clone()),
            id,
            level,
            region: words(&mut c, &r.region),
            subject: words(&mut c, &r.subject),
            event: words(&mut c, &r.event),
            all: words(&mut c, &r.all),
            exclude: words(&mut c, &r.exclude),
            scope,
            sources: r
                .sources
                .iter()
                .flatten()
                .map(|s| s.get_ref().clone())
                .collect(),
            near: None,
            enabled: r.enabled.unwrap_or(true),
            expr,
        };
        let near = match &r.near {
            None => None,
            Some(n) => c.count(n, 1, 100_000).map(|n| n as usize),
        };
        if near.is_some() && (rule.region.is_empty() || rule.event.is_empty()) {
            c.err::<()>(
                r.near.as_ref().map_or(r.id.span(), |n| n.span()),
                "near needs both region and event words",
            );
        }
        let positive = !(rule.region.is_empty()
            && rule.subject.is_empty()
            && rule.event.is_empty()
            && rule.all.is_empty());
        if !positive && rule.expr.is_none() {
            c.err::<()>(
                r.id.span(),
                "a rule needs at least one of region, subject, event, all or expr",
            );
            continue;
        }
        rules.push(Rule { near, ..rule });
    }
    Some(rules)
}
