//! Weekly and monthly 研判 reports: totals and the change from the previous period, alerts by
//! level, rule and source, the tone mix, top events, spikes, handling by unit and source
//! health — as a report document (Markdown, HTML, Word) and as an Excel workbook with native
//! charts. Every number is counted the way `alerts` and `search` count: alerts by creation
//! time, articles by publication time, each in `[first day 00:00, day after the last 00:00)`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

mod xlsx;

use super::App;
use crate::alert::report::chart::Chart;
use crate::alert::report::{Doc, Section};
use crate::model::{Handling, Level, Tone};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Weekly,
    Monthly,
}

impl Period {
    /// The period containing `d`: its Monday–Sunday week or its calendar month.
    pub fn bounds(self, d: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Weekly => {
                let monday = d - chrono::Duration::days(d.weekday().num_days_from_monday() as i64);
                (monday, monday + chrono::Duration::days(6))
            }
            Period::Monthly => {
                let first = d.with_day(1).expect("day 1 exists");
                let next = if d.month() == 12 {
                    NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
                }
                .expect("the next month exists");
                (first, next - chrono::Duration::days(1))
            }
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Period::Weekly => "周报",
            Period::Monthly => "月报",
        }
    }
}

/// The numbers of one period.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PeriodStats {
    pub since: String,
    pub until: String,
    pub alerts: usize,
    pub articles: usize,
    pub negative: usize,
    pub by_level: BTreeMap<String, usize>,
    pub by_rule: BTreeMap<String, usize>,
    pub by_source: BTreeMap<String, usize>,
    pub tone: BTreeMap<String, usize>,
    /// (date, alerts, articles) per day.
    pub daily: Vec<(String, usize, usize)>,
}

/// A column chart of this period against the last, one group per label.
fn versus<'a>(
    title: &str,
    labels: impl Iterator<Item = &'a str> + Clone,
    now: &BTreeMap<String, usize>,
    before: &BTreeMap<String, usize>,
) -> Chart {
    let count = |m: &BTreeMap<String, usize>| -> Vec<f64> {
        labels
            .clone()
            .map(|k| m.get(k).copied().unwrap_or(0) as f64)
            .collect()
    };
    Chart {
        title: title.into(),
        categories: labels.clone().map(str::to_string).collect(),
        series: vec![("本期".into(), count(now)), ("上期".into(), count(before))],
    }
}

/// (unit name, assigned, done, overdue, median hours to done).
pub type UnitRow = (String, usize, usize, usize, Option<f64>);

#[derive(Debug, Clone, Serialize)]
pub struct PeriodReport {
    pub period: &'static str,
    pub current: PeriodStats,
    pub previous: PeriodStats,
    pub units: Vec<UnitRow>,
}

impl App {
    fn period_stats(&self, since: NaiveDate, until: NaiveDate) -> anyhow::Result<PeriodStats> {
        let from = self.day_bounds(since).0;
        let to = self.day_bounds(until).1;
        let mut s = PeriodStats {
            since: since.to_string(),
            until: until.to_string(),
            ..Default::default()
        };
        let days: Vec<NaiveDate> = since.iter_days().take_while(|d| *d <= until).collect();
        let mut per_day: BTreeMap<NaiveDate, (usize, usize)> =
            days.iter().map(|d| (*d, (0, 0))).collect();
        let tz = self.config.timezone;
        let day_of = |ts: i64| {
            use chrono::TimeZone;
            tz.timestamp_opt(ts, 0).single().map(|t| t.date_naive())
        };
        for a in self.store.alerts(&crate::store::AlertFilter {
            created_from: Some(from),
            created_to: Some(to),
            without_text: true,
            ..Default::default()
        })? {
            s.alerts += 1;
            *s.by_level
                .entry(a.level.label_zh().to_string())
                .or_default() += 1;
            *s.by_rule.entry(self.rule_name(&a.rule_id)).or_default() += 1;
            *s.by_source
                .entry(self.source_name(&a.source_id))
                .or_default() += 1;
            if let Some(e) = day_of(a.created).and_then(|d| per_day.get_mut(&d)) {
                e.0 += 1;
            }
        }
        for (tone, at) in self.store.tone_times(from)? {
            if at >= to {
                continue;
            }
            s.articles += 1;
            let t = tone.unwrap_or(Tone::Neutral);
            s.negative += usize::from(t == Tone::Negative);
            *s.tone.entry(t.label_zh().to_string()).or_default() += 1;
            if let Some(e) = day_of(at).and_then(|d| per_day.get_mut(&d)) {
                e.1 += 1;
            }
        }
        s.daily = per_day
            .into_iter()
            .map(|(d, (a, n))| (d.to_string(), a, n))
            .collect();
        Ok(s)
    }

