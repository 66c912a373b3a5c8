//! Who may do what. Roles: `staff` (search and read), `collector` (+ review alerts), `admin`
//! (+ users and configuration reload).
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
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

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
pub const MIN_PASSWORD_CHARS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Staff,
    Collector,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "staff" => Some(Role::Staff),
            "collector" => Some(Role::Collector),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Collector => "collector",
            Role::Admin => "admin",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Staff => "工作人员",
            Role::Collector => "信息员",
            Role::Admin => "管理员",
        }
    }
}

/// The user behind a request.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: String,
    pub role: Role,
    pub csrf: String,
    /// The implicit local administrator (no user defined yet).
    pub implicit: bool,
    /// SHA-256 of the cookie token (none for the implicit administrator).
    pub token_hash: Option<String>,
}

impl Session {
    pub fn require(&self, role: Role) -> Result<(), WebError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(WebError::forbidden_role(role.label()))
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

/// An argon2id PHC string (random salt, default parameters).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::{Argon2, PasswordHasher};
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

pub fn check_user_name(name: &str) -> Result<(), String> {
    let n = name.chars().count();
    if n == 0 || n > 32 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(
            "用户名须为 1–32 个字符，不含空白 (user name: 1-32 characters, no spaces)".into(),
        );
    }
    Ok(())
}

/// Longest password accepted, in characters.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords of 8+ characters that guessing tools try first (our own list, compiled from the
/// well-known patterns: digit runs, keyboard walks, `password`/`admin`/`woaini` variants).
/// Compared case-insensitively; see also [`is_trivial_pattern`].
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "987654321",
    "11223344",
    "12341234",
    "12344321",
    "1234qwer",
    "qwer1234",
    "1qaz2wsx",
    "1qaz@wsx",
    "zaq12wsx",
    "qwertyui",
    "qwertyuiop",
    "asdfghjk",
    "asdfghjkl",
    "zxcvbnm1",
    "qazwsxedc",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "a1b2c3d4",
    "abc12345",
    "abcd1234",
    "abc123456",
    "a12345678",
    "a123456789",
    "aa123456",
    "admin123",
    "admin1234",
    "admin@123",
    "administrator",
    "root1234",
    "welcome1",
    "iloveyou",
    "woaini1314",
    "woaini520",
    "5201314520",
    "13145200",
    "5201314a",
    "88888888",
    "66666666",
    "168168168",
    "12121212",
    "11112222",
    "147258369",
    "123123123",
    "123321123",
    "112233445",
    "super123",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "dragon12",
    "monkey12",
    "letmein1",
    "trustno1",
    "changeme",
    "default1",
    "yuqing123",
    "yuqing2026",
    "huawei123",
    "computer",
    "internet",
    "qq123456",
    "woaini123",
    "nihao123",
];

/// All one character, or a run like `abcdefgh` / `98765432` (steps of +1 or -1).
fn is_trivial_pattern(p: &str) -> bool {
    let c: Vec<char> = p.chars().collect();
    let step = |d: i64| c.windows(2).all(|w| w[1] as i64 - w[0] as i64 == d);
    step(0) || step(1) || step(-1)
}

pub fn check_password(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS || password.trim().chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "密码至少 {MIN_PASSWORD_CHARS} 个字符，且不能全是空格 (password: at least {MIN_PASSWORD_CHARS} characters, not all spaces)"
        ));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(format!(
            "密码最多 {MAX_PASSWORD_CHARS} 个字符 (password: at most {MAX_PASSWORD_CHARS} characters)"
        ));
    }
    let lower = password.to_lowercase();
    if is_trivial_pattern(&lower) || COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(
            "密码过于常见或简单，容易被猜中，请换一个 (password too common or simple)".into(),
        );
    }
    Ok(())
}

/// Creates a user with a checked name, role and password.
pub fn add_user(
    store: &crate::store::Store,
    name: &str,
    role: Role,
    password: &str,
) -> anyhow::Result<()> {
    check_user_name(name).map_err(anyhow::Error::msg)?;
    check_password(password).map_err(anyhow::Error::msg)?;
    if password.to_lowercase().contains(&name.to_lowercase()) {
        anyhow::bail!("密码不能包含用户名 (password must not contain the user name)");
    }
    let hash = hash_password(password)?;
    if !store.create_user(name, role.as_str(), &hash, chrono::Utc::now().timestamp())? {
        anyhow::bail!("用户 {name} 已存在 (user exists)");
    }
    Ok(())
}

