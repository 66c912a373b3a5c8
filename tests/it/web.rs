//! The web UI and JSON API at the router level: who may do what, CSRF, error codes, hostile
//! crawled text, the login rate limit, and the implicit local administrator.

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
    let dir = tempfile::tempdir().unwrap();
    let sources = "[[source]]\nid = \"s1\"\nname = \"青石发布\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed\"\n\n\
                   [[source]]\nid = \"s2\"\nname = \"江北新闻\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed2\"\n";
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
        1,
        "one alert: the reprint joins the cluster"
    );
    for (name, role) in users {
        web::auth::add_user(&app.store, name, *role, PASSWORD).unwrap();
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

    fn alert_id(&self) -> i64 {
        let app = self.shared.app();
        app.alerts(&Default::default()).unwrap()[0].id
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

#[tokio::test]
async fn anonymous_requests_are_sent_to_login_or_refused_once_a_user_exists() {
    let t = setup(&[("wang", Role::Staff)]);
    for p in PAGES.iter().copied().chain([
        format!("/article/{}", t.ids[0]).as_str(),
        "/users",
        "/alerts/1",
        "/digest/2026-11-21",
    ]) {
        let r = t.get(p, None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{p}");
        assert!(
            r.header("location").starts_with("/login?next="),
            "{p}: {}",
            r.header("location")
        );
    }
    for p in API_GETS {
        let r = t.get(p, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{p}");
        assert!(r.json()["error"].is_string());
    }
    for p in ["/api/reload", "/api/alerts/1/review"] {
        let r = t
            .send(Method::POST, p, &[("x-csrf-token", "x")], "{}")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{p}");
    }
    let r = t.get("/login", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("登录"));
    // A forged or stale cookie is no session.
    let r = t.get("/api/session", Some("yuqing_session=0123")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn roles_decide_who_reads_reviews_and_reloads() {
    let t = setup(&[
        ("staff1", Role::Staff),
        ("coll1", Role::Collector),
        ("admin1", Role::Admin),
    ]);
    let alert = t.alert_id();
    let article = t.ids[0];
    for (name, can_review, is_admin) in [
        ("staff1", false, false),
        ("coll1", true, false),
        ("admin1", true, true),
    ] {
        let s = t.login(name).await;
        let reads = [
            "/".to_string(),
            format!("/?q={}", enc("火灾")),
            "/alerts".into(),
            format!("/alerts/{alert}"),
            "/digest/2026-11-21".into(),
            "/sources".into(),
            "/rules".into(),
            format!("/article/{article}"),
            format!("/article/{article}/evidence"),
            format!("/export.csv?q={}", enc("火灾")),
            format!("/export.xlsx?q={}", enc("火灾")),
            "/static/app.js".into(),
            "/api/session".into(),
            format!("/api/search?q={}", enc("火灾")),
            "/api/alerts".into(),
            format!("/api/alerts/{alert}/reviews"),
            "/api/sources".into(),
            "/api/digest/2026-11-21?format=json".into(),
            format!("/api/articles/{article}"),
        ];
        for p in &reads {
            let r = t.get(p, Some(&s.cookie)).await;
            assert_eq!(r.status, StatusCode::OK, "{name} GET {p}: {}", r.body);
        }
        let r = t.get("/digest", Some(&s.cookie)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(r.header("location").starts_with("/digest/20"));

        let review = t
            .post_json(
                &format!("/api/alerts/{alert}/review"),
                &s,
                Some(&s.csrf),
                r#"{"status":"confirmed","note":"核实"}"#,
            )
            .await;
        assert_eq!(
            review.status,
            if can_review {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{name} review: {}",
            review.body
        );
        let form = t
            .post_form(
                "/alerts/review",
                Some(&s.cookie),
                &format!("csrf={}&id={alert}&status=reported", s.csrf),
            )
            .await;
        assert_eq!(
            form.status,
            if can_review {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            },
            "{name} form review"
        );

        let reload = t.post_json("/api/reload", &s, Some(&s.csrf), "").await;
        assert_eq!(
            reload.status,
            if is_admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{name} reload: {}",
            reload.body
        );
        let reload_form = t
            .post_form("/reload", Some(&s.cookie), &format!("csrf={}", s.csrf))
            .await;
        assert_eq!(
            reload_form.status,
            if is_admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{name} reload form"
        );
        let users = t.get("/users", Some(&s.cookie)).await;
        assert_eq!(
            users.status,
            if is_admin {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            },
            "{name} users"
        );
        // The review buttons are shown only to those who may use them.
        let page = t.get("/alerts", Some(&s.cookie)).await;
        assert_eq!(
            page.body.contains("value=\"confirmed\">已核实</button>"),
            can_review,
            "{name}"
        );
    }
    // Reviews are attributed to the logged-in user in the audit trail.
    let trail = t.shared.app().alert_reviews(alert).unwrap();
    let by: Vec<_> = trail.iter().filter_map(|r| r.by.clone()).collect();
    assert_eq!(by, ["coll1", "coll1", "admin1", "admin1"]);
}

#[tokio::test]
async fn state_changing_calls_need_the_sessions_csrf_token_and_our_origin() {
    let t = setup(&[("coll1", Role::Collector), ("admin1", Role::Admin)]);
    let alert = t.alert_id();
    let s = t.login("coll1").await;
    let uri = format!("/api/alerts/{alert}/review");
    let body = r#"{"status":"confirmed"}"#;
    assert_eq!(
        t.post_json(&uri, &s, None, body).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_json(&uri, &s, Some("wrong"), body).await.status,
        StatusCode::FORBIDDEN
    );
    let other = t.login("admin1").await;
    assert_eq!(
        t.post_json(&uri, &s, Some(&other.csrf), body).await.status,
        StatusCode::FORBIDDEN,
        "another session's token"
    );
    let r = t
        .post_form(
            "/alerts/review",
            Some(&s.cookie),
            &format!("id={alert}&status=confirmed"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            "/alerts/review",
            Some(&s.cookie),
            &format!("csrf=bad&id={alert}&status=confirmed"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.post_form("/logout", Some(&s.cookie), "").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form("/reload", Some(&other.cookie), "csrf=nope")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_json("/api/reload", &other, None, "").await.status,
        StatusCode::FORBIDDEN
    );
    // The right token from a foreign page is refused too.
    let r = t
        .send(
            Method::POST,
            &uri,
            &[
                ("cookie", &s.cookie),
                ("x-csrf-token", &s.csrf),
                ("origin", "http://evil.example"),
                ("host", "127.0.0.1:8080"),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .send(
            Method::POST,
            &uri,
            &[
                ("cookie", &s.cookie),
                ("x-csrf-token", &s.csrf),
                ("sec-fetch-site", "cross-site"),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        t.shared.app().alerts(&Default::default()).unwrap()[0].status,
        "new",
        "nothing changed"
    );
    // Same origin with the token works.
    let r = t
        .send(
            Method::POST,
            &uri,
            &[
                ("cookie", &s.cookie),
                ("x-csrf-token", &s.csrf),
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080"),
            ],
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["status"], "confirmed");
}

#[tokio::test]
async fn bad_parameters_are_400_and_unknown_ids_404_never_500() {
    let t = setup(&[("coll1", Role::Collector)]);
    let s = t.login("coll1").await;
    let c = Some(s.cookie.as_str());
    for p in [
        "/api/search?q=%22unclosed",
        "/api/search?q=a&since=2026-13-01",
        "/api/search?q=a&until=yesterday",
        "/api/search?q=a&since=2026-11-20&until=2026-11-01",
        "/api/search?q=a&sort=oldest",
        "/api/search?q=a&page=abc",
        "/api/search?q=a&limit=100000",
        "/api/search?q=a&kind=ftp",
        "/api/alerts?date=21/11/2026",
        "/api/alerts?status=done",
        "/api/alerts?level=urgent",
        "/api/digest/2026-02-30",
        "/api/digest/2026-11-21?format=pdf",
    ] {
        let r = t.get(p, c).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{p}: {}", r.body);
        assert!(
            r.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{p}"
        );
    }
    for p in [
        "/api/articles/999999",
        "/api/articles/abc",
        "/api/alerts/999999/reviews",
    ] {
        let r = t.get(p, c).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{p}");
        assert!(r.json()["error"].is_string());
    }
    for p in [
        "/article/999999",
        "/article/x",
        "/alerts/999999",
        "/article/999999/evidence",
    ] {
        let r = t.get(p, c).await;
        assert!(
            r.status == StatusCode::NOT_FOUND
                || (p.ends_with("evidence") && r.status == StatusCode::OK),
            "{p}: {}",
            r.status
        );
    }
    for p in [
        "/?q=%22unclosed",
        "/?q=a&since=bad",
        "/alerts?status=done",
        "/digest/bad",
        "/export.csv?q=%22x",
    ] {
        assert_eq!(t.get(p, c).await.status, StatusCode::BAD_REQUEST, "{p}");
    }
    let alert = t.alert_id();
    for (body, want) in [
        (r#"{"status":"done"}"#, StatusCode::BAD_REQUEST),
        ("not json", StatusCode::BAD_REQUEST),
        (r#"{"note":"x"}"#, StatusCode::BAD_REQUEST),
    ] {
        let r = t
            .post_json(
                &format!("/api/alerts/{alert}/review"),
                &s,
                Some(&s.csrf),
                body,
            )
            .await;
        assert_eq!(r.status, want, "{body}");
        assert!(r.json()["error"].is_string());
    }
    let r = t
        .post_json(
            "/api/alerts/999999/review",
            &s,
            Some(&s.csrf),
            r#"{"status":"confirmed"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&id=abc&status=confirmed", s.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&id={alert}&status=maybe", s.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_script_in_a_crawled_title_is_shown_as_text_everywhere() {
    let t = setup(&[("coll1", Role::Collector)]);
    let s = t.login("coll1").await;
    let c = Some(s.cookie.as_str());
    let alert = t.alert_id();
    for p in [
        format!("/?q={}", enc("仓库")),
        "/alerts".to_string(),
        format!("/alerts/{alert}"),
        format!("/article/{}", t.ids[0]),
        format!("/article/{}?q={}", t.ids[0], enc("script")),
    ] {
        let r = t.get(&p, c).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert!(!r.body.contains("<script>alert"), "{p}: raw script tag");
        assert!(!r.body.contains("<img src=x"), "{p}: raw img tag");
        if p.contains("q=script") {
            assert!(
                r.body.contains("&lt;<em>script</em>&gt;alert(1)"),
                "{p}: highlighted, still escaped"
            );
        } else {
            // Our snippets escape as `&lt;`, askama as `&#60;`: both show the text.
            let shown = r.body.replace("&#60;", "&lt;").replace("&#62;", "&gt;");
            assert!(
                shown.contains(
                    "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
                ),
                "{p}: title shown escaped"
            );
        }
        assert!(
            r.header("content-security-policy")
                .contains("script-src 'self'"),
            "{p}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
    }
    // JSON carries the title as data.
    let r = t.get(&format!("/api/articles/{}", t.ids[0]), c).await;
    assert!(r.json()["title"].as_str().unwrap().starts_with(XSS));
    assert!(r.header("content-type").starts_with("application/json"));
    // The captured page is sanitized and sandboxed.
    let r = t.get(&format!("/article/{}/evidence", t.ids[0]), c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("正文"));
    for bad in ["<script", "alert(3)", "onclick", "evil.example"] {
        assert!(!r.body.contains(bad), "evidence keeps {bad}: {}", r.body);
    }
    assert!(r.header("content-security-policy").starts_with("sandbox"));
    // The digest as HTML is sandboxed too, and escapes the title.
    let date = t.shared.app().current_digest_date();
    let r = t.get(&format!("/api/digest/{date}?format=html"), c).await;
    assert!(r.header("content-security-policy").starts_with("sandbox"));
    assert!(!r.body.contains("<script>alert"));
    // Exports defuse nothing harmful here but keep the text.
    let r = t.get(&format!("/export.csv?q={}", enc("仓库")), c).await;
    assert!(
        r.body.contains("<script>alert(1)</script>"),
        "CSV is data, kept verbatim"
    );
}

#[tokio::test]
async fn search_page_highlights_counts_paginates_and_exports() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let r = t.get(&format!("/?q={}", enc("仓库火灾")), c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("共 2 篇"), "{}", r.body);
    assert!(r.body.contains("<em>仓库火灾</em>"));
    assert!(r.body.contains("另有 1 篇相似"));
    let r = t
        .get(&format!("/?q={}&source=s2", enc("仓库火灾")), c)
        .await;
    assert!(r.body.contains("共 1 篇"));
    let r = t
        .get(&format!("/?q={}&kind=html", enc("仓库火灾")), c)
        .await;
    assert!(r.body.contains("共 0 篇"), "no html sources");
    let r = t
        .get(&format!("/?q={}&limit=1&sort=newest", enc("青石街道")), c)
        .await;
    assert!(r.body.contains("下一页"));
    let api = t
        .get(
            &format!(
                "/api/search?q={}&limit=1&page=2&sort=newest",
                enc("青石街道")
            ),
            c,
        )
        .await
        .json();
    assert_eq!(api["total"], 2);
    assert_eq!(api["hits"].as_array().unwrap().len(), 1);
    assert_eq!(api["hits"][0]["id"], t.ids[0], "older one on page 2");

    let r = t
        .get(&format!("/export.csv?q={}", enc("青石街道")), c)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.header("content-type").starts_with("text/csv"));
    assert!(r.header("content-disposition").starts_with("attachment"));
    assert!(r.body.starts_with('\u{feff}'));
    assert_eq!(r.body.trim_end().lines().count(), 3, "header + 2 rows");
    let r = t
        .get(&format!("/export.xlsx?q={}", enc("青石街道")), c)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"), "an xlsx is a zip");
}

#[tokio::test]
async fn reviews_change_the_status_in_bulk_and_leave_a_trail() {
    let t = setup(&[("coll1", Role::Collector)]);
    let a1 = t.alert_id();
    // A second alert, so that bulk review has two.
    let app = t.shared.app();
    let a2 = app
        .store
        .insert_alert(
            t.ids[2],
            "fire",
            "low",
            "[]",
            chrono::Utc::now().timestamp(),
        )
        .unwrap()
        .unwrap();
    let s = t.login("coll1").await;
    let c = Some(s.cookie.as_str());
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!(
                "csrf={}&back=%2Falerts%3Fstatus%3Dnew&id={a1}&id={a2}&status=dismissed&note={}",
                s.csrf,
                enc("误报")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/alerts?status=new");
    let list = t.get("/api/alerts?status=dismissed", c).await.json();
    assert_eq!(list["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(list["alerts"][0]["note"], "误报");
    let r = t
        .post_json(
            &format!("/api/alerts/{a1}/review"),
            &s,
            Some(&s.csrf),
            r#"{"status":"reported","note":"已报区里"}"#,
        )
        .await;
    assert_eq!(r.json()["status"], "reported");
    let trail = t.get(&format!("/api/alerts/{a1}/reviews"), c).await.json();
    let to: Vec<_> = trail["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(to, ["dismissed", "reported"]);
    assert_eq!(trail["reviews"][1]["by"], "coll1");
    let page = t.get(&format!("/alerts/{a1}"), c).await;
    assert!(page.body.contains("已报区里") && page.body.contains("coll1"));
    let page = t.get("/alerts?status=reported", c).await;
    assert!(page.body.contains("data-status=\"reported\""));
    assert!(page.body.contains("1 条预警"));
    // An off-site "back" is not followed.
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&back=%2F%2Fevil.example&id={a1}&status=new", s.csrf),
        )
        .await;
    assert_eq!(r.header("location"), "/alerts");
    // No alert ticked.
    let r = t
        .post_form("/alerts/review", c, &format!("csrf={}&status=new", s.csrf))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn digest_page_frames_the_digest_and_offers_downloads() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let date = t.shared.app().current_digest_date();
    let r = t.get(&format!("/digest/{date}"), c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains(&format!("src=\"/api/digest/{date}?format=html\""))
    );
    assert!(r.body.contains("format=xlsx") && r.body.contains("format=docx"));
    let x = t.get(&format!("/api/digest/{date}?format=xlsx"), c).await;
    assert!(x.header("content-type").contains("spreadsheetml"));
    assert!(
        x.header("content-disposition")
            .contains(&format!("yuqing-digest-{date}.xlsx"))
    );
    assert!(x.bytes.starts_with(b"PK"));
    let d = t.get(&format!("/api/digest/{date}?format=docx"), c).await;
    assert!(d.bytes.starts_with(b"PK"));
    let j = t
        .get(&format!("/api/digest/{date}?format=json"), c)
        .await
        .json();
    assert_eq!(j["alerts"].as_array().unwrap().len(), 1);
    let h = t.get(&format!("/api/digest/{date}"), c).await;
    assert!(h.header("content-type").starts_with("text/html") && h.body.contains("仓库火灾"));
    let cur = t.get("/api/digest/current?format=json", c).await;
    assert_eq!(cur.status, StatusCode::OK);
}

#[tokio::test]
async fn rules_page_lists_rules_and_tests_a_pasted_rule() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let r = t.get("/rules", c).await;
    assert!(r.body.contains("火灾事故") && r.body.contains("青石街道"));
    let rule = "[[rule]]\nid = \"t\"\nname = \"邻里\"\nevent = [\"邻里节\"]\n";
    let r = t
        .post_form(
            "/rules/test",
            c,
            &format!("csrf={}&days=30&rules={}", s.csrf, enc(rule)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("命中 <strong>1</strong> 篇"), "{}", r.body);
    assert!(r.body.contains("<em>邻里节</em>"));
    let r = t
        .post_form(
            "/rules/test",
            c,
            &format!(
                "csrf={}&rules={}",
                s.csrf,
                enc("[[rule]]\nid = \"t\"\nlevel = \"urgent\"\nevent = [\"x\"]\n")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("粘贴的规则:3:"), "{}", r.body);
    assert!(!r.body.contains(t.dir.to_str().unwrap()), "no server paths");
    let r = t
        .post_form("/rules/test", c, &format!("rules={}", enc(rule)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
}

#[tokio::test]
async fn reload_refuses_an_invalid_config_with_its_problems() {
    let t = setup(&[("admin1", Role::Admin)]);
    let s = t.login("admin1").await;
    std::fs::write(
        t.dir.join("rules.toml"),
        "[[rule]]\nid = \"bad id!\"\nevent = [\"x\"]\n",
    )
    .unwrap();
    let r = t.post_json("/api/reload", &s, Some(&s.csrf), "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let j = r.json();
    assert!(j["error"].is_string());
    assert!(
        j["problems"][0].as_str().unwrap().contains("rules.toml:2:"),
        "{j}"
    );
    assert_eq!(t.shared.app().config.rules.len(), 1, "old config stays");
    let page = t
        .post_form("/reload", Some(&s.cookie), &format!("csrf={}", s.csrf))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("rules.toml:2:"));
    std::fs::write(
        t.dir.join("rules.toml"),
        format!("{RULES}\n[[rule]]\nid = \"two\"\nevent = [\"爆炸\"]\n"),
    )
    .unwrap();
    let r = t.post_json("/api/reload", &s, Some(&s.csrf), "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["rules"], 2);
    assert_eq!(t.shared.app().config.rules.len(), 2);
}

#[tokio::test]
async fn sources_page_shows_health() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let r = t.get("/sources", Some(&s.cookie)).await;
    assert!(r.body.contains("青石发布") && r.body.contains("未采集"));
    assert!(
        !r.body.contains("重新加载配置"),
        "reload button for admins only"
    );
    let j = t.get("/api/sources", Some(&s.cookie)).await.json();
    assert_eq!(j["sources"].as_array().unwrap().len(), 2);
    assert_eq!(j["sources"][0]["articles_24h"], 1);
}

impl T {
    /// A login form post from a client address.
    async fn login_from(&self, ip: [u8; 4], form: &str) -> Res {
        let mut req = Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form.to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                ip, 50000,
            ))));
        let res = self.router.clone().oneshot(req).await.unwrap();
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
}

#[tokio::test]
async fn failed_logins_are_rate_limited_per_user_name_and_per_address() {
    let t = setup(&[("wang", Role::Staff), ("li", Role::Staff)]);
    for i in 0..5 {
        let r = t
            .login_from([10, 0, 0, i], "name=wang&password=guess-guess")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("用户名或密码错误"));
        assert!(r.header("set-cookie").is_empty());
    }
    let r = t
        .login_from([10, 0, 0, 9], &format!("name=wang&password={PASSWORD}"))
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(r.body.contains("5 分钟"));
    // Another user is not locked out by wang's attacker...
    let r = t
        .login_from([10, 0, 1, 1], &format!("name=li&password={PASSWORD}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // ...but one address guessing many names is.
    for i in 0..5 {
        let r = t
            .login_from(
                [192, 0, 2, 7],
                &format!("name=user{i}&password=guess-guess"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = t
        .login_from([192, 0, 2, 7], &format!("name=li&password={PASSWORD}"))
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn login_sets_a_strict_cookie_and_logout_ends_the_session() {
    let t = setup(&[("wang", Role::Staff)]);
    let r = t
        .send(
            Method::POST,
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("x-forwarded-proto", "https"),
            ],
            format!("name=wang&password={PASSWORD}&next=%2F%2Fevil.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.header("location"),
        "/",
        "an off-site next is not followed"
    );
    let set = r.header("set-cookie");
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(set.contains(attr), "{set}");
    }
    let s = t.login("wang").await;
    assert!(
        !t.post_form("/login", None, &format!("name=wang&password={PASSWORD}"))
            .await
            .header("set-cookie")
            .contains("Secure")
    );
    let me = t.get("/api/session", Some(&s.cookie)).await.json();
    assert_eq!(me["user"], "wang");
    // The cookie holds the token; the database only its hash. Eight idle hours end a session.
    let token = s.cookie.strip_prefix("yuqing_session=").unwrap();
    let hash = web::auth::sha256_hex(token);
    let store = t.shared.app().store.clone();
    assert!(store.session(token, 0).unwrap().is_none());
    let idle = t.login("wang").await;
    let idle_hash = web::auth::sha256_hex(idle.cookie.strip_prefix("yuqing_session=").unwrap());
    store
        .touch_session(
            &idle_hash,
            chrono::Utc::now().timestamp() - web::auth::IDLE_SECS - 1,
        )
        .unwrap();
    assert_eq!(
        t.get("/api/session", Some(&idle.cookie)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(store.session(&hash, 0).unwrap().is_some());
    assert_eq!(me["role"], "staff");
    let r = t
        .post_form("/logout", Some(&s.cookie), &format!("csrf={}", s.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(
        t.get("/api/session", Some(&s.cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "session deleted"
    );
}

#[tokio::test]
async fn with_no_user_this_machine_is_an_implicit_admin_until_one_is_added() {
    let t = setup(&[]);
    let r = t.get("/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("本机免登录"));
    let me = t.get("/api/session", None).await.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["implicit"], true);
    let csrf = me["csrf"].as_str().unwrap().to_string();
    let local = [("host", "127.0.0.1:8080"), ("x-csrf-token", csrf.as_str())];
    assert_eq!(
        t.send(Method::POST, "/api/reload", &local, "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.send(
            Method::POST,
            "/api/reload",
            &[("host", "localhost:8080")],
            ""
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "CSRF still applies"
    );
    // Not from this machine: a foreign Host (DNS rebinding) or a proxy in front.
    for h in [
        ("host", "evil.example:8080"),
        ("x-forwarded-for", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
    ] {
        assert_eq!(
            t.send(Method::GET, "/api/session", &[h], Body::empty())
                .await
                .status,
            StatusCode::UNAUTHORIZED,
            "{h:?}"
        );
    }
    // The first user, added from the users page, ends it.
    let r = t
        .post_form("/users", None, &format!("csrf={csrf}&action=add&name=admin1&role=admin&password={PASSWORD}&password2={PASSWORD}"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/login");
    assert_eq!(
        t.get("/api/session", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(t.get("/", None).await.status, StatusCode::SEE_OTHER);
    let s = t.login("admin1").await;
    let r = t.get("/users", Some(&s.cookie)).await;
    assert!(r.body.contains("admin1"));
}

#[tokio::test]
async fn admins_manage_users_with_checked_passwords() {
    let t = setup(&[("admin1", Role::Admin)]);
    let s = t.login("admin1").await;
    let c = Some(s.cookie.as_str());
    let r = t
        .post_form(
            "/users",
            c,
            &format!(
                "csrf={}&action=add&name=li&role=collector&password=short&password2=short",
                s.csrf
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("至少 8"));
    let r = t
        .post_form("/users", c, &format!("csrf={}&action=add&name=li&role=collector&password={PASSWORD}&password2={PASSWORD}", s.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let li = t.login("li").await;
    assert_eq!(
        t.get("/api/session", Some(&li.cookie)).await.json()["role"],
        "collector"
    );
    let r = t
        .post_form(
            "/users",
            c,
            &format!("csrf={}&action=delete&name=admin1", s.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "not yourself");
    let r = t
        .post_form(
            "/users",
            c,
            &format!("csrf={}&action=delete&name=li", s.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get("/api/session", Some(&li.cookie)).await.status,
        StatusCode::UNAUTHORIZED,
        "sessions go with the user"
    );
    let stored = t.shared.app().store.user("admin1").unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
}

#[test]
fn a_public_listen_address_needs_a_user() {
    let t = setup(&[]);
    let app = t.shared.app();
    let public: std::net::SocketAddr = "0.0.0.0:8080".parse().unwrap();
    let err = web::check_listen(&public, &app.store).unwrap_err();
    assert!(err.contains("yuqing user add"), "{err}");
    assert!(web::check_listen(&"127.0.0.1:8080".parse().unwrap(), &app.store).is_ok());
    assert!(web::check_listen(&"[::1]:8080".parse().unwrap(), &app.store).is_ok());
    web::auth::add_user(&app.store, "admin1", Role::Admin, PASSWORD).unwrap();
    assert!(web::check_listen(&public, &app.store).is_ok());
}
