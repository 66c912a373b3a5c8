//! The database's schema: the migrations that build it, in order (`PRAGMA user_version` counts
//! how many ran), and the upgrade that applies the missing ones when a store opens.

use std::path::Path;

use rusqlite::Connection;

use super::{Result, StoreError};

/// Schema migrations, applied in order; `PRAGMA user_version` counts how many ran.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_attempt INTEGER,
    last_success INTEGER,
    error_count INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_check_at INTEGER,
    status TEXT NOT NULL DEFAULT 'new',
    blocked_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    guid TEXT,
    title TEXT NOT NULL,
    author TEXT,
    published INTEGER,
    fetched INTEGER NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    evidence BLOB,
    evidence_type TEXT,
    state TEXT NOT NULL DEFAULT 'ok',
    indexed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX articles_unindexed ON articles(id) WHERE indexed = 0;
CREATE INDEX articles_source_fetched ON articles(source_id, fetched);
CREATE INDEX articles_published ON articles(published);
"#,
    r#"
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    rule_id TEXT NOT NULL,
    level TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new',
    matched TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    note TEXT,
    UNIQUE (article_id, rule_id)
);
CREATE INDEX alerts_created ON alerts(created);
CREATE TABLE alert_reviews (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at INTEGER NOT NULL,
    by TEXT,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    note TEXT
);
"#,
    r#"
ALTER TABLE articles ADD COLUMN simhash INTEGER;
ALTER TABLE articles ADD COLUMN cluster_id INTEGER;
CREATE INDEX articles_cluster ON articles(cluster_id);
CREATE INDEX articles_fetched ON articles(fetched);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT,
    payload TEXT NOT NULL,
    created INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    sent_at INTEGER,
    last_error TEXT,
    UNIQUE (channel, key)
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE sent_at IS NULL;
"#,
    r#"
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
"#,
    // Rule matching is tracked like indexing, so a crash between storing an article and matching
    // it never loses its alert. Rows from before this migration were matched when crawled.
    r#"
ALTER TABLE articles ADD COLUMN matched INTEGER NOT NULL DEFAULT 1;
CREATE INDEX articles_unmatched ON articles(id) WHERE matched = 0;
"#,
    // Where `published` came from: 'page', 'feed' or 'fetched'. Older rows without a publication
    // time were already listed, sorted and indexed by their fetch time: say so. Older rows with
    // one cannot tell page from feed and keep NULL.
    r#"
ALTER TABLE articles ADD COLUMN published_source TEXT;
UPDATE articles SET published = fetched, published_source = 'fetched' WHERE published IS NULL;
"#,
    // How sure the extractor was of the article's text, in [0, 1]; NULL for older rows and for
    // articles whose text came from the feed.
    r#"
ALTER TABLE articles ADD COLUMN extract_confidence REAL;
"#,
    // Saved searches (专题): a named query with filters, shared (owner NULL) or one user's; who
    // has seen them up to which article; and how far pushing has looked.
    r#"
CREATE TABLE saved_searches (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    owner TEXT,
    query TEXT NOT NULL,
    filter TEXT NOT NULL DEFAULT '{}',
    level TEXT,
    created INTEGER NOT NULL,
    created_by TEXT,
    pushed_id INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE saved_seen (
    saved_id INTEGER NOT NULL REFERENCES saved_searches(id) ON DELETE CASCADE,
    user TEXT NOT NULL,
    last_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (saved_id, user)
);
"#,
    // Tone (情感倾向): computed at ingest; NULL for older rows until indexing or `yuqing tone
    // --backfill` computes it. `tone_words` is the JSON list of deciding words with offsets.
    r#"
ALTER TABLE articles ADD COLUMN tone TEXT;
ALTER TABLE articles ADD COLUMN tone_score REAL;
ALTER TABLE articles ADD COLUMN tone_words TEXT;
"#,
    // Events (事件): articles about one incident. `keywords` is the article's TF-IDF keyword
    // vector (JSON) used to group it; `event_id` is NULL for an article alone.
    r#"
ALTER TABLE articles ADD COLUMN keywords TEXT;
ALTER TABLE articles ADD COLUMN event_id INTEGER;
CREATE INDEX articles_event ON articles(event_id) WHERE event_id IS NOT NULL;
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    first_article INTEGER NOT NULL,
    created INTEGER NOT NULL
);
"#,
    // Spikes (突发): a day whose volume stood well above its trailing baseline, recorded (and
    // pushed) once per series and day.
    r#"
