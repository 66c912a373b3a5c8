//! Per-source fetch state: conditional-GET validators, last attempt/success, errors, backoff.
//! A broken source is a row state, never a crash.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Result, Store};

pub use crate::model::SourceStatus;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceState {
    pub id: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    pub error_count: i64,
    pub last_error: Option<String>,
    pub next_check_at: Option<i64>,
    pub status: SourceStatus,
    /// Consecutive blocked answers (drives the block backoff).
    pub blocked_count: i64,
}

impl SourceState {
    pub fn new(id: &str) -> Self {
        SourceState {
            id: id.to_string(),
            etag: None,
            last_modified: None,
            last_attempt: None,
            last_success: None,
            error_count: 0,
            last_error: None,
            next_check_at: None,
            status: SourceStatus::New,
            blocked_count: 0,
        }
    }
}

const COLS: &str = "id, etag, last_modified, last_attempt, last_success, error_count, last_error, next_check_at, status, blocked_count";

fn row(r: &rusqlite::Row) -> rusqlite::Result<SourceState> {
    Ok(SourceState {
        id: r.get(0)?,
        etag: r.get(1)?,
        last_modified: r.get(2)?,
        last_attempt: r.get(3)?,
        last_success: r.get(4)?,
        error_count: r.get(5)?,
        last_error: r.get(6)?,
        next_check_at: r.get(7)?,
        status: SourceStatus::parse(&r.get::<_, String>(8)?).unwrap_or(SourceStatus::New),
        blocked_count: r.get(9)?,
    })
}

/// Longest error message kept per source.
const MAX_ERROR_CHARS: usize = 500;

impl Store {
    pub fn source_state(&self, id: &str) -> Result<SourceState> {
        let conn = self.conn();
        let r = conn
            .query_row(
                &format!("SELECT {COLS} FROM sources WHERE id = ?1"),
                [id],
                row,
            )
            .optional();
        Ok(self.wrap(r)?.unwrap_or_else(|| SourceState::new(id)))
    }

    pub fn source_states(&self) -> Result<Vec<SourceState>> {
        let conn = self.conn();
        let r = conn
            .prepare(&format!("SELECT {COLS} FROM sources ORDER BY id"))
            .and_then(|mut st| st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>());
        self.wrap(r)
    }

    /// Records a successful fetch (also a 304): keeps new validators when given.
    pub fn record_success(
        &self,
        id: &str,
        now: i64,
        etag: Option<&str>,
        last_modified: Option<&str>,
        next_check_at: Option<i64>,
    ) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO sources (id, etag, last_modified, last_attempt, last_success, error_count, last_error,
                                  next_check_at, status, blocked_count)
             VALUES (?1, ?2, ?3, ?4, ?4, 0, NULL, ?5, 'ok', 0)
             ON CONFLICT(id) DO UPDATE SET
                etag = COALESCE(?2, etag), last_modified = COALESCE(?3, last_modified),
                last_attempt = ?4, last_success = ?4, error_count = 0, last_error = NULL,
                next_check_at = ?5, status = 'ok', blocked_count = 0",
            params![id, etag, last_modified, now, next_check_at],
        );
        self.wrap(r).map(|_| ())
    }

    /// Records a failed fetch; `blocked` marks an anti-bot wall. Returns the new state.
    pub fn record_failure(
        &self,
        id: &str,
        now: i64,
        error: &str,
        blocked: bool,
        next_check_at: Option<i64>,
    ) -> Result<SourceState> {
        let msg: String = error.chars().take(MAX_ERROR_CHARS).collect();
        let status = if blocked { "blocked" } else { "failing" };
        {
            let conn = self.conn();
            let r = conn.execute(
                "INSERT INTO sources (id, last_attempt, error_count, last_error, next_check_at, status, blocked_count)
                 VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)
                 ON CONFLICT(id) DO UPDATE SET
                    last_attempt = ?2, error_count = error_count + 1, last_error = ?3,
                    next_check_at = ?4, status = ?5,
                    blocked_count = CASE WHEN ?6 = 1 THEN blocked_count + 1 ELSE 0 END",
                params![id, now, msg, next_check_at, status, blocked as i64],
            );
            self.wrap(r)?;
        }
        self.source_state(id)
    }

    /// Articles of `source` fetched at or after `since` (unix seconds).
    /// A source's articles fetched in `[from, to)` and on how many local days (`offset`: the
    /// zone's offset from UTC in seconds) it brought any.
    pub fn source_activity(
        &self,
        source: &str,
        from: i64,
        to: i64,
        offset: i64,
    ) -> Result<(i64, i64)> {
        let conn = self.conn();
        let r = conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT (fetched + ?4) / 86400) FROM articles
             WHERE source_id = ?1 AND fetched >= ?2 AND fetched < ?3",
            params![source, from, to, offset],
            |r| Ok((r.get(0)?, r.get(1)?)),
        );
        self.wrap(r)
    }

    pub fn count_articles_since(&self, source: &str, since: i64) -> Result<i64> {
        let conn = self.conn();
        let r = conn.query_row(
            "SELECT COUNT(*) FROM articles WHERE source_id = ?1 AND fetched >= ?2",
            params![source, since],
            |r| r.get(0),
        );
        self.wrap(r)
    }
}
