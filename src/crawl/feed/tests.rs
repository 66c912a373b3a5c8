use super::*;
use chrono::TimeZone;
use chrono_tz::Asia::Shanghai;
use encoding_rs::GB18030;

fn base() -> Url {
    Url::parse("https://news.example.cn/rss/index.xml").unwrap()
}

fn cst(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, mo, d, h, mi, s)
        .unwrap()
}

#[test]
fn timestamps() {
    let t = |s: &str| parse_feed_timestamp(s, Shanghai);
    assert_eq!(t("2021-05-18 17:26:42"), Some(cst(2021, 5, 18, 17, 26, 42)));
    assert_eq!(t("2026年11月25日"), Some(cst(2026, 11, 25, 0, 0, 0)));
    assert_eq!(
        t("2026年11月25日 8时30分"),
        Some(cst(2026, 11, 25, 8, 30, 0))
    );
    assert_eq!(t("2026/11/25 08:30"), Some(cst(2026, 11, 25, 8, 30, 0)));
    assert_eq!(
        t("2026-11-25T08:30:00+08:00"),
        Some(cst(2026, 11, 25, 8, 30, 0))
    );
    assert_eq!(
        t("2026-11-25 08:30:00 +0800"),
        Some(cst(2026, 11, 25, 8, 30, 0))
    );
    let utc = t("2026-11-25T00:30:00Z").unwrap();
    assert_eq!(utc.offset().local_minus_utc(), 0);
    assert_eq!(utc, cst(2026, 11, 25, 8, 30, 0));
    let t2822 = t("Thu, 17 Jun 2021 14:00:11 +0800").unwrap();
    assert_eq!(t2822, cst(2021, 6, 17, 14, 0, 11));
    assert_eq!(t2822.offset().local_minus_utc(), 8 * 3600);
    assert_eq!(
        t("Thursday, 17 June 2021 14:00:11 GMT"),
        Some(cst(2021, 6, 17, 22, 0, 11))
    );
    assert_eq!(
        t("Thu, 17 Jun 2021 14:00:11 CST"),
        Some(cst(2021, 6, 17, 14, 0, 11))
    );
    assert_eq!(
        t("Thu, 17 Jun 2021 14:00:11 GMT+8"),
        Some(cst(2021, 6, 17, 14, 0, 11))
    );
    assert_eq!(
        t("Jun 17, 2021 14:00:11"),
        Some(cst(2021, 6, 17, 14, 0, 11))
    );
    assert_eq!(t("17 Jun 21 14:00 +0800"), Some(cst(2021, 6, 17, 14, 0, 0)));
    assert_eq!(t("1623909611"), Some(cst(2021, 6, 17, 14, 0, 11)));
    assert_eq!(t("Thu, 17 Jun 2021 14:00:11 XYZ"), None);
    assert_eq!(t("2021-02-30"), None);
    assert_eq!(t("yesterday"), None);
    assert_eq!(t(""), None);
}

#[test]
fn text_conversion() {
    assert_eq!(
        html_to_text("<p>第一段&nbsp;内容</p><p>第二段<br>换行</p><script>var x=1;</script>"),
        "第一段 内容\n第二段\n换行"
    );
    assert_eq!(
        html_to_text("<div>  多个   空格\u{3000}\u{3000}和\u{200B}零宽 </div>"),
        "多个 空格 和零宽"
    );
    assert_eq!(html_to_text("A &amp; B &lt;C&gt;"), "A & B <C>");
    assert_eq!(html_to_text("纯文本\n\n  第二行  "), "纯文本\n第二行");
    assert_eq!(
        html_to_text(
            "<!DOCTYPE html><html><head><title>标题</title></head><body><p>正文</p></body></html>"
        ),
        "正文"
    );
    assert_eq!(html_to_text(""), "");
}

const RSS: &str = r#"<?xml version="1.0" encoding="gb2312"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>示例新闻网</title>
<link>https://www.example.cn/</link>
<item>
  <title><![CDATA[市政府召开<b>常务会议</b>]]></title>
  <link>/2026/11/25/a1.html</link>
  <guid isPermaLink="false">a1</guid>
  <dc:creator>张三</dc:creator>
  <pubDate>2026-11-25 09:15:00</pubDate>
  <description><![CDATA[<p>会议研究了冬季供暖工作。</p><p>会议要求各部门落实责任。</p>]]></description>
