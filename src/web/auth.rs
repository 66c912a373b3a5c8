//! Who may do what. Roles: `unit` (a partner unit: the 处置 page, and the alerts handed to its
//! unit, which it can answer), `staff` (search and read), `collector` (+ review and hand over
//! alerts), `admin` (+ users and configuration reload).
//!
//! A login creates a session: a random token in an `HttpOnly; SameSite=Strict` cookie (plus
//! `Secure` behind TLS), stored in SQLite only as its SHA-256, expiring after [`IDLE_SECS`]
//! without use. Each session has a CSRF token that every state-changing form (hidden `csrf`
//! field) and API call (`X-CSRF-Token` header) must echo; a cross-site `Origin` or
//! `Sec-Fetch-Site` on such a request is refused too. Failed logins are limited per user name
//! and per client address ([`MAX_FAILURES`] per [`FAILURE_WINDOW`]).
//!
//! With no user in the database and a loopback listen address, a request from this machine
//! (loopback Host, no proxy headers) is an implicit local administrator. The first
//! `yuqing user add` ends that.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use super::error::{PageError, WebError, blocking};
use super::params::Params;
use super::view::{Nav, local_path};
use super::{Web, WebState};

pub const COOKIE: &str = "yuqing_session";
/// A session unused for this long is gone.
pub const IDLE_SECS: i64 = 8 * 3600;
/// `last_seen` is written at most this often per session.
const TOUCH_SECS: i64 = 60;
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(5 * 60);

pub use crate::model::Role;

/// The user behind a request.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    /// The partner unit a `unit` user acts for.
    pub unit: Option<String>,
    pub csrf: String,
    /// The implicit local administrator (no user defined yet).
    pub implicit: bool,
    /// SHA-256 of the cookie token (none for the implicit administrator).
    pub token_hash: Option<String>,
}

impl Session {
    /// A `unit` user may act on this alert only when it was handed to their unit; everyone
    /// else by role.
    pub fn may_answer(&self, alert_unit: Option<&str>) -> bool {
        match self.role {
            Role::Unit => self.unit.is_some() && self.unit.as_deref() == alert_unit,
            r => r >= Role::Collector,
        }
    }

    /// For a `unit` user: whether the alert is their unit's (else it does not exist for them).
    pub fn may_see(&self, alert_unit: Option<&str>) -> bool {
        self.role != Role::Unit || self.may_answer(alert_unit)
    }

    pub fn require(&self, role: Role) -> Result<(), WebError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(WebError::forbidden_role(role.label_zh()))
        }
    }

    /// The CSRF token sent with a state-changing request must be this session's.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), WebError> {
        match sent {
            Some(t) if ct_eq(t.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(WebError::Forbidden(
                "CSRF 校验失败，请刷新页面后重试 (bad CSRF token)".into(),
            )),
        }
    }

    /// For API calls: the `X-CSRF-Token` header.
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), WebError> {
        self.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()))
    }
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random bytes, hex.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    // The OS random source failing is not something a web server can work around.
    getrandom::fill(&mut b).expect("OS random source");
    hex(&b)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

pub use crate::app::users::{
    MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, add_user, check_password, check_user_name,
    hash_password, verify_password,
};

pub use super::limiter::{Attempt, HASH_QUEUE_WAIT, Limiter, MAX_CONCURRENT_HASHES};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

fn host_is_loopback(host: &str) -> bool {
    let h = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether this request may be the implicit local administrator (if no user exists).
fn local_request(parts: &Parts, listen: &str) -> bool {
    let listen_local = listen
        .parse::<SocketAddr>()
        .is_ok_and(|a| a.ip().is_loopback());
    let peer_local = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .is_none_or(|c| c.0.ip().is_loopback());
    let proxied = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| parts.headers.contains_key(*h));
    // A loopback Host also defeats DNS rebinding (evil.example resolving to 127.0.0.1).
    let host_local = parts
        .headers
        .get(header::HOST)
        .is_none_or(|h| h.to_str().is_ok_and(host_is_loopback));
    listen_local && peer_local && !proxied && host_local
}

