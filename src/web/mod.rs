//! The web UI (server-rendered pages in Simplified Chinese) and the JSON API (DESIGN.md §4).
//!
//! Everything is embedded: templates are compiled in (askama), the stylesheet is inline and the
//! one small script is served from `/static/app.js`. Every crawled string is treated as hostile:
//! templates escape by default, snippets go through [`crate::app::snippet_html`], captured pages
//! are sanitized with ammonia and shown only in a sandboxed frame.
//!
//! Access: users live in SQLite (`yuqing user add`), sessions are cookies (see [`auth`]). When no
//! user exists and the server listens on a loopback address, requests from this machine are
//! served as an implicit local administrator, so a fresh checkout works out of the box; as soon
//! as one user exists, login is required. A non-loopback listen address with no user is refused
//! at start ([`check_listen`]).
//!
//! # Layout
//! * [`error`] — the one error type; JSON for the API, an HTML page (or a redirect to the
//!   login page) for pages.
//! * [`auth`] — roles, sessions, login/logout, CSRF, the login rate limit.
//! * [`params`] — query-string parsing shared by pages, API and exports.
//! * [`api`] — `/api/*` JSON handlers (same shapes as the CLI's `--json`).
//! * [`pages`] — search, article, users; [`sources`] — sources and 立即采集; [`review`] —
//!   alerts and rules; [`digest`] — the digest page.
//! * [`saved`] — saved searches (专题): list, one search's page, `/api/saved`.
//! * [`export`] — CSV and XLSX export of a search.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::app::shared::Shared;
use crate::store::Store;

pub mod api;
pub mod auth;
pub mod digest;
pub mod error;
pub mod events;
mod export;
pub mod handling;
mod limiter;
pub mod overview;
pub mod pages;
pub mod params;
pub mod review;
pub mod saved;
pub mod sources;
mod view;

pub use error::{PageError, WebError};

/// Content-Security-Policy of every page: no inline script, no third-party anything.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'";

/// Content-Security-Policy of documents we did not write (captured pages, digests in a frame).
pub const SANDBOX_CSP: &str =
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

/// State of the web layer: the shared application plus what only the web needs.
pub struct Web {
    pub shared: Arc<Shared>,
    pub limiter: auth::Limiter,
    /// CSRF token of the implicit local administrator (no session exists for it).
    pub local_csrf: String,
    /// Digest documents and exports are built one at a time: one can hold a few hundred MB
    /// while it is built (a window of 60 000 alerts), so ten at once would be gigabytes.
    pub heavy: tokio::sync::Semaphore,
    /// Captured pages sanitized at once ([`MAX_EVIDENCE_RENDERS`]): each can take a few MB and
    /// a blocking thread, and the blocking pool must stay free for searches.
    pub evidence: tokio::sync::Semaphore,
}

/// Evidence pages rendered at once; the rest wait their turn.
pub const MAX_EVIDENCE_RENDERS: usize = 2;

pub type WebState = Arc<Web>;

/// Every route except `/healthz` and `/metrics` (the serve module owns those and the listener).
/// Serve it with `into_make_service_with_connect_info::<SocketAddr>()` so the login rate limit
/// can count per client address. Unknown paths get a Chinese 404 page (JSON under `/api/`);
/// the router can still be merged with one that has no fallback.
pub fn router(shared: Arc<Shared>) -> Router {
    let web = Arc::new(Web {
        shared,
        limiter: auth::Limiter::default(),
        local_csrf: auth::random_token(),
        heavy: tokio::sync::Semaphore::new(1),
        evidence: tokio::sync::Semaphore::new(MAX_EVIDENCE_RENDERS),
    });
    Router::new()
        .route("/", get(pages::search))
        .route("/export.csv", get(export::csv))
        .route("/export.xlsx", get(export::xlsx))
        .route("/article/{id}", get(pages::article))
        .route("/article/{id}/evidence", get(pages::evidence))
        .route("/overview", get(overview::page))
        .route("/api/overview", get(overview::api))
        .route("/events", get(events::list_page))
        .route("/events/{id}", get(events::page))
        .route("/api/events", get(events::api_list))
        .route("/api/events/{id}", get(events::api_show))
        .route("/saved", get(saved::list_page).post(saved::create_form))
        .route("/saved/{id}", get(saved::view_page))
        .route("/saved/{id}/delete", post(saved::delete_form))
        .route("/sources", get(sources::page))
        .route("/sources/crawl", post(sources::crawl_now))
        .route("/users", get(pages::users).post(pages::users_post))
        .route("/reload", post(pages::reload))
        .route("/alerts", get(review::alerts))
        .route("/alerts/review", post(review::review_form))
        .route("/alerts/{id}", get(review::alert_detail))
        .route("/alerts/{id}/assign", post(handling::assign_form))
        .route("/alerts/{id}/feedback", post(handling::feedback_form))
        .route("/handling", get(handling::page))
        .route("/report/incident", get(handling::incident_report))
        .route("/digest", get(digest::current))
        .route("/digest/{date}", get(digest::page))
        .route("/rules", get(review::rules))
        .route("/rules/test", post(review::rules_test))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/static/app.js", get(app_js))
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
        .route("/api/session", get(api::session))
        .route("/api/search", get(api::search))
        .route("/api/alerts", get(api::alerts))
        .route("/api/alerts/{id}/review", post(api::review))
        .route("/api/alerts/{id}/reviews", get(api::reviews))
        .route("/api/digest/{date}", get(api::digest))
        .route("/api/sources", get(api::sources))
        .route("/api/saved", get(saved::api_list).post(saved::api_create))
        .route(
            "/api/saved/{id}",
            get(saved::api_open).delete(saved::api_delete),
        )
        .route("/api/articles/{id}", get(api::article))
        .route("/api/reload", post(api::reload))
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .with_state(web)
}

/// An unknown path: a 404 page with links back (a JSON error under `/api/`).
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path: String = uri.path().chars().take(200).collect();
    let e = error::WebError::NotFound(format!("页面不存在：{path} (page not found)"));
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        error::PageError(e).into_response()
    }
}

/// Refuses to listen beyond this machine while nobody can log in.
pub fn check_listen(addr: &SocketAddr, store: &Store) -> Result<(), String> {
    if addr.ip().is_loopback() {
        return Ok(());
    }
    let users = store.user_count().map_err(|e| e.to_string())?;
    if users > 0 {
        return Ok(());
    }
    Err(format!(
        "拒绝在非本机地址 {addr} 上监听：尚未创建任何用户，任何人都可以访问。\
         请先创建管理员：yuqing user add NAME --role admin \
         (refusing to listen on {addr} with no web user defined: run 'yuqing user add NAME --role admin' first)"
    ))
}

const APP_JS: &str = include_str!("static/app.js");

async fn app_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
        .into_response()
}

/// Headers every response of this router carries (handlers may set a stricter CSP first).
/// `Referrer-Policy: same-origin` keeps our URLs (queries) from the sites of originals, and
/// unlike `no-referrer` lets browsers send a real `Origin` on our own form posts.
async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(PAGE_CSP),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}
