//! The sources page (信息源): health of every source, and 立即采集 for an admin.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::WebState;
use super::auth::{PageUser, Role};
use super::error::{PageError, WebError, blocking};
use super::params::Params;
use super::view::{Nav, render, short_time};
use crate::app::SourceHealth;

pub struct SourceRow {
    pub h: SourceHealth,
    /// 采集中 (running now) or 排队中 (due: runs within a second or two), if either.
    pub progress: Option<&'static str>,
    pub status_label: &'static str,
    pub last_success: String,
    pub last_attempt: String,
    pub next_check: String,
}

#[derive(Template)]
#[template(path = "sources.html", config = "src/web/askama.toml")]
struct SourcesPage {
    nav: Nav,
    rows: Vec<SourceRow>,
    /// After 立即采集: how many sources were queued.
    queued: Option<usize>,
    /// Some source is queued or running: the page refreshes itself to show progress.
    busy: bool,
}

pub async fn page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    let now = app.now_ts();
    let health = blocking(move || app.sources_health()).await?;
    let due = |t: Option<&str>| {
        t.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| t.timestamp() <= now)
    };
    let rows: Vec<SourceRow> = health
        .into_iter()
        .map(|h| SourceRow {
            progress: if web.shared.is_crawling(&h.id) {
                Some("采集中…")
            } else if h.enabled && due(h.next_check_at.as_deref()) {
                Some("排队中")
            } else {
                None
            },
            status_label: h.status.label_zh(),
            last_success: short_time(h.last_success.as_deref()),
            last_attempt: short_time(h.last_attempt.as_deref()),
            next_check: short_time(h.next_check_at.as_deref()),
            h,
        })
        .collect();
    render(&SourcesPage {
        nav: Nav::new(&s, "sources"),
        busy: rows.iter().any(|r| r.progress.is_some()),
        rows,
        queued: p.number("queued").ok().flatten(),
    })
}

/// 立即采集 (admin): one source (`id`) or every enabled source is made due now; the running
/// service's scheduler starts it within a second. The sources page shows the progress.
pub async fn crawl_now(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    s.require(Role::Admin)?;
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let app = web.shared.app();
    let ids: Vec<String> = match f.get("id") {
        Some(id) => match app.config.source(id) {
            Some(src) if src.enabled => vec![src.id.clone()],
            Some(_) => {
                return Err(WebError::bad(format!("信息源 {id} 已停用 (source disabled)")).into());
            }
            None => {
                return Err(WebError::NotFound(format!(
                    "没有编号为 {id} 的信息源 (no such source)"
                ))
                .into());
            }
        },
        None => app
            .config
            .sources
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.id.clone())
            .collect(),
    };
    let n = ids.len();
    blocking(move || -> Result<(), WebError> {
        let now = app.now_ts();
        for id in ids {
            app.store.set_next_check(&id, now)?;
        }
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/sources?queued={n}")).into_response())
}
