//! Reports (报告) assembled from what the store holds: the 舆情专报 of one alert or one event.
//! The document model and its renderers are in [`crate::alert::report`].

use super::App;
use crate::alert::report::{Doc, Section};

/// What a 专报 is about.
#[derive(Debug, Clone, Copy)]
pub enum Subject {
    Alert(i64),
    Event(i64),
}

impl App {
    /// 报送单位: `[report] unit`, else the office named in the digest title (empty when the
    /// title names none: the header then says how to set it).
    pub fn report_unit(&self) -> String {
        if let Some(u) = &self.config.report_unit {
            return u.clone();
        }
        let t = self.config.digest.title.trim();
        t.strip_suffix("舆情日报")
            .or_else(|| t.strip_suffix("日报"))
            .unwrap_or(t)
            .trim()
            .to_string()
    }

    /// The 舆情专报 of an alert or an event; `None` when it does not exist.
    pub fn incident_report(&self, subject: Subject) -> anyhow::Result<Option<Doc>> {
        // The alert(s) and the articles the report is about, earliest first.
        let (alerts, event, number) = match subject {
            Subject::Alert(id) => {
                let Some(row) = self.store.alert(id)? else {
                    return Ok(None);
                };
                let event = match row.event_id {
                    Some(e) => self.event_detail(e)?,
                    None => None,
                };
                (vec![self.alert_view(&row)], event, format!("A{id}"))
            }
            Subject::Event(id) => {
                let Some(d) = self.event_detail(id)? else {
                    return Ok(None);
                };
                let mut alerts = Vec::new();
                for m in &d.members {
                    alerts.extend(self.alerts_of_article(m.id)?);
                }
                (alerts, Some(d), format!("E{id}"))
            }
        };
        let now = self.now();
        let lead = alerts.first();
        let title = match (&event, lead) {
            (Some(e), _) => e.event.title.clone(),
            (None, Some(a)) => a.title.clone(),
            (None, None) => return Ok(None),
        };
        let mut doc = Doc {
            title: format!("关于“{title}”的舆情专报"),
            header: vec![
                ("报送单位".into(), unit_or_hint(&self.report_unit())),
                (
                    "编号".into(),
                    format!("舆情专报〔{}〕{number} 号", now.format("%Y")),
                ),
                ("日期".into(), now.format("%Y年%-m月%-d日").to_string()),
            ],
            sections: Vec::new(),
        };
        // 一、事件概述: what, where, when, first source.
        let mut overview = Section {
            heading: "事件概述".into(),
            ..Default::default()
        };
        match &event {
            Some(e) => {
                let first = e.members.iter().find(|m| m.first);
                overview.paragraphs.push(format!(
                    "{}，{} 至 {}，共有 {} 个来源发布相关报道 {} 篇。首发为{}“{}”（{}）。",
                    title,
                    crate::model::short_time(Some(&e.event.first_seen)),
                    crate::model::short_time(Some(&e.event.last_seen)),
                    e.event.sources,
                    e.event.articles,
                    first.map_or("", |m| m.source_name.as_str()),
                    first.map_or("", |m| m.title.as_str()),
                    crate::model::short_time(first.map(|m| m.published.as_str())),
                ));
            }
            None => {
                if let Some(a) = lead {
                    overview.paragraphs.push(format!(
                        "{}发布“{}”（{}）。",
                        a.source_name,
                        a.title,
                        crate::model::short_time(a.published.as_deref())
                    ));
                }
            }
        }
        if let Some(a) = lead
            && !a.snippet.trim().is_empty()
        {
            overview
                .paragraphs
                .push(format!("主要内容：{}", a.snippet.trim()));
        }
        let regions: Vec<String> = self
            .config
            .region_words()
            .into_iter()
            .filter(|w| {
                alerts
                    .iter()
                    .any(|a| a.title.contains(w.as_str()) || a.snippet.contains(w.as_str()))
            })
            .collect();
        if !regions.is_empty() {
            overview
                .paragraphs
                .push(format!("涉及地点：{}。", regions.join("、")));
        }
        doc.sections.push(overview);
        // 二、传播情况.
        let mut spread = Section {
            heading: "传播情况".into(),
            ..Default::default()
        };
        match &event {
            Some(e) => {
                let mut by_source: Vec<(String, usize)> = Vec::new();
                for m in &e.members {
                    match by_source.iter_mut().find(|(n, _)| *n == m.source_name) {
                        Some(r) => r.1 += 1,
                        None => by_source.push((m.source_name.clone(), 1)),
                    }
                }
                spread.paragraphs.push(format!(
                    "共 {} 篇报道、{} 个来源，热度 {}{}。",
                    e.event.articles,
                    e.event.sources,
                    e.event.heat,
                    if e.event.spike {
                        "，已形成突发"
                    } else {
                        ""
                    }
                ));
                let (unit, buckets) = e.spread();
                if buckets.len() > 1 {
                    spread.chart = Some(crate::alert::report::chart::Chart {
                        title: format!("传播时间线（每{unit}篇数）"),
                        categories: buckets.iter().map(|(l, _)| l.clone()).collect(),
                        series: vec![(
                            "篇数".into(),
                            buckets.iter().map(|(_, n)| *n as f64).collect(),
                        )],
                    });
                }
                spread.table.push(vec!["来源".into(), "篇数".into()]);
                for (n, c) in by_source {
                    spread.table.push(vec![n, c.to_string()]);
                }
            }
            None => {
                if let Some(a) = lead {
                    spread.paragraphs.push(if a.cluster_size > 1 {
                        format!(
                            "转载 {} 篇（{}）。",
                            a.cluster_size - 1,
                            a.other_sources.join("、")
                        )
                    } else {
                        "暂未发现转载。".to_string()
                    });
                }
            }
        }
        doc.sections.push(spread);
        // 三、研判.
        let mut judge = Section {
            heading: "研判".into(),
            ..Default::default()
        };
        for a in alerts.iter().take(10) {
            let words: Vec<&str> = a
                .tone
                .tone_words
                .iter()
                .map(|w| w.word.as_str())
                .take(8)
                .collect();
            judge.paragraphs.push(format!(
                "规则“{}”命中（{}级）：命中词 {}；情感倾向 {}（{}）{}。",
                a.rule_name,
                a.level.label_zh(),
                a.matched.join("、"),
                a.tone.tone.label_zh(),
                a.tone.tone_score,
                if words.is_empty() {
                    String::new()
                } else {
                    format!("，依据：{}", words.join("、"))
                }
            ));
        }
        if judge.paragraphs.is_empty() {
            judge.paragraphs.push("本事件的报道未触发预警规则。".into());
        }
        doc.sections.push(judge);
        // 四、处置情况.
        let mut handling = Section {
            heading: "处置情况".into(),
            ..Default::default()
        };
        for a in &alerts {
            let unit = a.unit.as_deref().map(|u| {
                self.config
                    .units
                    .iter()
                    .find(|x| x.id == u)
                    .map_or(u.to_string(), |x| x.name.clone())
            });
            let mut line = format!("预警 {}：{}", a.id, a.status.label_zh());
            if let (Some(u), Some(h)) = (&unit, a.handling) {
                line.push_str(&format!(
                    "，已交办{u}（期限 {}），{}",
                    crate::model::short_time(a.due.as_deref()),
                    h.label_zh()
                ));
            }
            if let Some(n) = &a.note {
                line.push_str(&format!("；备注：{n}"));
            }
            handling.paragraphs.push(format!("{line}。"));
            for act in self.store.alert_actions(a.id)? {
                if act.action != "assign"
                    && let Some(n) = act.note
                {
                    handling.paragraphs.push(format!(
                        "{} 单位反馈：{n}{}",
                        crate::model::short_time(Some(&self.rfc3339(act.at))),
                        if act.action == "done" {
                            "（已办结）"
                        } else {
                            ""
                        }
                    ));
                }
            }
        }
        if handling.paragraphs.is_empty() {
            handling.paragraphs.push("尚未处置。".into());
        }
        doc.sections.push(handling);
        // 五、附件.
        let mut links = Section {
            heading: "附件".into(),
            ..Default::default()
        };
        match &event {
            Some(e) => {
                for m in &e.members {
                    links
                        .links
                        .push((format!("{}（{}）", m.title, m.source_name), m.url.clone()));
                }
            }
            None => {
                for a in &alerts {
                    links
                        .links
                        .push((format!("{}（{}）", a.title, a.source_name), a.url.clone()));
                }
            }
        }
        doc.sections.push(links);
        Ok(Some(doc))
    }
}

/// The 报送单位 line: the unit, or how to set it.
pub fn unit_or_hint(unit: &str) -> String {
    if unit.is_empty() {
        "（未设置，请在 yuqing.toml 的 [report] unit 中填写）".to_string()
    } else {
        unit.to_string()
    }
}
