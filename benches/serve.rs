//! `yuqing serve` as a process, on loopback only: freshness under a steady trickle, serve's first
//! crawl of 500 sources on 20 hosts and its idle cost after, and a one-shot `yuqing crawl` of them
//! under per-host politeness. `cargo bench --bench serve` (5–6 min, mostly waiting) rewrites
//! the section between `<!-- serve-bench:start -->` and `<!-- serve-bench:end -->` in BENCHMARKS.md.

use std::collections::{BTreeSet, HashMap};
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
use futures_util::future::join_all;
use reqwest::Client;

const FEEDS: usize = 10;
const EVERY: Duration = Duration::from_millis(500);
const TRICKLE: usize = 120;
const DRAIN: Duration = Duration::from_secs(60);
const HOSTS: usize = 20;
const BULK: usize = 500;
const ITEMS: usize = 10;
const FIRST_CRAWL_WAIT: Duration = Duration::from_secs(150);
const IDLE: Duration = Duration::from_secs(60);
const HOOK_ENV: &str = "YUQING_BENCH_HOOK";
const RULES: &str = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
const RSS_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>测试</title><link>http://127.0.0.1/</link><description>d</description>";
const POLITE: &str = "per_host_concurrency = 2\nper_host_delay = \"500ms\"\n";

/// (title, link, text)
type Item = (String, String, String);

#[derive(Default)]
struct Feed {
    items: Vec<Item>,
    version: u64,
    hits: usize,
}

/// The site (all hosts serve this) and webhook receiver: `log` = arrival of every feed request,
/// `fetched` = link → first 200 carrying it, `pushes` = (arrival, title) of alerts sent to `/hook`.
#[derive(Default)]
struct SiteState {
    feeds: HashMap<String, Feed>,
    log: Vec<Instant>,
    fetched: HashMap<String, Instant>,
    pushes: Vec<(Instant, String)>,
}

type Site = Arc<Mutex<SiteState>>;
type Dir = tempfile::TempDir;

async fn feed(State(site): State<Site>, UrlPath(path): UrlPath<String>, h: HeaderMap) -> Response {
    let now = Instant::now();
    let s = &mut *site.lock().unwrap();
    s.log.push(now);
    let Some(f) = s.feeds.get_mut(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    f.hits += 1;
    let etag = format!("\"v{}\"", f.version);
    if h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(&etag) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let date = chrono::Utc::now().to_rfc2822();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    let mut xml = String::from(RSS_HEAD);
    for (title, link, text) in &f.items {
        s.fetched.entry(link.clone()).or_insert(now);
        let (t, l, d) = (esc(title), esc(link), esc(&format!("<p>{}</p>", esc(text))));
        xml.push_str(&format!("<item><title>{t}</title><link>{l}</link><guid>{l}</guid><pubDate>{date}</pubDate><description>{d}</description></item>"));
    }
    xml.push_str("</channel></rss>");
    let ct = "application/rss+xml".to_string();
    ([(header::CONTENT_TYPE, ct), (header::ETAG, etag)], xml).into_response()
}

async fn hook(State(site): State<Site>, body: Bytes) -> StatusCode {
    let now = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut s = site.lock().unwrap();
    for a in v["alerts"].as_array().into_iter().flatten() {
        s.pushes.push((now, a["title"].to_string()));
    }
    StatusCode::OK
}

/// Serves the site on `ip`, a random port; returns the base URL.
async fn serve_site(site: &Site, ip: &str) -> String {
    let app = Router::new().route("/hook", post(hook));
    let app = app.route("/{*path}", get(feed)).with_state(site.clone());
    let l = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind");
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await });
    format!("http://{addr}")
}

/// `n` pseudo-random CJK characters: no two articles are near-duplicates (reprints).
fn distinct_text(seed: u64, n: usize) -> String {
    let mut x = (seed + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        char::from_u32(0x4E00 + (x % 0x5000) as u32).unwrap_or('字')
    };
    (0..n).map(|_| next()).collect()
}

fn sources<'a>(urls: impl Iterator<Item = (usize, &'a String)>, cron: &str) -> String {
    urls.map(|(j, u)| format!("[[source]]\nid = \"s{j}\"\nname = \"s{j}\"\nkind = \"rss\"\nurl = \"{u}\"\ncron = \"{cron}\"\nfull_text = \"auto\"\n\n"))
        .collect()
}

