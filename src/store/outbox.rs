//! The push outbox: one row per (channel × key) so that enqueueing twice never duplicates a push,
//! a failed push is retried with backoff, and a restart loses nothing. Rows of kind `send` are a
//! log of the messages a channel sent (for its rate limit after a restart); they are never due.

use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::params;
use serde::Serialize;

use super::{Result, Store};

/// Kind of the rows that log one sent message (never delivered themselves).
pub const SEND_LOG: &str = "send";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub channel: String,
    pub key: String,
    /// `alert` | `digest` | `send`
    pub kind: String,
    pub level: Option<String>,
    pub payload: String,
    pub created: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

/// One row to enqueue.
#[derive(Debug, Clone)]
pub struct NewPush<'a> {
    pub channel: &'a str,
    pub key: &'a str,
    pub kind: &'a str,
    pub level: Option<&'a str>,
    pub payload: &'a str,
    pub created: i64,
    pub next_attempt_at: i64,
}

const COLS: &str = "id, channel, key, kind, level, payload, created, attempts, next_attempt_at, sent_at, last_error";

fn row(r: &rusqlite::Row) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        channel: r.get(1)?,
        key: r.get(2)?,
        kind: r.get(3)?,
        level: r.get(4)?,
        payload: r.get(5)?,
        created: r.get(6)?,
        attempts: r.get(7)?,
        next_attempt_at: r.get(8)?,
        sent_at: r.get(9)?,
        last_error: r.get(10)?,
    })
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Enqueues pushes (INSERT OR IGNORE on `(channel, key)`); returns how many rows are new.
    pub fn outbox_enqueue(&self, rows: &[NewPush]) -> Result<usize> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut n = 0;
            {
                let mut st = tx.prepare(
                    "INSERT OR IGNORE INTO outbox (channel, key, kind, level, payload, created, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for p in rows {
                    n += st.execute(params![
                        p.channel,
                        p.key,
                        p.kind,
                        p.level,
                        p.payload,
                        p.created,
                        p.next_attempt_at
                    ])?;
                }
            }
            tx.commit()?;
            Ok(n)
        })();
        self.wrap(r)
    }

    /// Claims up to `limit` unsent rows of `channel` due at `now` (high level first, then oldest):
    /// their `next_attempt_at` moves to `lease_until`, so another process does not send them too.
    /// The caller then marks each claimed row sent, failed, or released.
    pub fn outbox_claim(
        &self,
        channel: &str,
        now: i64,
        lease_until: i64,
        limit: usize,
    ) -> Result<Vec<OutboxRow>> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let rows = {
                let mut st = tx.prepare(&format!(
                    "SELECT {COLS} FROM outbox
                     WHERE channel = ?1 AND sent_at IS NULL AND kind <> '{SEND_LOG}' AND next_attempt_at <= ?2
                     ORDER BY CASE level WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END, id
                     LIMIT ?3"
                ))?;
                st.query_map(params![channel, now, limit as i64], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            if !rows.is_empty() {
                let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
                tx.execute(
                    &format!(
                        "UPDATE outbox SET next_attempt_at = ?1 WHERE id IN ({})",
                        id_list(&ids)
                    ),
                    [lease_until],
                )?;
            }
            tx.commit()?;
            Ok(rows)
        })();
        self.wrap(r)
    }

    /// Marks rows delivered at `at`.
    pub fn outbox_mark_sent(&self, ids: &[i64], at: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let conn = self.conn();
        let r = conn.execute(
            &format!(
                "UPDATE outbox SET sent_at = ?1, last_error = NULL WHERE id IN ({}) AND sent_at IS NULL",
                id_list(ids)
            ),
            [at],
        );
        self.wrap(r).map(|_| ())
    }

    /// Records a failed attempt: `attempts + 1`, the error, and the next try at `backoff(attempts)`
    /// seconds after `now` (`attempts` as it was before this failure).
    pub fn outbox_mark_failed(
        &self,
        ids: &[i64],
        error: &str,
        now: i64,
        backoff: impl Fn(i64) -> i64,
    ) -> Result<()> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            for &id in ids {
                let attempts: i64 =
                    tx.query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?;
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                     WHERE id = ?1 AND sent_at IS NULL",
                    params![id, error, now + backoff(attempts)],
                )?;
            }
            tx.commit()
        })();
        self.wrap(r)
    }

    /// Gives claimed rows back without an attempt: they are due again at `at`.
    pub fn outbox_release(&self, ids: &[i64], at: i64) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let conn = self.conn();
        let r = conn.execute(
            &format!(
                "UPDATE outbox SET next_attempt_at = ?1 WHERE id IN ({}) AND sent_at IS NULL",
                id_list(ids)
            ),
            [at],
        );
        self.wrap(r).map(|_| ())
    }

    /// Logs one message sent (or tried) on `channel` at `at`, for its rate limit.
    pub fn outbox_log_send(&self, channel: &str, at: i64, error: Option<&str>) -> Result<()> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let key = format!(
            "send:{at}:{nanos}:{}:{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let conn = self.conn();
        let r = conn.execute(
            "INSERT OR IGNORE INTO outbox (channel, key, kind, payload, created, attempts, next_attempt_at, sent_at, last_error)
             VALUES (?1, ?2, ?3, '', ?4, 1, ?4, ?4, ?5)",
            params![channel, key, SEND_LOG, at, error],
        );
        self.wrap(r).map(|_| ())
    }

    /// Times of the messages `channel` sent at or after `since`, oldest first.
    pub fn outbox_sends_since(&self, channel: &str, since: i64) -> Result<Vec<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare(&format!(
                "SELECT sent_at FROM outbox WHERE channel = ?1 AND kind = '{SEND_LOG}' AND sent_at >= ?2 ORDER BY sent_at"
            ))
            .and_then(|mut st| {
                st.query_map(params![channel, since], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        self.wrap(r)
    }

    /// Forgets send-log rows older than `before`.
    pub fn outbox_prune_sends(&self, before: i64) -> Result<usize> {
        let conn = self.conn();
        let r = conn.execute(
            &format!("DELETE FROM outbox WHERE kind = '{SEND_LOG}' AND sent_at < ?1"),
            [before],
        );
        self.wrap(r)
    }

    /// Pushes (not send-log rows) of `channel`, or of every channel when `None`, oldest first.
    pub fn outbox_rows(&self, channel: Option<&str>) -> Result<Vec<OutboxRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(&format!(
                "SELECT {COLS} FROM outbox WHERE kind <> '{SEND_LOG}' AND (?1 IS NULL OR channel = ?1) ORDER BY id"
            ))
            .and_then(|mut st| {
                st.query_map(params![channel], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Channels with unsent pushes, and the earliest time one of them is due.
    pub fn outbox_pending(&self) -> Result<Vec<(String, i64, i64)>> {
        let conn = self.conn();
        let r = conn
            .prepare(&format!(
                "SELECT channel, COUNT(*), MIN(next_attempt_at) FROM outbox
                 WHERE sent_at IS NULL AND kind <> '{SEND_LOG}' GROUP BY channel ORDER BY channel"
            ))
            .and_then(|mut st| {
                st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }
}
