//! Alerts: one row per (article × rule), so matching twice never duplicates; review decisions
//! change the status and are kept in an audit trail (who, when, from, to, note).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};

pub use crate::model::AlertStatus;
use crate::model::Level;

/// An alert joined with its article.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub id: i64,
    pub article_id: i64,
    pub rule_id: String,
    pub level: Level,
    pub status: AlertStatus,
    /// JSON array of matched words with positions.
    pub matched: String,
    pub created: i64,
    pub updated: i64,
    pub note: Option<String>,
    pub url: String,
    pub title: String,
    pub source_id: String,
    pub published: Option<i64>,
    pub text: String,
    /// The article's reprint cluster (its own id when it has none).
    pub cluster_id: i64,
    /// The article's tone, if computed.
    pub tone: Option<super::ArticleTone>,
    /// The article's event (事件), if it has one.
    pub event_id: Option<i64>,
    /// 交办: the partner unit it was handed to, the deadline, when the unit finished.
    pub unit: Option<String>,
    pub due: Option<i64>,
    pub done_at: Option<i64>,
}

/// An alert as the digest counts it ([`Store::alert_heads`]).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertHead {
    pub id: i64,
    pub article_id: i64,
    pub rule_id: String,
    pub level: Level,
    pub status: AlertStatus,
    /// JSON array of matched words with positions.
    pub matched: String,
    /// The article's reprint cluster (its own id when it has none).
    pub cluster_id: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewRow {
    pub at: i64,
    pub by: Option<String>,
    pub from_status: AlertStatus,
    pub to_status: AlertStatus,
    pub note: Option<String>,
}

/// Filters for listing alerts; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Created in `[from, to)` (unix seconds).
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub status: Option<AlertStatus>,
    pub rule: Option<String>,
    pub level: Option<Level>,
    pub article_id: Option<i64>,
    pub limit: Option<usize>,
    /// Leave `text` empty: for listing thousands of alerts without their articles' text.
    pub without_text: bool,
    /// Handed to this partner unit.
    pub unit: Option<String>,
    /// In this handling state as of `now`.
    pub handling: Option<(crate::model::Handling, i64)>,
}

const COLS: &str = "al.id, al.article_id, al.rule_id, al.level, al.status, al.matched, al.created, al.updated, al.note,
                    a.url, a.title, a.source_id, a.published, a.text, COALESCE(a.cluster_id, a.id),
                    a.tone, a.tone_score, a.tone_words, a.event_id, al.unit, al.due, al.done_at";

fn row(r: &rusqlite::Row) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        article_id: r.get(1)?,
        rule_id: r.get(2)?,
        level: super::named(r, 3, Level::parse)?,
        status: super::named(r, 4, AlertStatus::parse)?,
        matched: r.get(5)?,
        created: r.get(6)?,
        updated: r.get(7)?,
        note: r.get(8)?,
        url: r.get(9)?,
        title: r.get(10)?,
        source_id: r.get(11)?,
        published: r.get(12)?,
        text: r.get(13)?,
        cluster_id: r.get(14)?,
        tone: super::articles::tone_of(r, 15)?,
        event_id: r.get(18)?,
        unit: r.get(19)?,
        due: r.get(20)?,
        done_at: r.get(21)?,
    })
}

/// What matching found for one article: its fingerprint, its reprint cluster, its alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleMatches {
    pub article_id: i64,
    pub simhash: Option<u64>,
    pub cluster_id: i64,
    /// (rule id, level, matched words as JSON).
    pub alerts: Vec<(String, Level, String)>,
    /// The event keywords (JSON), when computed.
    pub keywords: Option<String>,
    /// An earlier article whose event this one joins.
    pub joins: Option<i64>,
}

