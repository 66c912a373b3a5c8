//! `cargo bench --bench ingest -- --crawl [--articles N | --million] [--timeline]`: the whole ingest through
//! the `yuqing crawl` command, cold (a fresh data directory), against bare `SearchIndex`
//! indexing of the same articles in the same run.
//!
//! A local HTTP server (127.0.0.1) serves the corpus as RSS feeds of [`PER_FEED`] items with the
//! full text in each item (as WeChat mirrors do, so no article page is fetched). `yuqing crawl`
//! (the release binary) fetches, parses, stores, fingerprints, matches three watch rules, queues
//! (no) pushes and indexes them all. Bare indexing runs before and after the crawl; the ratio
//! uses their mean.

use super::*;

/// Items per feed (`max_items_per_source` is set to this).
const PER_FEED: usize = 500;
const CRAWL_RULES: &str = r#"
[[rule]]
id = "accident"
name = "安全事故"
level = "high"
event = ["事故", "火灾", "爆炸"]

[[rule]]
id = "beijing-economy"
name = "北京经济"
level = "medium"
region = ["北京"]
event = ["经济"]

[[rule]]
id = "flood"
name = "防汛"
level = "low"
expr = "(洪水|汛期)+(抢险|救灾)-演习"
"#;

/// The corpus as RSS: `GET /feed/{k}` holds articles `k*PER_FEED ..`.
fn feed_xml(c: &Corpus, k: usize) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>人民日报</title><link>http://paper.people.com.cn/</link>",
    );
    for i in (k * PER_FEED)..((k + 1) * PER_FEED).min(c.n) {
        let d = c.doc(i);
        let body: String = d
            .body
            .split('\n')
            .map(|p| format!("<p>{}</p>", esc(p)))
            .collect();
        let _ = write!(
            x,
            "<item><title>{}</title><link>{}</link><guid>{}</guid><pubDate>{}</pubDate><content:encoded><![CDATA[{}]]></content:encoded></item>",
            esc(&d.title),
            esc(&d.url),
            esc(&d.url),
            d.published.to_rfc2822(),
            body.replace("]]>", "]]]]><![CDATA[>")
        );
    }
    x.push_str("</channel></rss>");
    x
}

/// Serves the feeds on an ephemeral port until the process ends; returns the base URL.
fn serve_feeds(c: &'static Corpus<'static>) -> anyhow::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let base = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let app = axum::Router::new().route(
                "/feed/{k}",
                axum::routing::get(
                    move |axum::extract::Path(k): axum::extract::Path<usize>| async move {
                        (
                            [("content-type", "application/rss+xml; charset=utf-8")],
                            feed_xml(c, k),
                        )
                    },
                ),
            );
            axum::serve(listener, app).await.expect("serve");
        });
    });
    Ok(base)
}

/// CPU time (user + system) of the finished children of this process.
fn children_cpu() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Peak RSS of the largest finished child, in MB.
fn children_max_rss_mb() -> f64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

