//! Pages for collectors: the alert review queue (预警), one alert with its audit trail, and the
//! rules in force with a rule tester (规则).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::WebState;
use super::auth::{PageUser, Role};
use super::error::{PageError, WebError, blocking};
use super::params::{Params, parse_id};
use super::view::render;
use super::view::{Nav, local_path, safe_href, short_time};
use crate::app::alerts::{AlertView, RuleTest, parse_status};
use crate::app::snippet_html;

/// Alerts shown on one page of the queue (newest first); filters narrow it down.
const QUEUE_LIMIT: usize = 200;
/// Rules tested from one pasted snippet.
const MAX_TESTED_RULES: usize = 5;

pub struct AlertItem {
    pub id: i64,
    pub rule_name: String,
    pub level: crate::model::Level,
    pub level_label: &'static str,
    pub status: crate::model::AlertStatus,
    pub status_label: &'static str,
    pub article_id: i64,
    pub title: String,
    pub href: Option<String>,
    pub source_name: String,
    pub published: String,
    pub created: String,
    pub matched: String,
    pub snippet_html: String,
    pub reprints: usize,
    pub other_sources: String,
    pub note: Option<String>,
    pub tone: crate::model::Tone,
    pub event_id: Option<i64>,
    /// Alerts of the same rule on reprints of this article, shown folded under it.
    pub folded: Vec<FoldedAlert>,
}

/// A reprint's alert, listed compactly under the first publication's alert.
pub struct FoldedAlert {
    pub id: i64,
    pub article_id: i64,
    pub title: String,
    pub source_name: String,
    pub status: crate::model::AlertStatus,
    pub status_label: &'static str,
}

impl AlertItem {
    fn new(v: &AlertView) -> AlertItem {
        AlertItem {
            id: v.id,
            rule_name: v.rule_name.clone(),
            level: v.level,
            level_label: v.level.label_zh(),
            status: v.status,
            status_label: v.status.label_zh(),
            article_id: v.article_id,
            title: v.title.clone(),
            href: safe_href(&v.url).map(str::to_string),
            source_name: v.source_name.clone(),
            published: short_time(v.published.as_deref()),
            created: short_time(Some(&v.created)),
            matched: v.matched.join("、"),
            snippet_html: snippet_html(&v.snippet, &v.highlights),
            reprints: v.cluster_size.saturating_sub(1),
            other_sources: v.other_sources.join("、"),
            note: v.note.clone(),
            tone: v.tone.tone,
            event_id: v.event_id,
            folded: Vec::new(),
        }
    }

    /// The queue's entries: one per reprint group, the group's other alerts folded under it.
    fn grouped(list: &[AlertView]) -> Vec<AlertItem> {
        crate::app::alerts::reprint_groups(list)
            .into_iter()
            .map(|g| {
                let mut item = AlertItem::new(&list[g[0]]);
                item.folded = g[1..]
                    .iter()
                    .map(|&i| {
                        let v = &list[i];
                        FoldedAlert {
                            id: v.id,
                            article_id: v.article_id,
                            title: v.title.clone(),
                            source_name: v.source_name.clone(),
                            status: v.status,
                            status_label: v.status.label_zh(),
                        }
                    })
                    .collect();
                item
            })
            .collect()
    }
}

