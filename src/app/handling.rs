//! 交办与处置: handing an alert to a partner unit (联席单位) with a deadline and an instruction,
//! the unit's feedback and done, and the pushes: the assignment and the done state to the
//! unit's channel, an overdue alert once to the unit and to the admin channels (those with
//! `health = true`). Every step is in the alert's handling trail.

use std::time::Duration;

use serde::Serialize;

use super::App;
use super::alerts::{AlertError, AlertView};
use crate::alert::notify::{Notice, enqueue_notice_to};
use crate::model::{Handling, Level};
use crate::store::AlertRow;

/// Where an alert's handling stands at `now`, if it was handed to a unit.
pub fn handling_of(r: &AlertRow, now: i64) -> Option<Handling> {
    r.unit.as_ref()?;
    Some(if r.done_at.is_some() {
        Handling::Done
    } else if r.due.is_some_and(|d| d < now) {
        Handling::Overdue
    } else {
        Handling::Assigned
    })
}

/// A deadline such as `48h`, `3d`, `90m`.
pub fn parse_due(s: &str) -> Result<Duration, AlertError> {
    let d = humantime::parse_duration(s.trim()).map_err(|_| {
        AlertError::BadRequest(format!(
            "期限应写成如 \"48h\"、\"3d\"，收到 {s:?} (bad due: write e.g. \"48h\")"
        ))
    })?;
    if d.is_zero() || d > Duration::from_secs(366 * 86_400) {
        return Err(AlertError::BadRequest(
            "期限应在 1 分钟到 1 年之间 (due: 1 minute to 1 year)".into(),
        ));
    }
    Ok(d)
}

/// One step of an alert's handling, as shown.
#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub at: String,
    pub by: Option<String>,
    pub action: String,
    pub unit: Option<String>,
    pub due: Option<String>,
    pub note: Option<String>,
}

impl App {
    fn unit_of(&self, id: &str) -> Result<&crate::config::Unit, AlertError> {
        self.config
            .units
            .iter()
            .find(|u| u.id == id)
            .ok_or_else(|| {
                let known: Vec<&str> = self.config.units.iter().map(|u| u.id.as_str()).collect();
                AlertError::BadRequest(format!(
                    "未知单位 {id:?}，units.toml 中有：{} (unknown unit)",
                    if known.is_empty() {
                        "（无，请先配置 units.toml）".to_string()
                    } else {
                        known.join("、")
                    }
                ))
            })
    }

    fn existing(&self, id: i64) -> Result<AlertRow, AlertError> {
        self.store.alert(id)?.ok_or(AlertError::NotFound(id))
    }

    /// Hands alert `id` to `unit` with a deadline (`due` from now, else the unit's default) and
    /// pushes the assignment to the unit's channel.
    pub fn assign_alert(
        &self,
        id: i64,
        unit: &str,
        due: Option<Duration>,
        note: Option<&str>,
        by: Option<&str>,
    ) -> Result<AlertView, AlertError> {
        let u = self.unit_of(unit)?.clone();
        let before = self.existing(id)?;
        let now = self.now_ts();
        let due_at = now + due.unwrap_or(u.default_due).as_secs() as i64;
        self.store.assign_alert(id, &u.id, due_at, note, by, now)?;
        let v = self.alert_view(&self.existing(id)?);
        let mut lines = vec![
            format!("标题：{}", v.title),
            format!("命中：{}", v.matched.join("、")),
            format!("办理期限：{}", crate::model::short_time(v.due.as_deref())),
        ];
        if let Some(n) = note.filter(|n| !n.trim().is_empty()) {
            lines.push(format!("交办要求：{n}"));
        }
        lines.push(format!("链接：{}", v.url));
        self.push_to_unit(
            &u,
            &format!("assign:{id}:{now}:{}", before.unit.as_deref().unwrap_or("")),
            Notice {
                tag: "【舆情交办】".into(),
                headline: format!("{}：{}", u.name, v.title),
                lines,
                level: v.level,
                attachments: Vec::new(),
            },
            now,
        )?;
        Ok(v)
    }

