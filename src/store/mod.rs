//! The SQLite state database: the point of truth. Articles and per-source fetch state live here;
//! the search index is rebuilt from it. One connection behind a mutex: every call is a short
//! statement, and WAL lets readers in other processes work while we write. A second, read-only
//! connection serves the few long analytical reads (the spike check's month of alert and event
//! times, the digest's tone counts), so pages do not wait behind them. Batches read for
//! indexing and matching open a read-only connection of their own. WAL checkpoints (which
//! fsync) run on a background thread with its own connection, not inside a writer's commit.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::Connection;

pub mod alerts;
pub mod articles;
pub mod clusters;
pub mod events;
pub mod meta;
pub mod outbox;
pub mod saved;
mod schema;
pub mod sources;
pub mod users;

pub use alerts::{AlertFilter, AlertHead, AlertRow, AlertStatus, ArticleMatches, ReviewRow};
pub use articles::{ArticleRow, ArticleTone, NewArticle};
pub use saved::{NewSaved, SavedRow};
pub use sources::{SourceState, SourceStatus};
pub use users::{SessionRow, UserRow};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The cause is in the message, not chained: a chain would print it twice.
    #[error("数据库 {path} (database): {error}")]
    Sqlite {
        path: PathBuf,
        error: rusqlite::Error,
    },
    /// A table rebuild on upgrade failed; the database is as it was before it.
    #[error(
        "升级数据库 {path} 失败，数据库保持原样：重建文章表需要约两倍于数据库大小的空闲磁盘空间 (upgrade step {step} failed, nothing changed): {error}"
    )]
    Upgrade {
        path: PathBuf,
        step: usize,
        error: rusqlite::Error,
    },
    #[error(
        "数据库 {path} 的结构版本 {found} 比本程序所知的 {known} 新，请升级 yuqing (database schema newer than this binary)"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Reads a column holding the stored name of a domain enum (`level`, `status`).
fn named<T>(r: &rusqlite::Row, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    parse(&s).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown value {s:?}").into(),
        )
    })
}

pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// A second, read-only connection for long analytical reads (a month of alert and event
    /// times for the spike check): in WAL mode it reads while the main one writes or serves a
    /// page, so a search does not wait behind the spike check.
    reader: Mutex<Connection>,
    /// Stops its thread when the store is dropped.
    _checkpointer: Option<Checkpointer>,
}

/// WAL pages after which a commit checkpoints by itself (SQLite's default is 1000), should
/// the background thread fall behind.
const CHECKPOINT_BACKSTOP_PAGES: i64 = 16_000;
/// How often the background thread looks at the WAL.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// A thread that runs passive WAL checkpoints (they never block writers) on its own
/// connection whenever the WAL file has changed.
struct Checkpointer {
    stop: Option<std::sync::mpsc::Sender<()>>,
}

