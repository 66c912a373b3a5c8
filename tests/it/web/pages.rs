//! What pages and API answer: error codes, hostile crawled text, search, reviews, digest,
//! rules, reload, sources.

use super::*;

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
    let first = r.body.lines().nth(1).unwrap();
    assert!(
        !first.contains("+08:00")
            && first.contains(&chrono::Local::now().format("%Y-").to_string()),
        "local time as 2026-11-21 22:45, as in every other export: {first}"
    );
    let r = t
        .get(&format!("/export.xlsx?q={}", enc("青石街道")), c)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.bytes.starts_with(b"PK"), "an xlsx is a zip");
    // Regression: a title past Excel's 32,767-character cell limit made the export a 500.
    let app = t.shared.app();
    let long = format!("超长标题\u{7}{}", "长".repeat(40_000));
    let a = NewArticle {
        canonical_url: "http://127.0.0.1:9/long".into(),
        url: "http://127.0.0.1:9/long".into(),
        source_id: "s1".into(),
        title: long.clone(),
        text: long,
        fetched: chrono::Utc::now().timestamp(),
        ..Default::default()
    };
    app.store.insert_article(&a).unwrap().unwrap();
    app.index_pending().unwrap();
    let r = t
        .get(&format!("/export.xlsx?q={}", enc("超长标题")), c)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let mut shared = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").unwrap(),
        &mut shared,
    )
    .unwrap();
    assert!(shared.contains("已截断，原文 40004 字"), "marker missing");
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
            yuqing::model::Level::Low,
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
    assert_eq!(
        r.header("location"),
        format!("/alerts?status=new&done=2&as=dismissed#alert-{a1}"),
        "back where the collector was, with a notice"
    );
    let back = t.get("/alerts?status=new&done=2&as=dismissed", c).await;
    assert!(
        back.body.contains("已将 2 条预警标记为「忽略」"),
        "{}",
        back.body
    );
    assert!(
        back.body
            .contains("name=\"back\" value=\"/alerts?status=new\""),
        "the notice is not carried into the next review's way back"
    );
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
    assert_eq!(
        r.header("location"),
        format!("/alerts?done=1&as=new#alert-{a1}")
    );
    // No alert ticked, or no status chosen: an inline notice on the queue, not an error page.
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&status=confirmed", s.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/alerts?notice=none");
    let r = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&id={a1}&status=", s.csrf),
        )
        .await;
    assert_eq!(r.header("location"), "/alerts?notice=status");
    let page = t.get("/alerts?notice=none", c).await;
    assert!(page.body.contains("请先勾选要处理的预警"));
    assert!(
        page.body
            .contains("<option value=\"\" selected>选择状态…</option>"),
        "the bulk select starts on a choice that does nothing"
    );
}

