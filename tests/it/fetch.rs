//! The fetcher on its own: Retry-After, retries on 5xx, politeness, conditional GET, file:// URLs.

use std::time::{Duration, Instant};

use yuqing::config::HttpConfig;
use yuqing::crawl::fetch::{FetchError, Fetched, Fetcher, Validators};

use crate::common::{Page, Site};

fn cfg() -> HttpConfig {
    HttpConfig {
        per_host_delay: Duration::ZERO,
        retries: 2,
        timeout: Duration::from_secs(5),
        ..HttpConfig::default()
    }
}

#[tokio::test]
async fn retry_after_is_honoured_on_429() {
    let site = Site::default();
    let base = site.serve().await;
    site.put("x", Page::new("text/plain", "ok"));
    // A flaky endpoint: answers 429 with Retry-After until the test swaps the page.
    let mut busy = Page::status(429);
    busy.content_type = "text/plain".into();
    site.put("busy", busy);
    let f = Fetcher::new(&HttpConfig {
        retries: 0,
        ..cfg()
    })
    .unwrap();
    let url = url::Url::parse(&format!("{base}/busy")).unwrap();
    let err = f.get(&url, None).await.unwrap_err();
    assert_eq!(err.status(), Some(429));

    let site2 = site.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        site2.put("busy", Page::new("text/plain", "later"));
    });
    let f = Fetcher::new(&cfg()).unwrap();
    let started = Instant::now();
    let Fetched::Ok(r) = f.get(&url, None).await.unwrap() else {
        panic!("expected a body")
    };
    assert_eq!(r.body, b"later");
    assert!(site.hits("busy") >= 3, "the fetcher retried after waiting");
    let _ = started;
}

#[tokio::test]
async fn server_errors_are_retried_then_reported() {
    let site = Site::default();
    let base = site.serve().await;
    site.put("down", Page::status(503));
    let f = Fetcher::new(&cfg()).unwrap();
    let err = f
        .get(&url::Url::parse(&format!("{base}/down")).unwrap(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Status { status: 503, .. }),
        "{err}"
    );
    assert_eq!(site.hits("down"), 3, "one try and two retries");
    site.put("gone", Page::status(404));
    let err = f
        .get(&url::Url::parse(&format!("{base}/gone")).unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(site.hits("gone"), 1, "4xx is not retried");
}

#[tokio::test]
async fn conditional_get_sends_the_validators() {
    let site = Site::default();
    let base = site.serve().await;
    site.put(
        "f.xml",
        Page {
            etag: Some("\"abc\"".into()),
            ..Page::new("application/rss+xml", "<rss/>")
        },
    );
    let f = Fetcher::new(&cfg()).unwrap();
    let url = url::Url::parse(&format!("{base}/f.xml")).unwrap();
    let Fetched::Ok(first) = f.get(&url, None).await.unwrap() else {
        panic!()
    };
    assert_eq!(first.validators.etag.as_deref(), Some("\"abc\""));
    let second = f
        .get(
            &url,
            Some(&Validators {
                etag: first.validators.etag.clone(),
                last_modified: None,
            }),
        )
        .await
        .unwrap();
    assert!(matches!(second, Fetched::NotModified));
}

#[tokio::test]
async fn file_urls_are_read_within_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("feed.xml");
    std::fs::write(&small, "<rss/>").unwrap();
    let big = dir.path().join("big.xml");
    std::fs::write(&big, vec![b'x'; 4096]).unwrap();
    let f = Fetcher::new(&HttpConfig {
        max_body: 1024,
        ..cfg()
    })
    .unwrap();
    let Fetched::Ok(r) = f
        .get(&url::Url::from_file_path(&small).unwrap(), None)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(r.body, b"<rss/>");
    let err = f
        .get(&url::Url::from_file_path(&big).unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 1024 }));
    let err = f
        .get(&url::Url::parse("ftp://127.0.0.1/x").unwrap(), None)
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Scheme(_)));
}

#[tokio::test]
async fn one_host_gets_at_most_its_concurrency_and_delay() {
    let site = Site::default();
    let base = site.serve().await;
    site.put("p", Page::new("text/plain", "ok"));
    let f = Fetcher::new(&HttpConfig {
        per_host_delay: Duration::from_millis(200),
        per_host_concurrency: 1,
        ..cfg()
    })
    .unwrap();
    let url = url::Url::parse(&format!("{base}/p")).unwrap();
    let started = Instant::now();
    let (a, b, c) = tokio::join!(f.get(&url, None), f.get(&url, None), f.get(&url, None));
    assert!(a.is_ok() && b.is_ok() && c.is_ok());
    // Three requests to one host with a 200 ms minimum gap cannot finish in under 400 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
}
