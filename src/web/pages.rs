//! Pages: search (检索), article (文章), captured evidence, users (用户) and the configuration
//! reload button.

use crate::text::html::{MAX_HTML_DEPTH, bound_nesting};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::WebState;
use super::auth::{PageUser, Role, Session};
use super::error::{PageError, WebError, blocking};
use super::params::{Params, parse_id};
use super::view::render;
use super::view::{Nav, query_string, safe_href, short_time};
use crate::app::{ArticleView, snippet_html};
use crate::search::{query, snippet};

/// Results per search page.
const PAGE_SIZE: usize = 20;

pub struct HitView {
    pub id: i64,
    pub title_html: String,
    pub href: Option<String>,
    pub source_name: String,
    pub published: String,
    pub snippet_html: String,
    /// 另有 N 篇相似 (other articles of the reprint cluster).
    pub similar: usize,
    /// New to the viewer of a saved search.
    pub new: bool,
    pub tone: crate::model::Tone,
    pub event_id: Option<i64>,
}

/// The result cards of a page of hits; those stored after `seen_before` are marked new.
pub fn hit_views(
    app: &crate::app::App,
    hits: &[crate::app::Hit],
    seen_before: Option<i64>,
) -> Result<Vec<HitView>, WebError> {
    let mut out = Vec::with_capacity(hits.len());
    for h in hits {
        let cluster = app.store.cluster_of(h.id)?;
        out.push(HitView {
            id: h.id,
            title_html: snippet_html(&h.title, &h.title_highlights),
            href: safe_href(&h.url).map(str::to_string),
            source_name: h.source_name.clone(),
            published: short_time(h.published.as_deref()),
            snippet_html: snippet_html(&h.snippet, &h.highlights),
            similar: cluster.len().saturating_sub(1),
            new: seen_before.is_some_and(|s| h.id > s),
            tone: h.tone.tone,
            event_id: h.event_id,
        });
    }
    Ok(out)
}

pub struct PageLink {
    pub n: usize,
    pub qs: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "search.html", config = "src/web/askama.toml")]
struct SearchPage {
    nav: Nav,
    q: String,
    since: String,
    until: String,
    source: String,
    author: String,
    kind: String,
    tone: String,
    sort: String,
    sources: Vec<(String, String)>,
    error: Option<String>,
    searched: bool,
    total: usize,
    hits: Vec<HitView>,
    pages: Vec<PageLink>,
    prev: Option<String>,
    next: Option<String>,
    export_qs: String,
    q_link: String,
    /// The conditions in words, for an empty result: 检索词「火灾」、信息源 青石发布.
    conditions: String,
    notes: Vec<String>,
}

pub async fn search(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    let field = |k: &str| p.get(k).unwrap_or("").to_string();
    let mut page = SearchPage {
        nav: Nav::new(&s, "search"),
        q: field("q"),
        since: field("since"),
        until: field("until"),
        source: field("source"),
        author: field("author"),
        kind: field("kind"),
        tone: field("tone"),
        sort: field("sort"),
        sources: app
            .config
            .sources
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        error: None,
        searched: false,
        total: 0,
        hits: Vec::new(),
        pages: Vec::new(),
        prev: None,
        next: None,
        export_qs: String::new(),
        q_link: query_string(&[("q", p.get("q").unwrap_or(""))]),
        conditions: String::new(),
        notes: Vec::new(),
    };
    page.conditions = conditions(&page);
    let base = [
        ("q", page.q.clone()),
        ("since", page.since.clone()),
        ("until", page.until.clone()),
        ("source", page.source.clone()),
        ("author", page.author.clone()),
        ("kind", page.kind.clone()),
        ("tone", page.tone.clone()),
        ("sort", page.sort.clone()),
    ];
    let qs_for = |n: usize| {
        let n = n.to_string();
        let mut pairs: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
        if n != "1" {
            pairs.push(("page", &n));
        }
        query_string(&pairs)
    };
    page.export_qs = qs_for(1);
    // Nothing asked yet: the empty form. An empty query with a filter browses.
    let filtered = ["source", "author", "since", "until", "kind", "tone"]
        .iter()
        .any(|k| p.get(k).is_some());
    if page.q.is_empty() && !filtered {
        return render(&page);
    }
    let opts = match p.search_options(&app, PAGE_SIZE) {
        Ok(o) => o,
        Err(e) => return bad_search(page, e.to_string()),
    };
    let found = blocking(move || -> Result<_, WebError> {
        let r = app.search(&opts)?;
        let hits = hit_views(&app, &r.hits, None)?;
        Ok((r.total, r.page, r.limit, hits, r.notes))
    })
    .await;
    let (total, current, limit, hits, notes) = match found {
        Ok(x) => x,
        Err(e @ WebError::BadRequest(_)) => return bad_search(page, format!("检索式有误：{e}")),
        Err(e) => return Err(e.into()),
    };
    let last = total.div_ceil(limit).max(1);
    page.searched = true;
    page.total = total;
    page.hits = hits;
    page.notes = notes;
    page.pages = (current.saturating_sub(4).max(1)..=(current + 4).min(last))
        .map(|n| PageLink {
            n,
            qs: qs_for(n),
            current: n == current,
        })
        .collect();
    page.prev = (current > 1).then(|| qs_for(current - 1));
    page.next = (current < last).then(|| qs_for(current + 1));
    render(&page)
}