#[tokio::test]
async fn digest_page_frames_the_digest_and_offers_downloads() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let date = t.shared.app().current_digest_date();
    let r = t.get(&format!("/digest/{date}"), c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("一、总体情况"), "the digest inline");
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
    assert!(
        r.body
            .contains("粘贴的规则:3:9: 级别应为 high、medium 或 low"),
        "{}",
        r.body
    );
    assert!(!r.body.contains(t.dir.to_str().unwrap()), "no server paths");
    // The problems sit right above the text they are about, and the page opens at the tester.
    let problems = r.body.find("规则有误").expect("a problem list");
    let textarea = r.body.find("<textarea").expect("the textarea");
    assert!(problems < textarea, "{}", r.body);
    assert!(r.body.contains("action=\"/rules/test#test\""));
    // Every problem of the pasted text at once: a misspelled key does not hide a bad level.
    let r = t
        .post_form(
            "/rules/test",
            c,
            &format!(
                "csrf={}&rules={}",
                s.csrf,
                enc("[[rule]]\nid = \"t\"\nevnt = [\"x\"]\nlevel = \"urgent\"\nregion = [\"y\"]\n")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("粘贴的规则:3:1: 未知的键 &#34;evnt&#34;，是否想写 &#34;event&#34;？")
            && r.body.contains("粘贴的规则:4:9: 级别应为"),
        "{}",
        r.body
    );
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

/// An unknown URL is a Chinese 404 page with links back, not a blank answer; under `/api/` it
/// is a JSON error.
#[tokio::test]
async fn unknown_urls_get_a_chinese_404_page() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let r = t.get("/no/such/page", Some(&s.cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.body.contains("页面不存在") && r.body.contains("href=\"/alerts\""),
        "{}",
        r.body
    );
    let r = t.get("/api/no-such-thing", Some(&s.cookie)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.json()["error"].as_str().unwrap().contains("页面不存在"));
    let r = t.get("/%3Cscript%3Ealert(1)%3C/script%3E", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("<script>alert(1)"), "the path is escaped");
}

#[tokio::test]
async fn search_filters_by_author() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let q = |author: &str| format!("/api/search?q={}&author={}", enc("火灾"), enc(author));
    let j = t.get(&q("王五"), Some(&s.cookie)).await.json();
    assert_eq!(j["total"], 1, "{j}");
    assert_eq!(j["hits"][0]["id"], t.ids[1]);
    assert_eq!(t.get(&q("李四"), Some(&s.cookie)).await.json()["total"], 0);
    let r = t.get(&q(&"长".repeat(65)), Some(&s.cookie)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let page = t
        .get(
            &format!("/?q={}&author={}", enc("火灾"), enc("王五")),
            Some(&s.cookie),
        )
        .await;
    assert!(page.body.contains("共 1 篇"), "the search page filters too");
    assert!(
        page.body.contains("value=\"王五\""),
        "and keeps the author in its form"
    );
}

/// A source that should publish daily and has been quiet for days is 长时间无更新 on /sources,
/// never 未采集 (the label of a source not yet crawled): one label table, moved by the clock.
#[tokio::test]
async fn a_silent_source_is_labelled_silent_on_the_sources_page() {
    let t = setup_with(&[("staff1", Role::Staff)], "expect_every = \"1d\"");
    let app = t.shared.app();
    let clock = yuqing::app::clock::Clock::manual(chrono::Utc::now());
    app.set_clock(clock.clone());
    app.store
        .record_success("s2", app.now_ts(), None, None, None)
        .unwrap();
    let s = t.login("staff1").await;
    let row = |body: &str| {
        body.split("<tr>")
            .find(|r| r.contains("江北新闻"))
            .expect("s2 listed")
            .split("</tr>")
            .next()
            .unwrap()
            .to_string()
    };
    let fresh = row(&t.get("/sources", Some(&s.cookie)).await.body);
    assert!(
        fresh.contains("正常") && !fresh.contains("长时间无更新"),
        "{fresh}"
    );
    // Three days later, without sleeping: its newest article is three days old.
    clock.advance(3 * 86_400);
    app.store
        .record_success("s2", app.now_ts(), None, None, None)
        .unwrap();
    let quiet = row(&t.get("/sources", Some(&s.cookie)).await.body);
    assert!(quiet.contains("长时间无更新"), "{quiet}");
    assert!(!quiet.contains("未采集"), "{quiet}");
    let j = t.get("/api/sources", Some(&s.cookie)).await.json();
    let s2 = j["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == "s2")
        .unwrap();
    assert_eq!(s2["status"], "silent");
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

/// A collector browses a source without a keyword: the API and the page list its articles,
/// newest first; with neither words nor a filter the API refuses in Chinese.
#[tokio::test]
async fn an_empty_query_with_a_source_browses_newest_first() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let j = t.get("/api/search?q=&source=s2", c).await.json();
    assert_eq!(j["total"], 2, "{j}");
    assert_eq!(j["hits"][0]["id"], t.ids[2], "newest first");
    assert_eq!(j["hits"][1]["id"], t.ids[1]);
    let page = t.get("/?q=&source=s2", c).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("共 2 篇"), "{}", page.body);
    assert!(page.body.contains("柳湾社区举办邻里节"));
    let r = t.get("/api/search?q=", c).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json()["error"].as_str().unwrap().contains("查询为空"));
    let empty_form = t.get("/?q=", c).await;
    assert_eq!(
        empty_form.status,
        StatusCode::OK,
        "the empty form, no error"
    );
    // Empty states say why.
    let none = t
        .get(
            &format!(
                "/?q={}&source=s1&since=2020-01-01&until=2020-01-02",
                enc("火灾")
            ),
            c,
        )
        .await;
    assert!(none.body.contains("共 0 篇"));
    assert!(
        none.body
            .contains("检索词「火灾」、信息源 青石发布、日期 2020-01-01 至 2020-01-02"),
        "the conditions that applied: {}",
        none.body
    );
    let j = t
        .get(&format!("/api/search?q={}", enc("source:nosuch 火灾")), c)
        .await
        .json();
    assert!(
        j["notes"][0]
            .as_str()
            .unwrap()
            .contains("未知信息源编号 \"nosuch\""),
        "{j}"
    );
    let past = t
        .get("/api/search?q=&source=s2&limit=1&page=9", c)
        .await
        .json();
    assert!(
        past["notes"][0]
            .as_str()
            .unwrap()
            .contains("第 9 页超出范围"),
        "{past}"
    );
    let bad_date = t.get("/?q=a&since=2026-13-01", c).await;
    assert!(
        !bad_date.body.contains("检索式有误"),
        "a bad date is not a bad query"
    );
    assert!(bad_date.body.contains("日期"));
}