fn write_cfg(dir: &Path, sources: &str, http: &str, notify: &str) -> PathBuf {
    let cfg = dir.join("yuqing.toml");
    let data = dir.join("index").display().to_string();
    let text = format!(
        "timezone = \"Asia/Shanghai\"\ndata_dir = \"{data}\"\nsources = \"sources.toml\"\nrules = \"rules.toml\"\nuserdict = \"userdict.txt\"\n[http]\n{http}\n[crawl]\nmin_text_chars = 200\n{notify}"
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
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `yuqing serve` on a free loopback port, logging to `serve.log` next to the config.
fn start_serve(cfg: &Path, env: &[(&str, &str)]) -> Serve {
    let log = cfg.with_file_name("serve.log");
    let mut cmd = yuqing(cfg, &["serve", "--listen", "127.0.0.1:0"]);
    cmd.envs(env.iter().copied()).stdout(Stdio::piped());
    let file = std::fs::File::create(&log).unwrap();
    let mut child = cmd.stderr(file).spawn().unwrap();
    let mut _out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let _ = _out.read_line(&mut line);
    // "yuqing serve: http://127.0.0.1:PORT/ (Ctrl-C 停止)"
    let Some(addr) = line.split('/').nth(2) else {
        let _ = child.kill();
        panic!("serve did not start; see {}", log.display());
    };
    let base = format!("http://{addr}");
    Serve { child, base, _out }
}

fn yuqing(cfg: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    cmd.arg("--config").arg(cfg).args(args);
    cmd.env("YUQING_LOG", "info");
    cmd
}

/// `total` of `/api/search?q=…&limit=1`; `None` on error or after the client's 10 s timeout.
async fn total(http: &Client, base: &str, q: &str) -> Option<u64> {
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

/// User + system CPU seconds of `pid` (`/proc/PID/stat` fields 14 and 15).
fn cpu_secs(pid: u32) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = s.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf has no preconditions.
    (n(11) + n(12)) / unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64
}

/// A `/proc/PID/status` value (`VmRSS`, `VmHWM`) in MB.
fn status_mb(pid: u32, key: &str) -> f64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let line = s.lines().find(|l| l.starts_with(key)).unwrap_or("");
    let kb = line.split_whitespace().nth(1).and_then(|v| v.parse().ok());
    kb.unwrap_or(0.0) / 1024.0
}

/// `n, [p50, p95, max]` (nearest rank).
fn stats(mut v: Vec<f64>) -> (usize, [f64; 3]) {
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v.get(((v.len() as f64 * p).ceil() as usize).max(1) - 1);
    let q = [0.5, 0.95, 1.0].map(|p| *at(p).unwrap_or(&f64::NAN));
    (v.len(), q)
}

fn row(what: &str, v: Vec<f64>, target: Option<f64>, of: usize) -> String {
    let (n, [p50, p95, max]) = stats(v);
    let met = ["MISSED", "met"][usize::from(n == of && target.is_none_or(|t| max <= t))];
    let verdict = target.map_or("informative".into(), |t| format!("≤ {t} s: {met}"));
    format!("| {what} | {n} of {of} | {p50:.2} | {p95:.2} | {max:.2} | {verdict} |\n")
}

fn db_count(dir: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.join("index/yuqing.db"));
    conn.and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap_or(-1)
}

fn put(site: &Site, path: String, items: Vec<Item>) {
    let mut s = site.lock().unwrap();
    s.feeds.entry(path).or_default().items = items;
}

/// Feeds requested at least once.
fn fed(site: &Site) -> usize {
    let s = site.lock().unwrap();
    s.feeds.values().filter(|f| f.hits > 0).count()
}