pub fn crawl_main(n: usize) -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let started = Instant::now();
    let load_before = loadavg();
    let base: &'static [Article] =
        Box::leak(load_corpus(&ensure_corpus(root)?)?.into_boxed_slice());
    let corpus: &'static Corpus<'static> = Box::leak(Box::new(Corpus::new(base, n)));
    let seg = Segmenter::new();
    let url = serve_feeds(corpus)?;
    let feeds = n.div_ceil(PER_FEED);
    println!(
        "corpus: {n} articles, {:.1} MB of text, {feeds} feeds at {url}",
        mb(corpus.text_bytes)
    );

    let bare = |r: &mut Report| -> anyhow::Result<()> {
        let run = BareRun::new(corpus, &seg)?;
        for range in corpus.chunks(COMMIT_EVERY) {
            run.pass(range, r)?;
        }
        run.finish(r)
    };
    println!("[1/3] bare SearchIndex …");
    let mut before = Report::default();
    bare(&mut before)?;

    println!("[2/3] yuqing crawl, cold, {feeds} sources …");
    let dir = tempfile::tempdir()?;
    let cfg = dir.path().join("yuqing.toml");
    std::fs::write(
        &cfg,
        format!(
            "timezone = \"Asia/Shanghai\"\ndata_dir = \"{}\"\nsources = \"sources.toml\"\nrules = \"rules.toml\"\n\
             [http]\nper_host_delay = \"0s\"\nper_host_concurrency = 4\nconcurrency = 8\nretries = 0\ntimeout = \"120s\"\nmax_body = \"50MB\"\n\
             [crawl]\nmax_items_per_source = {PER_FEED}\n",
            dir.path().join("data").display()
        ),
    )?;
    let sources: String = (0..feeds)
        .map(|k| {
            format!(
                "[[source]]\nid = \"rmrb-{k}\"\nname = \"人民日报 {k}\"\nkind = \"rss\"\nurl = \"{url}/feed/{k}\"\nfull_text = \"never\"\n\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("sources.toml"), sources)?;
    std::fs::write(dir.path().join("rules.toml"), CRAWL_RULES)?;
    let cpu0 = children_cpu();
    let busy0 = machine_busy();
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .args(["crawl", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    if std::env::args().any(|a| a == "--timeline") {
        timeline(child.id());
    }
    let out = child.wait_with_output()?;
    let wall = t.elapsed();
    let cpu = children_cpu().saturating_sub(cpu0);
    let others = machine_busy().saturating_sub(busy0).saturating_sub(cpu);
    ensure!(
        out.status.success(),
        "yuqing crawl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(v["new"] == n, "crawl stored {} of {n} articles", v["new"]);
    let app = App::open(load_config(&cfg)?)?;
    ensure!(
        app.index.num_docs() == n as u64,
        "index holds {} of {n}",
        app.index.num_docs()
    );
    let alerts = app.alerts(&Default::default())?.len();
    drop(app);
    let rss = children_max_rss_mb();

    println!("[3/3] bare SearchIndex again …");
    let mut after = Report::default();
    bare(&mut after)?;

    let bare_wall = (before.bare.wall + after.bare.wall) / 2;
    let bare_cpu = (before.bare.cpu + after.bare.cpu) / 2;
    let ratio = bare_wall.as_secs_f64() / wall.as_secs_f64();
    let cpu_ratio = bare_cpu.as_secs_f64() / cpu.as_secs_f64();
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let verdict = if ratio >= 0.5 { "met" } else { "MISSED" };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "**{n} articles through `yuqing crawl`** ({:.1} MB of text, {feeds} RSS feeds of {PER_FEED} full-text items on 127.0.0.1), {} · `nproc` = {} · load average {load_before} → {} · bench took {:.0} s\n",
        mb(corpus.text_bytes),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        loadavg(),
        started.elapsed().as_secs_f64()
    );
    let _ = writeln!(
        s,
        "| run | wall | CPU | other processes (cores) | articles/s | note |\n|---|---:|---:|---:|---:|---|"
    );
    let _ = writeln!(
        s,
        "| `yuqing crawl`, cold (fetch, parse, store, fingerprint, match, index) | {:.1} s | {:.1} s | {:.1} | {:.0} | {alerts} alerts from 3 rules; peak RSS {rss:.0} MB |",
        wall.as_secs_f64(),
        cpu.as_secs_f64(),
        others.as_secs_f64() / wall.as_secs_f64(),
        rate(wall)
    );
    for (name, r) in [("before", &before), ("after", &after)] {
        let _ = writeln!(
            s,
            "| bare `SearchIndex` upsert + commit/{COMMIT_EVERY}, {name} | {:.1} s | {:.1} s | {:.1} | {:.0} | normalized text ready (outside the clock) |",
            r.bare.wall.as_secs_f64(),
            r.bare.cpu.as_secs_f64(),
            r.bare.others.as_secs_f64() / r.bare.wall.as_secs_f64(),
            rate(r.bare.wall)
        );
    }
    let _ = writeln!(
        s,
        "\nCrawl command / bare indexing = **{:.0}%** by wall time (target ≥ 50%: {verdict}); {:.0}% in CPU time.",
        ratio * 100.0,
        cpu_ratio * 100.0
    );
    println!("\n{s}");
    let tag = if n >= 1_000_000 {
        "crawl-bench-1m"
    } else {
        "crawl-bench"
    };
    let (start, end) = (
        format!("<!-- {tag}:start -->"),
        format!("<!-- {tag}:end -->"),
    );
    let section = format!(
        "{start}\n<!-- written by `cargo bench --bench ingest -- --crawl`; edits between the markers are overwritten -->\n\n{s}{end}\n"
    );
    let path = root.join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = match (old.find(&start), old.find(&end)) {
        (Some(a), Some(b)) if a < b => {
            let b = b + end.len();
            let rest = old[b..].strip_prefix('\n').unwrap_or(&old[b..]);
            format!("{}{section}{rest}", &old[..a])
        }
        _ => format!(
            "{}\n\n## Ingest through `yuqing crawl` (`cargo bench --bench ingest -- --crawl{}`)\n\n{section}",
            old.trim_end(),
            if n >= 1_000_000 { " --million" } else { "" }
        ),
    };
    std::fs::write(&path, new)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// `--timeline`: every 2 s until `pid` ends, the CPU its threads used in that interval, by
/// thread name, in cores (to see which stage leaves a core idle).
fn timeline(pid: u32) {
    let ticks = 100.0; // USER_HZ
    let mut last: std::collections::HashMap<String, f64> = Default::default();
    let t0 = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let alive = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit(')').next().is_some_and(|r| !r.starts_with(" Z")));
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return;
        };
        if !alive {
            return;
        }
        let mut now: std::collections::HashMap<String, f64> = Default::default();
        for t in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(t.path().join("stat")) else {
                continue;
            };
            let (Some(a), Some(b)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let name: String = stat[a + 1..b]
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_string();
            let f: Vec<&str> = stat[b + 2..].split(' ').collect();
            let cpu = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
                + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
            *now.entry(format!("{name}#{}", t.file_name().to_string_lossy()))
                .or_default() += cpu / ticks;
        }
        let mut by_name: std::collections::BTreeMap<String, f64> = Default::default();
        for (k, v) in now.iter().filter(|(k, _)| !k.starts_with('@')) {
            let d = v - last.get(k).copied().unwrap_or(0.0);
            let name = k.split('#').next().unwrap_or("").to_string();
            *by_name.entry(name).or_default() += d;
        }
        // The process's own total also counts threads that ended since the last look (the
        // matching threads live for one batch): what the live threads do not explain.
        let whole = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                let f: Vec<f64> = s[s.rfind(')')? + 2..]
                    .split(' ')
                    .skip(11)
                    .take(2)
                    .filter_map(|v| v.parse().ok())
                    .collect();
                (f.len() == 2).then(|| (f[0] + f[1]) / ticks)
            })
            .unwrap_or(0.0);
        let whole_d = whole - last.get("@process").copied().unwrap_or(0.0);
        let live: f64 = by_name.values().sum();
        if whole_d - live >= 0.05 {
            by_name.insert("(ended threads)".into(), whole_d - live);
        }
        now.insert("@process".into(), whole);
        let me = process_cpu().as_secs_f64();
        let mine = me - last.get("@bench").copied().unwrap_or(me);
        now.insert("@bench".into(), me);
        let total: f64 = by_name.values().sum();
        let parts: Vec<String> = by_name
            .iter()
            .filter(|(_, v)| **v >= 0.05)
            .map(|(k, v)| format!("{k} {:.2}", v / 2.0))
            .collect();
        println!(
            "  t={:>4.0}s cores {:.2} (bench process {:.2}): {}",
            t0.elapsed().as_secs_f64(),
            total / 2.0,
            mine / 2.0,
            parts.join(", ")
        );
        last = now;
    }
}