/// The current digest is marked open (未截止) and offers no later day; a future window is a
/// 400; dismissed alerts are counted, not listed; the alerts page can show a digest's window.
#[tokio::test]
async fn the_digest_marks_its_open_window_and_leaves_out_dismissed_alerts() {
    let t = &setup(&[("coll1", Role::Collector)]);
    let s = t.login("coll1").await;
    let c = Some(s.cookie.as_str());
    let app = t.shared.app();
    let current = app.current_digest_date();
    let r = t.get(&format!("/digest/{current}"), c).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("未截止"), "{}", r.body);
    assert!(
        r.body.contains("（未截止，截至 "),
        "the window line says so too"
    );
    assert!(!r.body.contains("后一天"), "no future window is offered");
    assert!(
        !r.body.contains("<iframe"),
        "the digest reads inline, no frame"
    );
    assert!(r.body.contains("本时段共产生预警"));
    let yesterday = current.pred_opt().unwrap();
    let r = t.get(&format!("/digest/{yesterday}"), c).await;
    assert!(
        r.body.contains(&format!("/digest/{current}\">后一天")),
        "{}",
        r.body
    );
    assert!(!r.body.contains("未截止"));
    let tomorrow = current.succ_opt().unwrap();
    for p in [
        format!("/digest/{tomorrow}"),
        format!("/api/digest/{tomorrow}?format=json"),
    ] {
        let r = t.get(&p, c).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{p}");
        assert!(r.body.contains("尚未开始"), "{p}: {}", r.body);
    }
    let json = |p: String| async move { t.get(&p, c).await.json() };
    let before = json(format!("/api/digest/{current}?format=json")).await;
    let listed = before["alerts"].as_array().unwrap().len();
    assert_eq!(before["dismissed"], 0);
    let window = json(format!("/api/alerts?window={current}")).await;
    assert_eq!(window["alerts"].as_array().unwrap().len(), 2, "{window}");
    let alert = t.alert_id();
    let r = t
        .post_json(
            &format!("/api/alerts/{alert}/review"),
            &s,
            Some(&s.csrf),
            r#"{"status":"dismissed"}"#,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let after = json(format!("/api/digest/{current}?format=json")).await;
    assert_eq!(after["dismissed"], 1, "{after}");
    let ids: Vec<i64> = after["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert!(
        !ids.contains(&alert),
        "the dismissed alert is not sent upward"
    );
    assert!(ids.len() + 1 >= listed);
    let md = t.get(&format!("/api/digest/{current}?format=md"), c).await;
    assert!(
        md.body
            .contains("另有 1 条预警已标记为忽略，未列入本日报。"),
        "{}",
        md.body
    );
    let window = json(format!("/api/alerts?window={current}")).await;
    assert_eq!(
        window["alerts"].as_array().unwrap().len(),
        2,
        "the alerts page still lists it, as 忽略"
    );
}

