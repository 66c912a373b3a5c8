//! The web UI and JSON API at the router level (`tower::ServiceExt::oneshot` on `web::router`):
//! [`access`] — who may do what, CSRF, login, the rate limit, the implicit local administrator;
//! [`pages`] — error codes, hostile crawled text, search, reviews, digest, rules, reload.

mod access;
mod pages;
mod saved;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use tower::ServiceExt;
use yuqing::app::App;
use yuqing::config::Config;
use yuqing::serve::Shared;
use yuqing::store::NewArticle;
use yuqing::web::{self, auth::Role};

use crate::common::write_config;

const XSS: &str = "<script>alert(1)</script><img src=x onerror=alert(2)>";
const PASSWORD: &str = "correct-horse-9";

const RULES: &str = "[[rule]]\nid = \"fire\"\nname = \"火灾事故\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\nexclude = [\"演练\"]\n";

struct T {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    router: Router,
    shared: Arc<Shared>,
    /// Articles: 0 = hostile title with an alert, 1 = its reprint, 2 = unrelated.
    ids: Vec<i64>,
}

struct Res {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    bytes: Vec<u8>,
}

impl Res {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

/// A configuration, three stored articles (one alert) and these users.
fn setup(users: &[(&str, Role)]) -> T {
    setup_with(users, "")
}

/// `setup` with `extra` appended to source s2's table.
fn setup_with(users: &[(&str, Role)], extra: &str) -> T {
    let dir = tempfile::tempdir().unwrap();
    let sources = format!(
        "[[source]]\nid = \"s1\"\nname = \"青石发布\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed\"\n\n\
         [[source]]\nid = \"s2\"\nname = \"江北新闻\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed2\"\n{extra}\n"
    );
    let sources = sources.as_str();
    let cfg = write_config(dir.path(), sources, RULES, "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let body = "青石街道一仓库今天下午发生火灾，消防救援人员迅速到场处置，现场无人员伤亡，起火原因正在调查之中。\
                街道办事处提醒广大居民注意用电安全，不要私拉乱接电线，发现隐患及时报告社区。";
    let articles = [
        (
            format!("{XSS}青石街道仓库火灾"),
            body.to_string(),
            "s1",
            7200,
        ),
        (
            "转载：青石街道仓库火灾".to_string(),
            body.to_string(),
            "s2",
            3600,
        ),
        (
            "柳湾社区举办邻里节".to_string(),
            "柳湾社区今天举办邻里节活动，居民们带来了自家做的美食，现场气氛热烈。".repeat(2),
            "s2",
            1800,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (title, text, source, age)) in articles.into_iter().enumerate() {
        let a = NewArticle {
            canonical_url: format!("http://127.0.0.1:9/a/{i}"),
            url: format!("http://127.0.0.1:9/a/{i}"),
            source_id: source.into(),
            title,
            published: Some(now - age),
            fetched: now - age,
            text,
            author: (i == 1).then(|| "记者 王五".to_string()),
            evidence: (i == 0).then(|| {
                b"<html><body><script>alert(3)</script><p onclick=\"steal()\">\xe6\xad\xa3\xe6\x96\x87</p><img src=\"http://evil.example/x.png\"></body></html>".to_vec()
            }),
            evidence_type: (i == 0).then(|| "text/html".to_string()),
            ..Default::default()
        };
        ids.push(app.store.insert_article(&a).unwrap().unwrap());
    }
    app.index_pending().unwrap();
    assert_eq!(
        app.match_articles(&ids).unwrap(),
        2,
        "the reprint has its own alert (grouped with the first one for display)"
    );
    // The first user must be an admin (a lone collector would lock everyone out of /users).
    if users.first().is_some_and(|(_, r)| *r != Role::Admin) {
        web::auth::add_user(&app.store, "root", Role::Admin, None, PASSWORD).unwrap();
    }
    for (name, role) in users {
        web::auth::add_user(&app.store, name, *role, None, PASSWORD).unwrap();
    }
    let shared = Shared::new(app);
    T {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        router: web::router(shared.clone()),
        shared,
        ids,
    }
}

impl T {
    async fn send(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Res {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(b.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }

    async fn get(&self, uri: &str, cookie: Option<&str>) -> Res {
        match cookie {
            Some(c) => {
                self.send(Method::GET, uri, &[("cookie", c)], Body::empty())
                    .await
            }
            None => self.send(Method::GET, uri, &[], Body::empty()).await,
        }
    }

    async fn post_form(&self, uri: &str, cookie: Option<&str>, form: &str) -> Res {
        let mut h = vec![("content-type", "application/x-www-form-urlencoded")];
        if let Some(c) = cookie {
            h.push(("cookie", c));
        }
        self.send(Method::POST, uri, &h, form.to_string()).await
    }

    async fn post_json(&self, uri: &str, s: &Login, csrf: Option<&str>, json: &str) -> Res {
        let mut h = vec![
            ("content-type", "application/json"),
            ("cookie", s.cookie.as_str()),
        ];
        if let Some(t) = csrf {
            h.push(("x-csrf-token", t));
        }
        self.send(Method::POST, uri, &h, json.to_string()).await
    }

    async fn login(&self, name: &str) -> Login {
        let r = self
            .post_form(
                "/login",
                None,
                &format!("name={name}&password={PASSWORD}&next=/alerts"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.header("location"), "/alerts");
        let set = r.header("set-cookie").to_string();
        let cookie = set.split(';').next().unwrap().to_string();
        let s = self.get("/api/session", Some(&cookie)).await;
        assert_eq!(s.status, StatusCode::OK);
        Login {
            cookie,
            csrf: s.json()["csrf"].as_str().unwrap().to_string(),
        }
    }

    /// The alert of article 0 (the first publication; its reprint has one too).
    fn alert_id(&self) -> i64 {
        let app = self.shared.app();
        app.alerts(&Default::default())
            .unwrap()
            .iter()
            .find(|a| a.article_id == self.ids[0])
            .unwrap()
            .id
    }
}

struct Login {
    cookie: String,
    csrf: String,
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

const PAGES: &[&str] = &[
    "/",
    "/?q=%E7%81%AB%E7%81%BE",
    "/alerts",
    "/digest",
    "/sources",
    "/rules",
    "/export.csv?q=a",
    "/export.xlsx?q=a",
];
const API_GETS: &[&str] = &[
    "/api/session",
    "/api/search?q=a",
    "/api/alerts",
    "/api/sources",
    "/api/digest/2026-11-21",
    "/api/articles/1",
];