CREATE TABLE spikes (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    date TEXT NOT NULL,
    count INTEGER NOT NULL,
    baseline REAL NOT NULL,
    created INTEGER NOT NULL,
    UNIQUE (kind, key, date)
);
"#,
    // Handing alerts to partner units (交办与处置): the unit, the deadline, done or not, whether
    // the overdue push went out; and every assignment and feedback in an audit table.
    r#"
ALTER TABLE alerts ADD COLUMN unit TEXT;
ALTER TABLE alerts ADD COLUMN due INTEGER;
ALTER TABLE alerts ADD COLUMN done_at INTEGER;
ALTER TABLE alerts ADD COLUMN overdue_pushed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_open_handling ON alerts(due) WHERE unit IS NOT NULL AND done_at IS NULL;
CREATE TABLE alert_actions (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    at INTEGER NOT NULL,
    by TEXT,
    action TEXT NOT NULL,
    unit TEXT,
    due INTEGER,
    note TEXT
);
CREATE INDEX alert_actions_alert ON alert_actions(alert_id);
"#,
    // The partner unit a `unit` user acts for.
    r#"
ALTER TABLE users ADD COLUMN unit TEXT;
"#,
    // Articles rebuilt with the text and the evidence page last. SQLite keeps a row's columns
    // in their declared order and spills what passes one page into a chain of overflow pages,
    // read in turn: every column added after `text` and `evidence` (cluster, tone, event …)
    // cost a walk through the whole article and its gzipped page to read. Now the metadata
    // sits in the row's first page. A column added later goes after the blobs again: add it
    // with another rebuild like this one. Runs with foreign keys off (SQLite's documented
    // way to rebuild a table that others reference); checked after.
    r#"-- without foreign keys
CREATE TABLE articles_new (
    id INTEGER PRIMARY KEY,
    canonical_url TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    source_id TEXT NOT NULL,
    guid TEXT,
    title TEXT NOT NULL,
    author TEXT,
    published INTEGER,
    fetched INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'ok',
    indexed INTEGER NOT NULL DEFAULT 0,
    simhash INTEGER,
    cluster_id INTEGER,
    matched INTEGER NOT NULL DEFAULT 1,
    published_source TEXT,
    extract_confidence REAL,
    tone TEXT,
    tone_score REAL,
    tone_words TEXT,
    keywords TEXT,
    event_id INTEGER,
    evidence_type TEXT,
    text TEXT NOT NULL,
    evidence BLOB
);
INSERT INTO articles_new (id, canonical_url, url, source_id, guid, title, author, published,
    fetched, content_hash, state, indexed, simhash, cluster_id, matched, published_source,
    extract_confidence, tone, tone_score, tone_words, keywords, event_id, evidence_type, text,
    evidence)
SELECT id, canonical_url, url, source_id, guid, title, author, published,
    fetched, content_hash, state, indexed, simhash, cluster_id, matched, published_source,
    extract_confidence, tone, tone_score, tone_words, keywords, event_id, evidence_type, text,
    evidence
FROM articles ORDER BY id;
DROP TABLE articles;
ALTER TABLE articles_new RENAME TO articles;
CREATE INDEX articles_unindexed ON articles(id) WHERE indexed = 0;
CREATE INDEX articles_source_fetched ON articles(source_id, fetched);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_cluster ON articles(cluster_id);
CREATE INDEX articles_fetched ON articles(fetched);
CREATE INDEX articles_unmatched ON articles(id) WHERE matched = 0;
CREATE INDEX articles_event ON articles(event_id) WHERE event_id IS NOT NULL;
"#,
];

