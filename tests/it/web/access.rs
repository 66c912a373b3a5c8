//! Who may do what: roles, CSRF and origin checks, login and logout, the login rate limit, the
//! implicit local administrator, user management.

use super::*;

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
        yuqing::model::AlertStatus::New,
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
        "/overview",
        "an off-site next is not followed: the home page"
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
    web::auth::add_user(&app.store, "admin1", Role::Admin, None, PASSWORD).unwrap();
    assert!(web::check_listen(&public, &app.store).is_ok());
}

/// Regression: a first user who is not an admin ended the loopback administrator and left
/// nobody able to open /users. The first user must be an admin.
#[test]
fn the_first_user_must_be_an_admin() {
    let t = setup(&[]);
    let app = t.shared.app();
    let err =
        web::auth::add_user(&app.store, "coll1", Role::Collector, None, PASSWORD).unwrap_err();
    assert!(err.to_string().contains("第一个用户必须是管理员"), "{err}");
    assert_eq!(app.store.user_count().unwrap(), 0, "nobody was created");
    web::auth::add_user(&app.store, "admin1", Role::Admin, None, PASSWORD).unwrap();
    web::auth::add_user(&app.store, "coll1", Role::Collector, None, PASSWORD).unwrap();
}

/// Regression: 200 concurrent logins were all evaluated (0 × 429), and a right password hidden
/// among 31 concurrent guesses got in. Attempts now count before the password is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_get_no_more_tries_than_sequential_ones() {
    let t = Arc::new(setup(&[("wang", Role::Staff)]));
    let mut tasks = Vec::new();
    for i in 0..32 {
        let t = t.clone();
        // The right password comes last, after 31 guesses from the same address.
        let pw = if i == 31 { PASSWORD } else { "guess-guess" };
        tasks.push(tokio::spawn(async move {
            t.login_from([10, 1, 2, 3], &format!("name=wang&password={pw}"))
                .await
                .status
        }));
    }
    let mut evaluated = 0;
    let mut limited = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::UNAUTHORIZED | StatusCode::SEE_OTHER => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => limited += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        evaluated <= web::auth::MAX_FAILURES,
        "{evaluated} passwords checked, {limited} refused"
    );
    assert_eq!(evaluated + limited, 32);
    // Many names from many addresses: each is checked at most once per window and the flood
    // waits for the few hashing slots instead of running 200 argon2 hashes at once.
    let mut tasks = Vec::new();
    for i in 0..40u8 {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            t.login_from([10, 9, 0, i], &format!("name=user{i}&password=guess-guess"))
                .await
                .status
        }));
    }
    for task in tasks {
        let s = task.await.unwrap();
        assert!(
            s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS,
            "{s}"
        );
    }
}

#[tokio::test]
async fn off_site_redirects_are_refused_in_every_spelling() {
    let t = setup(&[("wang", Role::Staff)]);
    for next in [
        "%2F%09%2Fevil.example%2F",
        "%2F%0A%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
        "%09%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
        "%2Fa%5C..%5C%5Cevil.example",
    ] {
        let r = t
            .login_from(
                [10, 3, 3, 3],
                &format!("name=wang&password={PASSWORD}&next={next}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.header("location"), "/overview", "next={next}");
    }
    let r = t
        .login_from(
            [10, 3, 3, 3],
            &format!("name=wang&password={PASSWORD}&next=%2Falerts%3Fstatus%3Dnew"),
        )
        .await;
    assert_eq!(r.header("location"), "/alerts?status=new");
}

#[test]
fn weak_passwords_are_refused() {
    use web::auth::check_password;
    for bad in [
        "        ",
        "   a    ",
        "12345678",
        "Password123",
        "qwertyuiop",
        "aaaaaaaaaa",
        "abcdefghij",
        "98765432",
        "woaini1314",
    ] {
        assert!(check_password(bad).is_err(), "{bad:?} accepted");
    }
    assert!(check_password(&"x".repeat(200)).is_err());
    for good in ["correct-horse-9", "青石街道2026值班", "e2e-password-1"] {
        assert!(check_password(good).is_ok(), "{good:?} refused");
    }
}
