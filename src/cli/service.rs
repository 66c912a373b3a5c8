//! `yuqing serve` and `yuqing crawl`: the service and the one-shot crawl.

use super::*;

/// `crawl` and `reindex` write the index: with `serve` running they refuse rather than race it.
pub(super) fn refuse_if_serving(config: &Config) -> Result<(), Failure> {
    match ServiceLock::holder(&config.data_dir) {
        Some(pid) => Err(Failure {
            code: 1,
            message: format!(
                "yuqing serve 正在运行 (pid {pid})，它会按计划采集。要马上采集，请在网页“信息源”页点“立即采集”\
                 （管理员）；要运行此命令，请先停止服务 — 'yuqing serve' (pid {pid}) is running on {} and owns \
                 the index: use 立即采集 on its sources page, or stop it first",
                config.data_dir.display()
            ),
        }),
        None => Ok(()),
    }
}

pub(super) async fn serve(config: Config, listen: Option<String>) -> Result<(), Failure> {
    let addr_text = listen.unwrap_or_else(|| config.listen.clone());
    let addr: std::net::SocketAddr = addr_text.parse().map_err(|_| {
        usage(format!(
            "监听地址有误 {addr_text:?}，应如 127.0.0.1:8080 (bad listen address)"
        ))
    })?;
    let _lock = ServiceLock::acquire(&config.data_dir).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    let app = App::open(config)?;
    // One indexing thread: indexing shares the cores with crawling and the web.
    app.index.set_writer_threads(1);
    crate::web::check_listen(&addr, &app.store).map_err(usage)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Failure {
            code: 1,
            message: format!("cannot listen on {addr}: {e}"),
        })?;
    let signals = crate::serve::Signals::install().map_err(|e| Failure {
        code: 1,
        message: format!("cannot install signal handlers: {e}"),
    })?;
    let shared = crate::serve::Shared::new(app);
    let token = tokio_util::sync::CancellationToken::new();
    tokio::spawn(signals.run(shared.clone(), token.clone()));
    println!(
        "yuqing serve: http://{}/ (Ctrl-C 停止)",
        listener.local_addr().map_err(anyhow::Error::from)?
    );
    crate::serve::run(shared, listener, token).await?;
    Ok(())
}

pub(super) async fn crawl(config: Config, sources: &[String], json: bool) -> Result<(), Failure> {
    refuse_if_serving(&config)?;
    for id in sources {
        if config.source(id).is_none() {
            return Err(usage(format!("unknown source {id:?} (see sources.toml)")));
        }
    }
    let app = std::sync::Arc::new(App::open(config)?);
    let total = if sources.is_empty() {
        app.config.sources.iter().filter(|s| s.enabled).count()
    } else {
        sources.len()
    };
    let bar = if std::io::stderr().is_terminal() && !json {
        let pb = indicatif::ProgressBar::new(total as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} 采集中 [{bar:30}] {pos}/{len} {msg}")
        {
            pb.set_style(style.progress_chars("=> "));
        }
        Some(pb)
    } else {
        None
    };
    let reports = app
        .crawl(sources, |r| {
            if let Some(pb) = &bar {
                pb.set_message(r.source.clone());
                pb.inc(1);
            }
        })
        .await
        .context("crawl")?;
    if let Some(pb) = &bar {
        pb.finish_and_clear();
    }
    let new: usize = reports.iter().map(|r| r.new).sum();
    let failed = reports
        .iter()
        .filter(|r| matches!(r.status, SourceStatus::Failing | SourceStatus::Blocked))
        .count();
    if json {
        print_json(&serde_json::json!({
            "sources": reports,
            "new": new,
            "failed_sources": failed,
            "articles": app.store.count_articles().map_err(anyhow::Error::from)?,
        }))?;
    } else {
        for r in &reports {
            println!(
                "{:<24} {:<12} 条目 {:>4}  新增 {:>4}  已有 {:>4}  {} ms{}",
                r.source,
                r.status,
                r.items,
                r.new,
                r.known,
                r.ms,
                r.errors
                    .first()
                    .map(|e| format!("  错误: {e}"))
                    .unwrap_or_default()
            );
        }
        println!(
            "合计 (total): 新增 {new} 篇, {failed} 个信息源失败, 库中共 {} 篇",
            app.store.count_articles().map_err(anyhow::Error::from)?
        );
    }
    Ok(())
}