/// The search's conditions in words, for the empty-result line.
fn conditions(page: &SearchPage) -> String {
    let mut parts = Vec::new();
    if !page.q.is_empty() {
        parts.push(format!("检索词「{}」", page.q));
    }
    if !page.source.is_empty() {
        let name = page
            .sources
            .iter()
            .find(|(id, _)| *id == page.source)
            .map_or(page.source.as_str(), |(_, n)| n.as_str());
        parts.push(format!("信息源 {name}"));
    }
    if !page.author.is_empty() {
        parts.push(format!("作者含「{}」", page.author));
    }
    match (page.since.as_str(), page.until.as_str()) {
        ("", "") => {}
        (a, "") => parts.push(format!("日期 {a} 起")),
        ("", b) => parts.push(format!("日期至 {b}")),
        (a, b) => parts.push(format!("日期 {a} 至 {b}")),
    }
    match page.kind.as_str() {
        "rss" => parts.push("类型 RSS/公众号".into()),
        "html" => parts.push("类型 网页".into()),
        _ => {}
    }
    if let Ok(t) = crate::search::query::parse_tone(&page.tone) {
        parts.push(format!("倾向 {}", t.label_zh()));
    }
    parts.join("、")
}

fn bad_search(mut page: SearchPage, e: String) -> Result<Response, PageError> {
    page.error = Some(e);
    Ok((StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
}

pub struct AlertBrief {
    pub id: i64,
    pub rule_name: String,
    pub level: crate::model::Level,
    pub level_label: &'static str,
    pub status: crate::model::AlertStatus,
    pub status_label: &'static str,
    pub matched: String,
}

#[derive(Template)]
#[template(path = "article.html", config = "src/web/askama.toml")]
struct ArticlePage {
    nav: Nav,
    a: ArticleView,
    title_html: String,
    text_html: String,
    href: Option<String>,
    published: String,
    fetched: String,
    alerts: Vec<AlertBrief>,
    words: String,
    /// The words that decided the tone (distinct, in order).
    tone_words: String,
}

pub async fn article(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
    p: Params,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "文章")?;
    let app = web.shared.app();
    let Some(a) = blocking(move || app.show(id)).await? else {
        return Err(WebError::NotFound(format!("没有编号为 {id} 的文章 (no article {id})")).into());
    };
    let mut words: Vec<String> = a
        .alerts
        .iter()
        .flat_map(|al| al.matched.iter().cloned())
        .collect();
    if let Some(q) = p.get("q")
        && let Ok(node) = query::parse(q)
    {
        words.extend(query::positive_words(&node));
    }
    words.sort();
    words.dedup();
    let mut tone_words: Vec<&str> = Vec::new();
    for w in &a.tone.tone_words {
        if !tone_words.contains(&w.word.as_str()) {
            tone_words.push(&w.word);
        }
    }
    let tone_words = tone_words.join("、");
    let page = ArticlePage {
        tone_words,
        nav: Nav::new(&s, "search"),
        title_html: snippet_html(&a.title, &snippet::find_matches(&a.title, &words)),
        text_html: snippet_html(&a.text, &snippet::find_matches(&a.text, &words)),
        href: safe_href(&a.url).map(str::to_string),
        published: short_time(a.published.as_deref()),
        fetched: short_time(Some(&a.fetched)),
        alerts: a
            .alerts
            .iter()
            .map(|al| AlertBrief {
                id: al.id,
                rule_name: al.rule_name.clone(),
                level: al.level,
                level_label: al.level.label_zh(),
                status: al.status,
                status_label: al.status.label_zh(),
                matched: al.matched.join("、"),
            })
            .collect(),
        words: words.join("、"),
        a,
    };
    render(&page)
}

/// Evidence beyond this many bytes is not shown (extraction reads at most 3 MB too).
pub const MAX_EVIDENCE_BYTES: usize = 3 << 20;

/// The first [`MAX_EVIDENCE_BYTES`] of `text` (on a char boundary), and whether it was cut.
fn cut_evidence(text: &str) -> (&str, bool) {
    if text.len() <= MAX_EVIDENCE_BYTES {
        return (text, false);
    }
    let mut end = MAX_EVIDENCE_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// The page as captured, sanitized (no scripts, no handlers, no remote images) and served with
/// a sandboxing CSP, for the article page's frame.
pub async fn evidence(
    State(web): State<WebState>,
    PageUser(_): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "文章")?;
    let app = web.shared.app();
    let _turn = web.evidence.acquire().await.map_err(anyhow::Error::from)?;
    let body = blocking(move || -> Result<_, WebError> {
        let Some((bytes, mime)) = app.store.evidence(id)? else {
            return Ok(None);
        };
        let is_html = mime.as_deref().is_none_or(|m| m.contains("html"));
        let (text, _) = crate::crawl::charset::decode_html(&bytes, mime.as_deref(), None);
        drop(bytes);
        let (text, cut) = cut_evidence(&text);
        let inner = if is_html {
            // Bounded nesting keeps sanitizing linear: 200 000 nested divs took 170 s.
            let bounded = bound_nesting(text, MAX_HTML_DEPTH);
            let clean = ammonia::Builder::default()
                .rm_tags(["img", "picture", "source", "video", "audio"])
                .clean(&bounded)
                .to_string();
            if cut {
                format!("<p style=\"color:#a00\">原始网页过长，只显示前 {} MB。</p>{clean}", MAX_EVIDENCE_BYTES >> 20)
            } else {
                clean
            }
        } else {
            format!("<pre style=\"white-space:pre-wrap\">{}</pre>", snippet::escape(text))
        };
        Ok(Some(format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family:sans-serif;margin:8px\">{inner}</body></html>"
        )))
    })
    .await?;
    let html = body.unwrap_or_else(|| {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>没有保存原始网页。</p></body></html>".into()
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, super::SANDBOX_CSP),
        ],
        html,
    )
        .into_response())
}