</item>
<item>
  <title>第二条 &amp; 更多</title>
  <link>https://mp.weixin.qq.com/s/abcdef</link>
  <content:encoded><![CDATA[第二条 & 更多]]></content:encoded>
  <pubDate>Wed, 25 Nov 2026 08:00:00 +0800</pubDate>
</item>
<item>
  <title>无链接条目</title>
  <guid>https://www.example.cn/2026/11/24/b2.html</guid>
  <pubDate>2026年11月24日</pubDate>
</item>
</channel>
</rss>"#;

#[test]
fn gbk_rss_with_chinese_dates() {
    let (bytes, _, _) = GB18030.encode(RSS);
    let items = parse_feed(&bytes, Some("text/xml"), None, &base(), Shanghai).unwrap();
    assert_eq!(items.len(), 3);
    let a = &items[0];
    assert_eq!(a.title, "市政府召开常务会议");
    assert_eq!(
        a.url.as_deref(),
        Some("https://www.example.cn/2026/11/25/a1.html")
    );
    assert_eq!(a.guid.as_deref(), Some("a1"));
    assert_eq!(a.author.as_deref(), Some("张三"));
    assert_eq!(a.published, Some(cst(2026, 11, 25, 9, 15, 0)));
    assert_eq!(a.text, "会议研究了冬季供暖工作。\n会议要求各部门落实责任。");
    let b = &items[1];
    assert_eq!(b.title, "第二条 & 更多");
    assert_eq!(b.text, "", "title repeated as content is dropped");
    assert_eq!(b.guid, None, "no invented ids");
    assert_eq!(b.published.unwrap().offset().local_minus_utc(), 8 * 3600);
    let c = &items[2];
    assert_eq!(
        c.url.as_deref(),
        Some("https://www.example.cn/2026/11/24/b2.html")
    );
    assert_eq!(c.published, Some(cst(2026, 11, 24, 0, 0, 0)));
}

#[test]
fn gbk_without_prolog_and_versionless_rss() {
    let src = "<rss><channel><item><title>无声明的国标码</title><link>a.html</link></item></channel></rss>";
    let (bytes, _, _) = GB18030.encode(src);
    let items = parse_feed(&bytes, None, None, &base(), Shanghai).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "无声明的国标码");
    assert_eq!(
        items[0].url.as_deref(),
        Some("https://news.example.cn/rss/a.html")
    );
}

#[test]
fn atom_with_offsets() {
    let src = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>示例</title>
  <id>urn:example:feed</id>
  <entry>
<title type="html">&lt;em&gt;突发&lt;/em&gt;：消息</title>
<id>urn:example:1</id>
<link rel="replies" href="https://example.cn/c/1"/>
<link href="https://example.cn/a/1"/>
<author><name>记者 李四</name></author>
<updated>2026-11-25T01:00:00Z</updated>
<content type="html">&lt;p&gt;正文内容&lt;/p&gt;</content>
  </entry>
</feed>"#;
    let items = parse_feed(src.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items.len(), 1);
    let e = &items[0];
    assert_eq!(e.title, "突发：消息");
    assert_eq!(e.url.as_deref(), Some("https://example.cn/a/1"));
    assert_eq!(e.guid.as_deref(), Some("urn:example:1"));
    assert_eq!(e.author.as_deref(), Some("记者 李四"));
    let p = e.published.unwrap();
    assert_eq!(p.offset().local_minus_utc(), 0, "original offset kept");
    assert_eq!(p, cst(2026, 11, 25, 9, 0, 0));
    assert_eq!(e.text, "正文内容");
}

#[test]
fn json_feed_passes_through() {
    let src = r#"{"version":"https://jsonfeed.org/version/1.1","title":"示例","items":[{"id":"1","url":"https://example.cn/j/1","title":"JSON 条目","content_html":"<p>内容</p>","date_published":"2026-11-25T08:00:00+08:00"}]}"#;
    let items = parse_feed(src.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].title, "JSON 条目");
    assert_eq!(items[0].text, "内容");
    assert_eq!(items[0].published, Some(cst(2026, 11, 25, 8, 0, 0)));
}