async fn freshness(http: &Client) -> String {
    let site = Site::default();
    let base = serve_site(&site, "127.0.0.1").await;
    let dir = tempfile::tempdir().unwrap();
    let mut urls = Vec::new();
    for f in 0..FEEDS {
        let text = format!("seedmark {}", distinct_text(f as u64, 300));
        let seed = (format!("旧闻{f}"), format!("{base}/a/s{f}.html"), text);
        put(&site, format!("t/f{f}.xml"), vec![seed]);
        urls.push(format!("{base}/t/f{f}.xml"));
    }
    let notify = format!("[[notify]]\nkind = \"webhook\"\nurl_env = \"{HOOK_ENV}\"\n");
    let src = sources(urls.iter().enumerate(), "* * * * * *");
    let cfg = write_cfg(dir.path(), &src, "", &(notify + "min_level = \"high\"\n"));
    let serve = start_serve(&cfg, &[(HOOK_ENV, &format!("{base}/hook"))]);
    let seeded = wait_for(Duration::from_secs(60), async || {
        total(http, &serve.base, "seedmark").await == Some(FEEDS as u64)
    });
    seeded.await.expect("seed articles never became searchable");

    // (token, link, visible in the feed, searchable)
    let mut arts: Vec<(String, String, Instant, Option<Instant>)> = Vec::new();
    let (cpu0, start) = (cpu_secs(serve.child.id()), Instant::now());
    while start.elapsed() < EVERY * TRICKLE as u32 + DRAIN {
        while arts.len() < TRICKLE && start + EVERY * arts.len() as u32 <= Instant::now() {
            let k = arts.len();
            let (token, link) = (format!("qz{k:04}x"), format!("{base}/a/t{k}.html"));
            let text = distinct_text(10_000 + k as u64, 300);
            let text = format!("青石街道 {token} 附近发生火灾，消防到场处置。{text}");
            let title = format!("青石街道火灾通报 {token}");
            let mut s = site.lock().unwrap();
            let f = s.feeds.get_mut(&format!("t/f{}.xml", k % FEEDS)).unwrap();
            f.items.insert(0, (title, link.clone(), text));
            f.version += 1;
            arts.push((token, link, Instant::now(), None));
        }
        let (pending, done) = {
            let s = site.lock().unwrap();
            let due = |i: &usize| arts[*i].3.is_none() && s.fetched.contains_key(&arts[*i].1);
            let pushed = |tok: &str| s.pushes.iter().any(|p| p.1.contains(tok));
            let done = arts.len() == TRICKLE && arts.iter().all(|a| a.3.is_some() && pushed(&a.0));
            ((0..arts.len()).filter(due).collect::<Vec<_>>(), done)
        };
        if done {
            break;
        }
        let poll = |i: usize| total(http, &serve.base, &arts[i].0);
        let found = join_all(pending.iter().map(|&i| poll(i))).await;
        let now = Instant::now();
        for (&i, t) in pending.iter().zip(found) {
            arts[i].3 = arts[i].3.or((t == Some(1)).then_some(now));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let cpu = cpu_secs(serve.child.id()) - cpu0;
    let busy = start.elapsed().as_secs_f64();
    drop(serve);
    let s = site.lock().unwrap();
    let (mut lag, mut search, mut push) = (Vec::new(), Vec::new(), Vec::new());
    for (tok, link, t0, seen) in &arts {
        let Some(&got) = s.fetched.get(link) else {
            continue;
        };
        lag.push((got - *t0).as_secs_f64());
        search.extend(seen.map(|t| (t - got).as_secs_f64()));
        let mut pushes = s.pushes.iter().filter(|p| p.1.contains(tok.as_str()));
        push.extend(pushes.next().map(|p| (p.0 - got).as_secs_f64()));
    }
    let (n, late) = (lag.len(), push.iter().filter(|&&d| d > 5.0).count());
    let alerts = db_count(dir.path(), "SELECT COUNT(*) FROM alerts");
    let sql = "SELECT COUNT(*) FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = 'alert:' || a.id)";
    let unqueued = db_count(dir.path(), sql);
    let messages = s.pushes.iter().map(|p| p.0).collect::<BTreeSet<_>>().len();
    let (ms, secs, pct) = (
        EVERY.as_millis(),
        EVERY.as_secs_f64() * TRICKLE as f64,
        100.0 * cpu / busy,
    );
    let mut md = format!(
        "### 1. Freshness under a steady trickle\n\n{FEEDS} RSS sources on one loopback host, `cron = \"* * * * * *\"`, default politeness (2 per host, 500 ms apart); one new article (full text in the feed, region + event words of a `high` rule, a unique token) every {ms} ms for {secs:.0} s = {TRICKLE} articles; `/api/search?q=<token>` polled every 100 ms; webhook channel `min_level = \"high\"` to a local receiver. Fetched = the first 200 response of a feed carrying the article (the site's log).\n\n| latency (s) | n | p50 | p95 | max | target |\n|---|---:|---:|---:|---:|---|\n"
    );
    md += &row("visible in feed → fetched by serve", lag, None, TRICKLE);
    md += &row("fetched → searchable (total = 1)", search, Some(10.0), n);
    md += &row("fetched → webhook push received", push, Some(5.0), n);
    let got = s.pushes.len();
    md + &format!(
        "\n{n} of {TRICKLE} fetched; {alerts} alerts stored, {unqueued} never queued in the outbox; the receiver got {got} alerts in {messages} messages, {late} of them more than 5 s after the fetch. serve used {cpu:.1} s CPU in {busy:.0} s ({pct:.0}% of a core).\n\n"
    )
}

/// 500 feeds of 10 full-text items on 20 loopback addresses; feed `j` is on host `j % 20`.
async fn bulk_site() -> (Site, Vec<String>) {
    let site = Site::default();
    let mut bases = Vec::new();
    for h in 0..HOSTS {
        bases.push(serve_site(&site, &format!("127.0.0.{}", h + 2)).await);
    }
    let mut urls = Vec::new();
    for j in 0..BULK {
        let base = &bases[j % HOSTS];
        let mut items = Vec::new();
        for i in 0..ITEMS {
            let text = distinct_text((100_000 + j * 100 + i) as u64, 600);
            let link = format!("{base}/a/{j}-{i}.html");
            let title = format!("第{j}号栏目 通知{i}");
            items.push((title, link, format!("bulkmark {text}")));
        }
        put(&site, format!("b/f{j}.xml"), items);
        urls.push(format!("{base}/b/f{j}.xml"));
    }
    (site, urls)
}

/// serve's own first crawl of the 500 sources on a fresh data dir (at most 150 s), then the same
/// process idle: a paragraph and an idle-table row.
async fn first_crawl(http: &Client, site: &Site, urls: &[String], cron: &str) -> [String; 2] {
    let dir = tempfile::tempdir().unwrap();
    let src = sources(urls.iter().enumerate(), cron);
    let serve = start_serve(&write_cfg(dir.path(), &src, POLITE, ""), &[]);
    let pid = serve.child.id();
    let want = Some((BULK * ITEMS) as u64);
    let (mut polls, mut timeouts) = (0, 0);
    let settled = wait_for(FIRST_CRAWL_WAIT, async || {
        let t = total(http, &serve.base, "bulkmark").await;
        (polls, timeouts) = (polls + 1, timeouts + usize::from(t.is_none()));
        fed(site) == BULK && t == want
    })
    .await;
    let (cpu, hwm, fed) = (cpu_secs(pid), status_mb(pid, "VmHWM"), fed(site));
    let idle = idle_row(site, &serve, "the same process, after its first crawl").await;
    drop(serve);
    let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
    let crawled = log.lines().filter(|l| l.contains(" crawled "));
    let ms = crawled.filter_map(|l| l.rsplit_once(" ms=")?.1.trim().parse::<f64>().ok());
    let (crawls, [p50, _, max]) = stats(ms.map(|m| m / 1000.0).collect());
    let q = |w: &str| db_count(dir.path(), &format!("SELECT COUNT(*) FROM articles{w}"));
    let arts = q("");
    let matched = q(" WHERE matched = 1");
    let indexed = q(" WHERE indexed = 1");
    let limit = FIRST_CRAWL_WAIT.as_secs();
    let settled = settled.map_or(format!("**not settled within {limit} s**"), |d| {
        format!("settled after {:.0} s", d.as_secs_f64())
    });
    let last = HOSTS + 1;
    let para = format!(
        "### 2. {BULK} sources on {HOSTS} hosts under serve\n\nFeeds of {ITEMS} full-text items on 127.0.0.2–127.0.0.{last}, politeness 2 per host / 500 ms, sources on `cron = \"{cron}\"` (every 20 min, phased so that no tick falls inside the bench).\n\n**First crawl by serve** (fresh data dir, so every source is new to the scheduler): {settled}. At the end: {fed} of {BULK} feeds fetched, {arts} articles stored, {matched} matched, {indexed} indexed; {crawls} source crawls took p50 {p50:.1} s, max {max:.1} s each (one feed request + 10 inserts); {timeouts} of {polls} `/api/search` polls failed or took > 10 s; serve used {cpu:.0} s CPU, peak RSS {hwm:.0} MB.\n\n"
    );
    [para, idle]
}

/// `yuqing crawl --json` of `urls` (politeness 2 per host / 500 ms): a table row and the data dir.
async fn crawl(site: &Site, urls: &[(usize, &String)], cron: &str, what: &str) -> (String, Dir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_cfg(dir.path(), &sources(urls.iter().copied(), cron), POLITE, "");
    let out = dir.path().join("crawl.json");
    let mut cmd = yuqing(&cfg, &["crawl", "--json"]);
    cmd.stdout(std::fs::File::create(&out).unwrap());
    let mut cmd = tokio::process::Command::from(cmd);
    let mut child = cmd
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (log0, start) = (site.lock().unwrap().log.len(), Instant::now());
    let status = tokio::time::timeout(Duration::from_secs(600), child.wait()).await;
    let wall = start.elapsed().as_secs_f64();
    let last = site.lock().unwrap().log[log0..].last().copied();
    let fetch = last.map_or(f64::NAN, |t| (t - start).as_secs_f64());
    let json = std::fs::read_to_string(&out).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let new = v["new"].as_u64().unwrap_or(0);
    let failed = v["failed_sources"].as_u64().unwrap_or(0);
    let hosts: BTreeSet<usize> = urls.iter().map(|u| u.0 % HOSTS).collect();
    let hosts = hosts.len();
    let bound = urls.len().div_ceil(hosts) as f64 * 0.5;
    let ok = ["", " (**exit: FAILED**)"][usize::from(!matches!(status, Ok(Ok(s)) if s.success()))];
    let (n, sps, aps) = (urls.len(), urls.len() as f64 / wall, new as f64 / wall);
    let row = format!(
        "| {what}{ok} | {n} | {hosts} | {wall:.1} | {fetch:.1} | {bound:.1} | {sps:.1} | {aps:.0} | {new} | {failed} |\n"
    );
    (row, dir)
}

/// A running serve over [`IDLE`] after a 5 s pause: CPU, RSS, requests to the sites (a table row).
async fn idle_row(site: &Site, serve: &Serve, what: &str) -> String {
    let pid = serve.child.id();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let req0 = site.lock().unwrap().log.len();
    let (cpu0, t) = (cpu_secs(pid), Instant::now());
    tokio::time::sleep(IDLE).await;
    let (cpu, secs) = (cpu_secs(pid) - cpu0, t.elapsed().as_secs_f64());
    let reqs = site.lock().unwrap().log.len() - req0;
    let (rss, pct) = (status_mb(pid, "VmRSS"), 100.0 * cpu / secs);
    format!("| {what} | {secs:.0} | {pct:.2}% ({cpu:.2} s) | {rss:.0} | {reqs} |\n")
}

fn write_section(body: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let (a, b) = ("<!-- serve-bench:start -->", "<!-- serve-bench:end -->");
    let section = format!("{a}\n{body}{b}");
    let new = match (old.find(a), old.find(b)) {
        (Some(i), Some(j)) if j > i => format!("{}{section}{}", &old[..i], &old[j + b.len()..]),
        _ => format!("{}\n\n## Serve\n\n{section}\n", old.trim_end()),
    };
    std::fs::write(&path, new).unwrap();
}

/// The three load averages.
fn loadavg() -> String {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    s.split(' ').take(3).collect::<Vec<_>>().join(" ")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let (began, load0) = (Instant::now(), loadavg());
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10));
    let http = http.build().unwrap();
    let one = freshness(&http).await;
    let (site, urls) = bulk_site().await;
    // Every 20 minutes, phased so that the next tick is at least 11 minutes away.
    let m = (chrono::Utc::now().minute() + 12) % 20;
    let cron = format!("0 {m},{},{} * * * *", m + 20, m + 40);
    let [two, idle1] = first_crawl(&http, &site, &urls, &cron).await;
    let all: Vec<(usize, &String)> = urls.iter().enumerate().collect();
    let (r, dir) = crawl(&site, &all, &cron, "interleaved (host = j mod 20)").await;
    let mut three = format!(
        "### 3. One-shot `yuqing crawl`, politeness 2 per host / 500 ms\n\nSame feeds, fresh data dir per run, no page fetches (full text in the feeds). Bound = sources on the busiest host × 0.5 s; fetch = start → last feed request; wall includes matching, clustering and indexing.\n\n| sources order in sources.toml | sources | hosts | wall s | fetch s | bound s | sources/s | articles/s | new | failed |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n{r}"
    );
    let mut grouped: Vec<_> = all.iter().copied().filter(|(j, _)| j % HOSTS < 4).collect();
    grouped.sort_by_key(|(j, _)| (j % HOSTS, *j));
    let what = "grouped by host (4 hosts × 25)";
    three += &crawl(&site, &grouped, &cron, what).await.0;
    let serve = start_serve(&dir.path().join("yuqing.toml"), &[]);
    let what = "restarted on the data dir of the interleaved one-shot crawl (§3)";
    let idle2 = idle_row(&site, &serve, what).await;
    drop(serve);
    let idle = format!(
        "**Idle**, nothing due (every next check 10+ min away), {BULK} sources × {ITEMS} articles:\n\n| serve | window s | CPU (utime+stime) of one core | RSS MB | requests to the sites |\n|---|---:|---:|---:|---:|\n{idle1}{idle2}\n"
    );
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC");
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let (load1, took) = (loadavg(), began.elapsed().as_secs_f64());
    let md = format!(
        "<!-- written by `cargo bench --bench serve`; edits between the markers are overwritten -->\n\n{now} · `nproc` = {cores} · load average {load0} → {load1} · bench took {took:.0} s\n\n{one}{two}{idle}{three}\n"
    );
    println!("{md}");
    write_section(&md);
}