/// State-changing requests must come from our own pages: a cross-site `Origin` or
/// `Sec-Fetch-Site` is refused (in addition to the CSRF token).
pub fn check_origin(method: &Method, headers: &HeaderMap) -> Result<(), WebError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let bad = || WebError::Forbidden("跨站请求被拒绝 (cross-site request refused)".into());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && site == "cross-site"
    {
        return Err(bad());
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| bad())?;
        let authority = origin.split_once("://").map(|(_, a)| a).ok_or_else(bad)?;
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        if host.is_some_and(|h| !h.eq_ignore_ascii_case(authority)) {
            return Err(bad());
        }
    }
    Ok(())
}

/// The session of a request, the implicit local administrator, or `Unauthorized`.
async fn resolve(parts: &Parts, web: &Web) -> Result<Session, WebError> {
    check_origin(&parts.method, &parts.headers)?;
    let app = web.shared.app();
    let token = session_cookie(&parts.headers);
    let local = local_request(parts, &app.config.listen);
    let store = app.store.clone();
    let t = now();
    let found = blocking(move || -> Result<_, WebError> {
        if let Some(token) = token {
            let h = sha256_hex(&token);
            if let Some(row) = store.session(&h, t - IDLE_SECS)? {
                if t - row.last_seen >= TOUCH_SECS {
                    store.touch_session(&h, t)?;
                }
                return Ok(Some((row, Some(h))));
            }
        }
        if local && store.user_count()? == 0 {
            return Ok(None);
        }
        Err(WebError::Unauthorized)
    })
    .await?;
    Ok(match found {
        Some((row, token_hash)) => Session {
            user: row.user,
            // An unknown stored role gets the least power.
            role: Role::parse(&row.role).unwrap_or(Role::Unit),
            unit: row.unit,
            csrf: row.csrf,
            implicit: false,
            token_hash,
        },
        None => Session {
            user: "本机管理员".into(),
            role: Role::Admin,
            unit: None,
            csrf: web.local_csrf.clone(),
            implicit: true,
            token_hash: None,
        },
    })
}

/// The paths a `unit` user may open: the 处置 page, an alert's page, its feedback form and
/// its 专报 (each handler checks that the alert is the unit's), the session and logout.
fn unit_may_open(path: &str) -> bool {
    let alert = |rest: &str| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit());
    match path {
        "/handling" | "/logout" | "/api/session" | "/report/incident" => true,
        _ => path
            .strip_prefix("/alerts/")
            .is_some_and(|rest| alert(rest) || rest.strip_suffix("/feedback").is_some_and(alert)),
    }
}

fn unit_refused() -> WebError {
    WebError::Forbidden(
        "联席单位账号只能查看和反馈交办给本单位的事项 (a unit account sees only what is handed to it)"
            .into(),
    )
}

/// The user of an API request; rejects with a JSON 401/403.
pub struct ApiUser(pub Session);

impl FromRequestParts<WebState> for ApiUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, web: &WebState) -> Result<Self, WebError> {
        let s = resolve(parts, web).await?;
        if s.role == Role::Unit && !unit_may_open(parts.uri.path()) {
            return Err(unit_refused());
        }
        Ok(ApiUser(s))
    }
}

/// The user of a page request; not logged in redirects to `/login?next=…`.
pub struct PageUser(pub Session);

impl FromRequestParts<WebState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &WebState) -> Result<Self, Response> {
        match resolve(parts, web).await {
            // A unit user's other pages lead to their 处置 page.
            Ok(s) if s.role == Role::Unit && !unit_may_open(parts.uri.path()) => {
                if parts.method == Method::GET {
                    Err(Redirect::to("/handling").into_response())
                } else {
                    Err(PageError(unit_refused()).into_response())
                }
            }
            Ok(s) => Ok(PageUser(s)),
            Err(WebError::Unauthorized) => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let to = format!("/login?{}", super::view::query_string(&[("next", next)]));
                Err(Redirect::to(&to).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// The client address for the login rate limit; known only when the server was started with
/// `into_make_service_with_connect_info` (else only the per-name limit applies, so that one
/// client cannot lock everybody out).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn is_tls(headers: &HeaderMap) -> bool {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    h("x-forwarded-proto") == "https" || h("forwarded").contains("proto=https")
}

fn session_set_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    )
}