    /// The report of the period (`Weekly` or `Monthly`) containing `date`.
    pub fn period_report(&self, period: Period, date: NaiveDate) -> anyhow::Result<PeriodReport> {
        let (since, until) = period.bounds(date);
        let (psince, puntil) = period.bounds(since - chrono::Duration::days(1));
        let current = self.period_stats(since, until)?;
        let previous = self.period_stats(psince, puntil)?;
        // Handling by unit: alerts handed over that were created in the period.
        let now = self.now_ts();
        let mut units: BTreeMap<String, (usize, usize, usize, Vec<f64>)> = BTreeMap::new();
        for a in self.store.alerts(&crate::store::AlertFilter {
            created_from: Some(self.day_bounds(since).0),
            created_to: Some(self.day_bounds(until).1),
            without_text: true,
            ..Default::default()
        })? {
            let Some(u) = &a.unit else { continue };
            let name = self
                .config
                .units
                .iter()
                .find(|x| &x.id == u)
                .map_or(u.clone(), |x| x.name.clone());
            let e = units.entry(name).or_default();
            e.0 += 1;
            match super::handling::handling_of(&a, now) {
                Some(Handling::Done) => {
                    e.1 += 1;
                    let assigned = self
                        .store
                        .alert_actions(a.id)?
                        .iter()
                        .find(|x| x.action == "assign")
                        .map(|x| x.at);
                    if let (Some(t0), Some(t1)) = (assigned, a.done_at) {
                        e.3.push((t1 - t0).max(0) as f64 / 3600.0);
                    }
                }
                Some(Handling::Overdue) => e.2 += 1,
                _ => {}
            }
        }
        let units = units
            .into_iter()
            .map(|(n, (assigned, done, overdue, mut hours))| {
                hours.sort_by(f64::total_cmp);
                let median =
                    (!hours.is_empty()).then(|| (hours[hours.len() / 2] * 10.0).round() / 10.0);
                (n, assigned, done, overdue, median)
            })
            .collect();
        Ok(PeriodReport {
            period: period.label_zh(),
            current,
            previous,
            units,
        })
    }

