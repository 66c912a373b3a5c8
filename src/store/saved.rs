//! Saved searches (专题) as rows: the query and its filter (JSON the search module writes), who
//! owns it (NULL: shared), the push level, and per-user "seen up to article id" marks.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

/// A saved search as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRow {
    pub id: i64,
    pub name: String,
    /// `None`: shared with every user.
    pub owner: Option<String>,
    pub query: String,
    /// The filter as JSON (`search::SearchFilter`).
    pub filter: String,
    /// Pushed like a rule at this level (`high`, `medium`, `low`), or not pushed.
    pub level: Option<String>,
    pub created: i64,
    pub created_by: Option<String>,
    /// Articles up to this id were already looked at for pushing.
    pub pushed_id: i64,
}

/// A saved search to create.
#[derive(Debug, Clone, Default)]
pub struct NewSaved<'a> {
    pub name: &'a str,
    pub owner: Option<&'a str>,
    pub query: &'a str,
    pub filter: &'a str,
    pub level: Option<&'a str>,
    pub created_by: Option<&'a str>,
}

const COLS: &str = "id, name, owner, query, filter, level, created, created_by, pushed_id";

fn saved_row(r: &rusqlite::Row) -> rusqlite::Result<SavedRow> {
    Ok(SavedRow {
        id: r.get(0)?,
        name: r.get(1)?,
        owner: r.get(2)?,
        query: r.get(3)?,
        filter: r.get(4)?,
        level: r.get(5)?,
        created: r.get(6)?,
        created_by: r.get(7)?,
        pushed_id: r.get(8)?,
    })
}

impl Store {
    /// Creates a saved search; `Ok(None)` when the name is taken. Articles stored so far are
    /// not pushed (`pushed_id` starts at the newest id).
    pub fn create_saved(&self, s: &NewSaved, now: i64) -> Result<Option<i64>> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO saved_searches (name, owner, query, filter, level, created, created_by, pushed_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT COALESCE(MAX(id), 0) FROM articles))
             ON CONFLICT(name) DO NOTHING",
            params![s.name, s.owner, s.query, s.filter, s.level, now, s.created_by],
        );
        if self.wrap(r)? == 0 {
            return Ok(None);
        }
        Ok(Some(conn.last_insert_rowid()))
    }

    /// The saved searches `user` can see (shared ones and their own), by name; every one for
    /// `None`.
    pub fn saved_searches(&self, user: Option<&str>) -> Result<Vec<SavedRow>> {
        let conn = self.conn();
        let r = (|| {
            let mut st = conn.prepare_cached(&format!(
                "SELECT {COLS} FROM saved_searches
                 WHERE ?1 IS NULL OR owner IS NULL OR owner = ?1 ORDER BY name"
            ))?;
            let rows = st.query_map([user], saved_row)?;
            rows.collect()
        })();
        self.wrap(r)
    }

    pub fn saved_search(&self, id: i64) -> Result<Option<SavedRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                &format!("SELECT {COLS} FROM saved_searches WHERE id = ?1"),
                [id],
                saved_row,
            )
            .optional();
        self.wrap(r)
    }

    pub fn saved_search_named(&self, name: &str) -> Result<Option<SavedRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                &format!("SELECT {COLS} FROM saved_searches WHERE name = ?1"),
                [name],
                saved_row,
            )
            .optional();
        self.wrap(r)
    }

    /// Deletes a saved search and its seen marks; whether it existed.
    pub fn delete_saved(&self, id: i64) -> Result<bool> {
        let conn = self.conn();
        let r = conn.execute("DELETE FROM saved_searches WHERE id = ?1", [id]);
        Ok(self.wrap(r)? == 1)
    }

    /// The newest article id `user` has seen in saved search `id` (0: never opened).
    pub fn saved_seen(&self, id: i64, user: &str) -> Result<i64> {
        let conn = self.conn();
        let r = conn
            .query_row(
                "SELECT last_id FROM saved_seen WHERE saved_id = ?1 AND user = ?2",
                params![id, user],
                |r| r.get(0),
            )
            .optional();
        Ok(self.wrap(r)?.unwrap_or(0))
    }

    /// Records that `user` has seen saved search `id` up to article `last_id` (never backwards).
    pub fn mark_saved_seen(&self, id: i64, user: &str, last_id: i64, now: i64) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO saved_seen (saved_id, user, last_id, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(saved_id, user) DO UPDATE SET last_id = MAX(last_id, excluded.last_id), at = excluded.at",
            params![id, user, last_id, now],
        );
        self.wrap(r).map(|_| ())
    }

    /// Moves a saved search's push mark forward.
    pub fn set_saved_pushed(&self, id: i64, pushed_id: i64) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "UPDATE saved_searches SET pushed_id = MAX(pushed_id, ?2) WHERE id = ?1",
            params![id, pushed_id],
        );
        self.wrap(r).map(|_| ())
    }

    /// The newest stored article id (0 when there is none).
    pub fn max_article_id(&self) -> Result<i64> {
        let conn = self.conn();
        let r = conn.query_row("SELECT COALESCE(MAX(id), 0) FROM articles", [], |r| {
            r.get(0)
        });
        self.wrap(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_searches_are_per_user_or_shared_and_seen_marks_only_move_forward() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state.db")).unwrap();
        let new = |name, owner| NewSaved {
            name,
            owner,
            query: "火灾",
            filter: "{}",
            ..Default::default()
        };
        let shared = store.create_saved(&new("燃气", None), 1).unwrap().unwrap();
        let mine = store
            .create_saved(&new("我的", Some("ann")), 1)
            .unwrap()
            .unwrap();
        assert_eq!(
            store.create_saved(&new("燃气", Some("bob")), 1).unwrap(),
            None
        );
        let names = |u| -> Vec<String> {
            store
                .saved_searches(u)
                .unwrap()
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        assert_eq!(names(Some("ann")), ["我的", "燃气"]);
        assert_eq!(names(Some("bob")), ["燃气"]);
        assert_eq!(names(None).len(), 2);
        assert_eq!(store.saved_seen(shared, "ann").unwrap(), 0);
        store.mark_saved_seen(shared, "ann", 9, 2).unwrap();
        store.mark_saved_seen(shared, "ann", 5, 3).unwrap();
        assert_eq!(store.saved_seen(shared, "ann").unwrap(), 9);
        assert_eq!(store.saved_seen(shared, "bob").unwrap(), 0);
        assert!(store.delete_saved(mine).unwrap());
        assert!(!store.delete_saved(mine).unwrap());
        assert!(store.delete_saved(shared).unwrap());
        assert_eq!(
            store.saved_seen(shared, "ann").unwrap(),
            0,
            "marks go with it"
        );
    }
}
