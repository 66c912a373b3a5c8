//! `units.toml`: the partner units (联席单位: 派出所, 城管, 市场监管, 社区 …) alerts are handed to,
//! each with the push channel that reaches it and its default deadline.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use super::diag::{Problem, SourceFile};
use super::{Checker, read, tree};

/// A checked partner unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    /// The `[[notify]]` channel (its `name`) that reaches the unit; no push without one.
    pub notify: Option<String>,
    /// Deadline given when an assignment names none.
    pub default_due: Duration,
}

/// Deadline of a unit that names none.
pub const DEFAULT_DUE: Duration = Duration::from_secs(48 * 3600);

pub(super) fn load(
    path: &Path,
    channels: &[String],
    problems: &mut Vec<Problem>,
) -> Option<Vec<Unit>> {
    let text = read(path, problems, ("联席单位文件", "units"))?;
    let file = SourceFile { path, text: &text };
    let mut c = Checker { file, problems };
    let doc = tree::parse(&mut c, &text)?;
    let t = tree::Table::new(&mut c, doc.get_ref(), 0..0, &["unit"]);
    let mut seen = HashSet::new();
    let mut units = Vec::new();
    for u in t.tables(&mut c, "unit", &["id", "name", "notify", "default_due"]) {
        let before = c.problems.len();
        let id = u.required_string(&mut c, "id");
        let name = u.text(&mut c, "name");
        let notify = u.string(&mut c, "notify");
        let due = u.string(&mut c, "default_due");
        if let Some(v) = &id {
            c.ident(v, ("单位", "unit"), Some(&mut seen));
        }
        if let Some(n) = &notify
            && !channels.contains(n.get_ref())
        {
            c.err::<()>(
                n.span(),
                format!(
                    "没有名为 {:?} 的推送渠道（[[notify]] 的 name），可用：{} \
                     (no [[notify]] channel named {:?})",
                    n.get_ref(),
                    if channels.is_empty() {
                        "无".to_string()
                    } else {
                        channels.join("、")
                    },
                    n.get_ref()
                ),
            );
        }
        let default_due = match &due {
            Some(d) => c.duration(d),
            None => Some(DEFAULT_DUE),
        };
        if c.problems.len() > before {
            continue;
        }
        let (Some(id), Some(default_due)) = (id, default_due) else {
            continue;
        };
        units.push(Unit {
            name: name.unwrap_or_else(|| id.get_ref().clone()),
            id: id.into_inner(),
            notify: notify.map(|n| n.into_inner()),
            default_due,
        });
    }
    Some(units)
}