/// 立即采集: an admin makes one source or all due now (the scheduler starts them within a
/// second); the sources page shows them queued and refreshes itself until they are done.
#[tokio::test]
async fn an_admin_can_crawl_a_source_now_and_see_it_queued() {
    let t = setup(&[("adm", Role::Admin), ("staff1", Role::Staff)]);
    let admin = t.login("adm").await;
    let staff = t.login("staff1").await;
    let app = t.shared.app();
    let later = app.now_ts() + 3600;
    for id in ["s1", "s2"] {
        app.store.set_next_check(id, later).unwrap();
    }
    let page = t.get("/sources", Some(&admin.cookie)).await;
    assert!(page.body.contains("全部立即采集"));
    assert!(
        !page.body.contains("http-equiv=\"refresh\""),
        "nothing to wait for"
    );
    let r = t
        .post_form(
            "/sources/crawl",
            Some(&admin.cookie),
            &format!("csrf={}&id=s2", admin.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), "/sources?queued=1");
    let due = |id: &str| app.store.source_state(id).unwrap().next_check_at.unwrap() <= app.now_ts();
    assert!(due("s2") && !due("s1"));
    let page = t.get("/sources?queued=1", Some(&admin.cookie)).await;
    assert!(
        page.body.contains("已安排立即采集 1 个信息源"),
        "{}",
        page.body
    );
    assert!(page.body.contains("排队中") && page.body.contains("http-equiv=\"refresh\""));
    let r = t
        .post_form(
            "/sources/crawl",
            Some(&admin.cookie),
            &format!("csrf={}", admin.csrf),
        )
        .await;
    assert_eq!(r.header("location"), "/sources?queued=2");
    assert!(due("s1"));
    let r = t
        .post_form(
            "/sources/crawl",
            Some(&admin.cookie),
            &format!("csrf={}&id=nosuch", admin.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .post_form(
            "/sources/crawl",
            Some(&staff.cookie),
            &format!("csrf={}&id=s1", staff.csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "admins only");
    let r = t
        .post_form("/sources/crawl", Some(&admin.cookie), "id=s1")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
}

/// Events: the list, one event's page with its timeline and 首发, links from search hits and
/// alerts, and a hostile title shown as text.
#[tokio::test]
async fn the_event_page_shows_members_timeline_and_first_publication() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let j = t.get("/api/events", c).await.json();
    let events = j["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "the article and its reprint: {j}");
    let id = events[0]["id"].as_i64().unwrap();
    let page = t.get(&format!("/events/{id}"), c).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg class=\"chart\""), "the timeline");
    assert!(page.body.contains("首发"));
    assert!(
        !page.body.contains("<script>alert"),
        "the event's title is escaped"
    );
    let list = t.get("/events", c).await;
    assert!(list.body.contains(&format!("/events/{id}")));
    let hits = t.get(&format!("/?q={}", enc("仓库火灾")), c).await;
    assert!(
        hits.body.contains(&format!("href=\"/events/{id}\"")),
        "hits link to their event"
    );
    let alerts = t.get("/alerts", c).await;
    assert!(
        alerts.body.contains(&format!("href=\"/events/{id}\"")),
        "alerts too"
    );
    assert_eq!(
        t.get("/events/999999", c).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/api/events?since=bad", c).await.status,
        StatusCode::BAD_REQUEST
    );
    let report = t
        .get(&format!("/report/incident?event={id}&format=docx"), c)
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.bytes.starts_with(b"PK"),
        "a Word 专报 from the event page"
    );
    let md = t
        .get(
            &format!("/report/incident?alert={}&format=md", t.alert_id()),
            c,
        )
        .await;
    assert!(md.body.contains("一、事件概述"));
    assert_eq!(
        t.get("/report/incident?alert=999999", c).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.get("/report/incident?format=pdf&alert=1", c).await.status,
        StatusCode::BAD_REQUEST
    );
}

/// 舆情概览: charts as inline SVG (no script), totals, events, words and sources; the API has
/// the same numbers, and a bad range is a 400.
#[tokio::test]
async fn the_overview_draws_its_charts_inline() {
    let t = setup(&[("staff1", Role::Staff)]);
    let s = t.login("staff1").await;
    let c = Some(s.cookie.as_str());
    let page = t.get("/overview", c).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<svg class=\"chart\"").count(),
        2,
        "two charts"
    );
    assert!(!page.body.contains("<script>alert"), "titles escaped");
    assert!(page.body.contains("热点事件") && page.body.contains("高频命中词"));
    // Every bar links to the list it counts: today's high alerts are the two fire alerts,
    // the articles by tone add up to the three stored.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive();
    let high = format!("/alerts?date={today}&amp;level=high");
    assert!(
        page.body.contains(&format!("<a href=\"{high}\">")),
        "{}",
        page.body
    );
    let list = t.get(&high.replace("&amp;", "&"), c).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.body.matches("class=\"card alert").count(),
        1,
        "two alerts, one reprint group"
    );
    // Published up to two hours ago: yesterday's bars too, just after midnight.
    let mut articles = 0;
    for day in [today.pred_opt().unwrap(), today] {
        for tone in ["negative", "neutral", "positive"] {
            let link = format!("/?tone={tone}&amp;since={day}&amp;until={day}");
            if page.body.contains(&format!("<a href=\"{link}\">")) {
                let api = format!("/api/search?q=&tone={tone}&since={day}&until={day}");
                articles += t.get(&api, c).await.json()["total"].as_u64().unwrap();
            }
        }
    }
    assert_eq!(articles, 3, "the tone bars cover every article");
    let j = t.get("/api/overview", c).await.json();
    assert_eq!(j["alerts_total"], 2, "{j}");
    assert_eq!(j["articles_total"], 3);
    assert_eq!(
        j["alerts_daily"].as_array().unwrap().len(),
        30,
        "the last 30 days by default"
    );
    assert_eq!(j["events"].as_array().unwrap().len(), 1);
    assert!(j["top_words"][0]["word"].is_string());
    assert!(
        page.body
            .contains(&format!("<strong>{}</strong> 条预警", j["alerts_total"]))
    );
    for p in [
        "/api/overview?since=2026-12-10&until=2026-12-01",
        "/api/overview?since=2020-01-01&until=2026-01-01",
        "/api/overview?since=bad",
    ] {
        assert_eq!(t.get(p, c).await.status, StatusCode::BAD_REQUEST, "{p}");
    }
}

