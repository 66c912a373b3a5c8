//! 交办与处置 in the web: the assignment and feedback forms of an alert, and the 处置 page —
//! open items by unit, overdue first.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::WebState;
use super::auth::{PageUser, Role};
use super::error::{PageError, WebError, blocking};
use super::params::{Params, parse_id};
use super::view::{Nav, render, short_time};
use crate::app::App;
use crate::app::alerts::AlertQuery;
use crate::model::Handling;

/// The name of a unit id (the id itself when the unit left units.toml).
pub fn unit_name(app: &App, id: &str) -> String {
    app.config
        .units
        .iter()
        .find(|u| u.id == id)
        .map_or_else(|| id.to_string(), |u| u.name.clone())
}

pub async fn assign_form(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    s.require(Role::Collector)?;
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let id = parse_id(&id, "预警")?;
    let unit = f
        .get("unit")
        .ok_or_else(|| WebError::bad("请选择要交办的单位"))?
        .to_string();
    let due = f
        .get("due")
        .map(crate::app::handling::parse_due)
        .transpose()
        .map_err(WebError::from)?;
    let note = f.get("note").map(str::to_string);
    let app = web.shared.app();
    let user = s.user.clone();
    blocking(move || app.assign_alert(id, &unit, due, note.as_deref(), Some(&user))).await?;
    Ok(Redirect::to(&format!("/alerts/{id}#handling")).into_response())
}

pub async fn feedback_form(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    if s.role != Role::Unit {
        s.require(Role::Collector)?;
    }
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let id = parse_id(&id, "预警")?;
    let note = f.get("note").unwrap_or("").to_string();
    let done = f.get("done").is_some();
    let app = web.shared.app();
    let user = s.user.clone();
    blocking(move || -> Result<(), WebError> {
        // A unit answers only for what was handed to it.
        let unit = app.store.alert(id)?.and_then(|a| a.unit);
        if !s.may_answer(unit.as_deref()) {
            return Err(WebError::NotFound(format!("没有编号为 {id} 的交办事项")));
        }
        app.alert_feedback(id, &note, done, Some(&user))?;
        Ok(())
    })
    .await?;
    Ok(Redirect::to(&format!("/alerts/{id}#handling")).into_response())
}

pub struct OpenItem {
    pub id: i64,
    pub title: String,
    pub due: String,
    pub handling: Handling,
}

#[derive(Template)]
#[template(path = "handling.html", config = "src/web/askama.toml")]
struct HandlingPage {
    nav: Nav,
    /// (unit name, its open items, overdue first).
    units: Vec<(String, Vec<OpenItem>)>,
    done: usize,
}

pub async fn page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    // A unit user sees its own unit only.
    let only = if s.role == Role::Unit {
        Some(s.unit.clone().unwrap_or_default())
    } else {
        None
    };
    let (units, done) = blocking(move || -> Result<_, WebError> {
        let list = |h: Handling| {
            app.alerts(&AlertQuery {
                handling: Some(h),
                unit: only.clone(),
                limit: Some(2000),
                ..Default::default()
            })
        };
        let mut open = list(Handling::Overdue)?;
        open.extend(list(Handling::Assigned)?);
        let done = list(Handling::Done)?.len();
        let mut by_unit: Vec<(String, Vec<OpenItem>)> = Vec::new();
        for a in open {
            let name = unit_name(&app, a.unit.as_deref().unwrap_or(""));
            let item = OpenItem {
                id: a.id,
                title: a.title.clone(),
                due: short_time(a.due.as_deref()),
                handling: a.handling.unwrap_or(Handling::Assigned),
            };
            match by_unit.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => v.push(item),
                None => by_unit.push((name, vec![item])),
            }
        }
        // Units with overdue items first, then by how much is open.
        by_unit.sort_by_key(|(_, v)| {
            (
                std::cmp::Reverse(v.iter().filter(|i| i.handling == Handling::Overdue).count()),
                std::cmp::Reverse(v.len()),
            )
        });
        Ok((by_unit, done))
    })
    .await?;
    render(&HandlingPage {
        nav: Nav::new(&s, "handling"),
        units,
        done,
    })
}

/// 舆情专报 of an alert (`alert=ID`) or an event (`event=ID`) as a download
/// (`format=docx|md|html`, default Word).
pub async fn incident_report(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    use crate::alert::report::{ReportFormat, render};
    use crate::app::reports::Subject;
    let id = |k: &str| -> Result<Option<i64>, WebError> {
        p.get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| WebError::bad(format!("{k} 应为编号")))
            })
            .transpose()
    };
    let (subject, name) = match (id("alert")?, id("event")?) {
        (Some(a), _) => (Subject::Alert(a), format!("alert-{a}")),
        (None, Some(e)) => (Subject::Event(e), format!("event-{e}")),
        (None, None) => return Err(WebError::bad("请指定 alert 或 event").into()),
    };
    let fmt_name = p.get("format").unwrap_or("docx").to_string();
    let fmt = ReportFormat::parse(&fmt_name)
        .ok_or_else(|| WebError::bad(format!("未知格式 {fmt_name:?}：docx、md、html")))?;
    let app = web.shared.app();
    let bytes = blocking(move || -> Result<Vec<u8>, WebError> {
        // A unit user: only the 专报 of an alert handed to it.
        if s.role == Role::Unit {
            let unit = match subject {
                Subject::Alert(a) => app.store.alert(a)?.and_then(|a| a.unit),
                Subject::Event(_) => None,
            };
            if !s.may_see(unit.as_deref()) {
                return Err(WebError::NotFound(format!("没有 {name} (not found)")));
            }
        }
        let doc = app
            .incident_report(subject)?
            .ok_or_else(|| WebError::NotFound(format!("没有 {name} (not found)")))?;
        Ok(render(&doc, fmt)?)
    })
    .await?;
    let (ctype, ext) = match fmt {
        ReportFormat::Docx => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        ReportFormat::Md => ("text/markdown; charset=utf-8", "md"),
        ReportFormat::Html => ("text/html; charset=utf-8", "html"),
    };
    let disposition = format!(
        "attachment; filename=\"yuqing-report-{}.{ext}\"",
        p.get("alert").or(p.get("event")).unwrap_or("x")
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, ctype.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
            (
                axum::http::header::CONTENT_SECURITY_POLICY,
                super::SANDBOX_CSP.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
