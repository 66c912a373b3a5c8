//! Feed and charset handling against the shared third-party fixtures, read in place from
//! `../shared/fixtures` (override with `YUQING_FIXTURES`). Missing fixtures skip the tests, except
//! under `CI=true` where they fail.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Asia::Shanghai;
use encoding_rs::{Encoding, GB18030, GBK};
use url::Url;
use yuqing::crawl::charset::decode_xml;
use yuqing::crawl::feed::{FeedError, parse_feed};

fn fixtures_dir(sub: &str) -> Option<PathBuf> {
    let root = std::env::var_os("YUQING_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    let dir = root.join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("fixtures missing: {}", dir.display());
    }
    eprintln!("SKIP: fixtures not found at {}", dir.display());
    None
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

/// The value after `Key:` in the fixture's leading comment.
fn comment_field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .map(|v| v.trim())
}

/// feedparser's expected encoding, from `Expect: … encoding == 'big5'`, with our rule that
/// GB2312/GBK mean GB18030 (feedparser says the same for the declared cases).
fn expected_encoding(expect: &str) -> &'static Encoding {
    let label = expect
        .split("encoding ==")
        .nth(1)
        .expect("Expect: has an encoding")
        .trim()
        .trim_matches(|c| c == '\'' || c == '"');
    let enc = Encoding::for_label(label.as_bytes()).expect("known label");
    if enc == GBK { GB18030 } else { enc }
}

/// The content type a test simulates: the `Header:` comment, else what the file name implies.
fn simulated_content_type(name: &str, ascii: &str) -> Option<String> {
    if let Some(h) = comment_field(ascii, "Header:") {
        return h.split_once(':').map(|(_, v)| v.trim().to_string());
    }
    let rest = name.strip_prefix("encoding__http_")?;
    let mime = [
        "application_atom_xml",
        "application_rss_xml",
        "application_xml",
        "text_xml",
    ]
    .into_iter()
    .find(|m| rest.starts_with(m))?;
    let mut ct = mime.replacen('_', "/", 1).replace('_', "+");
    // `…_gb2312_charset`: the charset parameter names the label before it.
    if let Some(label) = rest
        .strip_suffix("_charset")
        .and_then(|r| r.rsplit('_').next())
    {
        ct.push_str(&format!(";charset={label}"));
    }
    Some(ct)
}