/// A result page with a message and optional problems (reload, user changes).
#[derive(Template)]
#[template(path = "notice.html", config = "src/web/askama.toml")]
pub struct NoticePage {
    pub nav: Nav,
    pub title: String,
    pub ok: bool,
    pub message: String,
    pub problems: Vec<String>,
    pub back: String,
}

pub fn notice(
    s: &Session,
    ok: bool,
    title: &str,
    message: String,
    problems: Vec<String>,
    back: &str,
) -> Result<Response, PageError> {
    let page = NoticePage {
        nav: Nav::new(s, ""),
        title: title.into(),
        ok,
        message,
        problems,
        back: back.into(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn reload(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    s.require(Role::Admin)?;
    s.check_csrf(Params::from_body(&body).raw("csrf"))?;
    match super::api::do_reload(&web).await? {
        Ok(v) => notice(
            &s,
            true,
            "重新加载配置",
            format!(
                "配置已重新加载：{} 个信息源，{} 条规则。",
                v["sources"], v["rules"]
            ),
            vec![],
            "/sources",
        ),
        Err((msg, problems)) => notice(&s, false, "重新加载配置", msg, problems, "/sources"),
    }
}

pub struct UserView {
    pub name: String,
    pub role_label: String,
    pub created: String,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "users.html", config = "src/web/askama.toml")]
struct UsersPage {
    nav: Nav,
    users: Vec<UserView>,
    /// (id, name) of the partner units, for a unit user.
    units: Vec<(String, String)>,
}

pub async fn users(
    State(web): State<WebState>,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    s.require(Role::Admin)?;
    let app = web.shared.app();
    let tz = app.config.timezone;
    let units: Vec<(String, String)> = app
        .config
        .units
        .iter()
        .map(|u| (u.id.clone(), u.name.clone()))
        .collect();
    let rows = blocking(move || app.store.users()).await?;
    let users = rows
        .into_iter()
        .map(|u| UserView {
            role_label: match (Role::parse(&u.role), &u.unit) {
                (Some(Role::Unit), Some(id)) => format!(
                    "联席单位：{}",
                    units
                        .iter()
                        .find(|(x, _)| x == id)
                        .map_or(id.as_str(), |(_, n)| n.as_str())
                ),
                (r, _) => r.map_or("?", Role::label_zh).to_string(),
            },
            created: short_time(Some(&crate::app::rfc3339(u.created, tz))),
            is_me: !s.implicit && u.name == s.user,
            name: u.name,
        })
        .collect();
    render(&UsersPage {
        nav: Nav::new(&s, "users"),
        users,
        units,
    })
}

/// `action=add` (name, role, password, password2) or `action=delete` (name).
pub async fn users_post(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    s.require(Role::Admin)?;
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let name = f.get("name").unwrap_or("").to_string();
    let store = web.shared.app().store.clone();
    match f.get("action") {
        Some("add") => {
            let Some(role) = f.get("role").and_then(Role::parse) else {
                return notice(
                    &s,
                    false,
                    "添加用户",
                    format!("请选择角色 (role: {})", Role::names()),
                    vec![],
                    "/users",
                );
            };
            // The unit field counts only for a unit user (the form always sends it).
            let unit = f
                .get("unit")
                .filter(|u| role == Role::Unit && !u.is_empty())
                .map(str::to_string);
            if let Some(u) = &unit
                && !web.shared.app().config.units.iter().any(|x| &x.id == u)
            {
                return notice(
                    &s,
                    false,
                    "添加用户",
                    format!("没有单位 {u}（见 units.toml）"),
                    vec![],
                    "/users",
                );
            }
            let pw = f.raw("password").unwrap_or("").to_string();
            if f.raw("password2") != Some(pw.as_str()) {
                return notice(
                    &s,
                    false,
                    "添加用户",
                    "两次输入的密码不一致".into(),
                    vec![],
                    "/users",
                );
            }
            let n = name.clone();
            let r = blocking(move || {
                Ok::<_, WebError>(super::auth::add_user(
                    &store,
                    &n,
                    role,
                    unit.as_deref(),
                    &pw,
                ))
            })
            .await?;
            if let Err(e) = r {
                return notice(&s, false, "添加用户", e.to_string(), vec![], "/users");
            }
            tracing::info!(user = %name, role = role.as_str(), by = %s.user, "user added");
            if s.implicit {
                // The first user ends the implicit local administrator: log in now.
                return Ok(Redirect::to("/login").into_response());
            }
        }
        Some("delete") => {
            if !s.implicit && name == s.user {
                return notice(
                    &s,
                    false,
                    "删除用户",
                    "不能删除自己".into(),
                    vec![],
                    "/users",
                );
            }
            let n = name.clone();
            if !blocking(move || store.delete_user(&n)).await? {
                return Err(WebError::NotFound(format!("没有用户 {name}")).into());
            }
            tracing::info!(user = %name, by = %s.user, "user deleted");
        }
        _ => return Err(WebError::bad("未知操作 (action: add, delete)").into()),
    }
    Ok(Redirect::to("/users").into_response())
}
