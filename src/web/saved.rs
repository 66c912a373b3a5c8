//! Saved searches (专题): the list page, one saved search's page (new matches marked), the
//! "save as 专题" form of the search page, and `/api/saved`.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use super::WebState;
use super::auth::{ApiUser, PageUser, Role, Session};
use super::error::{PageError, WebError, blocking};
use super::pages::{HitView, PageLink, hit_views};
use super::params::Params;
use super::view::{Nav, query_string, render};
use crate::app::saved::{NewSavedSearch, SavedError, SavedSearch, Viewer};
use crate::search::{SearchFilter, parse_author, parse_day};

/// Results per page of a saved search.
const PAGE_SIZE: usize = 20;

impl From<SavedError> for WebError {
    fn from(e: SavedError) -> Self {
        match e {
            SavedError::BadRequest(m) => WebError::BadRequest(m),
            SavedError::NotFound(_) => WebError::NotFound(e.to_string()),
            SavedError::Forbidden => WebError::Forbidden(e.to_string()),
            SavedError::Search(s) => s.into(),
            SavedError::Store(s) => s.into(),
        }
    }
}

fn viewer(s: &Session) -> Viewer<'_> {
    Viewer {
        name: &s.user,
        admin: s.role >= Role::Admin,
    }
}

/// A saved search's filter as a search-page query string (for links and exports).
fn search_qs(s: &SavedSearch) -> String {
    let since = s.filter.since.map(|d| d.to_string()).unwrap_or_default();
    let until = s.filter.until.map(|d| d.to_string()).unwrap_or_default();
    let mut pairs: Vec<(&str, &str)> = vec![("q", &s.query)];
    pairs.extend(s.filter.sources.iter().map(|x| ("source", x.as_str())));
    pairs.push(("author", s.filter.author.as_deref().unwrap_or("")));
    let tone = s.filter.tone.map(|t| t.as_str()).unwrap_or("");
    pairs.push(("tone", tone));
    pairs.push(("since", &since));
    pairs.push(("until", &until));
    pairs.push(("sort", "newest"));
    query_string(&pairs)
}

pub struct SavedItem {
    pub id: i64,
    pub name: String,
    pub query: String,
    pub conditions: String,
    pub shared: bool,
    pub level: Option<crate::model::Level>,
    pub total: usize,
    pub new: usize,
    pub qs: String,
    pub can_remove: bool,
}

#[derive(Template)]
#[template(path = "saved.html", config = "src/web/askama.toml")]
struct SavedListPage {
    nav: Nav,
    list: Vec<SavedItem>,
    error: Option<String>,
}

pub async fn list_page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    list_with(&web, &s, None).await
}