/// (name, label) of every value of a named enum, for a `<select>`.
fn options<T: Copy>(
    all: &[T],
    name: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> Vec<(&'static str, &'static str)> {
    all.iter().map(|&v| (name(v), label(v))).collect()
}

/// Query parameters of the queue that only carry a notice: dropped from the `back` address.
const NOTICE_PARAMS: [&str; 3] = ["done", "as", "notice"];

#[derive(Template)]
#[template(path = "alerts.html", config = "src/web/askama.toml")]
struct AlertsPage {
    nav: Nav,
    date: String,
    status: String,
    level: String,
    rule: String,
    rules: Vec<(String, String)>,
    window: String,
    statuses: Vec<(&'static str, &'static str)>,
    levels: Vec<(&'static str, &'static str)>,
    /// After a review: 已将 N 条预警标记为「已核实」.
    done: Option<String>,
    /// An inline problem with the last bulk action.
    notice: Option<String>,
    items: Vec<AlertItem>,
    /// Alerts listed, folded ones included.
    total: usize,
    truncated: bool,
    back: String,
    error: Option<String>,
}

pub async fn alerts(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    let field = |k: &str| p.get(k).unwrap_or("").to_string();
    let mut page = AlertsPage {
        nav: Nav::new(&s, "alerts"),
        date: field("date"),
        window: field("window"),
        status: field("status"),
        level: field("level"),
        rule: field("rule"),
        rules: app
            .config
            .rules
            .iter()
            .map(|r| (r.id.clone(), r.name.clone()))
            .collect(),
        statuses: options(
            crate::model::AlertStatus::ALL,
            crate::model::AlertStatus::as_str,
            crate::model::AlertStatus::label_zh,
        ),
        levels: options(
            crate::model::Level::ALL,
            crate::model::Level::as_str,
            crate::model::Level::label_zh,
        ),
        done: match (
            p.number("done").ok().flatten(),
            p.get("as").and_then(crate::model::AlertStatus::parse),
        ) {
            (Some(n), Some(st)) => Some(format!("已将 {n} 条预警标记为「{}」", st.label_zh())),
            _ => None,
        },
        notice: match p.get("notice") {
            Some("none") => Some("请先勾选要处理的预警".to_string()),
            Some("status") => Some("请先选择要标记的状态".to_string()),
            _ => None,
        },
        items: Vec::new(),
        total: 0,
        truncated: false,
        back: back_without_notice(&uri),
        error: None,
    };
    let q = match p.alert_query(QUEUE_LIMIT + 1) {
        Ok(q) => q,
        Err(e) => {
            page.error = Some(e.to_string());
            return Ok((axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response());
        }
    };
    match blocking(move || app.alerts(&q)).await {
        Ok(mut list) => {
            page.truncated = list.len() > QUEUE_LIMIT;
            list.truncate(QUEUE_LIMIT);
            page.total = list.len();
            page.items = AlertItem::grouped(&list);
            render(&page)
        }
        Err(e @ WebError::BadRequest(_)) => {
            page.error = Some(e.to_string());
            Ok((axum::http::StatusCode::BAD_REQUEST, Html(page.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The queue's address without the notice-only parameters.
fn back_without_notice(uri: &axum::http::Uri) -> String {
    let keep: Vec<(String, String)> = Params::from_query(uri.query())
        .0
        .into_iter()
        .filter(|(k, _)| !NOTICE_PARAMS.contains(&k.as_str()))
        .collect();
    let qs: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(keep)
        .finish();
    if qs.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{qs}", uri.path())
    }
}

/// `back` with a notice parameter and an anchor: the queue shows the notice and scrolls back to
/// where the collector was.
fn back_with(back: &str, params: &str, anchor: Option<i64>) -> String {
    let (path, frag) = back.split_once('#').unwrap_or((back, ""));
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut to = format!("{path}{sep}{params}");
    match anchor {
        Some(id) => to.push_str(&format!("#alert-{id}")),
        None if !frag.is_empty() => to.push_str(&format!("#{frag}")),
        None => {}
    }
    to
}

/// One review decision for one or many alerts (`id` repeated), then back to the queue, at the
/// same place, with a notice. Nothing ticked or no status chosen is an inline notice there.
/// Without JavaScript this is the whole flow; with it, the page reviews in place via the API.
pub async fn review_form(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    s.require(Role::Collector)?;
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let back = f
        .get("back")
        .and_then(local_path)
        .unwrap_or("/alerts")
        .to_string();
    let Some(status) = f.get("status") else {
        return Ok(Redirect::to(&back_with(&back, "notice=status", None)).into_response());
    };
    let status = parse_status(status).map_err(WebError::from)?;
    let mut ids = Vec::new();
    for id in f.all("id") {
        ids.push(
            id.parse::<i64>()
                .map_err(|_| WebError::bad(format!("预警编号有误：{id:?}")))?,
        );
    }
    if ids.is_empty() {
        return Ok(Redirect::to(&back_with(&back, "notice=none", None)).into_response());
    }
    if ids.len() > QUEUE_LIMIT {
        return Err(WebError::bad(format!("一次最多处理 {QUEUE_LIMIT} 条")).into());
    }
    let note = f.get("note").map(str::to_string);
    let app = web.shared.app();
    let user = s.user.clone();
    let (n, first) = (ids.len(), ids[0]);
    blocking(move || -> Result<(), WebError> {
        for id in ids {
            app.review_alert(id, status, note.as_deref(), Some(&user))?;
        }
        Ok(())
    })
    .await?;
    let to = back_with(
        &back,
        &format!("done={n}&as={}", status.as_str()),
        Some(first),
    );
    Ok(Redirect::to(&to).into_response())
}

pub struct TrailRow {
    pub at: String,
    pub by: String,
    pub from: &'static str,
    pub to: &'static str,
    pub to_status: crate::model::AlertStatus,
    pub note: String,
}

#[derive(Template)]
#[template(path = "alert.html", config = "src/web/askama.toml")]
struct AlertPage {
    nav: Nav,
    a: AlertItem,
    trail: Vec<TrailRow>,
    back: String,
    /// (id, name) of the partner units, for the assignment form.
    units: Vec<(String, String)>,
    /// 交办: (unit name, deadline, state) when handed to a unit.
    handling: Option<(String, String, crate::model::Handling)>,
    /// The handling trail: (time, by, what, note).
    actions: Vec<(String, String, String, String)>,
}

pub async fn alert_detail(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "预警")?;
    let app = web.shared.app();
    let who = s.clone();
    let (view, trail, actions, handling, units) = blocking(move || -> Result<_, WebError> {
        // For a unit user, an alert not handed to its unit does not exist.
        let Some(row) = app
            .store
            .alert(id)?
            .filter(|r| who.may_see(r.unit.as_deref()))
        else {
            return Err(WebError::NotFound(format!(
                "没有编号为 {id} 的预警 (no alert {id})"
            )));
        };
        let trail = app
            .alert_reviews(id)?
            .into_iter()
            .map(|r| TrailRow {
                at: short_time(Some(&app.rfc3339(r.at))),
                by: r.by.unwrap_or_default(),
                from: r.from_status.label_zh(),
                to: r.to_status.label_zh(),
                to_status: r.to_status,
                note: r.note.unwrap_or_default(),
            })
            .collect::<Vec<_>>();
        let view = app.alert_view(&row);
        let actions = app
            .alert_actions(id)?
            .into_iter()
            .map(|a| {
                let what = match a.action.as_str() {
                    "assign" => format!(
                        "交办 {}，期限 {}",
                        a.unit
                            .as_deref()
                            .map(|u| super::handling::unit_name(&app, u))
                            .unwrap_or_default(),
                        short_time(a.due.as_deref())
                    ),
                    "done" => "办结".to_string(),
                    _ => "反馈".to_string(),
                };
                (
                    short_time(Some(&a.at)),
                    a.by.unwrap_or_default(),
                    what,
                    a.note.unwrap_or_default(),
                )
            })
            .collect::<Vec<_>>();
        let handling = match (&view.unit, view.handling) {
            (Some(u), Some(h)) => Some((
                super::handling::unit_name(&app, u),
                short_time(view.due.as_deref()),
                h,
            )),
            _ => None,
        };
        let units = app
            .config
            .units
            .iter()
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect::<Vec<_>>();
        Ok((view, trail, actions, handling, units))
    })
    .await?;
    let page = AlertPage {
        nav: Nav::new(&s, "alerts"),
        a: AlertItem::new(&view),
        trail,
        back: format!("/alerts/{id}"),
        units,
        handling,
        actions,
    };
    render(&page)
}

pub struct RuleRow {
    pub id: String,
    pub name: String,
    pub level: crate::model::Level,
    pub level_label: &'static str,
    pub enabled: bool,
    pub words: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "rules.html", config = "src/web/askama.toml")]
struct RulesPage {
    nav: Nav,
    rules: Vec<RuleRow>,
    text: String,
    days: u32,
    problems: Vec<String>,
    results: Vec<(RuleTest, Vec<String>)>,
}

fn rule_rows(rules: &[crate::config::Rule]) -> Vec<RuleRow> {
    rules
        .iter()
        .map(|r| {
            let mut words = Vec::new();
            for (label, list) in [
                ("地域词", &r.region),
                ("主体词", &r.subject),
                ("事件词", &r.event),
                ("必含词", &r.all),
                ("排除词", &r.exclude),
                ("限定信息源", &r.sources),
            ] {
                if !list.is_empty() {
                    words.push((label, list.join("、")));
                }
            }
            if let Some(e) = &r.expr {
                words.push(("表达式词", e.words.join("、")));
            }
            if let Some(n) = r.near {
                words.push(("邻近", format!("{n} 字以内")));
            }
            RuleRow {
                id: r.id.clone(),
                name: r.name.clone(),
                level: r.level,
                level_label: r.level.label_zh(),
                enabled: r.enabled,
                words,
            }
        })
        .collect()
}

const EXAMPLE_RULE: &str = "[[rule]]\nid = \"test\"\nname = \"试验规则\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\", \"爆炸\"]\nexclude = [\"演练\"]\n";

pub async fn rules(
    State(web): State<WebState>,
    PageUser(s): PageUser,
) -> Result<Response, PageError> {
    let app = web.shared.app();
    render(&RulesPage {
        nav: Nav::new(&s, "rules"),
        rules: rule_rows(&app.config.rules),
        text: EXAMPLE_RULE.into(),
        days: 30,
        problems: Vec::new(),
        results: Vec::new(),
    })
}

/// Parses pasted `[[rule]]` TOML with the same checks as rules.toml and runs each rule over the
/// stored articles of the last `days` days, without creating alerts.
pub async fn rules_test(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    let text = f.raw("rules").unwrap_or("").to_string();
    let days = f.number("days")?.unwrap_or(30);
    if !(1..=365).contains(&days) {
        return Err(WebError::bad("天数应在 1 到 365 之间").into());
    }
    let days = days as u32;
    let app = web.shared.app();
    let rules = rule_rows(&app.config.rules);
    let t = text.clone();
    let (problems, results) = blocking(move || -> Result<_, WebError> {
        let parsed = match parse_rules_text(&app, &t)? {
            Ok(r) => r,
            Err(problems) => return Ok((problems, Vec::new())),
        };
        if parsed.is_empty() {
            return Ok((
                vec!["没有找到 [[rule]] (no [[rule]] found)".to_string()],
                Vec::new(),
            ));
        }
        let mut results = Vec::new();
        for rule in parsed.iter().take(MAX_TESTED_RULES) {
            let r = app.test_rule(rule, days, 10)?;
            let snippets = r
                .samples
                .iter()
                .map(|x| snippet_html(&x.snippet, &x.highlights))
                .collect();
            results.push((r, snippets));
        }
        Ok((Vec::new(), results))
    })
    .await?;
    let status = if problems.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    let page = RulesPage {
        nav: Nav::new(&s, "rules"),
        rules,
        text,
        days,
        problems,
        results,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// The rules of a pasted snippet, or its problems as `粘贴的规则:line:col: message`. The text
/// goes through the rules.toml loader (via a temporary file), so the checks are the same.
fn parse_rules_text(
    app: &crate::app::App,
    text: &str,
) -> anyhow::Result<Result<Vec<crate::config::Rule>, Vec<String>>> {
    let dir = &app.config.data_dir;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!(
        ".rules-test-{}.toml",
        &super::auth::random_token()[..16]
    ));
    std::fs::write(&path, text)?;
    let r = app.config.load_rules_file(&path);
    let _ = std::fs::remove_file(&path);
    Ok(r.map_err(|e| {
        e.0.iter()
            .map(|p| format!("粘贴的规则:{}:{}: {}", p.line, p.col, p.message))
            .collect()
    }))
}