/// A migration that starts with this line runs with foreign keys off (a table rebuild).
const WITHOUT_FOREIGN_KEYS: &str = "-- without foreign keys";

/// How long a process waits for another that is upgrading the same database (a rebuild of
/// 1M articles takes about a minute and a half) before it gives up.
const UPGRADE_WAIT: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// Applies migration `index` (0-based) unless another process has applied it meanwhile: one
/// immediate transaction (the write lock taken first), the schema version read again inside
/// it. A table rebuild runs the way SQLite documents it: foreign keys off around the
/// transaction, the references it would break checked before the commit. All or nothing: on
/// any error (a full disk) the database is as it was.
fn migrate(conn: &Connection, index: usize) -> rusqlite::Result<()> {
    let sql = MIGRATIONS[index];
    let rebuild = sql.starts_with(WITHOUT_FOREIGN_KEYS);
    let broken = |c: &Connection| -> rusqlite::Result<i64> {
        c.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
    };
    if rebuild {
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    }
    let done = (|| {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = || -> rusqlite::Result<()> {
            let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version > index as i64 {
                return Ok(()); // another process applied it
            }
            // What pointed nowhere before (none, with foreign keys on since the first
            // release) is not the rebuild's to fix; what it would break is.
            let before = if rebuild { broken(conn)? } else { 0 };
            conn.execute_batch(sql)?;
            if rebuild {
                let broken = broken(conn)? - before;
                if broken > 0 {
                    return Err(rusqlite::Error::SqliteFailure(
                        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT),
                        Some(format!("{broken} 条引用失效 (broken references)")),
                    ));
                }
            }
            conn.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
        };
        match step() {
            Ok(()) => conn.execute_batch("COMMIT"),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    })();
    if rebuild {
        // Restored whatever happened; an error here is reported after the migration's own.
        let on = conn.execute_batch("PRAGMA foreign_keys = ON");
        done?;
        return on;
    }
    done
}

