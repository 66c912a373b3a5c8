//! The command line (DESIGN.md §3). Exit codes: 0 ok, 1 runtime failure, 2 bad config or
//! arguments. Errors go to stderr as one clear line; every listing command takes `--json`.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::alert::digest::{DigestFormat, render};
use crate::app::alerts::{AlertError, AlertQuery, DigestDetail, parse_level, parse_status};
use crate::app::{App, SearchError, SearchOptions};
use crate::config::Config;
use crate::model::{PublishedSource, SourceStatus};
use crate::search::Sort;
use crate::serve::ServiceLock;

mod args;
mod manage;
mod print;
mod report;
mod service;

use manage::{alert_failure, alerts, rules, user};
use service::{crawl, refuse_if_serving, serve};

pub use args::{
    AlertsAction, Cli, Command, EventsAction, LogFormat, ReportKind, RulesAction, SavedAction,
    SortArg, UserAction,
};
use print::{delivery_line, mark, print_json, print_search};

/// A failure with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure {
            code: 1,
            message: format!("{e:#}"),
        }
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

/// Flags of `search` (and global ones) that take a value, read from the argument definitions
/// (a hand-kept list once missed a new flag).
fn value_flags() -> Vec<String> {
    use clap::CommandFactory;
    let cli = Cli::command();
    let search = cli.find_subcommand("search").into_iter();
    std::iter::once(&cli)
        .chain(search)
        .flat_map(|c| c.get_arguments())
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

/// `yuqing search 火灾 -演练 --json`: the query may hold `-word` exclusions, so clap takes every
/// word after the first as query text. Move `--flags` (and their values) in front of the query
/// and end options with `--`, so flags work after the query too.
pub fn reorder_search_args(args: Vec<String>) -> Vec<String> {
    let Some(pos) = args.iter().position(|a| a == "search") else {
        return args;
    };
    let (head, tail) = args.split_at(pos + 1);
    if tail.first().is_some_and(|a| a == "--") || !tail.iter().any(|a| a.starts_with("--")) {
        return args;
    }
    let value_flags = value_flags();
    let mut flags = Vec::new();
    let mut words = Vec::new();
    let mut it = tail.iter().cloned();
    while let Some(a) = it.next() {
        if a == "--" {
            words.extend(it.by_ref());
            break;
        }
        if a.starts_with("--") {
            let takes_value = value_flags.contains(&a);
            flags.push(a);
            if takes_value && let Some(v) = it.next() {
                flags.push(v);
            }
        } else {
            words.push(a);
        }
    }
    let mut out = head.to_vec();
    out.extend(flags);
    out.push("--".into());
    out.extend(words);
    out
}

/// glibc's malloc now serves only C code (SQLite): Rust allocations go to mimalloc (`main.rs`).
/// Two malloc arenas unless `MALLOC_ARENA_MAX` says otherwise. glibc gives each thread that
/// allocates under contention an arena of its own (up to 8 per core) and keeps freed memory in
/// them: the crawler's and the web's blocking threads each held on to what their last page or
/// query needed (serve's RSS after a first crawl of 5 000 articles: 455 MB, with two 191 MB).
/// The systemd unit sets the same.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; called before any thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
    // A fixed mmap threshold: blocks of 4 MiB and more (a password hash's 19 MiB, a digest's
    // buffers) are mapped and given back when freed. glibc's default raises the threshold after
    // the first such free, after which each login kept its 19 MiB in an arena (a login flood
    // left 275 MB resident).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: as above.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        }
    }
}

pub fn main() -> ExitCode {
    // `yuqing search … | head` should end quietly, like any Unix tool, not panic on EPIPE.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    limit_malloc_arenas();
    let args = match utf8_args(std::env::args_os()) {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let cli = Cli::parse_from(reorder_search_args(args));
    init_logging(cli.log_format, matches!(cli.command, Command::Serve { .. }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // SQLite and tantivy calls run on blocking threads and share one connection: a few
        // threads serve as well as many and bound memory under load.
        .max_blocking_threads(16)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stdout().flush();
            eprintln!("{}", f.message);
            ExitCode::from(f.code)
        }
    };
    // Dropping the runtime would wait for every blocking task, however long; a request still
    // being served must never hold up the exit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}

/// The arguments as UTF-8, or a clear message naming the first one that is not (exit 2; the
/// standard library's `args()` panics on them).
pub fn utf8_args(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Result<Vec<String>, String> {
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                format!(
                    "错误：第 {i} 个参数不是有效的 UTF-8 文本：{} (argument {i} is not valid UTF-8)",
                    a.to_string_lossy()
                )
            })
        })
        .collect()
}

