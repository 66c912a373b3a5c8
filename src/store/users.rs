//! Web users and their login sessions. Passwords are stored as argon2id PHC strings and session
//! tokens only as SHA-256 hashes, so a copy of the database lets nobody log in. Hashing and
//! token generation live in `web::auth`; this module only keeps rows.

use rusqlite::{OptionalExtension, params};

use super::{Result, Store};

/// A web user (the password hash included: only `web::auth` reads it).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    /// `unit`, `staff`, `collector` or `admin`.
    pub role: String,
    pub password_hash: String,
    pub created: i64,
    /// The partner unit's id, for a `unit` user.
    pub unit: Option<String>,
}

/// A live session joined with its user.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub user_id: i64,
    pub user: String,
    pub role: String,
    pub unit: Option<String>,
    pub csrf: String,
    pub created: i64,
    pub last_seen: i64,
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        password_hash: r.get(3)?,
        created: r.get(4)?,
        unit: r.get(5)?,
    })
}

impl Store {
    pub fn user_count(&self) -> Result<i64> {
        let conn = self.conn();
        let r = conn.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0));
        self.wrap(r)
    }

    /// Creates a user; `Ok(false)` when the name is taken.
    pub fn create_user(
        &self,
        name: &str,
        role: &str,
        unit: Option<&str>,
        password_hash: &str,
        now: i64,
    ) -> Result<bool> {
        let conn = self.conn();
        let r = conn.execute(
            "INSERT INTO users (name, role, password_hash, created, unit) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(name) DO NOTHING",
            params![name, role, password_hash, now, unit],
        );
        Ok(self.wrap(r)? == 1)
    }

    pub fn user(&self, name: &str) -> Result<Option<UserRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                "SELECT id, name, role, password_hash, created, unit FROM users WHERE name = ?1",
                [name],
                user_row,
            )
            .optional();
        self.wrap(r)
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRow>> {
        let conn = self.conn();
        let r = conn
            .prepare("SELECT id, name, role, password_hash, created, unit FROM users ORDER BY name")
            .and_then(|mut st| {
                st.query_map([], user_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Deletes a user and their sessions; `Ok(false)` for an unknown user.
    pub fn delete_user(&self, name: &str) -> Result<bool> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            tx.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
                [name],
            )?;
            let n = tx.execute("DELETE FROM users WHERE name = ?1", [name])?;
            tx.commit()?;
            Ok(n == 1)
        })();
        self.wrap(r)
    }

    /// Stores a new session; sessions idle since before `idle_since` are deleted on the way.
    pub fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        now: i64,
        idle_since: i64,
    ) -> Result<()> {
        let conn = self.conn();
        let r = conn
            .execute("DELETE FROM sessions WHERE last_seen < ?1", [idle_since])
            .and_then(|_| {
                conn.execute(
                    "INSERT INTO sessions (token_hash, user_id, csrf, created, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                    params![token_hash, user_id, csrf, now],
                )
            });
        self.wrap(r).map(|_| ())
    }

    /// The session with this token hash, if it was used at or after `idle_since`.
    pub fn session(&self, token_hash: &str, idle_since: i64) -> Result<Option<SessionRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                "SELECT s.user_id, u.name, u.role, s.csrf, s.created, s.last_seen, u.unit
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = ?1 AND s.last_seen >= ?2",
                params![token_hash, idle_since],
                |r| {
                    Ok(SessionRow {
                        user_id: r.get(0)?,
                        user: r.get(1)?,
                        role: r.get(2)?,
                        csrf: r.get(3)?,
                        created: r.get(4)?,
                        last_seen: r.get(5)?,
                        unit: r.get(6)?,
                    })
                },
            )
            .optional();
        self.wrap(r)
    }

    pub fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute(
            "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
            params![token_hash, now],
        );
        self.wrap(r).map(|_| ())
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        let conn = self.conn();
        let r = conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash]);
        self.wrap(r).map(|_| ())
    }
}