/// Brings the schema of the database open on `conn` (at `path`, for messages) up to date.
pub(super) fn upgrade(conn: &Connection, path: &Path) -> Result<()> {
    let err = |error| StoreError::Sqlite {
        path: path.to_path_buf(),
        error,
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known,
        });
    }
    if version < known {
        // Another process may be upgrading the same file: wait for it rather than fail.
        conn.busy_timeout(UPGRADE_WAIT).map_err(err)?;
    }
    let mut rebuilt = false;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let rebuild = sql.starts_with(WITHOUT_FOREIGN_KEYS);
        if rebuild && version > 0 {
            // A warning, so that every command shows it: a long pause looks like a hang.
            tracing::warn!(
                step = i + 1,
                "正在升级数据库结构（重建文章表，约 1 分钟每 100 万篇） (rebuilding the articles table)"
            );
        }
        migrate(conn, i).map_err(|error| {
            if rebuild {
                StoreError::Upgrade {
                    path: path.to_path_buf(),
                    step: i + 1,
                    error,
                }
            } else {
                err(error)
            }
        })?;
        rebuilt |= rebuild && version > 0;
    }
    if rebuilt {
        // The copy went through the WAL, which would otherwise keep its size on disk.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(err)?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PublishedSource;
    use crate::store::{NewArticle, Store};

    /// A new database as the release with the first `version` migrations left it.
    fn at_version(path: &Path, version: usize) -> Connection {
        let conn = Connection::open(path).unwrap();
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!("PRAGMA user_version = {version}"))
            .unwrap();
        conn
    }

    /// The migration that rebuilds `articles`.
    fn rebuild_step() -> usize {
        MIGRATIONS
            .iter()
            .position(|m| m.starts_with(WITHOUT_FOREIGN_KEYS))
            .unwrap()
    }

    /// The columns of `articles`, in their stored order.
    fn article_columns(conn: &Connection) -> Vec<String> {
        conn.prepare("SELECT name FROM pragma_table_info('articles') ORDER BY cid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn articles_keep_the_text_and_the_evidence_last() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state.db")).unwrap();
        let cols = article_columns(&store.conn());
        assert_eq!(cols[cols.len() - 2..], ["text", "evidence"], "{cols:?}");
    }

    /// A database of the layout before the rebuild (metadata after the text and the gzipped
    /// page) comes through the migration whole: every value, the references to it, its indexes.
    #[test]
    fn the_articles_rebuild_keeps_every_row_reference_and_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let rebuild = rebuild_step();
        let all =
            "SELECT id, canonical_url, url, source_id, guid, title, author, published, fetched,
                   content_hash, state, indexed, simhash, cluster_id, matched, published_source,
                   extract_confidence, tone, tone_score, tone_words, keywords, event_id,
                   evidence_type, text, evidence FROM articles ORDER BY id";
        let dump = |conn: &Connection| -> Vec<Vec<rusqlite::types::Value>> {
            let mut st = conn.prepare(all).unwrap();
            st.query_map([], |r| {
                (0..25)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let (before, indexes) = {
            let conn = at_version(&path, rebuild);
            assert_ne!(article_columns(&conn).last().unwrap(), "evidence");
            for i in 1..=3i64 {
                conn.execute(
                    "INSERT INTO articles (canonical_url, url, source_id, title, published, fetched,
                     text, content_hash, evidence, evidence_type, simhash, cluster_id, tone,
                     tone_score, tone_words, keywords, event_id, indexed)
                     VALUES (?1, ?1, 's', ?2, 1795000000, 1795000100, ?3, 'h', ?4, 'text/html',
                     ?5, 1, 'negative', -0.5, '[]', '[\"火灾\"]', ?6, 1)",
                    rusqlite::params![
                        format!("http://127.0.0.1/{i}"),
                        format!("标题{i}"),
                        "正文".repeat(3000),
                        vec![i as u8; 20_000],
                        -7 * i,
                        (i < 3).then_some(i),
                    ],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO alerts (article_id, rule_id, level, matched, created, updated)
                     VALUES (?1, 'r', 'high', '[]', 1795000200, 1795000200)",
                    [i],
                )
                .unwrap();
            }
            let indexes: Vec<String> = conn
                .prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'articles' AND type = 'index' ORDER BY name")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            (dump(&conn), indexes)
        };
        let store = Store::open(&path).unwrap();
        let conn = store.conn();
        assert_eq!(dump(&conn), before);
        let cols = article_columns(&conn);
        assert_eq!(cols[cols.len() - 2..], ["text", "evidence"], "{cols:?}");
        let now: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'articles' AND type = 'index' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(now, indexes);
        assert!(
            !conn
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'articles_new')",
                    [],
                    |r| r.get::<_, bool>(0)
                )
                .unwrap()
        );
        let joined: i64 = conn
            .query_row(
                "SELECT count(*) FROM alerts al JOIN articles a ON a.id = al.article_id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(joined, 3);
        // Foreign keys are on again, and point at the new table.
        assert!(
            conn.execute(
                "INSERT INTO alerts (article_id, rule_id, level, matched, created, updated)
                 VALUES (99, 'r', 'high', '[]', 1, 1)",
                [],
            )
            .is_err()
        );
        drop(conn);
        assert_eq!(store.article(2).unwrap().unwrap().event_id, Some(2));
    }

    /// Two processes that open an old database at once (serve and a cron job): both open it,
    /// and the upgrade is applied once.
    #[test]
    fn two_opens_of_an_old_database_at_once_both_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let rebuild = rebuild_step();
        {
            let conn = at_version(&path, rebuild);
            conn.execute_batch("PRAGMA journal_mode = WAL").unwrap();
            for i in 0..2000 {
                conn.execute(
                    "INSERT INTO articles (canonical_url, url, source_id, title, fetched, text, content_hash, evidence)
                     VALUES (?1, ?1, 's', 't', 1, ?2, 'h', ?3)",
                    rusqlite::params![format!("http://127.0.0.1/{i}"), "正文".repeat(500), vec![7u8; 4000]],
                )
                .unwrap();
            }
        }
        let opens: Vec<_> = (0..2)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(&path).map(|s| s.count_articles().unwrap()))
            })
            .collect();
        for o in opens {
            assert_eq!(o.join().unwrap().unwrap(), 2000);
        }
        let conn = Connection::open(&path).unwrap();
        let cols = article_columns(&conn);
        assert_eq!(cols[cols.len() - 2..], ["text", "evidence"]);
    }

    /// A rebuild that fails leaves the database as it was, foreign keys on, and says why in
    /// Chinese first.
    #[test]
    fn a_failed_rebuild_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let rebuild = rebuild_step();
        {
            let conn = at_version(&path, rebuild);
            conn.execute(
                "INSERT INTO articles (canonical_url, url, source_id, title, fetched, text, content_hash)
                 VALUES ('http://127.0.0.1/1', 'http://127.0.0.1/1', 's', 't', 1, 'x', 'h')",
                [],
            )
            .unwrap();
            // In the rebuild's way: its CREATE TABLE fails half-way through the upgrade.
            conn.execute_batch("CREATE TABLE articles_new (x)").unwrap();
        }
        let e = Store::open(&path)
            .err()
            .expect("the upgrade fails")
            .to_string();
        assert!(e.starts_with("升级数据库"), "{e}");
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, rebuild as i64);
        let cols = article_columns(&conn);
        assert_eq!(
            cols.last().map(String::as_str),
            Some("event_id"),
            "{cols:?}"
        );
        let n: i64 = conn
            .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        drop(conn);
        // Cleared, it upgrades.
        Connection::open(&path)
            .unwrap()
            .execute_batch("DROP TABLE articles_new")
            .unwrap();
        let store = Store::open(&path).unwrap();
        assert_eq!(store.count_articles().unwrap(), 1);
    }

    #[test]
    fn published_source_migration_marks_old_undated_rows_as_fetched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        // A database as the release before `published_source` left it.
        let old = MIGRATIONS
            .iter()
            .position(|m| m.contains("ADD COLUMN published_source"))
            .unwrap();
        {
            let conn = at_version(&path, old);
            for (url, published) in [
                ("http://127.0.0.1/dated", Some(1_795_000_000i64)),
                ("http://127.0.0.1/undated", None),
            ] {
                conn.execute(
                    "INSERT INTO articles (canonical_url, url, source_id, title, published, fetched, text, content_hash)
                     VALUES (?1, ?1, 's', 't', ?2, 1795100000, 'x', 'h')",
                    rusqlite::params![url, published],
                )
                .unwrap();
            }
        }
        let store = Store::open(&path).unwrap();
        let dated = store.article(1).unwrap().unwrap();
        assert_eq!(dated.published, Some(1_795_000_000));
        assert_eq!(dated.published_source, None, "page or feed: unknown");
        let undated = store.article(2).unwrap().unwrap();
        assert_eq!(undated.published, Some(1_795_100_000));
        assert_eq!(undated.published_source, Some(PublishedSource::Fetched));

        let id = store
            .insert_article(&NewArticle {
                canonical_url: "http://127.0.0.1/new".into(),
                url: "http://127.0.0.1/new".into(),
                source_id: "s".into(),
                title: "t".into(),
                published: Some(1_795_200_000),
                published_source: Some(PublishedSource::Page),
                fetched: 1_795_300_000,
                ..Default::default()
            })
            .unwrap()
            .unwrap();
        let row = store.article(id).unwrap().unwrap();
        assert_eq!(row.published_source, Some(PublishedSource::Page));
        assert_eq!(dated.extract_confidence, None, "old rows: unknown");
    }
}
