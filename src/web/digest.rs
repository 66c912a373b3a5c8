//! The digest page (日报): the digest of a day read inline, marked 未截止 while its window is
//! open, with its downloads; a window that has not started is refused.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;

use super::WebState;
use super::auth::PageUser;
use super::error::{PageError, WebError, blocking};
use super::params::parse_date;
use super::view::{Nav, render};

#[derive(Template)]
#[template(path = "digest.html", config = "src/web/askama.toml")]
struct DigestPage {
    nav: Nav,
    date: String,
    prev: String,
    /// None for the current window: no later digest exists yet.
    next: Option<String>,
    current: String,
    /// The window is still open: the digest grows until its cut-off.
    open: bool,
    /// The digest's own HTML body (our renderer escapes every crawled string), shown inline so
    /// it reads on a phone without a frame that scrolls inside the page.
    body: String,
}

pub async fn current(State(web): State<WebState>, PageUser(_): PageUser) -> Response {
    let date = web.shared.app().current_digest_date();
    Redirect::to(&format!("/digest/{date}")).into_response()
}

pub async fn page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    Path(date): Path<String>,
) -> Result<Response, PageError> {
    let current = web.shared.app().current_digest_date();
    if date == "current" {
        return Ok(Redirect::to(&format!("/digest/{current}")).into_response());
    }
    let d: NaiveDate = parse_date(&date)?;
    let app = web.shared.app();
    app.check_digest_date(d).map_err(WebError::bad)?;
    let _turn = web.heavy.acquire().await.map_err(anyhow::Error::from)?;
    let html = blocking(move || -> anyhow::Result<Vec<u8>> {
        let digest = app.build_digest(d, crate::app::alerts::DigestDetail::Listed)?;
        Ok(crate::alert::digest::render(
            &digest,
            crate::alert::digest::DigestFormat::Html,
        )?)
    })
    .await?;
    let html = String::from_utf8_lossy(&html);
    let body = html
        .split_once("<body")
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(_, rest)| rest.rsplit_once("</body>").map_or(rest, |(b, _)| b))
        .unwrap_or_default()
        .to_string();
    let page = DigestPage {
        nav: Nav::new(&s, "digest"),
        date: d.to_string(),
        prev: d.pred_opt().unwrap_or(d).to_string(),
        next: (d < current).then(|| d.succ_opt().unwrap_or(d).to_string()),
        current: current.to_string(),
        open: d == current,
        body,
    };
    render(&page)
}
