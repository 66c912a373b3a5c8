//! Events (事件): grouping each newly matched article into the incident it reports, and the
//! event listings (`yuqing events`, the event page).
//!
//! Heat (热度) = (10 × sources + 3 × articles + level weight) × recency, where the level weight
//! is 20 / 10 / 5 for a high / medium / low alert among the members (0 without one) and
//! recency = 1 / (1 + hours since the last member / 24). A spike (突发) is an event with at
//! least 3 members in the last 24 hours and at least three times as many as in the 24 hours
//! before.

use serde::Serialize;

use super::App;
use crate::analyze::event::{EventIndex, Keywords, WINDOW_HOURS};
use crate::model::Level;
use crate::store::ArticleRow;
use crate::store::events::EventRow;

/// Members in the last day from which an event can be a spike.
pub const SPIKE_MIN: i64 = 3;
/// How many times the day before's members the last day must have.
pub const SPIKE_RATIO: i64 = 3;

#[derive(Debug, Clone, Serialize, Default)]
pub struct ToneMix {
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
}

/// One event as `yuqing events --json` and the web show it (DESIGN §8).
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: i64,
    pub title: String,
    pub first_seen: String,
    pub last_seen: String,
    pub articles: i64,
    pub sources: i64,
    pub tone: ToneMix,
    pub level: Option<Level>,
    pub heat: f64,
    pub spike: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventMemberView {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub source: String,
    pub source_name: String,
    pub published: String,
    /// 首发: the earliest member.
    pub first: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventDetail {
    #[serde(flatten)]
    pub event: EventView,
    pub members: Vec<EventMemberView>,
}

impl EventDetail {
    /// The spread over time: articles per hour (when the members span two days or less) or per
    /// day, from the first to the last, empty buckets included (at most 96). Returns the unit
    /// ("小时" or "天") and (label, articles) per bucket.
    pub fn spread(&self) -> (&'static str, Vec<(String, usize)>) {
        type Time = chrono::DateTime<chrono::FixedOffset>;
        let times: Vec<Time> = self
            .members
            .iter()
            .filter_map(|m| chrono::DateTime::parse_from_rfc3339(&m.published).ok())
            .collect();
        let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
            return ("天", Vec::new());
        };
        let hourly = (*last - *first).num_hours() <= 48;
        let bucket = |t: &Time| -> String {
            if hourly {
                t.format("%m-%d %H时").to_string()
            } else {
                t.format("%m-%d").to_string()
            }
        };
        let step = if hourly {
            chrono::Duration::hours(1)
        } else {
            chrono::Duration::days(1)
        };
        let mut labels: Vec<String> = Vec::new();
        let mut t = *first;
        while t <= *last + step && labels.len() < 96 {
            let l = bucket(&t);
            if labels.last() != Some(&l) {
                labels.push(l);
            }
            t += step;
        }
        let out = labels
            .into_iter()
            .map(|l| {
                let n = times.iter().filter(|t| bucket(t) == l).count();
                (l, n)
            })
            .collect();
        (if hourly { "小时" } else { "天" }, out)
    }
}

/// What [`App::assign_event`] decided for one article, stored with the batch's matches (one
/// transaction per batch instead of two commits per article).
pub(crate) struct EventAssignment {
    /// An earlier article whose event this one joins.
    pub joins: Option<i64>,
    /// The article's event keywords as JSON.
    pub keywords: String,
}

impl App {
    /// Decides the event of an article's incident: a reprint joins its cluster's event; any
    /// other article joins the event of its most similar recent article, if one is similar
    /// enough. The caller stores the decision and the keywords (`Store::record_matches`).
    pub(crate) fn assign_event(
        &self,
        a: &ArticleRow,
        cluster_id: i64,
        keywords: Keywords,
    ) -> anyhow::Result<EventAssignment> {
        let at = a.published.unwrap_or(a.fetched);
        let mut guard = self.state.events.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let mut idx = EventIndex::default();
            for r in self.store.recent_keywords(at - 2 * WINDOW_HOURS * 3600)? {
                if let Ok(k) = serde_json::from_str(&r.keywords) {
                    idx.add(r.id, r.at, k);
                }
            }
            *guard = Some(idx);
        }
        let idx = guard.as_mut().expect("loaded above");
        let now = self.now_ts();
        let joins = if cluster_id != a.id {
            Some(cluster_id)
        } else {
            idx.best_match(a.id, at, &keywords).map(|(other, _)| other)
        };
        let assignment = EventAssignment {
            joins,
            keywords: serde_json::to_string(&keywords)?,
        };
        idx.add(a.id, at, keywords);
        if idx.len().is_multiple_of(4096) {
            idx.prune(now - 2 * WINDOW_HOURS * 3600);
        }
        Ok(assignment)
    }

    /// Events with a member in `[since, until]` (days in the configured zone), hottest first.
    pub fn events(
        &self,
        since: Option<chrono::NaiveDate>,
        until: Option<chrono::NaiveDate>,
    ) -> anyhow::Result<Vec<EventView>> {
        self.events_between(
            since.map(|d| self.day_bounds(d).0),
            until.map(|d| self.day_bounds(d).1),
        )
    }

    /// Events with articles in `[from, to)`, hottest first.
    pub fn events_between(
        &self,
        from: Option<i64>,
        to: Option<i64>,
    ) -> anyhow::Result<Vec<EventView>> {
        let now = self.now_ts();
        let mut list: Vec<EventView> = self
            .store
            .events(from, to, now)?
            .iter()
            .map(|r| self.event_view(r, now))
            .collect();
        list.sort_by(|a, b| b.heat.total_cmp(&a.heat).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    pub fn event_detail(&self, id: i64) -> anyhow::Result<Option<EventDetail>> {
        let now = self.now_ts();
        let Some(row) = self.store.event(id, now)? else {
            return Ok(None);
        };
        let members = self
            .store
            .event_members(id)?
            .into_iter()
            .enumerate()
            .map(|(i, m)| EventMemberView {
                id: m.id,
                url: m.url,
                title: m.title,
                source_name: self.source_name(&m.source_id),
                source: m.source_id,
                published: self.rfc3339(m.at),
                first: i == 0,
            })
            .collect();
        Ok(Some(EventDetail {
            event: self.event_view(&row, now),
            members,
        }))
    }

    fn event_view(&self, r: &EventRow, now: i64) -> EventView {
        let level_weight = match r.level {
            Some(Level::High) => 20.0,
            Some(Level::Medium) => 10.0,
            Some(Level::Low) => 5.0,
            None => 0.0,
        };
        let hours = ((now - r.last_seen).max(0) as f64) / 3600.0;
        let heat = (10.0 * r.sources as f64 + 3.0 * r.articles as f64 + level_weight)
            / (1.0 + hours / 24.0);
        EventView {
            id: r.id,
            title: r.title.clone(),
            first_seen: self.rfc3339(r.first_seen),
            last_seen: self.rfc3339(r.last_seen),
            articles: r.articles,
            sources: r.sources,
            tone: ToneMix {
                negative: r.negative,
                neutral: r.neutral,
                positive: r.positive,
            },
            level: r.level,
            heat: (heat * 10.0).round() / 10.0,
            spike: r.last_day >= SPIKE_MIN && r.last_day >= SPIKE_RATIO * r.day_before.max(1),
        }
    }
}