/// Password hashes (argon2id, 19 MiB each) computed at once, server-wide. The rest of a login
/// burst waits up to [`HASH_QUEUE_WAIT`] and then gets 429: memory stays flat under a flood.
pub const MAX_CONCURRENT_HASHES: usize = 2;
/// How long a login waits for a free hashing slot before 429.
pub const HASH_QUEUE_WAIT: Duration = Duration::from_secs(3);

/// Login attempts per key (`user:NAME`, `ip:ADDR`): failures within [`FAILURE_WINDOW`], plus
/// attempts still being checked. An attempt is counted *before* its password is checked, so a
/// burst of concurrent guesses gets no more checks than a sequence would.
pub struct Limiter {
    state: Mutex<LimiterState>,
    hashing: tokio::sync::Semaphore,
}

#[derive(Default)]
struct LimiterState {
    failures: HashMap<String, Vec<Instant>>,
    in_flight: HashMap<String, usize>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter {
            state: Mutex::default(),
            hashing: tokio::sync::Semaphore::new(MAX_CONCURRENT_HASHES),
        }
    }
}

/// One login attempt being checked; counted as a failure unless [`Attempt::succeeded`].
pub struct Attempt<'a> {
    limiter: &'a Limiter,
    keys: Vec<String>,
    failed: bool,
}

impl Attempt<'_> {
    pub fn succeeded(mut self) {
        self.failed = false;
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut st = self.limiter.lock();
        for k in &self.keys {
            if let Some(n) = st.in_flight.get_mut(k) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    st.in_flight.remove(k);
                }
            }
            if self.failed {
                st.failures.entry(k.clone()).or_default().push(now);
            }
        }
    }
}

impl Limiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts an attempt, or `None` when a key already has [`MAX_FAILURES`] failures and
    /// attempts in flight together.
    pub fn begin(&self, keys: &[String]) -> Option<Attempt<'_>> {
        let now = Instant::now();
        let mut st = self.lock();
        if st.failures.len() > 10_000 {
            st.failures.retain(|_, v| {
                v.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                !v.is_empty()
            });
        }
        let LimiterState {
            failures,
            in_flight,
        } = &mut *st;
        let blocked = keys.iter().any(|k| {
            let failed = failures.get_mut(k).map_or(0, |v| {
                v.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                v.len()
            });
            failed + in_flight.get(k).copied().unwrap_or(0) >= MAX_FAILURES
        });
        if blocked {
            return None;
        }
        for k in keys {
            *in_flight.entry(k.clone()).or_default() += 1;
        }
        Some(Attempt {
            limiter: self,
            keys: keys.to_vec(),
            failed: true,
        })
    }

    /// A slot to compute one password hash in, waiting at most [`HASH_QUEUE_WAIT`].
    pub async fn hashing_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        tokio::time::timeout(HASH_QUEUE_WAIT, self.hashing.acquire())
            .await
            .ok()?
            .ok()
    }
}

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
            role: Role::parse(&row.role).unwrap_or(Role::Staff),
            csrf: row.csrf,
            implicit: false,
            token_hash,
        },
        None => Session {
            user: "本机管理员".into(),
            role: Role::Admin,
            csrf: web.local_csrf.clone(),
            implicit: true,
            token_hash: None,
        },
    })
}

/// The user of an API request; rejects with a JSON 401/403.
pub struct ApiUser(pub Session);

impl FromRequestParts<WebState> for ApiUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, web: &WebState) -> Result<Self, WebError> {
        resolve(parts, web).await.map(ApiUser)
    }
}

/// The user of a page request; not logged in redirects to `/login?next=…`.
pub struct PageUser(pub Session);

impl FromRequestParts<WebState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &WebState) -> Result<Self, Response> {
        match resolve(parts, web).await {
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
    let next = q.get("next").and_then(|n| local_path(n)).unwrap_or("/");
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
        .unwrap_or("/")
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
