//! Saved searches (专题): shared or private, new matches since each user last opened one,
//! pages, export, and who may remove one.

use super::*;

#[tokio::test]
async fn a_saved_search_shows_what_is_new_to_each_user() {
    let t = &setup(&[("ann", Role::Staff), ("bob", Role::Collector)]);
    let ann = t.login("ann").await;
    let bob = t.login("bob").await;
    let body = r#"{"name":"仓库火灾","query":"火灾","shared":true}"#;
    let r = t.post_json("/api/saved", &ann, Some(&ann.csrf), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let shared = r.json();
    assert_eq!(shared["total"], 2, "{shared}");
    assert_eq!(shared["new"], 0, "its creator has seen it as it is");
    let id = shared["id"].as_i64().unwrap();
    // A private one, from the search page's form, browsing one source without words.
    let r = t
        .post_form(
            "/saved",
            Some(&ann.cookie),
            &format!(
                "csrf={}&name={}&q=&source=s2",
                ann.csrf,
                enc("江北新闻全部")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = |s: &Login| {
        let c = s.cookie.clone();
        async move { t.get("/api/saved", Some(&c)).await.json()["saved"].clone() }
    };
    let a = list(&ann).await;
    assert_eq!(a.as_array().unwrap().len(), 2, "{a}");
    let b = list(&bob).await;
    assert_eq!(
        b.as_array().unwrap().len(),
        1,
        "a private one is not listed to others: {b}"
    );
    assert_eq!(b[0]["new"], 2, "never opened: everything is new");

    // A new article arrives.
    let app = t.shared.app();
    let now = chrono::Utc::now().timestamp();
    let fresh = app
        .store
        .insert_article(&yuqing::store::NewArticle {
            canonical_url: "http://127.0.0.1:9/a/new".into(),
            url: "http://127.0.0.1:9/a/new".into(),
            source_id: "s1".into(),
            title: "柳湾社区电动车充电棚火灾".into(),
            published: Some(now),
            fetched: now,
            text: "柳湾社区一处电动车充电棚起火，无人员受伤。".into(),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
    app.index_pending().unwrap();
    let a = list(&ann).await;
    let fire = a
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap();
    assert_eq!(fire["total"], 3);
    assert_eq!(fire["new"], 1, "one new since ann saved it");
    let page = t.get(&format!("/saved/{id}"), Some(&ann.cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("新 1 篇"), "{}", page.body);
    let first_card = page.body.split("class=\"card hit").nth(1).unwrap();
    assert!(
        first_card.starts_with(" new") && first_card.contains("充电棚"),
        "the new one first and marked"
    );
    assert_eq!(page.body.matches("class=\"card hit new\"").count(), 1);
    assert!(page.body.contains("/export.xlsx?q="), "exportable");
    let a = list(&ann).await;
    let fire = a
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap();
    assert_eq!(fire["new"], 0, "opening it marks it seen");
    let b = list(&bob).await;
    assert_eq!(b[0]["new"], 3, "for bob, still all new");
    let j = t
        .get(&format!("/api/saved/{id}"), Some(&bob.cookie))
        .await
        .json();
    assert_eq!(j["total"], 3);
    assert_eq!(j["new_ids"].as_array().unwrap().len(), 3);
    assert_eq!(j["hits"][0]["id"], fresh, "newest first");
    assert_eq!(list(&bob).await[0]["new"], 0);

    // The export of the saved search's query string.
    let qs = page
        .body
        .split("/export.xlsx?")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let x = t
        .get(
            &format!("/export.xlsx?{}", qs.replace("&amp;", "&")),
            Some(&ann.cookie),
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);

    // Mistakes are 400 with a Chinese message, never 500; only the creator or an admin deletes.
    for (body, want) in [
        (r#"{"name":"仓库火灾","query":"火灾"}"#, "已有名为"),
        (r#"{"name":"坏","query":"(火灾"}"#, ""),
        (r#"{"name":"","query":"火灾"}"#, "专题名称"),
        (r#"{"name":"空","query":""}"#, "查询为空"),
        (r#"{"name":"日","query":"a","since":"2026-13-01"}"#, "日期"),
        (r#"{"name":"x","query":"a","level":"urgent"}"#, "未知级别"),
        (r#"{"nme":"x"}"#, "请求体"),
    ] {
        let r = t.post_json("/api/saved", &bob, Some(&bob.csrf), body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(
            r.json()["error"].as_str().unwrap().contains(want),
            "{body}: {}",
            r.body
        );
    }
    let r = t
        .post_json("/api/saved", &bob, None, r#"{"name":"y","query":"a"}"#)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "CSRF");
    let del = |s: &Login, key: String| {
        let (c, csrf) = (s.cookie.clone(), s.csrf.clone());
        async move {
            t.send(
                Method::DELETE,
                &format!("/api/saved/{key}"),
                &[("cookie", &c), ("x-csrf-token", &csrf)],
                Body::empty(),
            )
            .await
        }
    };
    assert_eq!(
        del(&bob, id.to_string()).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        del(&ann, "999999".into()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(del(&ann, id.to_string()).await.status, StatusCode::OK);
    assert_eq!(list(&bob).await.as_array().unwrap().len(), 0);
    let r = t.get("/saved", Some(&ann.cookie)).await;
    assert!(r.body.contains("江北新闻全部") && r.body.contains("仅自己"));
}
