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

/// Fingerprints of the articles fetched in the last [`WINDOW_DAYS`] days, kept in memory:
/// comparing a new hash with 100,000 recent ones is a 0.1 ms popcount scan, where reading them
/// from SQLite for every article made ingest quadratic.
#[derive(Debug, Default)]
pub struct RecentHashes {
    /// Everything fetched at or after this is loaded.
    horizon: i64,
    /// (fetched, article id, hash, cluster id).
    entries: Vec<(i64, i64, u64, i64)>,
}

impl RecentHashes {
    fn closest(&self, article_id: i64, h: u64, since: i64) -> Option<i64> {
        let mut best: Option<(u32, i64)> = None;
        for &(fetched, id, other, cluster) in &self.entries {
            if id == article_id || fetched < since {
                continue;
            }
            let d = distance(h, other);
            if d <= MAX_DISTANCE && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, cluster));
                if d == 0 {
                    break;
                }
            }
        }
        best.map(|(_, c)| c)
    }

    /// Drops what no article fetched from `now` on can join (older than the window before it).
    fn prune(&mut self, now: i64) {
        let cutoff = now - WINDOW_DAYS * 86_400;
        // Move the horizon in steps of a day, so a long-running serve trims once a day; an
        // older article arriving later (a backfill) reloads from the database.
        if cutoff > self.horizon + 86_400 {
            self.entries.retain(|e| e.0 >= cutoff);
            self.horizon = cutoff;
        }
    }
}

impl Store {
    /// Records `article_id`'s fingerprint and assigns its cluster: that of the closest article
    /// fetched in the last [`WINDOW_DAYS`] days within [`MAX_DISTANCE`] bits, else its own.
    /// Reprints travel within days, so only recent fingerprints are compared.
    pub fn assign_cluster(&self, article_id: i64, hash: Option<u64>, fetched: i64) -> Result<i64> {
        let since = fetched - WINDOW_DAYS * 86_400;
        let mut recent = self.recent_hashes.lock().unwrap_or_else(|p| p.into_inner());
        // Load on first use, and again when an older article (a backfill) needs an earlier window.
        if recent.as_ref().is_none_or(|r| since < r.horizon) {
            *recent = Some(self.load_recent_hashes(since)?);
        }
        let recent = recent.as_mut().expect("loaded above");
        let cluster = hash
            .and_then(|h| recent.closest(article_id, h, since))
            .unwrap_or(article_id);
        {
            let conn = self.conn();
            let r = conn.execute(
                "UPDATE articles SET simhash = ?2, cluster_id = ?3 WHERE id = ?1",
                params![article_id, hash.map(|h| h as i64), cluster],
            );
            self.wrap(r)?;
        }
        if let Some(h) = hash {
            recent.entries.retain(|e| e.1 != article_id);
            recent.entries.push((fetched, article_id, h, cluster));
            // Never below what this article needed: articles fetched long ago (a backfill, an
            // import) would otherwise reload the window from SQLite one by one.
            recent.prune(chrono::Utc::now().timestamp().min(fetched));
        }
        Ok(cluster)
    }

    fn load_recent_hashes(&self, since: i64) -> Result<RecentHashes> {
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
        Ok(RecentHashes {
            horizon: since,
            entries: self.wrap(r)?,
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewArticle;

    /// Articles fetched long ago (an import, a backfill) keep the window in memory instead of
    /// reloading it from SQLite for every article, and still join their reprints.
    #[test]
    fn old_articles_keep_the_window_and_join_reprints() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let t0 = 915_148_800; // 1999-01-01
        let mut ids = Vec::new();
        for k in 0..4_i64 {
            let a = NewArticle {
                canonical_url: format!("http://x.test/{k}"),
                url: format!("http://x.test/{k}"),
                source_id: "s".into(),
                title: format!("t{k}"),
                fetched: t0 + k * 3600,
                text: "正文".into(),
                ..NewArticle::default()
            };
            ids.push(store.insert_article(&a).unwrap().unwrap());
        }
        let h = 0xDEAD_BEEF_u64;
        let mut clusters = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            let near = h ^ (1 << k); // within MAX_DISTANCE of each other
            clusters.push(
                store
                    .assign_cluster(*id, Some(near), t0 + k as i64 * 3600)
                    .unwrap(),
            );
            let recent = store.recent_hashes.lock().unwrap();
            let r = recent.as_ref().unwrap();
            assert_eq!(r.entries.len(), k + 1, "window dropped after article {k}");
            assert!(r.horizon <= t0 - WINDOW_DAYS * 86_400 + 86_400);
        }
        assert!(clusters.iter().all(|c| *c == ids[0]), "{clusters:?}");
    }
}