fn init_logging(format: LogFormat, service: bool) {
    // The service logs one line per crawl run per source; one-shot commands only warnings.
    let default = if service { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("YUQING_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn load_config(path: &std::path::Path) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| usage(e.to_string()))
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let config = load_config(&cli.config)?;
    match cli.command {
        Command::Check => {
            println!(
                "配置正确 (config OK): {} 个信息源, {} 条规则, {} 个联席单位, 数据目录 {}",
                config.sources.len(),
                config.rules.len(),
                config.units.len(),
                config.data_dir.display()
            );
            Ok(())
        }
        Command::Crawl { sources, json } => crawl(config, &sources, json).await,
        Command::Search {
            query,
            filter,
            limit,
            page,
            sort,
            json,
        } => {
            let app = App::open(config)?;
            let opts = SearchOptions {
                query: query.join(" "),
                filter,
                sort: match sort {
                    SortArg::Relevance => Sort::Relevance,
                    SortArg::Newest => Sort::Newest,
                },
                limit,
                page,
            };
            let result = app.search(&opts).map_err(|e| match e {
                SearchError::BadRequest(m) => usage(m),
                other => Failure {
                    code: 1,
                    message: other.to_string(),
                },
            })?;
            if json {
                print_json(&result)?;
            } else {
                print_search(&result);
            }
            Ok(())
        }
        Command::Show { id, json } => {
            let app = App::open(config)?;
            let Some(a) = app.show(id)? else {
                return Err(usage(format!("没有编号为 {id} 的文章 (no article {id})")));
            };
            if json {
                print_json(&a)?;
            } else {
                println!("{}\n", a.title);
                println!("来源: {} ({})", a.source_name, a.source);
                let from = match a.published_source {
                    Some(PublishedSource::Feed) => "（取自订阅源/列表页）",
                    Some(PublishedSource::Fetched) => "（页面未注明，按采集时间）",
                    Some(PublishedSource::Page) | None => "",
                };
                println!(
                    "发布时间: {}{from}",
                    crate::model::short_time(a.published.as_deref())
                );
                println!("采集时间: {}", crate::model::short_time(Some(&a.fetched)));
                if let Some(au) = &a.author {
                    println!("作者: {au}");
                }
                println!("链接: {}", a.url);
                if a.state == "deleted" {
                    println!("状态: 原文已被发布者删除（此为删除前采集的内容）");
                }
                println!("\n{}", a.text);
            }
            Ok(())
        }
        Command::Sources { json } => {
            let app = App::open(config)?;
            let health = app.sources_health()?;
            if json {
                print_json(&serde_json::json!({ "sources": health }))?;
            } else {
                for s in &health {
                    println!(
                        "{:<24} {:<8} 最近成功 {:<25} 24小时 {:>4} 篇  7天 {:>5} 篇  {}",
                        s.id,
                        s.status.label_zh(),
                        s.last_success.as_deref().unwrap_or("从未"),
                        s.articles_24h,
                        s.articles_7d,
                        s.last_error.as_deref().unwrap_or("")
                    );
                }
            }
            Ok(())
        }
        Command::Alerts {
            action,
            date,
            window,
            status,
            rule,
            level,
            unit,
            handling,
            json,
        } => {
            let app = App::open(config)?;
            alerts(
                &app,
                action,
                AlertQuery {
                    date,
                    window,
                    status: status
                        .as_deref()
                        .map(parse_status)
                        .transpose()
                        .map_err(alert_failure)?,
                    rule,
                    level: level
                        .as_deref()
                        .map(parse_level)
                        .transpose()
                        .map_err(alert_failure)?,
                    limit: None,
                    unit,
                    handling: handling
                        .as_deref()
                        .map(|h| {
                            crate::model::Handling::parse(h).ok_or_else(|| {
                                usage(format!(
                                    "未知处置状态 {h:?}：{} (unknown handling)",
                                    crate::model::Handling::names()
                                ))
                            })
                        })
                        .transpose()?,
                },
                json,
            )
        }
        Command::Rules { action } => rules(config, action),
        Command::Push => {
            let app = App::open(config)?;
            let r = app
                .deliver_pushes(std::time::Duration::from_secs(60))
                .await?;
            println!("{}", delivery_line(&r));
            Ok(())
        }
        Command::Digest {
            date,
            format,
            out,
            send,
        } => {
            let Some(fmt) = DigestFormat::parse_lenient(&format) else {
                return Err(usage(format!(
                    "未知格式 {format:?}，可用 html, md, json, xlsx, docx (unknown format)"
                )));
            };
            let app = App::open(config)?;
            let date = date.unwrap_or_else(|| app.current_digest_date());
            app.check_digest_date(date).map_err(usage)?;
            let digest = app.build_digest(date, DigestDetail::for_format(fmt))?;
            if send {
                let r = app.push_digest(date).await?;
                eprintln!("日报推送: {}", delivery_line(&r));
            }
            let bytes = render(&digest, fmt).map_err(|e| Failure {
                code: 1,
                message: e.to_string(),
            })?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "已生成 {} ({} 条预警): {}",
                        digest.title,
                        digest.alerts.len(),
                        path.display()
                    );
                }
                None if matches!(fmt, DigestFormat::Xlsx | DigestFormat::Docx)
                    && std::io::stdout().is_terminal() =>
                {
                    return Err(usage("xlsx / docx are binary: give --out FILE"));
                }
                None => {
                    let mut stdout = std::io::stdout();
                    stdout.write_all(&bytes).context("writing to stdout")?;
                }
            }
            Ok(())
        }
        Command::Serve { listen } => serve(config, listen).await,
        Command::Reload => {
            let Some(pid) = ServiceLock::holder(&config.data_dir) else {
                return Err(Failure {
                    code: 1,
                    message: format!(
                        "没有运行中的 yuqing serve (no 'yuqing serve' is running on {})",
                        config.data_dir.display()
                    ),
                });
            };
            let n: i32 = pid.parse().map_err(|_| Failure {
                code: 1,
                message: format!("bad pid {pid:?} in the lock file"),
            })?;
            // SAFETY: sending a signal to a pid read from our own lock file; no memory is involved.
            if unsafe { libc::kill(n, libc::SIGHUP) } != 0 {
                return Err(Failure {
                    code: 1,
                    message: format!("cannot signal pid {n}: {}", std::io::Error::last_os_error()),
                });
            }
            println!(
                "已通知 yuqing serve (pid {n}) 重新加载配置；结果见其日志 (reload requested; see its log)"
            );
            Ok(())
        }
        Command::Reindex | Command::Tone { backfill: true } => {
            refuse_if_serving(&config)?;
            let app = App::open_for_reindex(config)?;
            let started = std::time::Instant::now();
            let toned = app.recompute_tones()?;
            let n = app.index_pending()?;
            println!(
                "重建索引完成 (reindexed): {n} 篇，重算情感倾向 {toned} 篇，{:.1} 秒",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::Tone { backfill: false } => {
            let app = App::open(config)?;
            let counts = app.store.tone_counts().map_err(anyhow::Error::from)?;
            for (t, n) in &counts {
                println!("{}\t{n}", t.map_or("未计算", |t| t.label_zh()));
            }
            Ok(())
        }
        Command::User { action } => user(&config, action),
        Command::Saved { action } => manage::saved(config, action),
        Command::Report { kind } => report::report(config, kind),
        Command::Trends { days, json } => report::trends(config, days, json),
        Command::Events {
            action,
            since,
            until,
            json,
        } => manage::events(config, action, since, until, json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn flags_after_the_query_are_moved_before_it() {
        assert_eq!(
            reorder_search_args(v(
                "yuqing --config c.toml search 火灾 -演练 --json --limit 5"
            )),
            v("yuqing --config c.toml search --json --limit 5 -- 火灾 -演练")
        );
        assert_eq!(
            reorder_search_args(v("yuqing search 火灾")),
            v("yuqing search 火灾")
        );
        let cli =
            Cli::try_parse_from(reorder_search_args(v("yuqing search 火灾 -演练 --json"))).unwrap();
        let Command::Search { query, json, .. } = cli.command else {
            panic!("search")
        };
        assert_eq!(query, v("火灾 -演练"));
        assert!(json);
    }
}
