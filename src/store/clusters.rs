//! Reprint clusters as stored: each article's SimHash and cluster id, and the queries over them.
//! Which cluster an article joins is decided above (`alert::cluster`).

use rusqlite::params;

use super::{Result, Store};

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMember {
    pub article_id: i64,
    pub source_id: String,
    pub published: Option<i64>,
    pub fetched: i64,
}

/// A stored fingerprint: (fetched, article id, SimHash, cluster id).
pub type FingerprintRow = (i64, i64, u64, i64);

impl Store {
    /// The fingerprints of the articles fetched at or after `since`, oldest first.
    pub fn fingerprints_since(&self, since: i64) -> Result<Vec<FingerprintRow>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT fetched, id, simhash, COALESCE(cluster_id, id) FROM articles
                 WHERE fetched >= ?1 AND simhash IS NOT NULL ORDER BY fetched, id",
            )
            .and_then(|mut st| {
                st.query_map([since], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)? as u64,
                        r.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// The articles of `article_id`'s cluster, 首发 (earliest) first.
    pub fn cluster_of(&self, article_id: i64) -> Result<Vec<ClusterMember>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT id, source_id, published, fetched FROM articles
                 WHERE cluster_id = (SELECT cluster_id FROM articles WHERE id = ?1) AND cluster_id IS NOT NULL
                 ORDER BY COALESCE(published, fetched), id",
            )
            .and_then(|mut st| {
                st.query_map([article_id], |r| {
                    Ok(ClusterMember { article_id: r.get(0)?, source_id: r.get(1)?, published: r.get(2)?, fetched: r.get(3)? })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Whether another article of the same cluster already has an alert for `rule_id`.
    /// Alerts of `rule_id` on the other articles of `article_id`'s reprint cluster with an id
    /// below `before`: (alert id, matched JSON).
    pub fn cluster_rule_alerts(
        &self,
        article_id: i64,
        rule_id: &str,
        before: i64,
    ) -> Result<Vec<(i64, String)>> {
        let conn = self.conn();
        let r = conn
            .prepare(
                "SELECT al.id, al.matched FROM alerts al JOIN articles a ON a.id = al.article_id
                 WHERE al.rule_id = ?2 AND a.id != ?1 AND al.id < ?3
                   AND a.cluster_id = (SELECT cluster_id FROM articles WHERE id = ?1)
                 ORDER BY al.id",
            )
            .and_then(|mut st| {
                st.query_map(params![article_id, rule_id, before], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }
}
