//! `yuqing serve` as a process, on loopback only: freshness under a steady trickle (fetch →
//! searchable, fetch → webhook push), the idle cost of 500 sources on 20 hosts, and the wall time
//! of a one-shot `yuqing crawl` of them under per-host politeness.
//!
//! Run: `cargo bench --bench serve` (about 6 minutes, mostly waiting). Prints the markdown and
//! rewrites the section between `<!-- serve-bench:start -->` and `<!-- serve-bench:end -->` in
//! BENCHMARKS.md.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Timelike;

const TRICKLE_FEEDS: usize = 10;
const TRICKLE_EVERY: Duration = Duration::from_millis(500);
const TRICKLE_N: usize = 120;
const DRAIN: Duration = Duration::from_secs(60);
const HOSTS: usize = 20;
const BULK_SOURCES: usize = 500;
const BULK_ITEMS: usize = 10;
const IDLE_WINDOW: Duration = Duration::from_secs(60);
const HOOK_ENV: &str = "YUQING_BENCH_HOOK";
const RULES: &str = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
const POLITE: &str = "per_host_concurrency = 2\nper_host_delay = \"500ms\"\n";

struct Item {
    title: String,
    link: String,
    text: String,
    date: String,
}

#[derive(Default)]
struct Feed {
    items: Vec<Item>,
    version: u64,
    hits: usize,
}

/// The local site (every host serves the same state) and the webhook receiver.
#[derive(Default)]
struct SiteState {
    feeds: HashMap<String, Feed>,
    /// Arrival time of every feed request.
    log: Vec<Instant>,
    /// Article link → when a feed carrying it was first served (200, not 304).
    fetched: HashMap<String, Instant>,
    /// (arrival, alert title) of every alert pushed to `/hook`.
    pushes: Vec<(Instant, String)>,
}

type Site = Arc<Mutex<SiteState>>;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn feed(
    State(site): State<Site>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let now = Instant::now();
    let mut guard = site.lock().unwrap();
    let SiteState {
        feeds,
        log,
        fetched,
        ..
    } = &mut *guard;
    log.push(now);
    let Some(f) = feeds.get_mut(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    f.hits += 1;
    let etag = format!("\"v{}\"", f.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>测试</title><link>http://127.0.0.1/</link><description>d</description>",
    );
    for it in &f.items {
        fetched.entry(it.link.clone()).or_insert(now);
        xml.push_str(&format!(
            "<item><title>{}</title><link>{l}</link><guid>{l}</guid><pubDate>{}</pubDate><description>{}</description></item>",
            esc(&it.title),
            it.date,
            esc(&format!("<p>{}</p>", esc(&it.text))),
            l = esc(&it.link),
        ));
    }
    xml.push_str("</channel></rss>");
    let h = [
        (header::CONTENT_TYPE, "application/rss+xml".to_string()),
        (header::ETAG, etag),
    ];
    (h, xml).into_response()
}

async fn hook(State(site): State<Site>, body: Bytes) -> StatusCode {
    let now = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut s = site.lock().unwrap();
    for a in v["alerts"].as_array().into_iter().flatten() {
        s.pushes
            .push((now, a["title"].as_str().unwrap_or("").to_string()));
    }
    StatusCode::OK
}

/// Serves the site on `ip`, a random port; returns the base URL.
async fn serve_site(site: &Site, ip: &str) -> String {
    let app = Router::new()
        .route("/hook", post(hook))
        .route("/{*path}", get(feed))
        .with_state(site.clone());
    let l = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    format!("http://{addr}")
}

/// About `n` pseudo-random CJK characters: no two articles are near-duplicates (reprints).
fn distinct_text(seed: u64, n: usize) -> String {
    let mut x = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if i % 20 == 19 {
                '。'
            } else {
                char::from_u32(0x4E00 + (x % 0x5000) as u32).unwrap_or('字')
            }
        })
        .collect()
}

fn item(title: String, link: String, text: String) -> Item {
    let date = chrono::Utc::now().to_rfc2822();
    Item {
        title,
        link,
        text,
        date,
    }
}

fn source(id: &str, url: &str, cron: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"rss\"\nurl = \"{url}\"\ncron = \"{cron}\"\nfull_text = \"auto\"\n\n"
    )
}

