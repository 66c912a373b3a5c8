//! 舆情概览: what the overview page and `/api/overview` show for a range of days — alerts per
//! day by level, articles per day by tone, the hottest events, spikes, the most matched words
//! and the sources' activity.

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use serde::Serialize;

use super::App;
use super::events::EventView;
use super::trends::Spike;
use crate::model::{Level, Tone};

/// Longest range the overview covers, in days.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Clone, Serialize)]
pub struct DayLevels {
    pub date: String,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DayTones {
    pub date: String,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct WordCount {
    pub word: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceActivity {
    pub id: String,
    pub name: String,
    pub status: crate::model::SourceStatus,
    pub articles_24h: i64,
    pub articles_7d: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub since: String,
    pub until: String,
    pub alerts_total: i64,
    pub articles_total: i64,
    pub negative_total: i64,
    pub alerts_daily: Vec<DayLevels>,
    pub tone_daily: Vec<DayTones>,
    pub events: Vec<EventView>,
    pub spikes: Vec<Spike>,
    pub top_words: Vec<WordCount>,
    pub sources: Vec<SourceActivity>,
}

impl App {
    /// The overview of `[since, until]` (days in the configured zone; default the last 30 days).
    pub fn overview(
        &self,
        since: Option<NaiveDate>,
        until: Option<NaiveDate>,
    ) -> Result<Overview, String> {
        let today = self.now().date_naive();
        let until = until.unwrap_or(today);
        let since = since.unwrap_or(until - chrono::Duration::days(29));
        if since > until {
            return Err("起始日期晚于结束日期 (since is after until)".into());
        }
        if (until - since).num_days() >= MAX_DAYS {
            return Err(format!("概览最多 {MAX_DAYS} 天 (at most {MAX_DAYS} days)"));
        }
        self.overview_inner(since, until)
            .map_err(|e| format!("{e:#}"))
    }

    fn overview_inner(&self, since: NaiveDate, until: NaiveDate) -> anyhow::Result<Overview> {
        let tz = self.config.timezone;
        let from = self.day_bounds(since).0;
        let to = self.day_bounds(until).1;
        let days: Vec<NaiveDate> = since.iter_days().take_while(|d| *d <= until).collect();
        let day_of = |ts: i64| tz.timestamp_opt(ts, 0).single().map(|t| t.date_naive());
        let mut levels: HashMap<NaiveDate, [i64; 3]> = HashMap::new();
        let mut alerts_total = 0;
        for (_, level, at) in self.store.alert_times(from)? {
            if at >= to {
                continue;
            }
            if let Some(d) = day_of(at) {
                let slot = match level {
                    Level::High => 0,
                    Level::Medium => 1,
                    Level::Low => 2,
                };
                levels.entry(d).or_default()[slot] += 1;
                alerts_total += 1;
            }
        }
        let mut tones: HashMap<NaiveDate, [i64; 3]> = HashMap::new();
        let (mut articles_total, mut negative_total) = (0, 0);
        for (tone, at) in self.store.tone_times(from)? {
            if at >= to {
                continue;
            }
            if let Some(d) = day_of(at) {
                let slot = match tone.unwrap_or_default() {
                    Tone::Negative => 0,
                    Tone::Neutral => 1,
                    Tone::Positive => 2,
                };
                tones.entry(d).or_default()[slot] += 1;
                articles_total += 1;
                negative_total += i64::from(slot == 0);
            }
        }
        let mut words: HashMap<String, i64> = HashMap::new();
        for r in self.store.alerts(&crate::store::AlertFilter {
            created_from: Some(from),
            created_to: Some(to),
            without_text: true,
            limit: Some(20_000),
            ..Default::default()
        })? {
            for w in crate::alert::view::matched_words(&r.matched) {
                *words.entry(w).or_default() += 1;
            }
        }
        let mut top_words: Vec<WordCount> = words
            .into_iter()
            .map(|(word, count)| WordCount { word, count })
            .collect();
        top_words.sort_by(|a, b| b.count.cmp(&a.count).then(a.word.cmp(&b.word)));
        top_words.truncate(20);
        let mut events = self.events(Some(since), Some(until))?;
        events.truncate(10);
        let mut spikes = self.stored_spikes(since, until)?;
        spikes.truncate(20);
        let mut sources: Vec<SourceActivity> = self
            .sources_health()?
            .into_iter()
            .map(|s| SourceActivity {
                id: s.id,
                name: s.name,
                status: s.status,
                articles_24h: s.articles_24h,
                articles_7d: s.articles_7d,
            })
            .collect();
        sources.sort_by_key(|s| (s.status.rank(), std::cmp::Reverse(s.articles_7d)));
        Ok(Overview {
            since: since.to_string(),
            until: until.to_string(),
            alerts_total,
            articles_total,
            negative_total,
            alerts_daily: days
                .iter()
                .map(|d| {
                    let [high, medium, low] = levels.get(d).copied().unwrap_or_default();
                    DayLevels {
                        date: d.to_string(),
                        high,
                        medium,
                        low,
                    }
                })
                .collect(),
            tone_daily: days
                .iter()
                .map(|d| {
                    let [negative, neutral, positive] = tones.get(d).copied().unwrap_or_default();
                    DayTones {
                        date: d.to_string(),
                        negative,
                        neutral,
                        positive,
                    }
                })
                .collect(),
            events,
            spikes,
            top_words,
            sources,
        })
    }
}
