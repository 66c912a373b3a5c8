//! Shared test harness: a local HTTP site on 127.0.0.1 and a config written into a temp dir.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// What the test site serves: path → (status, content type, body, extra headers).
#[derive(Clone, Default)]
pub struct Site {
    pub pages: Arc<Mutex<HashMap<String, Page>>>,
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
    pub not_modified: Arc<AtomicUsize>,
}

#[derive(Clone)]
pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub delay: Duration,
    pub redirect: Option<String>,
}

impl Page {
    pub fn new(content_type: &str, body: impl Into<Vec<u8>>) -> Page {
        Page {
            status: 200,
            content_type: content_type.into(),
            body: body.into(),
            etag: None,
            delay: Duration::ZERO,
            redirect: None,
        }
    }
    pub fn status(code: u16) -> Page {
        Page {
            status: code,
            ..Page::new("text/plain", format!("status {code}"))
        }
    }
}

impl Site {
    pub fn put(&self, path: &str, page: Page) {
        self.pages
            .lock()
            .unwrap()
            .insert(path.trim_start_matches('/').to_string(), page);
    }
    pub fn hits(&self, path: &str) -> usize {
        *self
            .hits
            .lock()
            .unwrap()
            .get(path.trim_start_matches('/'))
            .unwrap_or(&0)
    }

    /// Serves the site on 127.0.0.1 with a random port; returns the base URL.
    pub async fn serve(&self) -> String {
        let app = Router::new()
            .route("/{*path}", get(serve_page))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        format!("http://{addr}")
    }
}

async fn serve_page(
    State(site): State<Site>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    *site.hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let page = site.pages.lock().unwrap().get(&path).cloned();
    let Some(page) = page else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    if !page.delay.is_zero() {
        tokio::time::sleep(page.delay).await;
    }
    if let Some(to) = &page.redirect {
        return Response::builder()
            .status(302)
            .header(header::LOCATION, to.as_str())
            .body(Body::empty())
            .unwrap();
    }
    if let (Some(etag), Some(inm)) = (&page.etag, headers.get(header::IF_NONE_MATCH))
        && inm.to_str().unwrap_or("") == etag
    {
        site.not_modified.fetch_add(1, Ordering::SeqCst);
        return Response::builder().status(304).body(Body::empty()).unwrap();
    }
    let mut b = Response::builder()
        .status(page.status)
        .header(header::CONTENT_TYPE, page.content_type.as_str());
    if let Some(etag) = &page.etag {
        b = b.header(header::ETAG, etag.as_str());
    }
    if page.status == 429 || page.status == 503 {
        b = b.header(header::RETRY_AFTER, "1");
    }
    b.body(Body::from(page.body.clone())).unwrap()
}

/// Writes `yuqing.toml`, `sources.toml`, `rules.toml` and `userdict.txt` into `dir`.
pub fn write_config(dir: &Path, sources: &str, rules: &str, http_extra: &str) -> PathBuf {
    let cfg = dir.join("yuqing.toml");
    std::fs::write(
        &cfg,
        format!(
            "timezone = \"Asia/Shanghai\"\ndata_dir = \"{}\"\nsources = \"sources.toml\"\nrules = \"rules.toml\"\n\
             userdict = \"userdict.txt\"\n[http]\nper_host_delay = \"0s\"\nretries = 0\ntimeout = \"2s\"\n{http_extra}\n\
             [crawl]\nmin_text_chars = 30\n",
            dir.join("index").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("sources.toml"), sources).unwrap();
    std::fs::write(dir.join("rules.toml"), rules).unwrap();
    std::fs::write(
        dir.join("userdict.txt"),
        "青石街道 1000 ns\n柳湾社区 1000 ns\n",
    )
    .unwrap();
    cfg
}

pub fn rss_source(id: &str, url: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"rss\"\nurl = \"{url}\"\nfull_text = \"auto\"\n\n"
    )
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// An RSS 2.0 feed; items are (title, link, body-or-empty).
pub fn rss(items: &[(&str, &str, &str)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>测试</title><link>http://127.0.0.1/</link><description>t</description>",
    );
    for (i, (title, link, body)) in items.iter().enumerate() {
        out.push_str(&format!(
            "<item><title>{}</title><link>{}</link><guid>g-{i}-{}</guid><pubDate>Sat, 21 Nov 2026 22:45:00 +0800</pubDate>{}</item>",
            esc(title),
            esc(link),
            esc(link),
            if body.is_empty() { String::new() } else { format!("<description>{}</description>", esc(&format!("<p>{}</p>", esc(body)))) }
        ));
    }
    out.push_str("</channel></rss>");
    out
}

/// A plain news page.
pub fn news_page(title: &str, when: &str, body: &str, charset: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>{t}_江北区新闻网</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/n\">要闻</a> <a href=\"/t\">通知公告</a></div>\
         <h1>{t}</h1><div class=\"info\">发布时间：{when}　来源：青石街道</div>\
         <div class=\"content\"><p>{b}</p><p>{b}</p></div><div class=\"footer\">版权所有 江北区融媒体中心</div></body></html>",
        t = esc(title),
        b = esc(body)
    )
}

/// The fixtures folder: `../shared/fixtures`, or `YUQING_FIXTURES`. `None` (after printing a skip
/// line) when missing outside CI; a panic when missing under `CI=true`.
pub fn fixtures() -> Option<PathBuf> {
    let dir = std::env::var("YUQING_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!(
            "fixtures folder {} is missing (required under CI=true)",
            dir.display()
        );
    }
    println!("SKIP: fixtures folder {} not found", dir.display());
    None
}

/// A list-page source (`kind = "html"`) that always fetches the article pages.
pub fn list_source(id: &str, url: &str, item: &str, date: Option<&str>) -> String {
    let date = date.map_or(String::new(), |d| format!("date = \"{d}\"\n"));
    format!(
        "[[source]]\nid = \"{id}\"\nname = \"{id}\"\nkind = \"html\"\nurl = \"{url}\"\nfull_text = \"always\"\n\
         [source.list]\nitem = \"{item}\"\nlink = \"a\"\ntitle = \"a\"\n{date}\n"
    )
}