async fn list_with(
    web: &WebState,
    s: &Session,
    error: Option<String>,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    let (name, admin) = (s.user.clone(), s.role >= Role::Admin);
    let list = blocking(move || -> Result<_, WebError> {
        let v = Viewer { name: &name, admin };
        let conditions = conditions_of(&app);
        Ok(app
            .saved_list(v)?
            .into_iter()
            .map(|x| SavedItem {
                id: x.id,
                conditions: conditions(&x.filter),
                qs: search_qs(&x),
                can_remove: admin
                    || x.owner.as_deref() == Some(name.as_str())
                    || x.created_by.as_deref() == Some(name.as_str()),
                name: x.name,
                query: x.query,
                shared: x.shared,
                level: x.level,
                total: x.total,
                new: x.new,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let page = SavedListPage {
        nav: Nav::new(s, "saved"),
        list,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The search page's "保存为专题" form.
pub async fn create_form(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let app = web.shared.app();
    let new = match new_from_form(&app, &s, &f) {
        Ok(n) => n,
        Err(e) => return list_with(&web, &s, Some(e.to_string())).await,
    };
    let (name, admin) = (s.user.clone(), s.role >= Role::Admin);
    let made = blocking(move || -> Result<_, WebError> {
        Ok(app.saved_add(&new, Viewer { name: &name, admin })?)
    })
    .await;
    match made {
        Ok(saved) => Ok(Redirect::to(&format!("/saved/{}", saved.id)).into_response()),
        Err(e @ (WebError::BadRequest(_) | WebError::Forbidden(_))) => {
            list_with(&web, &s, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

fn new_from_form(
    app: &crate::app::App,
    s: &Session,
    f: &Params,
) -> Result<NewSavedSearch, WebError> {
    let opts = f.search_options(app, PAGE_SIZE)?;
    let level = f
        .get("level")
        .map(|l| {
            s.require(Role::Collector)?;
            crate::app::alerts::parse_level(l).map_err(WebError::from)
        })
        .transpose()?;
    Ok(NewSavedSearch {
        name: f.get("name").unwrap_or("").to_string(),
        query: opts.query,
        filter: opts.filter,
        shared: f.get("shared").is_some(),
        level,
    })
}

#[derive(Template)]
#[template(path = "saved_view.html", config = "src/web/askama.toml")]
struct SavedViewPage {
    nav: Nav,
    id: i64,
    name: String,
    query: String,
    conditions: String,
    total: usize,
    new: usize,
    qs: String,
    notes: Vec<String>,
    hits: Vec<HitView>,
    q_link: String,
    pages: Vec<PageLink>,
    prev: Option<usize>,
    next: Option<usize>,
}

/// One saved search, newest first, its new articles marked; opening it marks them seen.
pub async fn view_page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(key): Path<String>,
    p: Params,
) -> Result<Response, PageError> {
    let page_no = p.number("page")?.unwrap_or(1).max(1);
    let app = web.shared.app();
    let (name, admin) = (s.user.clone(), s.role >= Role::Admin);
    let page = blocking(move || -> Result<_, WebError> {
        let v = Viewer { name: &name, admin };
        let sp = app.saved_open(&key, v, page_no, PAGE_SIZE)?;
        let hits = hit_views(&app, &sp.result.hits, Some(sp.seen_before))?;
        Ok((sp, hits, conditions_of(&app)))
    })
    .await?;
    let (sp, hits, cond) = page;
    let last = sp.result.total.div_ceil(PAGE_SIZE).max(1);
    let current = sp.result.page;
    let view = SavedViewPage {
        nav: Nav::new(&s, "saved"),
        id: sp.saved.id,
        conditions: cond(&sp.saved.filter),
        qs: search_qs(&sp.saved),
        q_link: query_string(&[("q", &sp.saved.query)]),
        name: sp.saved.name,
        query: sp.saved.query,
        total: sp.result.total,
        new: sp.saved.new,
        notes: sp.result.notes,
        hits,
        pages: (current.saturating_sub(4).max(1)..=(current + 4).min(last))
            .map(|n| PageLink {
                n,
                qs: String::new(),
                current: n == current,
            })
            .collect(),
        prev: (current > 1).then(|| current - 1),
        next: (current < last).then(|| current + 1),
    };
    render(&view)
}

/// The filter in words (信息源 青石发布、作者含「王五」、日期 2026-11-01 起), with the source
/// names of the app it was made from.
fn conditions_of(app: &crate::app::App) -> impl Fn(&SearchFilter) -> String + use<> {
    let names: Vec<(String, String)> = app
        .config
        .sources
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    move |f: &SearchFilter| {
        let mut parts = Vec::new();
        if !f.sources.is_empty() {
            let n: Vec<&str> = f
                .sources
                .iter()
                .map(|id| {
                    names
                        .iter()
                        .find(|(i, _)| i == id)
                        .map_or(id.as_str(), |(_, n)| n.as_str())
                })
                .collect();
            parts.push(format!("信息源 {}", n.join("、")));
        }
        if let Some(a) = &f.author {
            parts.push(format!("作者含「{a}」"));
        }
        match (f.since, f.until) {
            (Some(a), Some(b)) => parts.push(format!("日期 {a} 至 {b}")),
            (Some(a), None) => parts.push(format!("日期 {a} 起")),
            (None, Some(b)) => parts.push(format!("日期至 {b}")),
            (None, None) => {}
        }
        if let Some(t) = f.tone {
            parts.push(format!("倾向 {}", t.label_zh()));
        }
        parts.join("、")
    }
}

pub async fn delete_form(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(key): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let app = web.shared.app();
    let (name, admin) = (s.user.clone(), s.role >= Role::Admin);
    blocking(move || app.saved_remove(&key, Viewer { name: &name, admin })).await?;
    Ok(Redirect::to("/saved").into_response())
}

pub async fn api_list(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
) -> Result<Response, WebError> {
    let app = web.shared.app();
    let list = blocking(move || app.saved_list(viewer(&s))).await?;
    Ok(Json(json!({ "saved": list })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    source: Sources,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
    #[serde(default)]
    tone: Option<String>,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    level: Option<String>,
}

/// `"source": "s1"` or `"source": ["s1", "s2"]`.
#[derive(Deserialize, Default)]
#[serde(untagged)]
enum Sources {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

pub async fn api_create(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    s.check_csrf_header(&headers)?;
    let b: CreateBody = serde_json::from_slice(&body).map_err(|e| {
        WebError::bad(format!(
            "请求体应为 {{\"name\", \"query\", \"source\", \"author\", \"since\", \"until\", \"tone\", \"shared\", \"level\"}} JSON：{e}"
        ))
    })?;
    let day = |d: Option<String>| {
        d.filter(|d| !d.trim().is_empty())
            .map(|d| parse_day(&d))
            .transpose()
            .map_err(WebError::bad)
    };
    let filter = SearchFilter {
        sources: match b.source {
            Sources::None => Vec::new(),
            Sources::One(x) => vec![x],
            Sources::Many(v) => v,
        }
        .into_iter()
        .filter(|x| !x.trim().is_empty())
        .collect(),
        author: b
            .author
            .filter(|a| !a.trim().is_empty())
            .map(|a| parse_author(&a))
            .transpose()
            .map_err(WebError::bad)?,
        since: day(b.since)?,
        until: day(b.until)?,
        tone: b
            .tone
            .filter(|t| !t.trim().is_empty())
            .map(|t| crate::search::query::parse_tone(&t))
            .transpose()
            .map_err(WebError::bad)?,
        after_id: None,
    };
    let level = match b.level.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => {
            s.require(Role::Collector)?;
            Some(crate::app::alerts::parse_level(l)?)
        }
        None => None,
    };
    let new = NewSavedSearch {
        name: b.name,
        query: b.query,
        filter,
        shared: b.shared,
        level,
    };
    let app = web.shared.app();
    let saved = blocking(move || app.saved_add(&new, viewer(&s))).await?;
    Ok((axum::http::StatusCode::CREATED, Json(saved)).into_response())
}

/// One page of a saved search (`page`, `limit`), with the ids new to the caller; marks seen.
pub async fn api_open(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
    Path(key): Path<String>,
    p: Params,
) -> Result<Response, WebError> {
    let page = p.number("page")?.unwrap_or(1).max(1);
    let limit = p.number("limit")?.unwrap_or(crate::app::DEFAULT_LIMIT);
    let app = web.shared.app();
    let sp = blocking(move || app.saved_open(&key, viewer(&s), page, limit)).await?;
    let new_ids: Vec<i64> = sp
        .result
        .hits
        .iter()
        .filter(|h| h.id > sp.seen_before)
        .map(|h| h.id)
        .collect();
    Ok(Json(json!({
        "saved": sp.saved,
        "total": sp.result.total,
        "page": sp.result.page,
        "limit": sp.result.limit,
        "hits": sp.result.hits,
        "notes": sp.result.notes,
        "new_ids": new_ids,
    }))
    .into_response())
}

pub async fn api_delete(
    State(web): State<WebState>,
    ApiUser(s): ApiUser,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    s.check_csrf_header(&headers)?;
    let app = web.shared.app();
    let k = key.clone();
    blocking(move || app.saved_remove(&k, viewer(&s))).await?;
    Ok(Json(json!({ "removed": key })).into_response())
}
