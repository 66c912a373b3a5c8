//! The articles table before and after its rebuild (text and evidence last): the same rows and
//! the same store queries on both layouts, side by side in one run.
//!
//!     cargo bench --bench layout [-- --articles N]
//!
//! Each article has a 3,000-char text and a 20 KB evidence page (random bytes: a gzipped page
//! does not compress further), a tone, a SimHash, keywords, an event and an alert, as the
//! crawler leaves them. The old layout is made from a copy of the new one by the reverse of
//! the rebuild, and opened at the current schema version (so nothing migrates it back). Times
//! are the median of 5 warm runs (the files in the page cache). Last, the rebuild itself is
//! timed: the old-layout file, marked one schema version back, opened by `Store::open`.

use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;
use yuqing::model::Tone;
use yuqing::store::{AlertFilter, ArticleTone, NewArticle, Store};

/// The layout before the rebuild: text and evidence amid the first columns, everything added
/// later after them.
const OLD_LAYOUT: &str = "
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE articles_old (
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
    indexed INTEGER NOT NULL DEFAULT 0,
    simhash INTEGER, cluster_id INTEGER, matched INTEGER NOT NULL DEFAULT 1,
    published_source TEXT, extract_confidence REAL, tone TEXT, tone_score REAL,
    tone_words TEXT, keywords TEXT, event_id INTEGER
);
INSERT INTO articles_old (id, canonical_url, url, source_id, guid, title, author, published,
    fetched, text, content_hash, evidence, evidence_type, state, indexed, simhash, cluster_id,
    matched, published_source, extract_confidence, tone, tone_score, tone_words, keywords,
    event_id)
SELECT id, canonical_url, url, source_id, guid, title, author, published,
    fetched, text, content_hash, evidence, evidence_type, state, indexed, simhash, cluster_id,
    matched, published_source, extract_confidence, tone, tone_score, tone_words, keywords,
    event_id FROM articles ORDER BY id;
DROP TABLE articles;
ALTER TABLE articles_old RENAME TO articles;
CREATE INDEX articles_unindexed ON articles(id) WHERE indexed = 0;
CREATE INDEX articles_source_fetched ON articles(source_id, fetched);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_cluster ON articles(cluster_id);
CREATE INDEX articles_fetched ON articles(fetched);
CREATE INDEX articles_unmatched ON articles(id) WHERE matched = 0;
CREATE INDEX articles_event ON articles(event_id) WHERE event_id IS NOT NULL;
COMMIT;
PRAGMA foreign_keys = ON;
VACUUM;
";

const T0: i64 = 1_795_000_000;

fn build(path: &Path, n: usize) {
    let store = Store::open(path).expect("the store opens");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = |len: usize| -> Vec<u8> {
        (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect()
    };
    for chunk in 0..n.div_ceil(500) {
        let batch: Vec<NewArticle> = (chunk * 500..((chunk + 1) * 500).min(n))
            .map(|i| NewArticle {
                canonical_url: format!("http://127.0.0.1/a/{i}"),
                url: format!("http://127.0.0.1/a/{i}"),
                source_id: format!("s{}", i % 20),
                guid: None,
                title: format!("青石街道第{i}号通报：道路施工影响出行"),
                author: None,
                published: Some(T0 + i as i64 * 60),
                published_source: None,
                fetched: T0 + i as i64 * 60 + 30,
                text: "柳湾路施工期间，居民反映夜间噪音扰民，街道已协调施工单位调整作业时间。"
                    .repeat(90),
                extract_confidence: Some(0.9),
                tone: Some(ArticleTone {
                    tone: [Tone::Negative, Tone::Neutral, Tone::Positive][i % 3],
                    score: -0.4,
                    words: r#"[{"word":"扰民","start":20,"end":22}]"#.into(),
                }),
                evidence: Some(random(20_000)),
                evidence_type: Some("text/html".into()),
            })
            .collect();
        store.insert_articles(&batch).expect("articles stored");
    }
    drop(store);
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "BEGIN;
         UPDATE articles SET simhash = id * 2654435761 % 4294967296, cluster_id = id - id % 4,
             keywords = '[\"施工\",\"噪音\",\"柳湾路\"]', event_id = CASE WHEN id % 5 = 0 THEN id / 50 END;
         INSERT INTO alerts (article_id, rule_id, level, matched, created, updated)
             SELECT id, 'r', 'medium', '[{\"word\":\"扰民\",\"start\":1,\"end\":3}]', fetched, fetched
             FROM articles WHERE id % 2 = 0;
         COMMIT; PRAGMA wal_checkpoint(TRUNCATE); VACUUM;",
    )
    .unwrap();
}

