//! Articles: one row per canonical URL. Inserting an article that exists changes nothing, so a
//! re-crawl never duplicates. The original page is kept gzip-compressed as evidence.

use std::io::{Read, Write};

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{Result, Store};
use crate::model::{PublishedSource, Tone};

/// An article about to be stored.
#[derive(Debug, Clone, Default)]
pub struct NewArticle {
    pub canonical_url: String,
    pub url: String,
    pub source_id: String,
    pub guid: Option<String>,
    pub title: String,
    pub author: Option<String>,
    /// Unix seconds.
    pub published: Option<i64>,
    /// Where `published` came from (the crawler always says; `None` only for callers that
    /// store articles by other means).
    pub published_source: Option<PublishedSource>,
    pub fetched: i64,
    pub text: String,
    /// The extractor's confidence in `text`, in [0, 1]; `None` when the text is the feed's.
    pub extract_confidence: Option<f64>,
    /// 情感倾向, when computed before storing (the crawler does).
    pub tone: Option<ArticleTone>,
    /// The page (or feed item) as fetched; compressed before storing.
    pub evidence: Option<Vec<u8>>,
    /// MIME type of the evidence.
    pub evidence_type: Option<String>,
}

/// An article's tone as stored: the class, the score in [-1, 1], the deciding words as JSON
/// (`[{"word","start","end"}]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ArticleTone {
    pub tone: Tone,
    pub score: f64,
    pub words: String,
}

/// A stored article (without its evidence blob).
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRow {
    pub id: i64,
    pub canonical_url: String,
    pub url: String,
    pub source_id: String,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<i64>,
    /// `None` for rows stored before the column existed that had a publication time.
    pub published_source: Option<PublishedSource>,
    pub fetched: i64,
    pub text: String,
    pub content_hash: String,
    /// `ok`, or `deleted` when the publisher removed it after we captured it.
    pub state: String,
    /// `None` for feed text and for rows stored before the column existed.
    pub extract_confidence: Option<f64>,
    /// `None` until computed (older rows: at the next indexing pass or backfill).
    pub tone: Option<ArticleTone>,
    /// The event (事件) it belongs to; `None` when alone.
    pub event_id: Option<i64>,
}

const COLS: &str = "id, canonical_url, url, source_id, title, author, published, fetched, text, content_hash, state, published_source, extract_confidence, tone, tone_score, tone_words, event_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<ArticleRow> {
    Ok(ArticleRow {
        id: r.get(0)?,
        canonical_url: r.get(1)?,
        url: r.get(2)?,
        source_id: r.get(3)?,
        title: r.get(4)?,
        author: r.get(5)?,
        published: r.get(6)?,
        fetched: r.get(7)?,
        text: r.get(8)?,
        content_hash: r.get(9)?,
        state: r.get(10)?,
        published_source: r
            .get::<_, Option<String>>(11)?
            .as_deref()
            .and_then(PublishedSource::parse),
        extract_confidence: r.get(12)?,
        tone: tone_of(r, 13)?,
        event_id: r.get(16)?,
    })
}

