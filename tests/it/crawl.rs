//! Crawling against a local site: failure cases, idempotence, conditional GET, WeChat pages.

use std::time::Duration;

use yuqing::app::{App, SearchOptions};
use yuqing::config::Config;
use yuqing::model::PublishedSource;

use crate::common::*;

async fn crawl(cfg: &std::path::Path) -> (std::sync::Arc<App>, Vec<yuqing::crawl::SourceReport>) {
    let app = std::sync::Arc::new(
        App::open(Config::load(cfg).expect("config loads")).expect("app opens"),
    );
    let reports = app.crawl(&[], |_| {}).await.expect("crawl runs");
    (app, reports)
}

fn total(app: &App, q: &str) -> usize {
    app.search(&SearchOptions {
        query: q.into(),
        limit: 100,
        ..Default::default()
    })
    .unwrap()
    .total
}

const BODY: &str =
    "青石街道应急办联合物业公司，对辖区老旧小区燃气管道开展隐患排查，发现三处软管老化。";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bad_source_never_stops_the_others() {
    let site = Site::default();
    let base = site.serve().await;
    let gbk_page = news_page(
        "城东小区发生电动车火灾",
        "2026-11-21 22:45",
        "消防人员十分钟内将火扑灭，无人员伤亡。",
        "gbk",
    );
    let (gbk_bytes, _, _) = encoding_rs::GBK.encode(&gbk_page);
    site.put("p/gbk.html", Page::new("text/html", gbk_bytes.into_owned()));
    site.put(
        "good.xml",
        Page::new(
            "application/rss+xml",
            rss(&[("燃气隐患排查", &format!("{base}/p/a.html"), BODY)]),
        ),
    );
    site.put(
        "titles.xml",
        Page::new(
            "application/rss+xml",
            rss(&[("城东小区发生电动车火灾", &format!("{base}/p/gbk.html"), "")]),
        ),
    );
    site.put("s500.xml", Page::status(500));
    site.put(
        "slow.xml",
        Page {
            delay: Duration::from_secs(5),
            ..Page::new("application/rss+xml", rss(&[]))
        },
    );
    site.put(
        "big.xml",
        Page::new("application/rss+xml", vec![b'x'; 300 * 1024]),
    );
    site.put(
        "loop.xml",
        Page {
            redirect: Some("/loop.xml".into()),
            ..Page::status(302)
        },
    );
    site.put(
        "bad.xml",
        Page::new("application/rss+xml", "<rss><channel><item><title>断了"),
    );
    site.put(
        "html.xml",
        Page::new(
            "text/html",
            news_page("不是订阅源", "2026-11-20", "这是一个网页。", "utf-8"),
        ),
    );

    let dir = tempfile::tempdir().unwrap();
    let mut sources = String::new();
    for id in [
        "good", "titles", "s500", "slow", "big", "loop", "bad", "html",
    ] {
        sources.push_str(&rss_source(id, &format!("{base}/{id}.xml")));
    }
    let cfg = write_config(dir.path(), &sources, "", "max_body = \"200KB\"");
    let (app, reports) = crawl(&cfg).await;

    let by_id = |id: &str| reports.iter().find(|r| r.source == id).unwrap();
    assert_eq!(by_id("good").new, 1);
    assert_eq!(by_id("titles").new, 1, "{:?}", by_id("titles"));
    let expect_error = [
        ("s500", "HTTP 500"),
        ("slow", "timed out"),
        ("big", "limit"),
        ("loop", "redirect"),
        ("bad", "malformed"),
        ("html", "not a feed"),
    ];
    let health = app.sources_health().unwrap();
    for (id, needle) in expect_error {
        let r = by_id(id);
        assert_eq!(r.status.as_str(), "failing", "{id}: {r:?}");
        let h = health.iter().find(|h| h.id == id).unwrap();
        let err = h.last_error.clone().unwrap_or_default().to_lowercase();
        assert!(
            err.contains(&needle.to_lowercase()),
            "{id}: last_error {err:?} lacks {needle:?}"
        );
        assert_eq!(h.status.as_str(), "failing");
        assert!(
            h.next_check_at.is_some(),
            "{id}: a failing source gets a backoff time"
        );
    }
    assert_eq!(
        health
            .iter()
            .find(|h| h.id == "good")
            .unwrap()
            .status
            .as_str(),
        "ok"
    );

    // The GBK page was fetched for the title-only item, decoded, and is searchable.
    assert_eq!(total(&app, "电动车火灾"), 1);
    assert_eq!(total(&app, "十分钟内将火扑灭"), 1);
    let hit = app
        .search(&SearchOptions {
            query: "扑灭".into(),
            ..Default::default()
        })
        .unwrap();
    let shown = app.show(hit.hits[0].id).unwrap().unwrap();
    assert_eq!(
        shown.published.as_deref(),
        Some("2026-11-21T22:45:00+08:00")
    );
    assert_eq!(total(&app, "燃气管道"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recrawl_uses_conditional_get_and_duplicates_nothing() {
    let site = Site::default();
    let base = site.serve().await;
    let feed = rss(&[
        (
            "燃气隐患排查",
            &format!("{base}/p/a.html?utm_source=feed"),
            BODY,
        ),
        (
            "供暖协调会",
            &format!("{base}/p/b.html"),
            "清河街道办事处通报了供暖投诉情况，近一周共接到投诉十二件，均已转交供热公司处理。",
        ),
    ]);
    site.put(
        "etag.xml",
        Page {
            etag: Some("\"v1\"".into()),
            ..Page::new("application/rss+xml", feed.clone())
        },
    );
    // The same items again without the tracking parameter, from another feed without validators.
    site.put(
        "plain.xml",
        Page::new("application/rss+xml", feed.replace("?utm_source=feed", "")),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = rss_source("etag", &format!("{base}/etag.xml"))
        + &rss_source("plain", &format!("{base}/plain.xml"));
    let cfg = write_config(dir.path(), &sources, "", "");

    let (app, first) = crawl(&cfg).await;
    assert_eq!(first.iter().map(|r| r.new).sum::<usize>(), 2, "{first:?}");
    assert_eq!(app.store.count_articles().unwrap(), 2);
    drop(app);

    let (app, second) = crawl(&cfg).await;
    assert_eq!(second.iter().map(|r| r.new).sum::<usize>(), 0);
    assert_eq!(
        second
            .iter()
            .find(|r| r.source == "etag")
            .unwrap()
            .status
            .as_str(),
        "not_modified"
    );
    assert_eq!(
        site.not_modified.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(app.store.count_articles().unwrap(), 2);
    assert_eq!(total(&app, "投诉"), 1);
    assert_eq!(
        total(&app, "街道办"),
        1,
        "街道办 is found inside 街道办事处"
    );
}

fn wechat_page(title: &str, ct: i64, body: &str) -> String {
    format!(
        "<html><head><meta property=\"og:title\" content=\"{t}\"></head><body>\
         <h1 class=\"rich_media_title\" id=\"activity-name\">{t}</h1><a id=\"js_name\">青石街道发布</a>\
         <div class=\"rich_media_content\" id=\"js_content\" style=\"visibility: hidden;\"><p>{b}</p><p>{b}</p></div>\
         <script>var nickname = htmlDecode(\"青石街道发布\"); var msg_title = '{t}'.html(false); var ct = \"{ct}\";</script>\
         </body></html>",
        t = esc(title),
        b = esc(body)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_mirrors_deleted_posts_and_captcha_walls() {
    let site = Site::default();
    let base = site.serve().await;
    let wx = "http://mp.weixin.qq.com/s?__biz=MzA4&mid=2650&idx=1&sn=abc";
    // Two mirrors list the same post with different share noise; both link to our local copy via
    // a redirect-free path, so the canonical URL comes from the feed link.
    site.put(
        "wx/post.html",
        Page::new(
            "text/html",
            wechat_page("柳湾社区开展冬季消防安全检查", 1_795_700_000, BODY),
        ),
    );
    site.put(
        "wx/deleted.html",
        Page::new(
            "text/html",
            "<html><body><div class=\"weui-msg\">该内容已被发布者删除</div></body></html>",
        ),
    );
    site.put(
        "wx/captcha.html",
        Page::new("text/html", "<html><body><p>环境异常</p><p>当前环境异常，完成验证后即可继续访问。</p><a>去验证</a></body></html>"),
    );
    site.put(
        "m1.xml",
        Page::new(
            "application/rss+xml",
            rss(&[(
                "柳湾社区开展冬季消防安全检查",
                &format!("{base}/wx/post.html"),
                "",
            )]),
        ),
    );
    site.put(
        "m2.xml",
        Page::new(
            "application/rss+xml",
            rss(&[("已删除", &format!("{base}/wx/deleted.html"), "")]),
        ),
    );
    site.put(
        "m3.xml",
        Page::new(
            "application/rss+xml",
            rss(&[("被拦截", &format!("{base}/wx/captcha.html"), "")]),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = rss_source("m1", &format!("{base}/m1.xml"))
        + &rss_source("m2", &format!("{base}/m2.xml"))
        + &rss_source("m3", &format!("{base}/m3.xml"));
    let cfg = write_config(dir.path(), &sources, "", "");
    let (app, reports) = crawl(&cfg).await;
    let by_id = |id: &str| reports.iter().find(|r| r.source == id).unwrap().clone();
    assert_eq!(by_id("m1").new, 1);
    assert_eq!(by_id("m2").new, 0);
    assert_eq!(by_id("m2").deleted, 1);
    assert_eq!(by_id("m3").status.as_str(), "blocked");
    let health = app.sources_health().unwrap();
    let m3 = health.iter().find(|h| h.id == "m3").unwrap();
    assert_eq!(m3.status.as_str(), "blocked");
    assert_eq!(
        total(&app, "已删除"),
        0,
        "a deleted page is never indexed as an article"
    );
    assert_eq!(total(&app, "环境异常"), 0);
    assert_eq!(total(&app, "冬季消防"), 1);
    let _ = wx;
}

#[test]
fn same_wechat_post_from_two_mirrors_has_one_canonical_url() {
    use yuqing::crawl::canonical::canonical_url;
    let rsshub =
        "https://mp.weixin.qq.com/s?__biz=MzA4MDQzMzIxMQ==&mid=2650&idx=1&sn=9f&chksm=8a#rd";
    let wewe = "http://mp.weixin.qq.com/s?__biz=MzA4MDQzMzIxMQ%3D%3D&amp;mid=2650&amp;idx=1&amp;sn=9f&amp;scene=0";
    assert_eq!(canonical_url(rsshub), canonical_url(wewe));
}

/// The stored articles of one crawl report, by the last path segment of their URL.
fn shown_by_page(
    app: &App,
    report: &yuqing::crawl::SourceReport,
) -> std::collections::HashMap<String, yuqing::app::ArticleView> {
    report
        .new_ids
        .iter()
        .map(|&id| {
            let a = app.show(id).unwrap().unwrap();
            (a.url.rsplit('/').next().unwrap().to_string(), a)
        })
        .collect()
}

fn instant(rfc3339: Option<&str>) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(rfc3339.expect("a time")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relative_page_dates_resolve_and_missing_ones_fall_back_with_their_source() {
    let site = Site::default();
    let base = site.serve().await;
    site.put(
        "n/rel.html",
        Page::new(
            "text/html",
            news_page("柳湾社区开展燃气安全检查", "3小时前", BODY, "utf-8"),
        ),
    );
    let undated = |title: &str| {
        format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <h1>{title}</h1><div class=\"content\"><p>{BODY}</p><p>{BODY}</p></div></body></html>"
        )
    };
    site.put(
        "n/listed.html",
        Page::new("text/html", undated("青石街道召开供暖协调会")),
    );
    site.put(
        "n/bare.html",
        Page::new("text/html", undated("柳湾社区举办邻里节")),
    );
    site.put(
        "list.html",
        Page::new(
            "text/html",
            "<html><body><ul class=\"news\">\
             <li><a href=\"n/rel.html\">柳湾社区开展燃气安全检查</a><span class=\"d\"></span></li>\
             <li><a href=\"n/listed.html\">青石街道召开供暖协调会</a><span class=\"d\">2026-11-20</span></li>\
             <li><a href=\"n/bare.html\">柳湾社区举办邻里节</a></li>\
             </ul></body></html>",
        ),
    );
    // A feed item without a date, whose page has none either.
    site.put(
        "nodate.xml",
        Page::new(
            "application/rss+xml",
            format!(
                "<rss version=\"2.0\"><channel><title>t</title><link>{base}/</link><description>d</description>\
                 <item><title>青石街道巡河</title><link>{base}/n/feed-bare.html</link></item></channel></rss>"
            ),
        ),
    );
    site.put(
        "n/feed-bare.html",
        Page::new("text/html", undated("青石街道巡河")),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = list_source(
        "list",
        &format!("{base}/list.html"),
        "ul.news li",
        Some("span.d"),
    ) + &rss_source("nodate", &format!("{base}/nodate.xml"));
    let cfg = write_config(dir.path(), &sources, "", "");
    let (app, reports) = crawl(&cfg).await;
    let list = reports.iter().find(|r| r.source == "list").unwrap();
    assert_eq!(list.new, 3, "{list:?}");
    let shown = shown_by_page(&app, list);

    // "发布时间：3小时前" on the page: three hours before the fetch, from the page.
    let rel = &shown["rel.html"];
    assert_eq!(rel.published_source, Some(PublishedSource::Page));
    assert_eq!(
        instant(Some(&rel.fetched)) - instant(rel.published.as_deref()),
        chrono::Duration::hours(3),
        "{rel:?}"
    );
    // No date on the page: the list page's date.
    let listed = &shown["listed.html"];
    assert_eq!(listed.published_source, Some(PublishedSource::Feed));
    assert_eq!(
        listed.published.as_deref(),
        Some("2026-11-20T00:00:00+08:00")
    );
    // No date anywhere: the fetch time, and it says so.
    let bare = &shown["bare.html"];
    assert_eq!(bare.published_source, Some(PublishedSource::Fetched));
    assert_eq!(bare.published.as_deref(), Some(bare.fetched.as_str()));
    let json = serde_json::to_value(bare).unwrap();
    assert_eq!(json["published_source"], "fetched");

    let feed = reports.iter().find(|r| r.source == "nodate").unwrap();
    let shown = shown_by_page(&app, feed);
    let fb = &shown["feed-bare.html"];
    assert_eq!(
        fb.published_source,
        Some(PublishedSource::Fetched),
        "{fb:?}"
    );
    assert_eq!(fb.published.as_deref(), Some(fb.fetched.as_str()));

    // Newest-first search orders by the same time that is shown.
    let hits = app
        .search(&SearchOptions {
            query: "燃气管道".into(),
            sort: yuqing::search::Sort::Newest,
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let mut order: Vec<_> = hits
        .hits
        .iter()
        .map(|h| h.url.rsplit('/').next().unwrap().to_string())
        .collect();
    // The two undated articles tie at the fetch time.
    order[..2].sort();
    assert_eq!(
        order,
        ["bare.html", "feed-bare.html", "rel.html", "listed.html"],
        "{hits:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_title_cut_with_an_ellipsis_gives_way_to_the_page_title() {
    // The demo government site's shape: a GBK article page with the whole title in <h1>, listed
    // under a title cut with "..." (once with the whole title in the link's title attribute, once
    // without).
    let full = "“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决";
    let other = "青石街道深入柳湾村开展征地拆迁政策宣讲活动并现场答疑";
    let site = Site::default();
    let base = site.serve().await;
    for (path, title) in [("n/1124-01.html", full), ("n/1123-01.html", other)] {
        let page = news_page(title, "2026年11月24日 15:10", BODY, "gb2312");
        let (bytes, _, _) = encoding_rs::GBK.encode(&page);
        site.put(path, Page::new("text/html", bytes.into_owned()));
    }
    site.put(
        "list.html",
        Page::new(
            "text/html",
            "<html><head><meta charset=\"utf-8\"></head><body><ul class=\"news-list\">\
             <li><a href=\"n/1124-01.html\" title=\"“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题当天解决\">“接诉即办”在行动：柳湾社区夜间施工噪音扰民问题...</a></li>\
             <li><a href=\"n/1123-01.html\">青石街道深入柳湾村开展征地拆迁政策宣讲……</a></li>\
             </ul></body></html>",
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = list_source("gov", &format!("{base}/list.html"), "ul.news-list li", None);
    let cfg = write_config(dir.path(), &sources, "", "");
    let (app, reports) = crawl(&cfg).await;
    assert_eq!(reports[0].new, 2, "{:?}", reports[0]);
    let shown = shown_by_page(&app, &reports[0]);
    assert_eq!(shown["1124-01.html"].title, full);
    assert_eq!(shown["1123-01.html"].title, other);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_expansion_feed_is_a_malformed_feed_not_ok() {
    // Billion laughs: ten levels of entities, each ten times the one below.
    let mut doctype = String::from("<!DOCTYPE rss [<!ENTITY lol0 \"lol\">");
    for i in 1..10 {
        let below = format!("&lol{};", i - 1).repeat(10);
        doctype.push_str(&format!("<!ENTITY lol{i} \"{below}\">"));
    }
    doctype.push(']');
    doctype.push('>');
    let site = Site::default();
    let base = site.serve().await;
    let bomb = format!(
        "<?xml version=\"1.0\"?>{doctype}<rss version=\"2.0\"><channel><title>&lol9;</title>\
         <link>{base}/</link><description>d</description><item><title>&lol9;</title>\
         <link>{base}/p/1.html</link><description>&lol9;</description></item></channel></rss>"
    );
    site.put("lol.xml", Page::new("application/rss+xml", bomb));
    // The item's page exists: without the check the crawl would store it and say "ok".
    site.put(
        "p/1.html",
        Page::new(
            "text/html",
            news_page("青石街道巡河", "2026-11-21 22:45", BODY, "utf-8"),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        &rss_source("lol", &format!("{base}/lol.xml")),
        "",
        "",
    );
    let (app, reports) = crawl(&cfg).await;
    let r = &reports[0];
    assert_eq!(r.status.as_str(), "failing", "{r:?}");
    assert_eq!(r.new, 0);
    let health = app.sources_health().unwrap();
    let err = health[0].last_error.clone().unwrap_or_default();
    assert!(err.contains("订阅源格式错误 (malformed feed)"), "{err}");
    assert_eq!(health[0].status.as_str(), "failing");
    assert_eq!(app.store.count_articles().unwrap(), 0);
    assert_eq!(
        site.hits("p/1.html"),
        0,
        "no item of a hostile feed is fetched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waf_page_on_a_feed_url_is_blocked_and_backs_off() {
    let site = Site::default();
    let base = site.serve().await;
    site.put(
        "waf.xml",
        Page::new(
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>安全验证</title></head><body>\
             <div class=\"box\"><p>访问过于频繁，请完成安全验证后继续访问</p><div id=\"slider\">向右滑动验证</div></div>\
             </body></html>",
        ),
    );
    site.put(
        "cf.xml",
        Page::new(
            "text/html",
            "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
             <script>(function(){window._cf_chl_opt={cvId:'3'};})();</script></head><body>\
             <noscript><span>Enable JavaScript and cookies to continue</span></noscript></body></html>",
        ),
    );
    // The same wall where a list page should be.
    site.put(
        "list.html",
        Page::new(
            "text/html",
            "<html><head><title>Attention Required! | Cloudflare</title></head><body>\
             <h1>Sorry, you have been blocked</h1><p>You are unable to access 127.0.0.1</p></body></html>",
        ),
    );
    // An ordinary page on a feed URL is still "not a feed".
    site.put(
        "home.xml",
        Page::new(
            "text/html",
            news_page("青石街道办事处首页", "2026-11-20", BODY, "utf-8"),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let sources = rss_source("waf", &format!("{base}/waf.xml"))
        + &rss_source("cf", &format!("{base}/cf.xml"))
        + &list_source("list", &format!("{base}/list.html"), "ul li", None)
        + &rss_source("home", &format!("{base}/home.xml"));
    let cfg = write_config(dir.path(), &sources, "", "");

    for (round, backoff_minutes) in [(1, 15), (2, 30)] {
        let (app, reports) = crawl(&cfg).await;
        let health = app.sources_health().unwrap();
        for id in ["waf", "cf", "list"] {
            let r = reports.iter().find(|r| r.source == id).unwrap();
            assert_eq!(r.status.as_str(), "blocked", "round {round}, {id}: {r:?}");
            let h = health.iter().find(|h| h.id == id).unwrap();
            assert_eq!(h.status.as_str(), "blocked");
            let err = h.last_error.clone().unwrap_or_default();
            assert!(err.contains("访问被拦截 (blocked"), "{id}: {err}");
            // The block backoff: 15 minutes, doubling.
            let wait = instant(h.next_check_at.as_deref()) - instant(h.last_attempt.as_deref());
            assert_eq!(
                wait,
                chrono::Duration::minutes(backoff_minutes),
                "round {round}, {id}"
            );
        }
        let home = reports.iter().find(|r| r.source == "home").unwrap();
        assert_eq!(home.status.as_str(), "failing", "{home:?}");
        assert!(home.errors[0].contains("not a feed"), "{:?}", home.errors);
    }
}