fn median_ms(mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut times = Vec::new();
    let mut rows = 0;
    f();
    for _ in 0..5 {
        let t = Instant::now();
        rows = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[2], rows)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .iter()
        .position(|a| a == "--articles")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let new = dir.path().join("new.db");
    let old = dir.path().join("old.db");
    let t = Instant::now();
    build(&new, n);
    std::fs::copy(&new, &old).unwrap();
    Connection::open(&old)
        .unwrap()
        .execute_batch(OLD_LAYOUT)
        .unwrap();
    let mb = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len()) / 1_000_000;
    println!(
        "{n} articles (3,000-char text, 20 KB evidence), built in {:.0} s; {} MB and {} MB",
        t.elapsed().as_secs_f64(),
        mb(&new),
        mb(&old)
    );
    let stores = [Store::open(&old).unwrap(), Store::open(&new).unwrap()];
    let to = T0 + n as i64 * 60 + 60;
    type Query = (&'static str, fn(&Store, i64) -> usize);
    let queries: [Query; 6] = [
        (
            "digest and overview: articles by tone in the window (`tone_in_window`)",
            |s, to| {
                let (a, b, c) = s.tone_in_window(T0, to).unwrap();
                a + b + c
            },
        ),
        ("trends: tone times of 28 days (`tone_times`)", |s, _| {
            s.tone_times(T0).unwrap().len()
        }),
        (
            "reprint grouping at start: fingerprints (`fingerprints_since`)",
            |s, _| s.fingerprints_since(T0).unwrap().len(),
        ),
        (
            "event grouping: recent keywords (`recent_keywords`)",
            |s, _| s.recent_keywords(T0).unwrap().len(),
        ),
        (
            "digest: the window's alerts without text (`alerts`)",
            |s, to| {
                s.alerts(&AlertFilter {
                    created_from: Some(T0),
                    created_to: Some(to),
                    without_text: true,
                    ..Default::default()
                })
                .unwrap()
                .len()
            },
        ),
        ("alerts page: the newest 50 (`alerts`, limit 50)", |s, _| {
            s.alerts(&AlertFilter {
                limit: Some(50),
                ..Default::default()
            })
            .unwrap()
            .len()
        }),
    ];
    println!(
        "\n| query | rows | before (text, evidence amid) ms | after (last) ms | before / after |"
    );
    println!("|---|---:|---:|---:|---:|");
    for (name, q) in queries {
        let (before, rows) = median_ms(|| q(&stores[0], to));
        let (after, rows_after) = median_ms(|| q(&stores[1], to));
        assert_eq!(rows, rows_after, "{name}: the layouts disagree");
        println!(
            "| {name} | {rows} | {before:.1} | {after:.1} | {:.1}× |",
            before / after
        );
    }
    drop(stores);
    let conn = Connection::open(&old).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!("PRAGMA user_version = {}", version - 1))
        .unwrap();
    drop(conn);
    let t = Instant::now();
    let store = Store::open(&old).unwrap();
    println!(
        "\nThe rebuild on upgrade (`Store::open` of the old layout, {n} articles, {} MB): {:.1} s",
        mb(&old),
        t.elapsed().as_secs_f64()
    );
    assert_eq!(store.count_articles().unwrap(), n as i64);
}