#[test]
fn html_is_not_a_feed() {
    for page in [
        "<!DOCTYPE html><html><head><title>登录</title></head><body></body></html>",
        "\n<html><body>请先登录</body></html>",
        "<?xml version=\"1.0\"?><!-- x --><html xmlns=\"http://www.w3.org/1999/xhtml\"></html>",
    ] {
        match parse_feed(page.as_bytes(), Some("text/html"), None, &base(), Shanghai) {
            Err(FeedError::NotAFeed(msg)) => assert!(msg.contains("HTML"), "{msg}"),
            other => panic!("expected NotAFeed, got {other:?}"),
        }
    }
    assert!(matches!(
        parse_feed(b"Service Unavailable", None, None, &base(), Shanghai),
        Err(FeedError::NotAFeed(_))
    ));
    assert!(matches!(
        parse_feed(b"<root><a/></root>", None, None, &base(), Shanghai),
        Err(FeedError::NotAFeed(_))
    ));
}

#[test]
fn empty_large_and_malformed() {
    assert!(matches!(
        parse_feed(b"", None, None, &base(), Shanghai),
        Err(FeedError::Empty)
    ));
    assert!(matches!(
        parse_feed(b" \n\t", None, None, &base(), Shanghai),
        Err(FeedError::Empty)
    ));
    let big = vec![b' '; MAX_FEED_BYTES + 1];
    assert!(matches!(
        parse_feed(&big, None, None, &base(), Shanghai),
        Err(FeedError::TooLarge { .. })
    ));
    let broken = "<rss version=\"2.0\"><channel><item><title>断开</title></channel>";
    match parse_feed(broken.as_bytes(), None, None, &base(), Shanghai) {
        Err(e @ FeedError::Malformed(_)) => {
            assert!(
                e.to_string()
                    .starts_with("订阅源格式错误 (malformed feed): "),
                "{e}"
            )
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(parse_feed(b"{not json", None, None, &base(), Shanghai).is_err());
}

#[test]
fn bare_ampersands_are_repaired() {
    let src = "<rss version=\"2.0\"><channel><item><title>甲 & 乙 &amp; 丙&nbsp;丁</title>\
        <link>/show?id=1&page=2</link><description><![CDATA[<p>A&amp;B</p>]]></description>\
        </item></channel></rss>";
    let items = parse_feed(src.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items[0].title, "甲 & 乙 & 丙 丁");
    assert_eq!(
        items[0].url.as_deref(),
        Some("https://news.example.cn/show?id=1&page=2")
    );
    assert_eq!(items[0].text, "A&B");
}

#[test]
fn item_cap() {
    let mut src = String::from("<rss version=\"2.0\"><channel>");
    for i in 0..(MAX_FEED_ITEMS + 5) {
        src.push_str(&format!(
            "<item><title>t{i}</title><link>/{i}</link></item>"
        ));
    }
    src.push_str("</channel></rss>");
    let items = parse_feed(src.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items.len(), MAX_FEED_ITEMS);
}

/// The classic "billion laughs": ten levels of entities, each ten times the one below.
fn billion_laughs() -> String {
    let mut doctype = String::from("<!DOCTYPE rss [\n <!ENTITY lol0 \"lol\">\n");
    for i in 1..10 {
        let prev = format!("&lol{};", i - 1).repeat(10);
        doctype.push_str(&format!(" <!ENTITY lol{i} \"{prev}\">\n"));
    }
    doctype.push_str("]>\n");
    format!(
        "<?xml version=\"1.0\"?>\n{doctype}<rss version=\"2.0\"><channel><title>&lol9;</title>\
         <link>http://x.example/</link><description>d</description><item><title>&lol9;</title>\
         <link>http://x.example/1</link><description>&lol9;</description></item></channel></rss>"
    )
}

#[test]
fn entity_declarations_are_a_malformed_feed() {
    let hostile = [
        billion_laughs(),
        // One harmless-looking entity is refused all the same, also after a comment, in any case.
        "<!-- x --><!DOCTYPE rss [<!ENTITY a \"b\">]><rss version=\"2.0\"><channel><title>&a;</title></channel></rss>".into(),
        "<!doctype rss [ <!entity % p SYSTEM \"http://x.example/e.dtd\"> %p; ]><rss version=\"2.0\"><channel/></rss>".into(),
    ];
    for feed in &hostile {
        match parse_feed(feed.as_bytes(), None, None, &base(), Shanghai) {
            Err(e @ FeedError::Malformed(_)) => {
                let msg = e.to_string();
                assert!(
                    msg.starts_with("订阅源格式错误 (malformed feed): "),
                    "{msg}"
                );
                assert!(msg.contains("实体"), "{msg}");
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
    }
    // A DOCTYPE without entities (RSS 0.91's) is still fine.
    let netscape = "<?xml version=\"1.0\"?><!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \
        \"http://my.netscape.com/publish/formats/rss-0.91.dtd\"><rss version=\"0.91\"><channel><title>t</title>\
        <link>http://x.example/</link><description>d</description><item><title>条目</title>\
        <link>http://x.example/1</link></item></channel></rss>";
    let items = parse_feed(netscape.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items[0].title, "条目");
}

#[test]
fn a_waf_or_captcha_page_is_blocked_not_a_feed() {
    let walls: [(&[u8], Option<&str>); 3] = [
        (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>\
              <noscript>Enable JavaScript and cookies to continue</noscript></body></html>",
            Some("text/html; charset=UTF-8"),
        ),
        (
            "<html><head><title>访问验证</title></head><body><p>请完成安全验证</p></body></html>"
                .as_bytes(),
            None,
        ),
        (b"Access denied", Some("text/plain")),
    ];
    for (body, ct) in walls {
        match parse_feed(body, ct, None, &base(), Shanghai) {
            Err(e @ FeedError::Blocked(_)) => {
                assert!(e.to_string().starts_with("访问被拦截 (blocked"), "{e}")
            }
            other => panic!("expected Blocked, got {other:?}"),
        }
    }
    // A GBK wall that says so only in its <meta charset>.
    let gbk = "<html><head><meta charset=\"gbk\"><title>网站防火墙</title></head>\
               <body>您的访问已被网站管理员设置拦截</body></html>";
    let (bytes, _, _) = encoding_rs::GBK.encode(gbk);
    match parse_feed(&bytes, Some("text/html"), None, &base(), Shanghai) {
        Err(FeedError::Blocked(why)) => assert!(why.contains("网站防火墙"), "{why}"),
        other => panic!("expected Blocked, got {other:?}"),
    }
}

#[test]
fn an_xml_declaration_inside_the_document_is_dropped_not_a_panic() {
    // Found by fuzzing: feed-rs switched quick-xml's decoder to the inner declaration's encoding,
    // which panics past the document's first bytes.
    for inner in [
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><?xml version=\"1.0\" encoding=\"gb2312\"?>",
        // Behind a broken comment opener, which quick-xml reads as a tag.
        "<rss version=\"2.0\"><channel><title>t</title><item><title><<!--<description><?xml version=\"1.0\" encoding=\"gb2312\"?>",
        "<rss><channel><?XML version=\"1.0\" encoding=\"big5\"",
    ] {
        assert!(
            parse_feed(inner.as_bytes(), None, None, &base(), Shanghai).is_err(),
            "{inner}"
        );
    }
    let padded = format!(
        "<rss version=\"2.0\"><channel><title>t</title><description>{}</description>\
         <?xml version=\"1.0\" encoding=\"gbk\"?><item><title>条目</title><link>/1</link>\
         <description><![CDATA[<?xml version=\"1.0\" encoding=\"gbk\"?>保留]]></description></item>\
         <!-- <?xml version=\"1.0\" encoding=\"big5\"?> --></channel></rss>",
        "x".repeat(20_000)
    );
    let items = parse_feed(padded.as_bytes(), None, None, &base(), Shanghai).unwrap();
    assert_eq!(items[0].title, "条目");
    assert!(items[0].text.contains("保留"), "{:?}", items[0].text);
    // Another processing instruction named like it stays.
    assert_eq!(
        drop_inner_declarations("<a><?xml-stylesheet href=\"s\"?><?xml ?></a>".into(), 0),
        "<a><?xml-stylesheet href=\"s\"?></a>"
    );
}
