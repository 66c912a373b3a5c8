//! Events (事件) as rows: which articles belong to which incident, the keywords that grouped
//! them, and per-event counts computed from the member articles and their alerts.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};
use crate::model::Level;

/// An event with its counts.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub title: String,
    pub first_article: i64,
    /// Unix seconds: the earliest and latest member (publication, else fetch time).
    pub first_seen: i64,
    pub last_seen: i64,
    pub articles: i64,
    pub sources: i64,
    pub negative: i64,
    pub neutral: i64,
    pub positive: i64,
    /// The highest level of any member's alert.
    pub level: Option<Level>,
    /// Members in the 24 hours before `now` and in the 24 hours before that.
    pub last_day: i64,
    pub day_before: i64,
}

/// One member of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventMember {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub source_id: String,
    pub at: i64,
}

/// A recent article's grouping state, to rebuild the in-memory event index.
#[derive(Debug, Clone, PartialEq)]
pub struct KeywordRow {
    pub id: i64,
    pub at: i64,
    pub keywords: String,
}

const EVENT_SQL: &str = "
SELECT e.id, e.title, e.first_article,
       MIN(COALESCE(a.published, a.fetched)), MAX(COALESCE(a.published, a.fetched)),
       COUNT(*), COUNT(DISTINCT a.source_id),
       SUM(a.tone = 'negative'), SUM(a.tone = 'neutral' OR a.tone IS NULL), SUM(a.tone = 'positive'),
       (SELECT MAX(CASE al.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 END)
          FROM alerts al JOIN articles m ON m.id = al.article_id WHERE m.event_id = e.id),
       SUM(COALESCE(a.published, a.fetched) > ?1 - 86400),
       SUM(COALESCE(a.published, a.fetched) > ?1 - 172800 AND COALESCE(a.published, a.fetched) <= ?1 - 86400)
FROM events e JOIN articles a ON a.event_id = e.id";

/// (event id, time) of the event members since `?1`.
pub(super) const EVENT_TIMES_SQL: &str = "SELECT event_id, published FROM articles
      WHERE published >= ?1 AND +event_id IS NOT NULL
     UNION ALL
     SELECT event_id, fetched FROM articles
      WHERE published IS NULL AND fetched >= ?1 AND +event_id IS NOT NULL";

/// The events with a member at or after `?2` (publication time, else fetch time), through the
/// time indexes.
pub(super) const MEMBERS_SINCE: &str = "SELECT event_id FROM articles WHERE published >= ?2 AND +event_id IS NOT NULL
     UNION SELECT event_id FROM articles WHERE published IS NULL AND fetched >= ?2 AND +event_id IS NOT NULL";

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<EventRow> {
    Ok(EventRow {
        id: r.get(0)?,
        title: r.get(1)?,
        first_article: r.get(2)?,
        first_seen: r.get(3)?,
        last_seen: r.get(4)?,
        articles: r.get(5)?,
        sources: r.get(6)?,
        negative: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
        neutral: r.get::<_, Option<i64>>(8)?.unwrap_or(0),
        positive: r.get::<_, Option<i64>>(9)?.unwrap_or(0),
        level: match r.get::<_, Option<i64>>(10)? {
            Some(3) => Some(Level::High),
            Some(2) => Some(Level::Medium),
            Some(1) => Some(Level::Low),
            _ => None,
        },
        last_day: r.get::<_, Option<i64>>(11)?.unwrap_or(0),
        day_before: r.get::<_, Option<i64>>(12)?.unwrap_or(0),
    })
}