    /// Records a unit's feedback on alert `id` (by a collector on its behalf); `done` closes it
    /// and pushes the done state to the unit's channel.
    pub fn alert_feedback(
        &self,
        id: i64,
        note: &str,
        done: bool,
        by: Option<&str>,
    ) -> Result<AlertView, AlertError> {
        if note.trim().is_empty() {
            return Err(AlertError::BadRequest(
                "反馈内容不能为空 (empty note)".into(),
            ));
        }
        let r = self.existing(id)?;
        let Some(unit) = r.unit.clone() else {
            return Err(AlertError::BadRequest(
                "这条预警尚未交办，先用 alerts assign 交给一个单位 (not assigned to a unit)".into(),
            ));
        };
        let now = self.now_ts();
        self.store.alert_feedback(id, note.trim(), done, by, now)?;
        let v = self.alert_view(&self.existing(id)?);
        if done && let Ok(u) = self.unit_of(&unit) {
            let u = u.clone();
            self.push_to_unit(
                &u,
                &format!("done:{id}:{now}"),
                Notice {
                    tag: "【舆情办结】".into(),
                    headline: format!("{}：{}", u.name, v.title),
                    lines: vec![
                        format!("办理情况：{}", note.trim()),
                        format!("链接：{}", v.url),
                    ],
                    level: v.level,
                    attachments: Vec::new(),
                },
                now,
            )?;
        }
        Ok(v)
    }

    /// The handling trail of an alert, oldest first.
    pub fn alert_actions(&self, id: i64) -> Result<Vec<ActionView>, AlertError> {
        Ok(self
            .store
            .alert_actions(id)?
            .into_iter()
            .map(|a| ActionView {
                at: self.rfc3339(a.at),
                by: a.by,
                action: a.action,
                unit: a.unit,
                due: a.due.map(|t| self.rfc3339(t)),
                note: a.note,
            })
            .collect())
    }

    /// Pushes each alert past its deadline, once, to its unit and to the admin channels;
    /// returns how many.
    pub fn push_overdue(&self) -> anyhow::Result<usize> {
        let now = self.now_ts();
        let mut n = 0;
        for id in self.store.overdue_unpushed(now)? {
            let Some(r) = self.store.alert(id)? else {
                continue;
            };
            let v = self.alert_view(&r);
            let unit = r
                .unit
                .as_deref()
                .and_then(|u| self.config.units.iter().find(|x| x.id == u));
            let name = unit.map_or_else(|| r.unit.clone().unwrap_or_default(), |u| u.name.clone());
            let mut channels: Vec<String> =
                unit.and_then(|u| u.notify.clone()).into_iter().collect();
            for c in self.config.notify.iter().filter(|c| c.health) {
                if !channels.contains(&c.channel()) {
                    channels.push(c.channel());
                }
            }
            let notice = Notice {
                tag: "【交办超期】".into(),
                headline: format!("{name}：{}", v.title),
                lines: vec![
                    format!(
                        "办理期限：{}（已超期）",
                        crate::model::short_time(v.due.as_deref())
                    ),
                    format!("链接：{}", v.url),
                ],
                level: Level::High.max(v.level),
                attachments: Vec::new(),
            };
            enqueue_notice_to(
                &self.store,
                &channels,
                &format!("overdue:{id}:{}", r.due.unwrap_or(0)),
                &notice,
                now,
            )?;
            self.store.mark_overdue_pushed(id)?;
            n += 1;
        }
        Ok(n)
    }

    fn push_to_unit(
        &self,
        u: &crate::config::Unit,
        key: &str,
        notice: Notice,
        now: i64,
    ) -> Result<(), AlertError> {
        let Some(ch) = &u.notify else {
            return Ok(());
        };
        enqueue_notice_to(&self.store, std::slice::from_ref(ch), key, &notice, now).map_err(
            |e| AlertError::BadRequest(format!("推送排队失败 (queueing the push failed): {e}")),
        )?;
        Ok(())
    }
}