/// Raw bytes of every `<title>…</title>`.
fn raw_titles(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(start) = find(bytes, b"<title>", pos) {
        let from = start + b"<title>".len();
        let Some(end) = find(bytes, b"</title>", from) else {
            break;
        };
        out.push(&bytes[from..end]);
        pos = end;
    }
    out
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

#[test]
fn feedparser_encoding_fixtures() {
    let Some(dir) = fixtures_dir("feeds/feedparser-encoding") else {
        return;
    };
    let base = Url::parse("http://example.org/feed.xml").unwrap();
    for path in files(&dir) {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let bytes = fs::read(&path).unwrap();
        // The comment is ASCII; lossy decoding is enough to read it.
        let ascii = String::from_utf8_lossy(&bytes);
        let expect = comment_field(&ascii, "Expect:").expect("Expect: comment");
        let expected = expected_encoding(expect);
        let content_type = simulated_content_type(&name, &ascii);

        let (text, enc) = decode_xml(&bytes, content_type.as_deref(), None);
        println!(
            "{name}: content-type {content_type:?}, expected {}, got {}",
            expected.name(),
            enc.name()
        );
        assert_eq!(enc, expected, "{name}: encoding");

        for raw in raw_titles(&bytes) {
            let (independent, _) = expected.decode_without_bom_handling(raw);
            assert!(
                independent.chars().any(is_cjk),
                "{name}: fixture title should be Chinese: {independent}"
            );
            assert!(
                text.contains(independent.as_ref()),
                "{name}: decoded text lacks title {independent:?}"
            );
            println!("  title: {independent}");
        }

        // The whole pipeline accepts it too (these feeds have at most a title, no entries),
        // except that an `<rss>` without `<channel>` is reported as malformed.
        let items = match parse_feed(&bytes, content_type.as_deref(), None, &base, Shanghai) {
            Ok(items) => items,
            Err(e @ FeedError::Malformed(_)) if !ascii.contains("<channel>") => {
                println!("  parse_feed: {e}");
                continue;
            }
            Err(e) => panic!("{name}: {e}"),
        };
        for item in &items {
            assert!(item.title.chars().any(is_cjk), "{name}: {item:?}");
        }
        println!("  parse_feed: {} item(s)", items.len());
    }
}

#[test]
fn wechat_feeds() {
    let Some(dir) = fixtures_dir("feeds/wechat-feeds") else {
        return;
    };
    for path in files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = fs::read(&path).unwrap();
        let raw = String::from_utf8(bytes.clone()).expect("wechat feeds are UTF-8");
        let base = Url::parse(&format!("https://wechat-feeds.example/feeds/{name}")).unwrap();
        let items = parse_feed(&bytes, Some("application/xml"), None, &base, Shanghai)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!items.is_empty(), "{name}: no items");
        assert_eq!(
            items.len(),
            raw.matches("<item>").count(),
            "{name}: item count"
        );

        // Independent reading of the pubDates, in document order.
        let pub_dates: Vec<_> = raw
            .split("<item>")
            .skip(1)
            .map(|item| {
                let start = item.find("<pubDate>").expect("pubDate") + "<pubDate>".len();
                let end = item.find("</pubDate>").expect("/pubDate");
                DateTime::parse_from_rfc2822(&item[start..end]).expect("RFC 2822 pubDate")
            })
            .collect();

        for (item, expected_time) in items.iter().zip(&pub_dates) {
            assert!(
                !item.title.trim().is_empty(),
                "{name}: empty title {item:?}"
            );
            let url = item
                .url
                .as_deref()
                .unwrap_or_else(|| panic!("{name}: no url {item:?}"));
            let url = Url::parse(url).unwrap_or_else(|e| panic!("{name}: {url}: {e}"));
            assert!(matches!(url.scheme(), "http" | "https"), "{name}: {url}");
            assert_eq!(url.host_str(), Some("mp.weixin.qq.com"), "{name}: {url}");
            let published = item
                .published
                .unwrap_or_else(|| panic!("{name}: no date {item:?}"));
            assert_eq!(
                published.offset().local_minus_utc(),
                8 * 3600,
                "{name}: offset"
            );
            assert_eq!(&published, expected_time, "{name}: time");
            // content:encoded repeats the title: dropped.
            assert_eq!(item.text, "", "{name}: {item:?}");
            assert_eq!(item.guid, None, "{name}: no <guid> in these feeds");
        }
        println!("{name}: {} items, first: {}", items.len(), items[0].title);
    }
}

#[test]
fn html_page_is_not_a_feed() {
    let Some(dir) = fixtures_dir("news-html/gne") else {
        return;
    };
    let base = Url::parse("https://example.org/feed").unwrap();
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "html") {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        match parse_feed(&bytes, Some("text/html"), None, &base, Shanghai) {
            Err(FeedError::NotAFeed(_)) => checked += 1,
            other => panic!("{}: expected NotAFeed, got {other:?}", path.display()),
        }
    }
    assert!(checked > 0);
}

/// No real article page (news sites, WeChat) is taken for an anti-bot wall when it turns up where
/// a feed should be: each stays "not a feed".
#[test]
fn no_real_page_is_taken_for_an_anti_bot_wall() {
    let mut checked = 0;
    for sub in [
        "news-html/gne",
        "news-html/cwced",
        "news-html/magic-html",
        "wechat-html",
    ] {
        let Some(dir) = fixtures_dir(sub) else {
            return;
        };
        let base = Url::parse("https://example.org/feed").unwrap();
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|x| x != "html") {
                continue;
            }
            let bytes = fs::read(&path).unwrap();
            match parse_feed(&bytes, Some("text/html"), None, &base, Shanghai) {
                Err(FeedError::NotAFeed(_)) => checked += 1,
                other => panic!("{}: expected NotAFeed, got {other:?}", path.display()),
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

#[test]
fn malformed_feed_gives_clear_error() {
    let base = Url::parse("https://example.org/feed").unwrap();
    let truncated = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel>\
                     <item><title>被截断的条目</title><link>https://example.org/1</link>";
    let err = parse_feed(truncated.as_bytes(), None, None, &base, Shanghai).unwrap_err();
    assert!(matches!(err, FeedError::Malformed(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("订阅源格式错误 (malformed feed):"),
        "{err}"
    );
    println!("{err}");
}
