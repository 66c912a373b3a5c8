//! `yuqing serve` as a process: graceful shutdown, one instance per data dir, reload with a good
//! and a bad config, and crash safety under `kill -9` at random moments.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

pub struct Server {
    pub child: Child,
    pub base: String,
}

/// A failing assertion must not leave a server running: kill it on drop.
impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `serve` on a free port and waits for its address line.
pub fn start(cfg: &Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(cfg)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("YUQING_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

pub fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as i32, sig) };
}

pub fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let until = Instant::now() + within;
    while Instant::now() < until {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

pub fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// About 150 random CJK characters: no two articles are near-duplicates (reprints).
fn distinct_text(n: usize) -> String {
    let mut x = (n as u64 + 1).wrapping_mul(0x9E3779B97F4A7C15) | 1;
    (0..150)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from_u32(0x4E00 + (x % 0x5000) as u32).unwrap_or('字')
        })
        .collect()
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_health_refuses_a_second_instance_reloads_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut s = start(&cfg);
    let (code, body) = get(&format!("{}/healthz", s.base)).await;
    assert_eq!((code, body.trim()), (200, "ok"));
    let (code, metrics) = get(&format!("{}/metrics", s.base)).await;
    assert_eq!(code, 200);
    assert!(metrics.contains("yuqing_articles"), "{metrics}");

    // A second serve on the same data dir refuses with a clear message.
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&s.child.id().to_string()));
    // So does a crawl, which would race it for the index.
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("crawl")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("serve"));

    // Reload: a bad rules file is rejected and the old rules stay; a good one takes effect.
    std::fs::write(
        dir.path().join("rules.toml"),
        "[[rule]]\nid = \"x\"\nlevel = \"urgent\"\nevent = [\"a\"]\n",
    )
    .unwrap();
    // `yuqing reload` checks the files first and does not disturb the server with a bad config…
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("reload")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("rules.toml:3:"));
    // …and a raw SIGHUP with a bad config is refused by the server, which keeps the old rules.
    signal(&s.child, libc::SIGHUP);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let good = format!("{rules}\n[[rule]]\nid = \"flood\"\nname = \"积水\"\nevent = [\"积水\"]\n");
    std::fs::write(dir.path().join("rules.toml"), good).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("reload")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        get(&format!("{}/healthz", s.base)).await.0,
        200,
        "still serving after reloads"
    );

    signal(&s.child, libc::SIGTERM);
    let status = wait_exit(&mut s.child, Duration::from_secs(30))
        .expect("serve stops within the grace period");
    let log = stderr_of(&mut s.child);
    assert!(status.success(), "exit {status:?}\n{log}");
    assert!(
        log.contains("urgent") && log.contains("rules.toml:3"),
        "the bad config's problem is logged:\n{log}"
    );
    assert!(
        log.contains("rules=2"),
        "the good config is in force:\n{log}"
    );
    // The lock went with the process: a new serve starts.
    let mut again = start(&cfg);
    signal(&again.child, libc::SIGINT);
    assert!(
        wait_exit(&mut again.child, Duration::from_secs(30))
            .unwrap()
            .success()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_loses_and_duplicates_nothing() {
    const SOURCES: usize = 12;
    const PER_SOURCE: usize = 15;
    let site = Site::default();
    let base = site.serve().await;
    let mut sources = String::new();
    for s in 0..SOURCES {
        let items: Vec<(String, String, String)> = (0..PER_SOURCE)
            .map(|i| {
                let link = format!("{base}/p/{s}-{i}.html");
                let body = format!("青石街道发生火灾。{}", distinct_text(s * 1000 + i));
                (format!("青石街道火灾通报 {s}-{i}"), link, body)
            })
            .collect();
        let refs: Vec<(&str, &str, &str)> = items
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        site.put(
            &format!("f{s}.xml"),
            Page::new("application/rss+xml", rss(&refs)),
        );
        sources.push_str(&format!(
            "[[source]]\nid = \"s{s}\"\nname = \"信息源{s}\"\nkind = \"rss\"\nurl = \"{base}/f{s}.xml\"\ncron = \"* * * * * *\"\nfull_text = \"never\"\n\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), &sources, rules, "");
    // A fixed pseudo-random sequence of kill delays (ms), so a failure can be replayed.
    let mut seed = 0x9E3779B97F4A7C15u64;
    for round in 0..6 {
        let s = start(&cfg);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = 150 + seed % 1500;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        let mut s = s;
        signal(&s.child, libc::SIGKILL);
        let _ = s.child.wait();
        let _ = round;
    }
    // A last, undisturbed run until everything is in and indexed.
    let mut s = start(&cfg);
    let want = SOURCES * PER_SOURCE;
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, body) = get(&format!(
            "{}/api/search?q=%E7%81%AB%E7%81%BE&limit=1",
            s.base
        ))
        .await;
        let total = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["total"].as_u64())
            .unwrap_or(0);
        if total as usize == want || Instant::now() > until {
            assert_eq!(
                total as usize, want,
                "every article searchable exactly once"
            );
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    signal(&s.child, libc::SIGTERM);
    assert!(
        wait_exit(&mut s.child, Duration::from_secs(30))
            .unwrap()
            .success()
    );

    // The database: every article exactly once, every alert exactly once.
    let conn = rusqlite::Connection::open(dir.path().join("index/yuqing.db")).unwrap();
    let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(one("SELECT COUNT(*) FROM articles") as usize, want);
    assert_eq!(
        one("SELECT COUNT(DISTINCT canonical_url) FROM articles") as usize,
        want
    );
    let missing: Vec<(i64, String, Option<i64>)> = conn
        .prepare("SELECT a.id, a.title, a.cluster_id FROM articles a WHERE NOT EXISTS (SELECT 1 FROM alerts al WHERE al.article_id = a.id)")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        missing.is_empty(),
        "articles without their alert: {missing:?}"
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM alerts") as usize,
        want,
        "one alert per article"
    );
    assert_eq!(
        one("SELECT COUNT(*) FROM (SELECT article_id, rule_id FROM alerts GROUP BY 1, 2)") as usize,
        want
    );
    assert_eq!(one("SELECT COUNT(*) FROM articles WHERE indexed = 0"), 0);
}

#[test]
fn source_health_changes_are_announced_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let sources = rss_source("a", "http://127.0.0.1:9/feed.xml");
    let cfg = write_config(dir.path(), &sources, "", "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("\n[[notify]]\nkind = \"webhook\"\nname = \"admin\"\nurl_env = \"YUQING_TEST_ADMIN_URL\"\nmin_level = \"high\"\nhealth = true\n");
    std::fs::write(&cfg, text).unwrap();
    let app = yuqing::app::App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    use yuqing::serve::jobs::announce_health;
    assert_eq!(
        announce_health(&app, now).unwrap(),
        0,
        "a new source is not news"
    );
    app.store
        .record_failure("a", now, "HTTP 500 from feed", false, Some(now + 60))
        .unwrap();
    assert_eq!(
        announce_health(&app, now + 1).unwrap(),
        1,
        "becoming failing is announced"
    );
    app.store
        .record_failure("a", now + 60, "HTTP 500 from feed", false, Some(now + 120))
        .unwrap();
    assert_eq!(
        announce_health(&app, now + 61).unwrap(),
        0,
        "staying failing is not announced again"
    );
    app.store
        .record_success("a", now + 120, None, None, Some(now + 180))
        .unwrap();
    assert_eq!(
        announce_health(&app, now + 121).unwrap(),
        1,
        "recovering is announced"
    );
    assert_eq!(announce_health(&app, now + 122).unwrap(), 0);
    let rows = app.store.outbox_rows(Some("admin")).unwrap();
    let texts: Vec<&str> = rows.iter().map(|r| r.payload.as_str()).collect();
    assert!(
        texts[0].contains("采集失败") && texts[0].contains("HTTP 500"),
        "{texts:?}"
    );
    assert!(texts[1].contains("已恢复"), "{texts:?}");
}

#[test]
fn retention_removes_old_articles_but_keeps_alerted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("retention = \"30d\"\n");
    std::fs::write(&cfg, text).unwrap();
    let app = yuqing::app::App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let old = now - 40 * 86_400;
    let mut ids = Vec::new();
    for (i, (title, fetched)) in [("旧闻 天气", old), ("旧闻 火灾", old), ("新闻 天气", now)]
        .iter()
        .enumerate()
    {
        let a = yuqing::store::NewArticle {
            canonical_url: format!("http://127.0.0.1/{i}"),
            url: format!("http://127.0.0.1/{i}"),
            source_id: "s".into(),
            title: title.to_string(),
            text: "正文".into(),
            fetched: *fetched,
            ..Default::default()
        };
        ids.push(app.store.insert_article(&a).unwrap().unwrap());
    }
    app.match_pending().unwrap();
    app.index_pending().unwrap();
    let total = |q: &str| {
        app.search(&yuqing::app::SearchOptions {
            query: q.into(),
            ..Default::default()
        })
        .unwrap()
        .total
    };
    assert_eq!(total("旧闻"), 2);
    assert_eq!(yuqing::serve::jobs::apply_retention(&app, now).unwrap(), 1);
    assert_eq!(total("旧闻"), 1, "the old alerted article stays searchable");
    assert!(app.store.article(ids[0]).unwrap().is_none());
    assert!(app.store.article(ids[1]).unwrap().is_some());
    assert_eq!(total("新闻"), 1);
    assert_eq!(yuqing::serve::jobs::apply_retention(&app, now).unwrap(), 0);
}

/// A digest missed while `serve` was down is produced at start, but a fresh install that has
/// never crawled has nothing to report: no empty "missed" digest.
#[test]
fn no_missed_digest_before_the_first_crawl() {
    let dir = tempfile::tempdir().unwrap();
    let sources = rss_source("a", "http://127.0.0.1:9/feed.xml");
    let cfg = write_config(dir.path(), &sources, "", "");
    let app = yuqing::app::App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    // 12:00 in Shanghai: the default 08:00 digest of today is due.
    let noon = chrono::DateTime::parse_from_rfc3339("2026-12-02T12:00:00+08:00").unwrap();
    app.set_clock(yuqing::app::clock::Clock::manual(
        noon.with_timezone(&chrono::Utc),
    ));
    use yuqing::serve::jobs::missed_digest;
    assert_eq!(missed_digest(&app), None, "never crawled: nothing missed");
    app.store
        .record_failure("a", noon.timestamp() - 7200, "HTTP 500", false, None)
        .unwrap();
    assert_eq!(
        missed_digest(&app),
        Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()),
        "crawled before: today's digest was missed"
    );
    app.store.set_meta("last_digest", "2026-12-02").unwrap();
    assert_eq!(missed_digest(&app), None, "already produced");
}
