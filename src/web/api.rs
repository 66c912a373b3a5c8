//! `/api/*`: the JSON API, in the shapes of the CLI's `--json` (DESIGN.md §3). Errors are
//! `{"error": "..."}` with 400 (bad parameter), 401, 403, 404; state-changing calls need the
//! session's `X-CSRF-Token` (from `GET /api/session`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::WebState;
use super::auth::{ApiUser, Role};
use super::error::{WebError, blocking};
use super::params::{Params, parse_date, parse_id};
use crate::alert::digest::{self, DigestFormat};
use crate::app::alerts::DigestDetail;
use crate::app::shared::ReloadError;

/// Alerts listed by one API call unless `limit` says otherwise.
const DEFAULT_ALERTS: usize = 1000;
const MAX_ALERTS: usize = 10_000;

/// Who am I, and the CSRF token for state-changing calls.
pub async fn session(ApiUser(s): ApiUser) -> Json<Value> {
    Json(json!({
        "user": s.user,
        "role": s.role.as_str(),
        "csrf": s.csrf,
        "implicit": s.implicit,
    }))
}

pub async fn search(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    p: Params,
) -> Result<Response, WebError> {
    let app = web.shared.app();
    let opts = p.search_options(&app, crate::app::DEFAULT_LIMIT)?;
    let r = blocking(move || app.search(&opts)).await?;
    Ok(Json(r).into_response())
}

pub async fn alerts(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    p: Params,
) -> Result<Response, WebError> {
    let limit = p.number("limit")?.unwrap_or(DEFAULT_ALERTS);
    if limit == 0 || limit > MAX_ALERTS {
        return Err(WebError::bad(format!("limit 应在 1 到 {MAX_ALERTS} 之间")));
    }
    let q = p.alert_query(limit)?;
    let app = web.shared.app();
    let list = blocking(move || app.alerts(&q)).await?;
    Ok(Json(json!({ "alerts": list })).into_response())
}

#[derive(Deserialize)]
struct ReviewBody {
    status: String,
    #[serde(default)]
    note: Option<String>,
}

pub async fn review(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    s.require(Role::Collector)?;
    s.check_csrf_header(&headers)?;
    let id = parse_id(&id, "预警")?;
    let b: ReviewBody = serde_json::from_slice(&body)
        .map_err(|e| WebError::bad(format!("请求体应为 {{\"status\", \"note\"}} JSON: {e}")))?;
    let note = b.note.filter(|n| !n.trim().is_empty());
    let status = crate::app::alerts::parse_status(&b.status)?;
    let app = web.shared.app();
    let v = blocking(move || app.review_alert(id, status, note.as_deref(), Some(&s.user))).await?;
    Ok(Json(v).into_response())
}

/// The audit trail of one alert (who, when, from, to, note).
pub async fn reviews(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "预警")?;
    let app = web.shared.app();
    let rows = blocking(move || -> Result<_, WebError> {
        if app.store.alert(id)?.is_none() {
            return Err(WebError::NotFound(format!("没有编号为 {id} 的预警 (no alert {id})")));
        }
        let rows = app.alert_reviews(id)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                json!({ "at": app.rfc3339(r.at), "by": r.by, "from": r.from_status, "to": r.to_status, "note": r.note })
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(json!({ "reviews": rows })).into_response())
}

/// The digest document of a day; `xlsx`/`docx` come as attachments, `html` sandboxed.
pub async fn digest(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    Path(date): Path<String>,
    p: Params,
) -> Result<Response, WebError> {
    let app = web.shared.app();
    let date = if date == "current" {
        app.current_digest_date()
    } else {
        parse_date(&date)?
    };
    app.check_digest_date(date).map_err(WebError::bad)?;
    let fmt_name = p.get("format").unwrap_or("html");
    let format = DigestFormat::parse_lenient(fmt_name).ok_or_else(|| {
        WebError::bad(format!("未知格式 {fmt_name:?}: html, md, json, xlsx, docx"))
    })?;
    let _turn = web.heavy.acquire().await.map_err(anyhow::Error::from)?;
    let bytes = blocking(move || -> anyhow::Result<Vec<u8>> {
        let d = app.build_digest(date, DigestDetail::for_format(format))?;
        let bytes = digest::render(&d, format)?;
        drop(d);
        crate::app::trim_heap();
        Ok(bytes)
    })
    .await?;
    let mut res = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, format.content_type())],
        bytes,
    )
        .into_response();
    let h = res.headers_mut();
    if matches!(
        format,
        DigestFormat::Xlsx | DigestFormat::Docx | DigestFormat::Md
    ) {
        let name = format!(
            "attachment; filename=\"yuqing-digest-{date}.{}\"",
            format.extension()
        );
        h.insert(
            header::CONTENT_DISPOSITION,
            name.parse().expect("ascii header value"),
        );
    }
    if format == DigestFormat::Html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            super::SANDBOX_CSP.parse().expect("static header value"),
        );
    }
    Ok(res)
}

pub async fn sources(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
) -> Result<Response, WebError> {
    let app = web.shared.app();
    let health = blocking(move || app.sources_health()).await?;
    Ok(Json(json!({ "sources": health })).into_response())
}

pub async fn article(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "文章")?;
    let app = web.shared.app();
    match blocking(move || app.show(id)).await? {
        Some(a) => Ok(Json(a).into_response()),
        None => Err(WebError::NotFound(format!(
            "没有编号为 {id} 的文章 (no article {id})"
        ))),
    }
}

/// Re-reads the configuration; an invalid one is refused with its problems (400) and the old
/// one stays in force.
pub async fn reload(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    s.require(Role::Admin)?;
    s.check_csrf_header(&headers)?;
    match do_reload(&web).await? {
        Ok(v) => Ok(Json(v).into_response()),
        Err((msg, problems)) => Ok((
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": msg, "problems": problems })),
        )
            .into_response()),
    }
}

/// `Ok(summary)` or `Err((message, problems))`.
pub(super) async fn do_reload(
    web: &WebState,
) -> Result<Result<Value, (String, Vec<String>)>, WebError> {
    let shared = web.shared.clone();
    let r = tokio::task::spawn_blocking(move || shared.reload()).await?;
    Ok(match r {
        Ok(app) => {
            tracing::info!(
                sources = app.config.sources.len(),
                rules = app.config.rules.len(),
                "configuration reloaded"
            );
            Ok(
                json!({ "ok": true, "sources": app.config.sources.len(), "rules": app.config.rules.len() }),
            )
        }
        Err(ReloadError::Config(errs)) => {
            let problems = errs.0.iter().map(|p| p.to_string()).collect();
            Err((
                "配置无效，继续使用原配置 (invalid config, the old one stays in force)".to_string(),
                problems,
            ))
        }
        Err(e @ ReloadError::Other(_)) => Err((e.to_string(), Vec::new())),
    })
}