    /// The report as a document.
    pub fn period_doc(
        &self,
        period: Period,
        date: NaiveDate,
    ) -> anyhow::Result<(PeriodReport, Doc)> {
        let r = self.period_report(period, date)?;
        let c = &r.current;
        let p = &r.previous;
        let change = |now: usize, before: usize| -> String {
            if before == 0 {
                if now == 0 {
                    "持平".into()
                } else {
                    "上期为 0".into()
                }
            } else {
                let pct = (now as f64 - before as f64) * 100.0 / before as f64;
                format!(
                    "{}{:.0}%",
                    if pct >= 0.0 { "增加 " } else { "减少 " },
                    pct.abs()
                )
            }
        };
        let table = |head: [&str; 2], map: &BTreeMap<String, usize>| -> Vec<Vec<String>> {
            let mut rows: Vec<(&String, &usize)> = map.iter().collect();
            rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let mut t = vec![vec![head[0].to_string(), head[1].to_string()]];
            t.extend(
                rows.into_iter()
                    .map(|(k, v)| vec![k.clone(), v.to_string()]),
            );
            t
        };
        let mut doc = Doc {
            title: format!(
                "{}舆情{}（{} 至 {}）",
                self.report_unit(),
                r.period,
                c.since,
                c.until
            ),
            header: vec![
                (
                    "报送单位".into(),
                    super::reports::unit_or_hint(&self.report_unit()),
                ),
                ("统计时段".into(), format!("{} 至 {}", c.since, c.until)),
                (
                    "生成时间".into(),
                    crate::model::short_time(Some(&self.rfc3339(self.now_ts()))),
                ),
            ],
            sections: Vec::new(),
        };
        doc.sections.push(Section {
            heading: "总体情况".into(),
            paragraphs: vec![format!(
                "本期共产生预警 {} 条（上期 {}，{}），采集文章 {} 篇（上期 {}，{}），其中负面 {} 篇（上期 {}，{}）。",
                c.alerts, p.alerts, change(c.alerts, p.alerts),
                c.articles, p.articles, change(c.articles, p.articles),
                c.negative, p.negative, change(c.negative, p.negative),
            )],
            table: {
                let mut t = vec![vec!["日期".into(), "预警".into(), "文章".into()]];
                t.extend(c.daily.iter().map(|(d, a, n)| vec![d.clone(), a.to_string(), n.to_string()]));
                t
            },
            chart: Some(Chart {
                title: "每日预警与文章".into(),
                categories: c.daily.iter().map(|(d, _, _)| d.get(5..).unwrap_or(d).to_string()).collect(),
                series: vec![
                    ("预警".into(), c.daily.iter().map(|(_, a, _)| *a as f64).collect()),
                    ("文章".into(), c.daily.iter().map(|(_, _, n)| *n as f64).collect()),
                ],
            }),
            ..Default::default()
        });
        let mut by_level = Section {
            heading: "预警分布".into(),
            ..Default::default()
        };
        by_level.paragraphs.push(format!(
            "按级别：{}。",
            Level::ALL
                .iter()
                .map(|l| format!(
                    "{} {} 条",
                    l.label_zh(),
                    c.by_level.get(l.label_zh()).copied().unwrap_or(0)
                ))
                .collect::<Vec<_>>()
                .join("，")
        ));
        by_level.table = table(["规则", "预警数"], &c.by_rule);
        by_level.chart = Some(versus(
            "预警级别",
            Level::ALL.iter().map(|l| l.label_zh()),
            &c.by_level,
            &p.by_level,
        ));
        doc.sections.push(by_level);
        doc.sections.push(Section {
            heading: "来源分布".into(),
            table: table(["信息源", "预警数"], &c.by_source),
            ..Default::default()
        });
        doc.sections.push(Section {
            heading: "情感倾向".into(),
            paragraphs: vec![format!(
                "{}。",
                Tone::ALL
                    .iter()
                    .map(|t| format!(
                        "{} {} 篇",
                        t.label_zh(),
                        c.tone.get(t.label_zh()).copied().unwrap_or(0)
                    ))
                    .collect::<Vec<_>>()
                    .join("，")
            )],
            chart: Some(versus(
                "情感倾向（篇）",
                Tone::ALL.iter().map(|t| t.label_zh()),
                &c.tone,
                &p.tone,
            )),
            ..Default::default()
        });
        let events = self.events(
            NaiveDate::parse_from_str(&c.since, "%Y-%m-%d").ok(),
            NaiveDate::parse_from_str(&c.until, "%Y-%m-%d").ok(),
        )?;
        let mut ev = Section {
            heading: "热点事件".into(),
            ..Default::default()
        };
        if events.is_empty() {
            ev.paragraphs.push("本期没有多篇报道的事件。".into());
        } else {
            ev.table.push(vec![
                "事件".into(),
                "文章".into(),
                "来源".into(),
                "热度".into(),
                "负面".into(),
            ]);
            for e in events.iter().take(10) {
                ev.table.push(vec![
                    e.title.clone(),
                    e.articles.to_string(),
                    e.sources.to_string(),
                    e.heat.to_string(),
                    e.tone.negative.to_string(),
                ]);
            }
        }
        doc.sections.push(ev);
        let days = (self.now().date_naive() - NaiveDate::parse_from_str(&c.since, "%Y-%m-%d")?)
            .num_days()
            .clamp(1, 366) as u32;
        let spikes: Vec<_> = self
            .trends(days)?
            .spikes
            .into_iter()
            .filter(|s| s.date >= c.since && s.date <= c.until)
            .collect();
        doc.sections.push(Section {
            heading: "突发".into(),
            paragraphs: if spikes.is_empty() {
                vec!["本期未出现突发。".into()]
            } else {
                spikes
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {}「{}」{} 篇（近 28 天日均 {}）",
                            s.date,
                            s.kind.label_zh(),
                            s.name,
                            s.count,
                            s.baseline
                        )
                    })
                    .collect()
            },
            ..Default::default()
        });
        let mut handling = Section {
            heading: "交办处置".into(),
            ..Default::default()
        };
        if r.units.is_empty() {
            handling.paragraphs.push("本期没有交办事项。".into());
        } else {
            handling.table.push(vec![
                "单位".into(),
                "交办".into(),
                "办结".into(),
                "超期".into(),
                "办结用时中位数（小时）".into(),
            ]);
            for (n, a, d, o, m) in &r.units {
                handling.table.push(vec![
                    n.clone(),
                    a.to_string(),
                    d.to_string(),
                    o.to_string(),
                    m.map_or("—".into(), |m| m.to_string()),
                ]);
            }
        }
        doc.sections.push(handling);
        let mut sources = Section {
            heading: "信息源状况".into(),
            ..Default::default()
        };
        // Over the period: what each source brought and on how many of its days; and its
        // state now.
        let (first, last) = (
            NaiveDate::parse_from_str(&c.since, "%Y-%m-%d")?,
            NaiveDate::parse_from_str(&c.until, "%Y-%m-%d")?,
        );
        let (from, to) = (self.day_bounds(first).0, self.day_bounds(last).1);
        let days = (last - first).num_days() + 1;
        let offset = {
            use chrono::{Offset, TimeZone};
            self.config
                .timezone
                .offset_from_utc_datetime(
                    &chrono::DateTime::from_timestamp(from, 0)
                        .unwrap_or_default()
                        .naive_utc(),
                )
                .fix()
                .local_minus_utc() as i64
        };
        sources.table.push(vec![
            "信息源".into(),
            "本期文章".into(),
            "有文章的天数".into(),
            "当前状态".into(),
        ]);
        let mut quiet = Vec::new();
        for s in self.sources_health()? {
            let (articles, active) = self.store.source_activity(&s.id, from, to, offset)?;
            if s.enabled && active == 0 {
                quiet.push(s.name.clone());
            }
            sources.table.push(vec![
                s.name,
                articles.to_string(),
                format!("{active} / {days}"),
                s.status.label_zh().into(),
            ]);
        }
        if !quiet.is_empty() {
            sources.paragraphs.push(format!(
                "本期没有采到文章的信息源 {} 个：{}。",
                quiet.len(),
                quiet.join("、")
            ));
        }
        doc.sections.push(sources);
        Ok((r, doc))
    }
}