fn write_cfg(dir: &Path, sources: &str, http: &str, notify: &str) -> PathBuf {
    let cfg = dir.join("yuqing.toml");
    let text = format!(
        "timezone = \"Asia/Shanghai\"\ndata_dir = \"{}\"\nsources = \"sources.toml\"\nrules = \"rules.toml\"\n\
         userdict = \"userdict.txt\"\n[http]\n{http}\n[crawl]\nmin_text_chars = 200\n{notify}",
        dir.join("index").display()
    );
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(dir.join("sources.toml"), sources).unwrap();
    std::fs::write(dir.join("rules.toml"), RULES).unwrap();
    std::fs::write(dir.join("userdict.txt"), "青石街道 1000 ns\n").unwrap();
    cfg
}

struct Serve {
    child: Child,
    base: String,
    _out: BufReader<ChildStdout>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `yuqing serve` on a free loopback port (log to `serve.log` next to the config).
fn start_serve(cfg: &Path, env: &[(&str, &str)]) -> Serve {
    let log = cfg.with_file_name("serve.log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    cmd.arg("--config")
        .arg(cfg)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("YUQING_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut child = cmd.spawn().expect("spawn yuqing serve");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let _ = out.read_line(&mut line);
    let Some(addr) = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
    else {
        let _ = child.kill();
        panic!(
            "serve did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    };
    let base = format!("http://{addr}");
    Serve {
        child,
        base,
        _out: out,
    }
}

/// `total` of `/api/search?q=…&limit=1`.
async fn total(http: &reqwest::Client, base: &str, q: &str) -> Option<u64> {
    let url =
        url::Url::parse_with_params(&format!("{base}/api/search"), [("q", q), ("limit", "1")]);
    let r = http.get(url.ok()?).send().await.ok()?;
    r.json::<serde_json::Value>().await.ok()?["total"].as_u64()
}

/// Polls `f` every 200 ms until it holds; `None` after `limit`.
async fn wait_for(limit: Duration, mut f: impl AsyncFnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// User+system CPU seconds of `pid`.
fn cpu_secs(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<u64> = s
        .rsplit_once(')')
        .map_or("", |r| r.1)
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // SAFETY: sysconf has no preconditions.
    let tck = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    (f.get(11).unwrap_or(&0) + f.get(12).unwrap_or(&0)) as f64 / tck
}

/// A `/proc/PID/status` value in MB (`VmRSS`, `VmHWM`).
fn status_mb(pid: u32, key: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = s.lines().find_map(|l| {
        l.strip_prefix(key)?
            .strip_prefix(':')?
            .split_whitespace()
            .next()?
            .parse::<f64>()
            .ok()
    });
    kb.unwrap_or(0.0) / 1024.0
}

/// `n · p50 · p95 · max` in seconds (nearest rank).
fn stats(mut v: Vec<f64>) -> (usize, [f64; 3]) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| {
        v.get(((v.len() as f64 * p).ceil() as usize).max(1) - 1)
            .copied()
            .unwrap_or(f64::NAN)
    };
    (v.len(), [at(0.5), at(0.95), at(1.0)])
}

fn row(what: &str, v: Vec<f64>, target: Option<f64>, of: usize) -> String {
    let (n, [p50, p95, max]) = stats(v);
    let verdict = match target {
        Some(t) if n == of && max <= t => format!("≤ {t} s: met"),
        Some(t) if n == of => format!("≤ {t} s: MISSED (max)"),
        Some(t) => format!("≤ {t} s: MISSED ({} of {of} never)", of - n),
        None => "informative".into(),
    };
    format!("| {what} | {n} | {p50:.2} | {p95:.2} | {max:.2} | {verdict} |\n")
}

async fn freshness(http: &reqwest::Client, md: &mut String) {
    let site = Site::default();
    let base = serve_site(&site, "127.0.0.1").await;
    let dir = tempfile::tempdir().unwrap();
    let mut sources = String::new();
    for f in 0..TRICKLE_FEEDS {
        let items = (0..2)
            .map(|i| {
                let text = format!("seedmark {}", distinct_text((f * 10 + i) as u64, 300));
                item(
                    format!("栏目{f}旧闻{i}"),
                    format!("{base}/a/s{f}-{i}.html"),
                    text,
                )
            })
            .collect();
        let feed = Feed {
            items,
            ..Default::default()
        };
        site.lock()
            .unwrap()
            .feeds
            .insert(format!("t/f{f}.xml"), feed);
        sources.push_str(&source(
            &format!("t{f}"),
            &format!("{base}/t/f{f}.xml"),
            "* * * * * *",
        ));
    }
    let notify =
        format!("[[notify]]\nkind = \"webhook\"\nurl_env = \"{HOOK_ENV}\"\nmin_level = \"high\"\n");
    let cfg = write_cfg(dir.path(), &sources, "", &notify);
    let serve = start_serve(&cfg, &[(HOOK_ENV, &format!("{base}/hook"))]);
    let seeded = wait_for(Duration::from_secs(60), async || {
        total(http, &serve.base, "seedmark").await == Some(2 * TRICKLE_FEEDS as u64)
    })
    .await;
    assert!(seeded.is_some(), "seed articles never became searchable");

    // (token, link, t0, searchable)
    let mut arts: Vec<(String, String, Instant, Option<Instant>)> = Vec::new();
    let cpu0 = cpu_secs(serve.child.id());
    let start = Instant::now();
    let trickle_end = start + TRICKLE_EVERY * TRICKLE_N as u32;
    while Instant::now() < trickle_end + DRAIN {
        while arts.len() < TRICKLE_N && start + TRICKLE_EVERY * arts.len() as u32 <= Instant::now()
        {
            let k = arts.len();
            let token = format!("qz{k:04}x");
            let link = format!("{base}/a/t{k}.html");
            let text = format!(
                "青石街道 {token} 附近发生火灾，消防到场处置。{}",
                distinct_text(10_000 + k as u64, 300)
            );
            let it = item(format!("青石街道火灾通报 {token}"), link.clone(), text);
            let mut s = site.lock().unwrap();
            let f = s
                .feeds
                .get_mut(&format!("t/f{}.xml", k % TRICKLE_FEEDS))
                .unwrap();
            f.items.insert(0, it);
            f.version += 1;
            arts.push((token, link, Instant::now(), None));
        }
        let (fetched, pushes) = {
            let s = site.lock().unwrap();
            (
                s.fetched.clone(),
                s.pushes.iter().map(|p| p.1.clone()).collect::<Vec<_>>(),
            )
        };
        let pending: Vec<usize> = (0..arts.len())
            .filter(|&i| arts[i].3.is_none() && fetched.contains_key(&arts[i].1))
            .collect();
        let found = futures_util::future::join_all(
            pending
                .iter()
                .map(|&i| total(http, &serve.base, &arts[i].0)),
        )
        .await;
        let now = Instant::now();
        for (&i, t) in pending.iter().zip(found) {
            if t == Some(1) {
                arts[i].3 = Some(now);
            }
        }
        let done = arts.len() == TRICKLE_N
            && arts
                .iter()
                .all(|a| a.3.is_some() && pushes.iter().any(|p| p.contains(&a.0)));
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_secs(serve.child.id()) - cpu0;
    let busy = start.elapsed().as_secs_f64();
    drop(serve);
    let s = site.lock().unwrap();
    let first_push = |tok: &str| {
        s.pushes
            .iter()
            .filter(|p| p.1.contains(tok))
            .map(|p| p.0)
            .min()
    };
    let (mut lag, mut search, mut push) = (Vec::new(), Vec::new(), Vec::new());
    for (tok, link, t0, seen) in &arts {
        let Some(&fetched) = s.fetched.get(link) else {
            continue;
        };
        lag.push((fetched - *t0).as_secs_f64());
        if let Some(t) = seen {
            search.push((*t - fetched).as_secs_f64());
        }
        if let Some(t) = first_push(tok) {
            push.push((t - fetched).as_secs_f64());
        }
    }
    let fetched_n = lag.len();
    let conn = rusqlite::Connection::open(dir.path().join("index/yuqing.db")).unwrap();
    let one = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .unwrap_or(-1)
    };
    let alerts = one("SELECT COUNT(*) FROM alerts");
    let unqueued = one(
        "SELECT COUNT(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = 'alert:' || a.id)",
    );
    let sent = one("SELECT COUNT(*) FROM outbox WHERE kind = 'alert' AND sent_at IS NOT NULL");
    let messages = s
        .pushes
        .iter()
        .map(|p| p.0)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    md.push_str(&format!(
        "### 1. Freshness under a steady trickle\n\n{TRICKLE_FEEDS} RSS sources on one loopback host, `cron = \"* * * * * *\"`, default politeness (2 per host, 500 ms apart); \
         one new article (full text in the feed, region + event words of a `high` rule, a unique token) every {} ms for {} s = {TRICKLE_N} articles; \
         `/api/search?q=<token>` polled every 100 ms; webhook channel `min_level = \"high\"` to a local receiver. \
         Fetch = the first 200 response of a feed that carried the article (the site's log).\n\n\
         | latency (s) | n | p50 | p95 | max | target |\n|---|---:|---:|---:|---:|---|\n",
        TRICKLE_EVERY.as_millis(),
        (TRICKLE_EVERY * TRICKLE_N as u32).as_secs()
    ));
    md.push_str(&row(
        "visible in feed → fetched by serve",
        lag,
        None,
        TRICKLE_N,
    ));
    md.push_str(&row(
        "fetched → searchable (total = 1)",
        search,
        Some(10.0),
        fetched_n,
    ));
    md.push_str(&row(
        "fetched → webhook push received",
        push,
        Some(5.0),
        fetched_n,
    ));
    md.push_str(&format!(
        "\n{fetched_n} of {TRICKLE_N} articles fetched; {alerts} alerts in the database, {unqueued} of them never queued in the outbox, {sent} outbox rows marked sent; \
         the receiver got {} alerts in {messages} messages. serve used {cpu:.1} s CPU over the {busy:.0} s run ({:.0}% of a core).\n\n",
        s.pushes.len(),
        100.0 * cpu / busy
    ));
}

/// 500 feeds of 10 full-text items on 20 loopback addresses; feed `j` is on host `j % 20`.
async fn bulk_site() -> (Site, Vec<String>) {
    let site = Site::default();
    let mut urls = Vec::new();
    let mut bases = Vec::new();
    for h in 0..HOSTS {
        bases.push(serve_site(&site, &format!("127.0.0.{}", h + 2)).await);
    }
    let mut s = site.lock().unwrap();
    for j in 0..BULK_SOURCES {
        let base = &bases[j % HOSTS];
        let items = (0..BULK_ITEMS)
            .map(|i| {
                let text = format!(
                    "bulkmark {}",
                    distinct_text((100_000 + j * 100 + i) as u64, 600)
                );
                item(
                    format!("第{j}号栏目 通知{i}"),
                    format!("{base}/a/{j}-{i}.html"),
                    text,
                )
            })
            .collect();
        s.feeds.insert(
            format!("b/f{j}.xml"),
            Feed {
                items,
                ..Default::default()
            },
        );
        urls.push(format!("{base}/b/f{j}.xml"));
    }
    drop(s);
    (site, urls)
}

async fn idle(http: &reqwest::Client, site: &Site, urls: &[String], md: &mut String) {
    let dir = tempfile::tempdir().unwrap();
    // Every 20 minutes, phased so that the next tick (+ up to 2 min jitter) misses the window.
    let m = (chrono::Utc::now().minute() + 10) % 20;
    let cron = format!("0 {m},{},{} * * * *", m + 20, m + 40);
    let sources: String = urls
        .iter()
        .enumerate()
        .map(|(j, u)| source(&format!("b{j}"), u, &cron))
        .collect();
    let cfg = write_cfg(dir.path(), &sources, POLITE, "");
    let serve = start_serve(&cfg, &[]);
    let pid = serve.child.id();
    let want = (BULK_SOURCES * BULK_ITEMS) as u64;
    let settled = wait_for(Duration::from_secs(300), async || {
        let all = site.lock().unwrap().feeds.values().all(|f| f.hits > 0);
        all && total(http, &serve.base, "bulkmark").await == Some(want)
    })
    .await;
    let (first_cpu, hwm) = (cpu_secs(pid), status_mb(pid, "VmHWM"));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (cpu0, req0) = (cpu_secs(pid), site.lock().unwrap().log.len());
    let t = Instant::now();
    tokio::time::sleep(IDLE_WINDOW).await;
    let cpu = cpu_secs(pid) - cpu0;
    let secs = t.elapsed().as_secs_f64();
    let reqs = site.lock().unwrap().log.len() - req0;
    let rss = status_mb(pid, "VmRSS");
    drop(serve);
    let settled = settled.map_or("not within 300 s".into(), |d| {
        format!("{:.0} s", d.as_secs_f64())
    });
    md.push_str(&format!(
        "### 2. Idle cost with {BULK_SOURCES} sources on {HOSTS} hosts\n\n\
         Sources on `cron = \"{cron}\"` (every 20 min, phased so that no tick falls in the window), feeds on 127.0.0.2–127.0.0.{}; \
         first crawl ({} articles, spread by the scheduler's first-sight jitter of up to 2 min) fetched and searchable after {settled}, \
         {first_cpu:.1} s CPU, peak RSS {hwm:.0} MB. Then 5 s pause and a {:.0} s window:\n\n\
         | idle serve | value |\n|---|---:|\n| CPU (utime+stime) | {:.2}% of one core ({cpu:.2} s) |\n| RSS (VmRSS) | {rss:.0} MB |\n| requests to the sites | {reqs} |\n\n",
        HOSTS + 1,
        want,
        secs,
        100.0 * cpu / secs
    ));
}

/// `yuqing crawl --json` of `urls` with 2 per host / 500 ms; one row.
async fn crawl(site: &Site, urls: &[(usize, &String)], what: &str, md: &mut String) {
    let dir = tempfile::tempdir().unwrap();
    let sources: String = urls
        .iter()
        .map(|(j, u)| source(&format!("b{j}"), u, "0 */20 * * * *"))
        .collect();
    let cfg = write_cfg(dir.path(), &sources, POLITE, "");
    let out = dir.path().join("crawl.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .args(["crawl", "--json"])
        .env("YUQING_LOG", "warn")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn yuqing crawl");
    let log0 = site.lock().unwrap().log.len();
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(600) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let wall = start.elapsed().as_secs_f64();
    let fetch = site.lock().unwrap().log[log0..]
        .last()
        .map_or(f64::NAN, |t| (*t - start).as_secs_f64());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_default())
            .unwrap_or_default();
    let new = v["new"].as_u64().unwrap_or(0);
    let failed = v["failed_sources"].as_u64().unwrap_or(0);
    let hosts = urls
        .iter()
        .map(|(j, _)| j % HOSTS)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let bound = urls.len().div_ceil(hosts) as f64 * 0.5;
    let ok = if status.is_some_and(|s| s.success()) {
        ""
    } else {
        " (exit: FAILED)"
    };
    md.push_str(&format!(
        "| {what}{ok} | {} | {hosts} | {wall:.1} | {fetch:.1} | {bound:.1} | {:.1} | {:.0} | {new} | {failed} |\n",
        urls.len(),
        urls.len() as f64 / wall,
        new as f64 / wall,
    ));
}

fn write_section(body: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let (a, b) = ("<!-- serve-bench:start -->", "<!-- serve-bench:end -->");
    let section = format!("{a}\n{body}{b}");
    let new = match (old.find(a), old.find(b)) {
        (Some(i), Some(j)) if j > i => format!("{}{section}{}", &old[..i], &old[j + b.len()..]),
        _ => format!(
            "{}\n\n## Serve (`cargo bench --bench serve`)\n\n{section}\n",
            old.trim_end()
        ),
    };
    std::fs::write(&path, new).unwrap();
}

fn loadavg() -> String {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let began = Instant::now();
    let load0 = loadavg();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut md = String::from(
        "<!-- written by `cargo bench --bench serve`; edits between the markers are overwritten -->\n\n",
    );
    let mut body = String::new();
    freshness(&http, &mut body).await;
    println!("{body}");
    let (site, urls) = bulk_site().await;
    idle(&http, &site, &urls, &mut body).await;
    let mut rows = String::from(
        "### 3. One-shot `yuqing crawl` with politeness (2 per host, 500 ms apart)\n\n\
         Each feed has 10 items with full text (no page fetches). Bound = most sources on one host × 0.5 s. \
         Wall includes matching and indexing; fetch = start → last feed request.\n\n\
         | sources order | sources | hosts | wall s | fetch s | bound s | sources/s | articles/s | new | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let all: Vec<(usize, &String)> = urls.iter().enumerate().collect();
    crawl(&site, &all, "interleaved (host = j mod 20)", &mut rows).await;
    let mut grouped: Vec<(usize, &String)> =
        all.iter().copied().filter(|(j, _)| j % HOSTS < 4).collect();
    grouped.sort_by_key(|(j, _)| (j % HOSTS, *j));
    crawl(&site, &grouped, "grouped by host, 4 hosts", &mut rows).await;
    body.push_str(&rows);
    md.push_str(&format!(
        "{} · `nproc` = {} · load average {load0} → {} · bench took {:.0} s\n\n{body}\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg(),
        began.elapsed().as_secs_f64()
    ));
    println!("{md}");
    write_section(&md);
}