impl Checkpointer {
    /// `None` when the thread or its connection cannot be had: the commit-time backstop then
    /// does the work.
    fn start(path: &Path) -> Option<Checkpointer> {
        let conn = Connection::open(path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(1)).ok()?;
        let wal = {
            let mut p = path.as_os_str().to_owned();
            p.push("-wal");
            PathBuf::from(p)
        };
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut seen = None;
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(CHECKPOINT_EVERY)
                {
                    let stamp = std::fs::metadata(&wal)
                        .ok()
                        .map(|m| (m.len(), m.modified().ok()));
                    if stamp.is_some() && stamp != seen {
                        let r = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "background checkpoint");
                        }
                        seen = stamp;
                    }
                }
            })
            .ok()?;
        Some(Checkpointer { stop: Some(stop) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Dropping the sender ends the thread's wait.
        self.stop.take();
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        let err = |error| StoreError::Sqlite {
            path: path.to_path_buf(),
            error,
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(err)?;
        schema::upgrade(&conn, path)?;
        // Checkpoints move the WAL into the database and fsync it: 2 to 20 ms each, taken
        // by whichever commit crosses the threshold, with the connection's lock held. A
        // thread of its own does them instead; the commit-time one stays as a backstop.
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_BACKSTOP_PAGES)
            .map_err(err)?;
        let checkpointer = Checkpointer::start(path);
        let reader = Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        reader
            .busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            reader: Mutex::new(reader),
            _checkpointer: checkpointer,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The read-only connection, for long analytical reads.
    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new read-only connection of its own, for a bulk read (a batch to index or to match)
    /// that should neither wait behind the main connection's writes nor hold them up: in WAL
    /// mode it reads the last commit while the crawl goes on writing. Opening one costs well
    /// under a millisecond, against tens of milliseconds for the batch it reads.
    fn bulk_reader(&self) -> rusqlite::Result<Connection> {
        let c = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        c.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(c)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wrap<T>(&self, r: rusqlite::Result<T>) -> Result<T> {
        r.map_err(|error| StoreError::Sqlite {
            path: self.path.clone(),
            error,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: the spike check's reads (a month of alert and event times) held the one
    /// connection, so a search waiting for its article rows stalled behind them (70 ms at 1M).
    /// They now go through the read-only connection: they answer while the main one is held.
    #[test]
    fn analytical_reads_do_not_wait_for_the_main_connection() {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Arc::new(Store::open(&dir.path().join("y.db")).unwrap());
        let held = store.conn();
        let (tx, rx) = std::sync::mpsc::channel();
        let s = std::sync::Arc::clone(&store);
        let t = std::thread::spawn(move || {
            let r = (
                s.alert_times(0).map(|v| v.len()),
                s.event_times(0).map(|v| v.len()),
                s.tone_in_window(0, i64::MAX).map(|t| t.0),
            );
            let _ = tx.send(r);
        });
        let got = rx.recv_timeout(std::time::Duration::from_secs(5));
        drop(held);
        t.join().unwrap();
        let (a, e, tone) = got.expect("the reads answered while the main connection was held");
        assert_eq!((a.unwrap(), e.unwrap(), tone.unwrap()), (0, 0, 0));
    }

    /// WAL checkpoints run on the store's own thread, not in the commits of the crawl: after
    /// some writes and a pause, their pages are in the database file itself. (The commit-time
    /// checkpoint alone starts only at 16,000 pages, so without the thread they would stay in
    /// the WAL.)
    #[test]
    fn the_wal_is_checkpointed_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("y.db");
        let store = Store::open(&path).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        {
            let mut conn = store.conn();
            let tx = conn.transaction().unwrap();
            tx.execute_batch("CREATE TABLE filler (t TEXT)").unwrap();
            for i in 0..200 {
                tx.execute(
                    "INSERT INTO filler VALUES (?1)",
                    [format!("{i:04}").repeat(500)],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut size = before;
        while std::time::Instant::now() < deadline && size < before + 300_000 {
            std::thread::sleep(CHECKPOINT_EVERY);
            size = std::fs::metadata(&path).unwrap().len();
        }
        assert!(
            size >= before + 300_000,
            "400 KB written, the database file grew from {before} to {size} bytes"
        );
    }

    /// Regression: the spike check read every event member ever (through the event index,
    /// `COALESCE` defeating the time indexes): 15.6 s on a cold 1M-article database, holding
    /// the store while serve's first search waited. Recent members come through the time
    /// indexes now.
    #[test]
    fn recent_event_members_are_found_through_the_time_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state.db")).unwrap();
        let conn = store.conn();
        for sql in [events::EVENT_TIMES_SQL, events::MEMBERS_SINCE] {
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(
                    rusqlite::params_from_iter(std::iter::repeat_n(
                        0i64,
                        if sql.contains("?2") { 2 } else { 1 },
                    )),
                    |r| r.get::<_, String>(3),
                )
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert!(
                plan.iter().any(|p| p.contains("articles_published"))
                    && !plan
                        .iter()
                        .any(|p| p.contains("articles_event") || p.contains("SCAN")),
                "{plan:?}"
            );
        }
    }

    #[test]
    fn extract_confidence_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state.db")).unwrap();
        let mut a = NewArticle {
            canonical_url: "http://127.0.0.1/a".into(),
            url: "http://127.0.0.1/a".into(),
            source_id: "s".into(),
            title: "t".into(),
            fetched: 1_795_300_000,
            extract_confidence: Some(0.42),
            ..Default::default()
        };
        let id = store.insert_article(&a).unwrap().unwrap();
        assert_eq!(
            store.article(id).unwrap().unwrap().extract_confidence,
            Some(0.42)
        );
        a.canonical_url = "http://127.0.0.1/b".into();
        a.extract_confidence = None;
        let id = store.insert_article(&a).unwrap().unwrap();
        assert_eq!(store.article(id).unwrap().unwrap().extract_confidence, None);
    }
}
