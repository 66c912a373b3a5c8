//! Events (事件): the list (hottest first) and one event's page — its members with 首发, and a
//! spread timeline drawn as inline SVG (no script, no CDN; prints and reads on a phone).

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::WebState;
use super::auth::{ApiUser, PageUser};
use super::error::{PageError, WebError, blocking};
use super::params::{Params, parse_id};
use super::view::{Nav, render, safe_href, short_time};
use crate::app::events::{EventDetail, EventView};

pub struct EventItem {
    pub e: EventView,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "events.html", config = "src/web/askama.toml")]
struct EventsPage {
    nav: Nav,
    since: String,
    until: String,
    items: Vec<EventItem>,
}

pub async fn list_page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let since = p.date("since")?;
    let until = p.date("until")?;
    let app = web.shared.app();
    let list = blocking(move || app.events(since, until)).await?;
    render(&EventsPage {
        nav: Nav::new(&s, "events"),
        since: since.map(|d| d.to_string()).unwrap_or_default(),
        until: until.map(|d| d.to_string()).unwrap_or_default(),
        items: list
            .into_iter()
            .take(200)
            .map(|e| EventItem {
                first_seen: short_time(Some(&e.first_seen)),
                last_seen: short_time(Some(&e.last_seen)),
                e,
            })
            .collect(),
    })
}

pub struct MemberRow {
    pub id: i64,
    pub title: String,
    pub href: Option<String>,
    pub source_name: String,
    pub published: String,
    pub first: bool,
}

#[derive(Template)]
#[template(path = "event.html", config = "src/web/askama.toml")]
struct EventPage {
    nav: Nav,
    e: EventView,
    first_seen: String,
    last_seen: String,
    members: Vec<MemberRow>,
    /// The spread timeline (our own SVG: every label escaped).
    timeline_svg: String,
    /// (source name, articles, first time), most articles first.
    by_source: Vec<(String, usize, String)>,
}

pub async fn page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = parse_id(&id, "事件")?;
    let app = web.shared.app();
    let d = blocking(move || app.event_detail(id))
        .await?
        .ok_or_else(|| WebError::NotFound(format!("没有编号为 {id} 的事件 (no event {id})")))?;
    render(&event_page(&s, d))
}

fn event_page(s: &super::auth::Session, d: EventDetail) -> EventPage {
    let mut by_source: Vec<(String, usize, String)> = Vec::new();
    for m in &d.members {
        match by_source.iter_mut().find(|(n, _, _)| *n == m.source_name) {
            Some(row) => row.1 += 1,
            None => by_source.push((m.source_name.clone(), 1, short_time(Some(&m.published)))),
        }
    }
    by_source.sort_by_key(|s| std::cmp::Reverse(s.1));
    EventPage {
        nav: Nav::new(s, "events"),
        first_seen: short_time(Some(&d.event.first_seen)),
        last_seen: short_time(Some(&d.event.last_seen)),
        timeline_svg: timeline(&d),
        by_source,
        members: d
            .members
            .iter()
            .map(|m| MemberRow {
                id: m.id,
                title: m.title.clone(),
                href: safe_href(&m.url).map(str::to_string),
                source_name: m.source_name.clone(),
                published: short_time(Some(&m.published)),
                first: m.first,
            })
            .collect(),
        e: d.event,
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Articles per hour (a span of two days or less) or per day, as bars.
fn timeline(d: &EventDetail) -> String {
    let (unit, buckets) = d.spread();
    if buckets.is_empty() {
        return String::new();
    }
    let hourly = unit == "小时";
    let (labels, counts): (Vec<String>, Vec<usize>) = buckets.into_iter().unzip();
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let (w, h, pad) = (24.0f64, 120.0f64, 18.0f64);
    let width = pad * 2.0 + w * labels.len() as f64;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"传播时间线：每{}文章数\" viewBox=\"0 0 {width} {}\" width=\"{width}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        if hourly { "小时" } else { "天" },
        h + 40.0,
        h + 40.0
    );
    for (i, (l, c)) in labels.iter().zip(&counts).enumerate() {
        let x = pad + w * i as f64;
        let bh = h * (*c as f64) / max as f64;
        svg.push_str(&format!(
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#b71c1c\"><title>{} {} 篇</title></rect>",
            x + 3.0,
            10.0 + h - bh,
            w - 6.0,
            esc(l),
            c
        ));
        if *c > 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{c}</text>",
                x + w / 2.0,
                8.0 + h - bh
            ));
        }
        if i % (labels.len() / 8).max(1) == 0 {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
                x + w / 2.0,
                h + 26.0,
                esc(l)
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

pub async fn api_list(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    p: Params,
) -> Result<Response, WebError> {
    let since = p.date("since")?;
    let until = p.date("until")?;
    let app = web.shared.app();
    let list = blocking(move || app.events(since, until)).await?;
    Ok(Json(json!({ "events": list })).into_response())
}

pub async fn api_show(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_id(&id, "事件")?;
    let app = web.shared.app();
    let d = blocking(move || app.event_detail(id))
        .await?
        .ok_or_else(|| WebError::NotFound(format!("没有编号为 {id} 的事件 (no event {id})")))?;
    Ok(Json(d).into_response())
}
