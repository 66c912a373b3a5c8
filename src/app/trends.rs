//! Trends (走势) and spikes (突发): daily volumes per rule (alerts), per region word (articles
//! that name it) and per event (member articles), and the days that stood well above their
//! trailing baseline.
//!
//! The statistic: for a day with `count` and the [`BASELINE_DAYS`] days before it with mean `m`
//! and standard deviation `s`, the day is a spike when `count ≥ SPIKE_MIN` and
//! `count ≥ m + 3·max(s, 1)` — three standard deviations above the usual, never fewer than
//! three more than the mean (a quiet series with a flat zero baseline needs `SPIKE_MIN`).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, TimeZone};
use serde::Serialize;

use super::App;
use crate::model::Level;

/// Days of history a day is compared with.
pub const BASELINE_DAYS: i64 = 28;
/// Fewest items a spike can have.
pub const SPIKE_MIN: i64 = 3;
/// Most event series reported (the busiest in the window).
const MAX_EVENT_SERIES: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum SeriesKind {
    Rule,
    Region,
    Event,
}

impl SeriesKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SeriesKind::Rule => "rule",
            SeriesKind::Region => "region",
            SeriesKind::Event => "event",
        }
    }

    pub fn parse(s: &str) -> Option<SeriesKind> {
        [SeriesKind::Rule, SeriesKind::Region, SeriesKind::Event]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            SeriesKind::Rule => "规则",
            SeriesKind::Region => "地域",
            SeriesKind::Event => "事件",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub kind: SeriesKind,
    pub key: String,
    /// What people call it: the rule's name, the word, the event's title.
    pub name: String,
    pub daily: Vec<(String, i64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Spike {
    pub kind: SeriesKind,
    pub key: String,
    pub name: String,
    pub date: String,
    pub count: i64,
    /// Mean of the baseline days.
    pub baseline: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trends {
    pub series: Vec<Series>,
    pub spikes: Vec<Spike>,
}

/// Whether `count` stands out of `history` (the baseline days), and the baseline mean.
pub fn is_spike(count: i64, history: &[i64]) -> (bool, f64) {
    let n = history.len().max(1) as f64;
    let mean = history.iter().sum::<i64>() as f64 / n;
    let var = history
        .iter()
        .map(|&c| (c as f64 - mean).powi(2))
        .sum::<f64>()
        / n;
    let sd = var.sqrt().max(1.0);
    (
        count >= SPIKE_MIN && count as f64 >= mean + 3.0 * sd,
        (mean * 100.0).round() / 100.0,
    )
}

impl App {
    /// The daily series of the last `days` days (today included) and their spikes.
    pub fn trends(&self, days: u32) -> anyhow::Result<Trends> {
        let days = days.clamp(1, 366) as i64;
        let tz = self.config.timezone;
        let today = self.now().date_naive();
        let first = today - chrono::Duration::days(days - 1);
        let history_start = first - chrono::Duration::days(BASELINE_DAYS);
        let since = self.day_bounds(history_start).0;
        let all_days: Vec<NaiveDate> = history_start
            .iter_days()
            .take_while(|d| *d <= today)
            .collect();
        let day_of = |ts: i64| -> NaiveDate {
            tz.timestamp_opt(ts, 0)
                .single()
                .map_or(today, |t| t.date_naive())
        };
        let mut raw: BTreeMap<(SeriesKind, String), HashMap<NaiveDate, i64>> = BTreeMap::new();
        for (rule, _, at) in self.store.alert_times(since)? {
            *raw.entry((SeriesKind::Rule, rule))
                .or_default()
                .entry(day_of(at))
                .or_default() += 1;
        }
        let mut per_event: HashMap<i64, HashMap<NaiveDate, i64>> = HashMap::new();
        for (event, at) in self.store.event_times(since)? {
            *per_event
                .entry(event)
                .or_default()
                .entry(day_of(at))
                .or_default() += 1;
        }
        let mut busiest: Vec<(i64, i64)> = per_event
            .iter()
            .map(|(e, m)| {
                (
                    *e,
                    m.iter().filter(|(d, _)| **d >= first).map(|(_, c)| c).sum(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        busiest.sort_by_key(|(e, n)| (std::cmp::Reverse(*n), *e));
        for (e, _) in busiest.into_iter().take(MAX_EVENT_SERIES) {
            raw.insert(
                (SeriesKind::Event, e.to_string()),
                per_event.remove(&e).unwrap_or_default(),
            );
        }
        for word in self.config.region_words() {
            let mut m = HashMap::new();
            for d in &all_days {
                let n = self
                    .search(&super::SearchOptions {
                        query: format!("\"{}\"", word.replace('"', "")),
                        filter: crate::search::SearchFilter {
                            since: Some(*d),
                            until: Some(*d),
                            ..Default::default()
                        },
                        limit: 1,
                        ..Default::default()
                    })
                    .map(|r| r.total as i64)
                    .unwrap_or(0);
                if n > 0 {
                    m.insert(*d, n);
                }
            }
            raw.insert((SeriesKind::Region, word), m);
        }
        let mut series = Vec::new();
        let mut spikes = Vec::new();
        for ((kind, key), counts) in raw {
            let name = self.series_name(kind, &key);
            let all: Vec<i64> = all_days
                .iter()
                .map(|d| counts.get(d).copied().unwrap_or(0))
                .collect();
            let offset = BASELINE_DAYS as usize;
            for (i, d) in all_days.iter().enumerate().skip(offset) {
                let (spike, baseline) = is_spike(all[i], &all[i - offset..i]);
                if spike {
                    spikes.push(Spike {
                        kind,
                        key: key.clone(),
                        name: name.clone(),
                        date: d.to_string(),
                        count: all[i],
                        baseline,
                    });
                }
            }
            series.push(Series {
                kind,
                key,
                name,
                daily: all_days[offset..]
                    .iter()
                    .zip(&all[offset..])
                    .map(|(d, c)| (d.to_string(), *c))
                    .collect(),
            });
        }
        spikes.sort_by(|a, b| b.date.cmp(&a.date).then(b.count.cmp(&a.count)));
        Ok(Trends { series, spikes })
    }

    /// What people call a series: the rule's name, the word, the event's title.
    fn series_name(&self, kind: SeriesKind, key: &str) -> String {
        match kind {
            SeriesKind::Rule => self.rule_name(key),
            SeriesKind::Region => key.to_string(),
            SeriesKind::Event => key
                .parse::<i64>()
                .ok()
                .and_then(|id| self.store.event(id, 0).ok().flatten())
                .map_or_else(|| key.to_string(), |e| e.title),
        }
    }

    /// The spikes `serve` recorded for days in `[since, until]`: what the overview shows,
    /// without recomputing every series (a page view must stay cheap).
    pub fn stored_spikes(&self, since: NaiveDate, until: NaiveDate) -> anyhow::Result<Vec<Spike>> {
        Ok(self
            .store
            .spikes_between(&since.to_string(), &until.to_string())?
            .into_iter()
            .filter_map(|(kind, key, date, count, baseline)| {
                let kind = SeriesKind::parse(&kind)?;
                Some(Spike {
                    kind,
                    name: self.series_name(kind, &key),
                    key,
                    date,
                    count,
                    baseline,
                })
            })
            .collect())
    }

    /// Records today's spikes and pushes each new one once (at `[analysis] spike_level`);
    /// returns how many were new.
    pub fn detect_spikes(&self) -> anyhow::Result<usize> {
        let today = self.now().date_naive().to_string();
        let now = self.now_ts();
        let t = self.trends(1)?;
        let mut new = 0;
        for s in t.spikes.iter().filter(|s| s.date == today) {
            let kind = s.kind.as_str();
            if !self
                .store
                .record_spike(kind, &s.key, &s.date, s.count, s.baseline, now)?
            {
                continue;
            }
            new += 1;
            metrics::counter!("yuqing_spikes_total", "kind" => kind).increment(1);
            if self.config.notify.is_empty() {
                continue;
            }
            let notice = crate::alert::notify::Notice {
                tag: "【舆情突发】".into(),
                headline: format!("{}「{}」今日 {} 篇", s.kind.label_zh(), s.name, s.count),
                lines: vec![
                    format!("日期：{}", s.date),
                    format!("近 {BASELINE_DAYS} 天日均：{}", s.baseline),
                ],
                level: self.config.analysis.spike_level.unwrap_or(Level::Medium),
                attachments: Vec::new(),
            };
            crate::alert::notify::enqueue_notice(
                &self.store,
                &self.config,
                &format!("spike:{kind}:{}:{}", s.key, s.date),
                &notice,
                now,
            )?;
        }
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_surge_over_a_quiet_baseline_is_a_spike_and_the_usual_is_not() {
        assert!(is_spike(3, &[0; 28]).0, "three out of nothing");
        assert!(!is_spike(2, &[0; 28]).0, "fewer than three never");
        let busy: Vec<i64> = (0..28).map(|i| 10 + (i % 3)).collect();
        assert!(!is_spike(12, &busy).0, "a usual day");
        assert!(is_spike(25, &busy).0, "well above");
        let (_, mean) = is_spike(0, &busy);
        assert!((mean - 10.96).abs() < 0.01, "{mean}");
    }
}