/// The tone columns starting at `i` (`tone`, `tone_score`, `tone_words`), if computed.
pub(super) fn tone_of(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<ArticleTone>> {
    let Some(tone) = r
        .get::<_, Option<String>>(i)?
        .as_deref()
        .and_then(Tone::parse)
    else {
        return Ok(None);
    };
    Ok(Some(ArticleTone {
        tone,
        score: r.get::<_, Option<f64>>(i + 1)?.unwrap_or(0.0),
        words: r
            .get::<_, Option<String>>(i + 2)?
            .unwrap_or_else(|| "[]".into()),
    }))
}

/// SHA-256 of the title and text as stored: equal hashes mean the same stored content. (Rows
/// stored before 2026-12 hashed the normalized texts.)
pub fn content_hash(title: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(title.as_bytes());
    h.update([0u8]);
    h.update(text.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    // The fastest level: a third of the CPU of the default for a fifth more bytes, and this
    // runs for every page crawled.
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing into a Vec cannot fail.
    enc.write_all(data).expect("write to Vec");
    enc.finish().expect("finish into Vec")
}

impl Store {
    pub fn article_exists(&self, canonical_url: &str) -> Result<bool> {
        let conn = self.conn();
        let r = conn
            .prepare_cached("SELECT 1 FROM articles WHERE canonical_url = ?1")
            .and_then(|mut st| st.query_row([canonical_url], |_| Ok(())).optional());
        Ok(self.wrap(r)?.is_some())
    }

    /// Which of these canonical URLs are stored (one query per 500).
    pub fn known_urls(&self, urls: &[&str]) -> Result<std::collections::HashSet<String>> {
        let conn = self.conn();
        let mut known = std::collections::HashSet::new();
        for chunk in urls.chunks(500) {
            let sql = format!(
                "SELECT canonical_url FROM articles WHERE canonical_url IN ({})",
                vec!["?"; chunk.len()].join(",")
            );
            let r = conn.prepare_cached(&sql).and_then(|mut st| {
                st.query_map(rusqlite::params_from_iter(chunk), |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()
            });
            known.extend(self.wrap(r)?);
        }
        Ok(known)
    }

    /// Inserts the article unless its canonical URL is known. Returns the new id, or `None`.
    pub fn insert_article(&self, a: &NewArticle) -> Result<Option<i64>> {
        Ok(self.insert_articles(std::slice::from_ref(a))?[0])
    }

    /// Stores these articles in one transaction; per article, its new id, or `None` when its
    /// canonical URL was stored already. One commit for a feed's articles instead of one each:
    /// a commit writes every page it touched to the WAL and takes the file locks.
    pub fn insert_articles(&self, articles: &[NewArticle]) -> Result<Vec<Option<i64>>> {
        // Hashing and compressing happen outside the lock.
        let prepared: Vec<(String, Option<Vec<u8>>)> = articles
            .iter()
            .map(|a| {
                (
                    content_hash(&a.title, &a.text),
                    a.evidence.as_deref().map(gzip),
                )
            })
            .collect();
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            let mut ids = Vec::with_capacity(articles.len());
            {
                let mut st = tx.prepare_cached(
                    "INSERT INTO articles (canonical_url, url, source_id, guid, title, author, published, fetched, text,
                                           content_hash, evidence, evidence_type, matched, published_source,
                                           extract_confidence, tone, tone_score, tone_words)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, ?13, ?14, ?15, ?16, ?17)
                     ON CONFLICT(canonical_url) DO NOTHING",
                )?;
                for (a, (hash, evidence)) in articles.iter().zip(&prepared) {
                    let n = st.execute(params![
                        a.canonical_url,
                        a.url,
                        a.source_id,
                        a.guid,
                        a.title,
                        a.author,
                        a.published,
                        a.fetched,
                        a.text,
                        hash,
                        evidence,
                        a.evidence_type,
                        a.published_source.map(PublishedSource::as_str),
                        a.extract_confidence,
                        a.tone.as_ref().map(|t| t.tone.as_str()),
                        a.tone.as_ref().map(|t| t.score),
                        a.tone.as_ref().map(|t| t.words.as_str())
                    ])?;
                    ids.push((n == 1).then(|| tx.last_insert_rowid()));
                }
            }
            tx.commit()?;
            Ok(ids)
        })();
        self.wrap(r)
    }

    /// Records computed tones: (article id, tone), in one transaction.
    pub fn set_tones(&self, tones: &[(i64, ArticleTone)]) -> Result<()> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            {
                let mut st = tx.prepare_cached(
                    "UPDATE articles SET tone = ?2, tone_score = ?3, tone_words = ?4 WHERE id = ?1",
                )?;
                for (id, t) in tones {
                    st.execute(params![id, t.tone.as_str(), t.score, t.words])?;
                }
            }
            tx.commit()
        })();
        self.wrap(r)
    }

    /// Articles per tone (`None`: not computed yet).
    pub fn tone_counts(&self) -> Result<Vec<(Option<Tone>, i64)>> {
        let conn = self.conn();
        let r = conn
            .prepare("SELECT tone, COUNT(*) FROM articles GROUP BY tone ORDER BY tone")
            .and_then(|mut st| {
                st.query_map([], |r| {
                    Ok((
                        r.get::<_, Option<String>>(0)?
                            .as_deref()
                            .and_then(Tone::parse),
                        r.get(1)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            });
        self.wrap(r)
    }

    /// Ids of stored articles after `after`, oldest first, at most `limit` (to walk them all).
    pub fn article_ids_after(&self, after: i64, limit: usize) -> Result<Vec<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare_cached("SELECT id FROM articles WHERE id > ?1 ORDER BY id LIMIT ?2")
            .and_then(|mut st| {
                st.query_map(params![after, limit as i64], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        self.wrap(r)
    }

    /// Marks a captured article as deleted by its publisher; its text stays.
    pub fn mark_deleted(&self, canonical_url: &str) -> Result<bool> {
        let conn = self.conn();
        let r = conn.execute(
            "UPDATE articles SET state = 'deleted' WHERE canonical_url = ?1",
            [canonical_url],
        );
        Ok(self.wrap(r)? > 0)
    }

    pub fn article(&self, id: i64) -> Result<Option<ArticleRow>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                &format!("SELECT {COLS} FROM articles WHERE id = ?1"),
                [id],
                row,
            )
            .optional();
        self.wrap(r)
    }

    /// The articles with these ids, in the order given (unknown ids are skipped).
    pub fn articles(&self, ids: &[i64]) -> Result<Vec<ArticleRow>> {
        let conn = self.conn();
        self.wrap(articles_by_id(&conn, ids))
    }

    /// As [`Store::articles`], for a batch (to match): read on a connection of its own, so
    /// the crawl's inserts go on meanwhile.
    pub fn articles_batch(&self, ids: &[i64]) -> Result<Vec<ArticleRow>> {
        let r = self.bulk_reader().and_then(|c| articles_by_id(&c, ids));
        self.wrap(r)
    }

    /// The original page as fetched, decompressed, with its MIME type.
    pub fn evidence(&self, id: i64) -> Result<Option<(Vec<u8>, Option<String>)>> {
        let conn = self.conn();
        let r = conn
            .query_row(
                "SELECT evidence, evidence_type FROM articles WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, Option<Vec<u8>>>(0)?,
                        r.get::<_, Option<String>>(1)?,
                    ))
                },
            )
            .optional();
        let Some((Some(blob), ty)) = self.wrap(r)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        let mut dec = flate2::read::GzDecoder::new(&blob[..]);
        if dec.read_to_end(&mut out).is_err() {
            return Ok(None);
        }
        Ok(Some((out, ty)))
    }

    /// Up to `limit` articles with an id above `after` not yet in the search index, oldest
    /// first. Read on a connection of its own (the indexer runs while the crawl writes).
    pub fn unindexed_after(&self, after: i64, limit: usize) -> Result<Vec<ArticleRow>> {
        let r = self.bulk_reader().and_then(|conn| {
            conn.prepare(&format!(
                "SELECT {COLS} FROM articles WHERE indexed = 0 AND id > ?1 ORDER BY id LIMIT ?2"
            ))
            .and_then(|mut st| {
                st.query_map(params![after, limit as i64], row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
        });
        self.wrap(r)
    }

    /// How many stored articles are not in the index yet, counting up to `cap`.
    pub fn unindexed_count(&self, cap: usize) -> Result<usize> {
        let conn = self.reader();
        let r = conn.query_row(
            "SELECT count(*) FROM (SELECT 1 FROM articles WHERE indexed = 0 LIMIT ?1)",
            [cap as i64],
            |r| r.get::<_, i64>(0),
        );
        self.wrap(r).map(|n| n as usize)
    }

    /// Records that these articles are committed to the search index.
    pub fn mark_indexed(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            {
                let mut st = tx.prepare("UPDATE articles SET indexed = 1 WHERE id = ?1")?;
                for id in ids {
                    st.execute([id])?;
                }
            }
            tx.commit()
        })();
        self.wrap(r)
    }

    /// Up to `limit` articles not yet matched against the rules, oldest first.
    pub fn unmatched(&self, limit: usize) -> Result<Vec<i64>> {
        let conn = self.conn();
        let r = conn
            .prepare("SELECT id FROM articles WHERE matched = 0 ORDER BY id LIMIT ?1")
            .and_then(|mut st| {
                st.query_map([limit as i64], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        self.wrap(r)
    }

    /// Records that these articles' alerts (if any) are stored and their pushes queued.
    pub fn mark_matched(&self, ids: &[i64]) -> Result<()> {
        let mut conn = self.conn();
        let r = (|| {
            let tx = conn.transaction()?;
            {
                let mut st = tx.prepare_cached("UPDATE articles SET matched = 1 WHERE id = ?1")?;
                for id in ids {
                    st.execute([id])?;
                }
            }
            tx.commit()
        })();
        self.wrap(r)
    }

    /// Forgets index state for every article (before a full reindex).
    pub fn mark_all_unindexed(&self) -> Result<usize> {
        let conn = self.conn();
        let r = conn.execute("UPDATE articles SET indexed = 0", []);
        self.wrap(r)
    }

    /// A trivial query: the database file is open and the connection is free.
    pub fn ping(&self) -> Result<()> {
        let conn = self.conn();
        let r = conn.query_row("SELECT 1", [], |r| r.get::<_, i64>(0));
        self.wrap(r).map(|_| ())
    }

    pub fn count_articles(&self) -> Result<i64> {
        let conn = self.conn();
        let r = conn.query_row("SELECT COUNT(*) FROM articles", [], |r| r.get(0));
        self.wrap(r)
    }
}

fn articles_by_id(conn: &Connection, ids: &[i64]) -> rusqlite::Result<Vec<ArticleRow>> {
    let mut st = conn.prepare_cached(&format!("SELECT {COLS} FROM articles WHERE id = ?1"))?;
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        if let Some(a) = st.query_row([id], row).optional()? {
            out.push(a);
        }
    }
    Ok(out)
}