#[derive(Template)]
#[template(path = "login.html", config = "src/web/askama.toml")]
struct LoginPage {
    nav: Nav,
    next: String,
    name: String,
    message: Option<String>,
}

fn login_response(
    status: StatusCode,
    next: &str,
    name: &str,
    message: Option<String>,
) -> Result<Response, PageError> {
    let page = LoginPage {
        nav: Nav::anonymous(),
        next: next.to_string(),
        name: name.to_string(),
        message,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub async fn login_page(Query(q): Query<HashMap<String, String>>) -> Result<Response, PageError> {
    // Without a page to go back to, the overview (the home page).
    let next = q
        .get("next")
        .and_then(|n| local_path(n))
        .unwrap_or("/overview");
    login_response(StatusCode::OK, next, "", None)
}

pub async fn login(
    State(web): State<WebState>,
    ClientIp(ip): ClientIp,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, PageError> {
    check_origin(&method, &headers)?;
    let f = Params::from_body(&body);
    let name = f.get("name").unwrap_or("").to_string();
    let password = f.raw("password").unwrap_or("").to_string();
    let next = f
        .get("next")
        .and_then(local_path)
        .unwrap_or("/overview")
        .to_string();
    let mut keys = vec![format!("user:{name}")];
    if let Some(ip) = ip {
        keys.push(format!("ip:{ip}"));
    }
    let ip = ip.map_or_else(|| "-".to_string(), |i| i.to_string());
    // Counted before the password is checked: concurrent guesses get no extra tries.
    let Some(attempt) = web.limiter.begin(&keys) else {
        tracing::warn!(user = %name, ip = %ip, "login rate limited");
        let msg = "登录失败次数过多，请 5 分钟后再试 (too many failed logins)".to_string();
        return login_response(StatusCode::TOO_MANY_REQUESTS, &next, &name, Some(msg));
    };
    let Some(_slot) = web.limiter.hashing_slot().await else {
        // Not the client's failure: the attempt is not counted against it.
        attempt.succeeded();
        tracing::warn!(user = %name, ip = %ip, "login refused: hashing slots busy");
        let msg =
            "登录请求过多，请稍后再试 (too many logins at once, try again shortly)".to_string();
        return login_response(StatusCode::TOO_MANY_REQUESTS, &next, &name, Some(msg));
    };
    let store = web.shared.app().store.clone();
    let n = name.clone();
    let user = blocking(move || -> Result<_, WebError> {
        let row = store.user(&n)?;
        let ok = match &row {
            Some(u) => verify_password(&password, &u.password_hash),
            None => {
                // Same work for unknown names, so timing does not tell which names exist.
                static DUMMY: OnceLock<String> = OnceLock::new();
                let d = DUMMY
                    .get_or_init(|| hash_password("yuqing-dummy-password").unwrap_or_default());
                let _ = verify_password(&password, d);
                false
            }
        };
        let Some(u) = row.filter(|_| ok) else {
            return Ok(None);
        };
        let token = random_token();
        let t = now();
        store.create_session(&sha256_hex(&token), u.id, &random_token(), t, t - IDLE_SECS)?;
        Ok(Some(token))
    })
    .await?;
    let Some(token) = user else {
        drop(attempt);
        tracing::warn!(user = %name, ip = %ip, "login failed");
        return login_response(
            StatusCode::UNAUTHORIZED,
            &next,
            &name,
            Some("用户名或密码错误 (wrong user name or password)".into()),
        );
    };
    attempt.succeeded();
    tracing::info!(user = %name, "login");
    let cookie = session_set_cookie(&token, is_tls(&headers));
    Ok((
        StatusCode::SEE_OTHER,
        [(header::SET_COOKIE, cookie), (header::LOCATION, next)],
    )
        .into_response())
}

pub async fn logout(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    let f = Params::from_body(&body);
    s.check_csrf(f.raw("csrf"))?;
    if let Some(h) = s.token_hash.clone() {
        let store = web.shared.app().store.clone();
        blocking(move || store.delete_session(&h)).await?;
    }
    let clear = format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, clear),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}
