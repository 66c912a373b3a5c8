//! Reprint clusters: each fingerprinted article joins the cluster of the closest recent article
//! within `MAX_DISTANCE` bits, or starts its own.

use rusqlite::params;

use super::{Result, Store};
use crate::alert::cluster::{MAX_DISTANCE, WINDOW_DAYS, distance};

#[derive(Debug, Clone, PartialEq)]
pub struct ClusterMember {
    pub article_id: i64,
    pub source_id: String,
    pub published: Option<i64>,
    pub fetched: i64,
}

impl Store {
    /// Records `article_id`'s fingerprint and assigns its cluster: that of the closest article
    /// fetched in the last [`WINDOW_DAYS`] days within [`MAX_DISTANCE`] bits, else its own.
    /// Reprints travel within days, so the scan is bounded by recent volume, not the archive.
    pub fn assign_cluster(&self, article_id: i64, hash: Option<u64>, now: i64) -> Result<i64> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut cluster = article_id;
            if let Some(h) = hash {
                let mut best: Option<(u32, i64)> = None;
                {
                    let mut st = tx.prepare(
                        "SELECT id, simhash, cluster_id FROM articles
                         WHERE fetched >= ?1 AND simhash IS NOT NULL AND id != ?2",
                    )?;
                    let rows =
                        st.query_map(params![now - WINDOW_DAYS * 86_400, article_id], |r| {
                            Ok((
                                r.get::<_, i64>(0)?,
                                r.get::<_, i64>(1)?,
                                r.get::<_, Option<i64>>(2)?,
                            ))
                        })?;
                    for row in rows {
                        let (id, other, other_cluster) = row?;
                        let d = distance(h, other as u64);
                        if d <= MAX_DISTANCE && best.is_none_or(|(bd, _)| d < bd) {
                            best = Some((d, other_cluster.unwrap_or(id)));
                        }
                    }
                }
                if let Some((_, c)) = best {
                    cluster = c;
                }
            }
            tx.execute(
                "UPDATE articles SET simhash = ?2, cluster_id = ?3 WHERE id = ?1",
                params![article_id, hash.map(|h| h as i64), cluster],
            )?;
            tx.commit()?;
            Ok(cluster)
        })();
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
    pub fn cluster_has_alert(&self, article_id: i64, rule_id: &str) -> Result<bool> {
        let conn = self.conn();
        let r = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM alerts al JOIN articles a ON a.id = al.article_id
                            WHERE al.rule_id = ?2 AND a.id != ?1
                              AND a.cluster_id = (SELECT cluster_id FROM articles WHERE id = ?1))",
            params![article_id, rule_id],
            |r| r.get(0),
        );
        self.wrap(r)
    }
}