impl Store {
    /// Articles stored since `since` (publication, else fetch time) with their keywords.
    pub fn recent_keywords(&self, since: i64) -> Result<Vec<KeywordRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT id, COALESCE(published, fetched), keywords FROM articles
                 WHERE keywords IS NOT NULL AND COALESCE(published, fetched) >= ?1",
            )
            .and_then(|mut st| {
                st.query_map([since], |r| {
                    Ok(KeywordRow {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        keywords: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    pub fn event_of(&self, article_id: i64) -> Result<Option<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare_cached("SELECT event_id FROM articles WHERE id = ?1")
            .and_then(|mut st| st.query_row([article_id], |r| r.get(0)).optional());
        Ok(self.wrap(r)?.flatten())
    }

    /// Puts `article_id` into the event of `other`, creating the event (titled after the
    /// earlier of the two) when `other` has none. Returns the event id.
    pub fn join_event(&self, article_id: i64, other: i64, now: i64) -> Result<i64> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let event = join_event_in(&tx, article_id, other, now)?;
            tx.commit()?;
            Ok(event)
        })();
        self.wrap(r)
    }

    /// Events with a member between `from` and `to` (unix seconds, either open), with their
    /// counts; `now` anchors the last-day counts.
    pub fn events(&self, from: Option<i64>, to: Option<i64>, now: i64) -> Result<Vec<EventRow>> {
        let conn = self.conn();
        // With a start, only events with a member from it on (what `MAX(…) >= ?2` asks),
        // found through the time indexes: not every member of every event ever.
        let recent = if from.is_some() {
            format!("WHERE e.id IN ({MEMBERS_SINCE})")
        } else {
            String::new()
        };
        let r = conn
            .prepare(&format!(
                "{EVENT_SQL} {recent} GROUP BY e.id
                 HAVING (?2 IS NULL OR MAX(COALESCE(a.published, a.fetched)) >= ?2)
                    AND (?3 IS NULL OR MIN(COALESCE(a.published, a.fetched)) < ?3)
                 ORDER BY MAX(COALESCE(a.published, a.fetched)) DESC"
            ))
            .and_then(|mut st| {
                st.query_map(params![now, from, to], event_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    pub fn event(&self, id: i64, now: i64) -> Result<Option<EventRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(&format!("{EVENT_SQL} WHERE e.id = ?2 GROUP BY e.id"))
            .and_then(|mut st| st.query_row(params![now, id], event_row).optional());
        self.wrap(r)
    }

    /// The members of an event, earliest first.
    pub fn event_members(&self, id: i64) -> Result<Vec<EventMember>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT id, url, title, source_id, COALESCE(published, fetched) FROM articles
                 WHERE event_id = ?1 ORDER BY COALESCE(published, fetched), id",
            )
            .and_then(|mut st| {
                st.query_map([id], |r| {
                    Ok(EventMember {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        title: r.get(2)?,
                        source_id: r.get(3)?,
                        at: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }
}

impl Store {
    /// (rule id, level, created) of every alert created since `since`.
    pub fn alert_times(&self, since: i64) -> Result<Vec<(String, Level, i64)>> {
        let conn = self.reader();
        let r = conn
            .prepare("SELECT rule_id, level, created FROM alerts WHERE created >= ?1")
            .and_then(|mut st| {
                st.query_map([since], |r| {
                    Ok((r.get(0)?, super::named(r, 1, Level::parse)?, r.get(2)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// (event id, time) of every event member since `since`, read through the time indexes
    /// (`+event_id`: not through the event index, which would visit every member ever).
    pub fn event_times(&self, since: i64) -> Result<Vec<(i64, i64)>> {
        let conn = self.reader();
        let r = conn.prepare(EVENT_TIMES_SQL).and_then(|mut st| {
            st.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
        self.wrap(r)
    }

    /// Articles published in `[from, to)` (fetch time when the page gave none) by tone:
    /// (negative, neutral, positive); an article whose tone is not computed yet is neutral.
    /// Both halves use an index (published, fetched).
    pub fn tone_in_window(&self, from: i64, to: i64) -> Result<(usize, usize, usize)> {
        let conn = self.reader();
        let r = conn
            .prepare(
                "SELECT tone, COUNT(*) FROM articles WHERE published >= ?1 AND published < ?2 GROUP BY tone
                 UNION ALL
                 SELECT tone, COUNT(*) FROM articles
                  WHERE published IS NULL AND fetched >= ?1 AND fetched < ?2 GROUP BY tone",
            )
            .and_then(|mut st| {
                let mut out = (0, 0, 0);
                for row in st.query_map([from, to], |r| {
                    Ok((r.get::<_, Option<String>>(0)?, r.get::<_, i64>(1)?))
                })? {
                    let (tone, n) = row?;
                    let n = n.max(0) as usize;
                    match tone.as_deref().and_then(crate::model::Tone::parse) {
                        Some(crate::model::Tone::Negative) => out.0 += n,
                        Some(crate::model::Tone::Positive) => out.2 += n,
                        _ => out.1 += n,
                    }
                }
                Ok(out)
            });
        self.wrap(r)
    }

    /// (tone, time) of every article since `since` (tone `None` until computed).
    pub fn tone_times(&self, since: i64) -> Result<Vec<(Option<crate::model::Tone>, i64)>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT tone, COALESCE(published, fetched) FROM articles
                 WHERE COALESCE(published, fetched) >= ?1",
            )
            .and_then(|mut st| {
                st.query_map([since], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?
                            .as_deref()
                            .and_then(crate::model::Tone::parse),
                        r.get(1)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Records a spike once; whether it is new (a spike already recorded is not again).
    pub fn record_spike(
        &self,
        kind: &str,
        key: &str,
        date: &str,
        count: i64,
        baseline: f64,
        now: i64,
    ) -> Result<bool> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO spikes (kind, key, date, count, baseline, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(kind, key, date) DO NOTHING",
            params![kind, key, date, count, baseline, now],
        );
        Ok(self.wrap(r)? == 1)
    }
}

/// A recorded spike: (kind, key, date, count, baseline).
pub type SpikeRow = (String, String, String, i64, f64);

impl Store {
    /// Spikes recorded for days in `[since, until]` (`YYYY-MM-DD`), latest first.
    pub fn spikes_between(&self, since: &str, until: &str) -> Result<Vec<SpikeRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT kind, key, date, count, baseline FROM spikes
                 WHERE date >= ?1 AND date <= ?2 ORDER BY date DESC, count DESC",
            )
            .and_then(|mut st| {
                st.query_map(params![since, until], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }
}

/// [`Store::join_event`] inside the caller's transaction.
pub(super) fn join_event_in(
    tx: &rusqlite::Transaction,
    article_id: i64,
    other: i64,
    now: i64,
) -> rusqlite::Result<i64> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT event_id FROM articles WHERE id = ?1")?
        .query_row([other], |r| r.get(0))
        .optional()?
        .flatten();
    let event = match existing {
        Some(e) => e,
        None => {
            // The first publication names the event.
            let (first, title): (i64, String) = tx.query_row(
                "SELECT id, title FROM articles WHERE id IN (?1, ?2)
                 ORDER BY COALESCE(published, fetched), id LIMIT 1",
                params![article_id, other],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            tx.execute(
                "INSERT INTO events (title, first_article, created) VALUES (?1, ?2, ?3)",
                params![title, first, now],
            )?;
            let id = tx.last_insert_rowid();
            tx.prepare_cached("UPDATE articles SET event_id = ?1 WHERE id = ?2")?
                .execute(params![id, other])?;
            id
        }
    };
    tx.prepare_cached("UPDATE articles SET event_id = ?1 WHERE id = ?2")?
        .execute(params![event, article_id])?;
    Ok(event)
}