/// 交办 from the alert page, the 处置 page (overdue first), feedback and done.
#[tokio::test]
async fn a_collector_hands_an_alert_to_a_unit_and_records_it_done() {
    let t = setup(&[("coll1", Role::Collector), ("staff1", Role::Staff)]);
    std::fs::write(
        t.dir.join("units.toml"),
        "[[unit]]\nid = \"cg\"\nname = \"城管中队\"\ndefault_due = \"24h\"\n",
    )
    .unwrap();
    t.shared.reload().unwrap();
    let s = t.login("coll1").await;
    let c = Some(s.cookie.as_str());
    let alert = t.alert_id();
    let page = t.get(&format!("/alerts/{alert}"), c).await;
    assert!(page.body.contains("尚未交办") && page.body.contains("城管中队"));
    let r = t
        .post_form(
            &format!("/alerts/{alert}/assign"),
            c,
            &format!("csrf={}&unit=cg&due=2h&note={}", s.csrf, enc("请现场核实")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&format!("/alerts/{alert}"), c).await;
    assert!(
        page.body.contains("已交办") && page.body.contains("请现场核实"),
        "{}",
        page.body
    );
    let list = t.get("/handling", c).await;
    assert!(list.body.contains("城管中队（1）"), "{}", list.body);
    let j = t
        .get("/api/alerts?unit=cg&handling=assigned", c)
        .await
        .json();
    assert_eq!(j["alerts"].as_array().unwrap().len(), 1);
    assert_eq!(j["alerts"][0]["unit"], "cg");
    assert_eq!(j["alerts"][0]["handling"], "assigned");
    let r = t
        .post_form(
            &format!("/alerts/{alert}/feedback"),
            c,
            &format!("csrf={}&note={}&done=1", s.csrf, enc("已清理")),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let j = t.get("/api/alerts?handling=done", c).await.json();
    assert_eq!(j["alerts"][0]["id"], alert);
    let bad = t
        .post_form(
            &format!("/alerts/{alert}/assign"),
            c,
            &format!("csrf={}&unit=nosuch", s.csrf),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("未知单位"));
    assert_eq!(
        t.get("/api/alerts?handling=late", c).await.status,
        StatusCode::BAD_REQUEST
    );
    let staff = t.login("staff1").await;
    let r = t
        .post_form(
            &format!("/alerts/{alert}/assign"),
            Some(&staff.cookie),
            &format!("csrf={}&unit=cg", staff.csrf),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "staff may not hand alerts over"
    );
}

/// Role `unit`: a partner unit's account, created by an admin for one unit in units.toml,
/// lands on its 交办事项, sees and answers only the alerts handed to its unit (feedback,
/// done, their 专报), and reaches nothing else: other units' alerts do not exist for it,
/// other pages lead back to its list, the API refuses.
#[tokio::test]
async fn a_unit_user_sees_and_answers_only_what_is_handed_to_its_unit() {
    let t = setup(&[("coll1", Role::Collector)]);
    std::fs::write(
        t.dir.join("units.toml"),
        "[[unit]]\nid = \"cg\"\nname = \"城管中队\"\n\n[[unit]]\nid = \"pcs\"\nname = \"青石派出所\"\n",
    )
    .unwrap();
    t.shared.reload().unwrap();
    // An admin creates the unit's account; a unit user needs a known unit.
    let root = t.login("root").await;
    let add = |unit: &str| {
        format!(
            "csrf={}&action=add&name=cg1&role=unit&unit={unit}&password={PASSWORD}&password2={PASSWORD}",
            root.csrf
        )
    };
    let bad = t
        .post_form("/users", Some(&root.cookie), &add("nosuch"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("没有单位 nosuch"), "{}", bad.body);
    let none = t.post_form("/users", Some(&root.cookie), &add("")).await;
    assert!(none.body.contains("须指定所属单位"), "{}", none.body);
    let ok = t.post_form("/users", Some(&root.cookie), &add("cg")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let users = t.get("/users", Some(&root.cookie)).await;
    assert!(users.body.contains("联席单位：城管中队"), "{}", users.body);

    // The collector hands one alert to 城管 and the other to the police station.
    let coll = t.login("coll1").await;
    let mine = t.alert_id();
    let all = t.get("/api/alerts", Some(&coll.cookie)).await.json();
    let theirs = all["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .find(|id| *id != mine)
        .unwrap();
    for (id, unit) in [(mine, "cg"), (theirs, "pcs")] {
        let r = t
            .post_form(
                &format!("/alerts/{id}/assign"),
                Some(&coll.cookie),
                &format!("csrf={}&unit={unit}", coll.csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    let u = t.login("cg1").await;
    let c = Some(u.cookie.as_str());
    let home = t.get("/overview", c).await;
    assert_eq!(
        (home.status, home.header("location")),
        (StatusCode::SEE_OTHER, "/handling")
    );
    let list = t.get("/handling", c).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("交办给本单位的事项"), "{}", list.body);
    assert!(list.body.contains(&format!("/alerts/{mine}#handling")));
    assert!(
        !list.body.contains(&format!("/alerts/{theirs}#")),
        "another unit's item"
    );
    assert!(!list.body.contains("href=\"/\""), "no search tab");
    let page = t.get(&format!("/alerts/{mine}"), c).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("提交反馈"), "{}", page.body);
    assert!(!page.body.contains("/alerts/review"), "no review buttons");
    assert!(
        !page.body.contains("/article/"),
        "no link into the collection"
    );
    assert_eq!(
        t.get(&format!("/alerts/{theirs}"), c).await.status,
        StatusCode::NOT_FOUND
    );
    for p in [
        "/",
        "/alerts",
        "/export.csv?q=x",
        &format!("/article/{}", t.ids[0]),
    ] {
        let r = t.get(p, c).await;
        assert_eq!(
            (r.status, r.header("location")),
            (StatusCode::SEE_OTHER, "/handling"),
            "{p}"
        );
    }
    for p in [
        "/api/search?q=%E7%81%AB%E7%81%BE",
        "/api/alerts",
        "/api/overview",
    ] {
        assert_eq!(t.get(p, c).await.status, StatusCode::FORBIDDEN, "{p}");
    }
    let review = t
        .post_form(
            "/alerts/review",
            c,
            &format!("csrf={}&id={mine}&status=confirmed", u.csrf),
        )
        .await;
    assert_eq!(review.status, StatusCode::FORBIDDEN);
    // 专报 of its own alert only.
    for (q, want) in [
        (format!("alert={mine}"), StatusCode::OK),
        (format!("alert={theirs}"), StatusCode::NOT_FOUND),
        ("event=1".to_string(), StatusCode::NOT_FOUND),
    ] {
        let r = t.get(&format!("/report/incident?{q}&format=md"), c).await;
        assert_eq!(r.status, want, "{q}");
    }
    // Feedback: not for another unit's alert; done for its own, recorded under its name.
    let form = format!("csrf={}&note={}&done=1", u.csrf, enc("已清理占道堆物"));
    for (id, want) in [
        (theirs, StatusCode::NOT_FOUND),
        (mine, StatusCode::SEE_OTHER),
    ] {
        let r = t
            .post_form(&format!("/alerts/{id}/feedback"), c, &form)
            .await;
        assert_eq!(r.status, want, "alert {id}");
    }
    let j = t
        .get("/api/alerts?handling=done", Some(&coll.cookie))
        .await
        .json();
    let done: Vec<i64> = j["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(done, vec![mine]);
    let actions = t.shared.app().alert_actions(mine).unwrap();
    let last = actions.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.by.as_deref()),
        ("done", Some("cg1"))
    );
}