impl App {
    /// Writes the report of the period before `now` (last week, last month) under
    /// `index/reports/` as Word and Excel, and tells the digest channels; returns the paths.
    pub fn produce_period_report(&self, period: Period) -> anyhow::Result<Vec<std::path::PathBuf>> {
        let yesterday = self.now().date_naive() - chrono::Duration::days(1);
        // The period that ended yesterday, else the last complete one before it.
        let (start, end) = period.bounds(yesterday);
        let date = if yesterday == end {
            yesterday
        } else {
            start - chrono::Duration::days(1)
        };
        let (since, until) = period.bounds(date);
        let dir = self.config.data_dir.join("reports");
        std::fs::create_dir_all(&dir)?;
        let (_, doc) = self.period_doc(period, date)?;
        let mut paths = Vec::new();
        for (ext, bytes) in [
            (
                "docx",
                crate::alert::report::render(&doc, crate::alert::report::ReportFormat::Docx)?,
            ),
            ("xlsx", self.period_xlsx(period, date)?),
        ] {
            let path = dir.join(format!("{}-{since}.{ext}", period.label_zh()));
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)?;
            paths.push(path);
        }
        let channels: Vec<String> = self
            .config
            .notify
            .iter()
            .filter(|c| c.digest)
            .map(|c| c.channel())
            .collect();
        if !channels.is_empty() {
            let notice = crate::alert::notify::Notice {
                tag: format!("【舆情{}】", period.label_zh()),
                headline: doc.title.clone(),
                lines: doc
                    .sections
                    .first()
                    .map(|s| s.paragraphs.clone())
                    .unwrap_or_default()
                    .into_iter()
                    .chain(paths.iter().map(|p| format!("文件：{}", p.display())))
                    .collect(),
                level: Level::High,
                attachments: paths.clone(),
            };
            crate::alert::notify::enqueue_notice_to(
                &self.store,
                &channels,
                &format!("report:{}:{since}:{until}", period.label_zh()),
                &notice,
                self.now_ts(),
            )?;
        }
        Ok(paths)
    }
}
