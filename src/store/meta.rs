//! Small key/value facts about the service (e.g. the last digest written), and retention.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

impl Store {
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        let conn = self.conn();
        let r = conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional();
        self.wrap(r)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        );
        self.wrap(r).map(|_| ())
    }

    /// Persists when `source` runs next (creating its state row if needed).
    pub fn set_next_check(&self, source: &str, at: i64) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO sources (id, next_check_at) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET next_check_at = ?2",
            params![source, at],
        );
        self.wrap(r).map(|_| ())
    }

    /// Ids of articles fetched before `before` that no alert refers to (retention candidates).
    pub fn expired_articles(
        &self,
        before: i64,
        keep_alerted: bool,
        limit: usize,
    ) -> Result<Vec<i64>> {
        let conn = self.conn();
        let sql = if keep_alerted {
            "SELECT id FROM articles a WHERE fetched < ?1
               AND NOT EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = a.id) ORDER BY id LIMIT ?2"
        } else {
            "SELECT id FROM articles WHERE fetched < ?1 ORDER BY id LIMIT ?2"
        };
        let r = conn.prepare(sql).and_then(|mut st| {
            st.query_map(params![before, limit as i64], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        });
        self.wrap(r)
    }

    /// Deletes articles (and their alerts and reviews) for good.
    pub fn delete_articles(&self, ids: &[i64]) -> Result<usize> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut n = 0;
            for id in ids {
                tx.execute(
                    "DELETE FROM alert_reviews WHERE alert_id IN (SELECT id FROM alerts WHERE article_id = ?1)",
                    [id],
                )?;
                tx.execute("DELETE FROM alerts WHERE article_id = ?1", [id])?;
                n += tx.execute("DELETE FROM articles WHERE id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(n)
        })();
        self.wrap(r)
    }

    /// When the newest article of `source` was fetched.
    pub fn last_article_at(&self, source: &str) -> Result<Option<i64>> {
        let conn = self.conn();
        let r = conn.query_row(
            "SELECT MAX(fetched) FROM articles WHERE source_id = ?1",
            [source],
            |r| r.get(0),
        );
        self.wrap(r)
    }

    /// Rows the index has not caught up with.
    pub fn count_unindexed(&self) -> Result<i64> {
        let conn = self.conn();
        let r = conn.query_row("SELECT COUNT(*) FROM articles WHERE indexed = 0", [], |r| {
            r.get(0)
        });
        self.wrap(r)
    }
}