impl Store {
    /// Records alerts that come from no rule pass (saved searches): (article id, rule id, level,
    /// matched words as JSON). An existing (article, rule) alert stays. Returns the new ids.
    pub fn record_alerts(
        &self,
        alerts: &[(i64, String, Level, String)],
        now: i64,
    ) -> Result<Vec<i64>> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut created = Vec::new();
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO alerts (article_id, rule_id, level, matched, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                     ON CONFLICT(article_id, rule_id) DO NOTHING",
                )?;
                for (article, rule, level, matched) in alerts {
                    if st.execute(params![article, rule, level.as_str(), matched, now])? == 1 {
                        created.push(tx.last_insert_rowid());
                    }
                }
            }
            tx.commit()?;
            Ok(created)
        })();
        self.wrap(r)
    }

    /// Records a batch of matching results in one transaction: fingerprints and clusters, and
    /// the alerts (an existing (article, rule) alert stays as it is). Returns the new alerts as
    /// (alert id, article id, rule id, level). The articles stay unmatched until
    /// [`Store::mark_matched`]: pushes are queued in between.
    pub fn record_matches(
        &self,
        batch: &[ArticleMatches],
        now: i64,
    ) -> Result<Vec<(i64, i64, String, Level)>> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut created = Vec::new();
            {
                let mut cluster = tx.prepare_cached(
                    "UPDATE articles SET simhash = ?2, cluster_id = ?3 WHERE id = ?1",
                )?;
                let mut alert = tx.prepare_cached(
                    "INSERT INTO alerts (article_id, rule_id, level, matched, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                     ON CONFLICT(article_id, rule_id) DO NOTHING",
                )?;
                let mut keywords =
                    tx.prepare_cached("UPDATE articles SET keywords = ?2 WHERE id = ?1")?;
                for m in batch {
                    cluster.execute(params![
                        m.article_id,
                        m.simhash.map(|h| h as i64),
                        m.cluster_id
                    ])?;
                    if let Some(k) = &m.keywords {
                        keywords.execute(params![m.article_id, k])?;
                    }
                    if let Some(other) = m.joins {
                        super::events::join_event_in(&tx, m.article_id, other, now)?;
                    }
                    for (rule, level, matched) in &m.alerts {
                        if alert.execute(params![
                            m.article_id,
                            rule,
                            level.as_str(),
                            matched,
                            now
                        ])? == 1
                        {
                            created.push((
                                tx.last_insert_rowid(),
                                m.article_id,
                                rule.clone(),
                                *level,
                            ));
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(created)
        })();
        self.wrap(r)
    }

    /// Records that `article_id` hit `rule_id`. Returns the new alert's id, or `None` if it existed.
    pub fn insert_alert(
        &self,
        article_id: i64,
        rule_id: &str,
        level: Level,
        matched_json: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO alerts (article_id, rule_id, level, matched, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT(article_id, rule_id) DO NOTHING",
            params![article_id, rule_id, level.as_str(), matched_json, now],
        );
        let n = self.wrap(r)?;
        Ok((n == 1).then(|| conn.last_insert_rowid()))
    }

    pub fn alert(&self, id: i64) -> Result<Option<AlertRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(&format!("SELECT {COLS} FROM alerts al JOIN articles a ON a.id = al.article_id WHERE al.id = ?1"), [id], row)
            .optional();
        self.wrap(r)
    }

    /// What the digest counts and groups a window's alerts by, newest first, each handed to
    /// `each` as it is read: nothing of the articles but their reprint cluster (a window can
    /// hold tens of thousands of alerts; their titles, tone and matches are read only for the
    /// ones listed in full).
    pub fn alert_heads(&self, from: i64, to: i64, mut each: impl FnMut(AlertHead)) -> Result<()> {
        // A long read (60,000 rows at 1M articles): on the read-only connection, so writes and
        // pages do not wait behind it.
        let conn = self.reader();
        let r = conn
            .prepare(
                "SELECT al.id, al.article_id, al.rule_id, al.level, al.status, al.matched,
                        COALESCE(a.cluster_id, a.id)
                 FROM alerts al JOIN articles a ON a.id = al.article_id
                 WHERE al.created >= ?1 AND al.created < ?2
                 ORDER BY al.created DESC, al.id DESC",
            )
            .and_then(|mut st| {
                let mut rows = st.query([from, to])?;
                while let Some(r) = rows.next()? {
                    each(AlertHead {
                        id: r.get(0)?,
                        article_id: r.get(1)?,
                        rule_id: r.get(2)?,
                        level: super::named(r, 3, Level::parse)?,
                        status: super::named(r, 4, AlertStatus::parse)?,
                        matched: r.get(5)?,
                        cluster_id: r.get(6)?,
                    });
                }
                Ok(())
            });
        self.wrap(r)
    }

    /// Alerts matching `f`, newest first.
    pub fn alerts(&self, f: &AlertFilter) -> Result<Vec<AlertRow>> {
        let cols = if f.without_text {
            COLS.replace("a.text", "'' AS text")
        } else {
            COLS.to_string()
        };
        let mut sql = format!(
            "SELECT {cols} FROM alerts al JOIN articles a ON a.id = al.article_id WHERE 1 = 1"
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut push = |cond: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND {cond} ?{}", args.len()));
        };
        if let Some(t) = f.created_from {
            push("al.created >=", t.into());
        }
        if let Some(t) = f.created_to {
            push("al.created <", t.into());
        }
        if let Some(s) = f.status {
            push("al.status =", s.as_str().to_string().into());
        }
        if let Some(s) = &f.rule {
            push("al.rule_id =", s.clone().into());
        }
        if let Some(l) = f.level {
            push("al.level =", l.as_str().to_string().into());
        }
        if let Some(id) = f.article_id {
            push("al.article_id =", id.into());
        }
        if let Some(u) = &f.unit {
            push("al.unit =", u.clone().into());
        }
        if let Some((h, now)) = f.handling {
            use crate::model::Handling;
            match h {
                Handling::Done => push(
                    "al.unit IS NOT NULL AND al.done_at IS NOT NULL AND 1 =",
                    1.into(),
                ),
                Handling::Assigned => push(
                    "al.unit IS NOT NULL AND al.done_at IS NULL AND al.due >=",
                    now.into(),
                ),
                Handling::Overdue => push(
                    "al.unit IS NOT NULL AND al.done_at IS NULL AND al.due <",
                    now.into(),
                ),
            }
        }
        sql.push_str(" ORDER BY al.created DESC, al.id DESC");
        if let Some(n) = f.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        let conn = self.conn();
        let r = conn.prepare(&sql).and_then(|mut st| {
            st.query_map(rusqlite::params_from_iter(args), row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
        self.wrap(r)
    }

    /// Sets an alert's status and records the decision. `Ok(false)` when the alert is unknown.
    pub fn review_alert(
        &self,
        id: i64,
        to: AlertStatus,
        note: Option<&str>,
        by: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let from: Option<String> = tx
                .query_row("SELECT status FROM alerts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(from) = from else { return Ok(false) };
            tx.execute(
                "UPDATE alerts SET status = ?2, note = COALESCE(?3, note), updated = ?4 WHERE id = ?1",
                params![id, to.as_str(), note, now],
            )?;
            tx.execute(
                "INSERT INTO alert_reviews (alert_id, at, by, from_status, to_status, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, now, by, from, to.as_str(), note],
            )?;
            tx.commit()?;
            Ok(true)
        })();
        self.wrap(r)
    }

    /// The audit trail of one alert, oldest first.
    pub fn alert_reviews(&self, id: i64) -> Result<Vec<ReviewRow>> {
        let conn = self.conn();
        let r = conn
            .prepare("SELECT at, by, from_status, to_status, note FROM alert_reviews WHERE alert_id = ?1 ORDER BY id")
            .and_then(|mut st| {
                st.query_map([id], |r| {
                    Ok(ReviewRow { at: r.get(0)?, by: r.get(1)?, from_status: super::named(r, 2, AlertStatus::parse)?, to_status: super::named(r, 3, AlertStatus::parse)?, note: r.get(4)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Ids of articles fetched at or after `since`, oldest first (for backfills).
    pub fn article_ids_since(&self, since: i64) -> Result<Vec<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare("SELECT id FROM articles WHERE fetched >= ?1 ORDER BY id")
            .and_then(|mut st| {
                st.query_map([since], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        self.wrap(r)
    }
}

/// One assignment or feedback in an alert's handling trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub at: i64,
    pub by: Option<String>,
    /// `assign`, `feedback` or `done`.
    pub action: String,
    pub unit: Option<String>,
    pub due: Option<i64>,
    pub note: Option<String>,
}

impl Store {
    /// Hands an alert to `unit` with deadline `due` (reassigning reopens it); recorded in the
    /// trail. Whether the alert exists.
    pub fn assign_alert(
        &self,
        id: i64,
        unit: &str,
        due: i64,
        note: Option<&str>,
        by: Option<&str>,
        now: i64,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let n = tx.execute(
                "UPDATE alerts SET unit = ?2, due = ?3, done_at = NULL, overdue_pushed = 0, updated = ?4 WHERE id = ?1",
                params![id, unit, due, now],
            )?;
            if n == 1 {
                tx.execute(
                    "INSERT INTO alert_actions (alert_id, at, by, action, unit, due, note)
                     VALUES (?1, ?2, ?3, 'assign', ?4, ?5, ?6)",
                    params![id, now, by, unit, due, note],
                )?;
            }
            tx.commit()?;
            Ok(n == 1)
        })();
        self.wrap(r)
    }

    /// Records a unit's feedback, and `done` when it has finished.
    pub fn alert_feedback(
        &self,
        id: i64,
        note: &str,
        done: bool,
        by: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            if done {
                tx.execute(
                    "UPDATE alerts SET done_at = ?2, updated = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
            }
            tx.execute(
                "INSERT INTO alert_actions (alert_id, at, by, action, unit, note)
                 VALUES (?1, ?2, ?3, ?4, (SELECT unit FROM alerts WHERE id = ?1), ?5)",
                params![id, now, by, if done { "done" } else { "feedback" }, note],
            )?;
            tx.commit()
        })();
        self.wrap(r)
    }

    /// The handling trail of an alert, oldest first.
    pub fn alert_actions(&self, id: i64) -> Result<Vec<ActionRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT at, by, action, unit, due, note FROM alert_actions WHERE alert_id = ?1 ORDER BY id",
            )
            .and_then(|mut st| {
                st.query_map([id], |r| {
                    Ok(ActionRow {
                        at: r.get(0)?,
                        by: r.get(1)?,
                        action: r.get(2)?,
                        unit: r.get(3)?,
                        due: r.get(4)?,
                        note: r.get(5)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Ids of assigned alerts past their deadline, not done, whose overdue push is not out.
    pub fn overdue_unpushed(&self, now: i64) -> Result<Vec<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT id FROM alerts WHERE unit IS NOT NULL AND done_at IS NULL AND due < ?1
                 AND overdue_pushed = 0 ORDER BY due",
            )
            .and_then(|mut st| {
                st.query_map([now], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        self.wrap(r)
    }

    pub fn mark_overdue_pushed(&self, id: i64) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute("UPDATE alerts SET overdue_pushed = 1 WHERE id = ?1", [id]);
        self.wrap(r).map(|_| ())
    }
}
