use super::*;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00+08:00").unwrap()
}

fn tz() -> Tz {
    chrono_tz::Asia::Shanghai
}

fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}

fn article(html: &str, u: &str, rules: &[SiteRule]) -> Extracted {
    match extract(html, &url(u), rules, tz(), now()) {
        PageKind::Article(e) => e,
        other => panic!("expected an article, got {other:?}"),
    }
}

const PARA: &str =
    "清河街道今天组织志愿者走访辖区老人，了解冬季取暖情况，并为行动不便的居民送去棉被和常用药品。";

fn news_page() -> String {
    let body: String = (0..6)
        .map(|i| format!("<p>{PARA}第{i}段。</p>\n"))
        .collect();
    format!(
        r#"<html><head><title>清河街道开展冬季走访活动_示例新闻网</title>
<meta name="author" content="李明"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/a">要闻</a> <a href="/b">社会</a> <a href="/c">财经</a></div>
<div class="main"><h1>清河街道开展冬季走访活动</h1>
<div class="info">发布时间：2026-11-25 10:30　来源：清河街道</div>
<div class="content">{body}<p>相关阅读：<a href="/x">另一条很长很长的新闻标题链接文字</a></p></div>
<div class="related"><ul><li><a href="/1">其他新闻标题一二三四五</a></li><li><a href="/2">其他新闻标题六七八九十</a></li></ul></div>
</div>
<div class="comment"><p>网友评论：写得很好，支持社区工作！希望多多开展。</p></div>
<div id="footer">版权所有，示例新闻网。</div>
<script>var x = "不应出现的脚本文字，。";</script>
</body></html>"#
    )
}

#[test]
fn generic_news_page() {
    let e = article(&news_page(), "https://news.example.cn/a/1.html", &[]);
    assert_eq!(e.title.as_deref(), Some("清河街道开展冬季走访活动"));
    assert_eq!(e.author.as_deref(), Some("李明"));
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2026-11-25T10:30:00+08:00"
    );
    let lines: Vec<&str> = e.text.lines().collect();
    assert_eq!(lines.len(), 6, "{}", e.text);
    assert!(lines[0].starts_with("清河街道今天组织"));
    assert!(!e.text.contains("首页"));
    assert!(!e.text.contains("网友评论"));
    assert!(!e.text.contains("版权所有"));
    assert!(!e.text.contains("脚本"));
    assert!(!e.text.contains("其他新闻"));
}

#[test]
fn old_table_page_with_br_and_labels() {
    let para = "这是一个旧式论坛页面，正文放在表格单元格里，用换行标签分段。";
    let html = format!(
        r#"<html><head><meta charset="gb2312"><title>旧论坛帖子 - 某某论坛</title></head><body>
<table><tr><td><a href="/">论坛首页</a> | <a href="/b">版块</a></td></tr>
<tr><td>作者：张三 发表于 2005-5-7 21:23:57</td></tr>
<tr><td>{para}<br>{para}<br><br>{para}<br>　　{para}</td></tr>
<tr><td><a href="/r">回复</a> <a href="/q">引用</a></td></tr></table></body></html>"#
    );
    let e = article(&html, "http://bbs.example.com/t/1", &[]);
    assert_eq!(e.title.as_deref(), Some("旧论坛帖子"));
    assert_eq!(e.author.as_deref(), Some("张三"));
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2005-05-07T21:23:57+08:00"
    );
    assert_eq!(e.text, [para; 4].join("\n"));
}

#[test]
fn wechat_article() {
    let html = r#"<html><head><meta property="og:title" content="社区冬季安全提醒"></head><body>
<h1 id="activity-name">社区冬季安全提醒</h1>
<span id="js_name">示例社区</span><em id="publish_time">昨天</em>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
<section><p>天气转冷，请大家注意用火用电安全。</p><p><img src="x.png"></p>
<p>如有困难，请拨打社区电话。</p></section></div>
<script>var nickname = htmlDecode("示例社区&amp;服务");
var ct = "1764120600";
var msg_title = '社区冬季安全提醒'.html(false);</script></body></html>"#;
    let e = article(html, "file:///tmp/wx.html", &[]);
    assert_eq!(e.title.as_deref(), Some("社区冬季安全提醒"));
    assert_eq!(e.author.as_deref(), Some("示例社区&服务"));
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2025-11-26T09:30:00+08:00"
    );
    assert_eq!(
        e.text,
        "天气转冷，请大家注意用火用电安全。\n如有困难，请拨打社区电话。"
    );
}

#[test]
fn wechat_title_from_js_when_no_og() {
    let html = r#"<div id="js_content"><p>正文内容，足够长的一段文字。</p></div>
<script>var msg_title = "标题\x26amp;副标题 &quot;引号&quot;";</script>"#;
    let e = article(html, "https://mp.weixin.qq.com/s/abc", &[]);
    assert_eq!(e.title.as_deref(), Some("标题&副标题 \"引号\""));
    assert_eq!(e.published, None);
}

#[test]
fn wechat_deleted_and_blocked() {
    let deleted =
        "<html><body><div class=\"weui-msg\"><p>该内容已被发布者删除</p></div></body></html>";
    assert_eq!(
        extract(
            deleted,
            &url("https://mp.weixin.qq.com/s/x"),
            &[],
            tz(),
            now()
        ),
        PageKind::Deleted("该内容已被发布者删除".into())
    );
    let expired = "<html><body><p>链接已过期</p></body></html>";
    assert!(matches!(
        extract(expired, &url("file:///x.html"), &[], tz(), now()),
        PageKind::Deleted(_)
    ));
    let blocked =
        "<html><body><p>环境异常</p><p>当前环境异常，完成验证后即可继续访问。</p></body></html>";
    assert!(matches!(
        extract(
            blocked,
            &url("https://mp.weixin.qq.com/s/x"),
            &[],
            tz(),
            now()
        ),
        PageKind::Blocked(_)
    ));
    // A long news article quoting the phrase is still an article.
    let quoting = news_page().replace("第0段。", "第0段。有网友反映短信链接已过期。");
    assert!(matches!(
        extract(
            &quoting,
            &url("https://news.example.cn/1"),
            &[],
            tz(),
            now()
        ),
        PageKind::Article(_)
    ));
}

#[test]
fn site_rule_is_used_for_host_and_subdomains() {
    let html = r#"<html><head><title>页面标题</title></head><body>
<h2 class="t">规则标题</h2><span class="d">2026年11月20日 08:00</span><span class="a">作者：王五</span>
<div id="art"><p>第一段文字。</p><div class="ad">广告内容</div><p>第二段文字。</p></div>
<div id="other"><p>其他地方的大段文字，其他地方的大段文字，其他地方的大段文字，其他地方的大段文字。</p></div>
</body></html>"#;
    let rule = SiteRule {
        host: "example.gov.cn".into(),
        title: Some("h2.t".into()),
        body: "#art".into(),
        date: Some(".d".into()),
        author: Some(".a".into()),
        remove: vec![".ad".into()],
    };
    let e = article(
        html,
        "https://www.example.gov.cn/x.html",
        std::slice::from_ref(&rule),
    );
    assert_eq!(e.title.as_deref(), Some("规则标题"));
    assert_eq!(e.text, "第一段文字。\n第二段文字。");
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2026-11-20T08:00:00+08:00"
    );
    assert_eq!(e.author.as_deref(), Some("王五"));
    // Not a subdomain: the rule must not apply.
    let e = article(
        html,
        "https://notexample.gov.cn/x.html",
        std::slice::from_ref(&rule),
    );
    assert!(e.text.contains("其他地方"));
}

#[test]
fn validate_selector_reports_errors() {
    assert!(validate_selector("div.content > p").is_ok());
    assert!(validate_selector("div[").is_err());
    assert!(validate_selector("").is_err());
}

#[test]
fn never_panics_on_odd_input() {
    let deep = "<div>".repeat(50_000) + "深层嵌套的文字内容，测试。" + &"</div>".repeat(10);
    let cases = [
        String::new(),
        "纯文本，没有标签。".to_string(),
        "<html><body><p>未闭合".to_string(),
        "\u{0}\u{feff}<<<>>>&&&;".to_string(),
        deep,
        "中".repeat(MAX_INPUT / 3 + 10),
    ];
    for c in &cases {
        let _ = extract(c, &url("https://example.com/"), &[], tz(), now());
    }
}

#[test]
fn truncation_is_char_safe() {
    let s = "中文".repeat(10);
    for max in 0..s.len() {
        assert!(truncate(&s, max).len() <= max);
    }
}

#[test]
fn title_suffix_and_author_labels() {
    let html = r#"<html><head><title>2024-2025年度工作总结发布-示例网</title></head><body>
<p>本报记者：赵六 孙七 来源：示例日报</p>
<p>这是正文，内容足够长，包含标点符号，用于测试作者提取的功能是否正常。</p></body></html>"#;
    let e = article(html, "https://example.com/", &[]);
    assert_eq!(e.title.as_deref(), Some("2024-2025年度工作总结发布"));
    assert_eq!(e.author.as_deref(), Some("赵六 孙七"));
}

#[test]
fn js_string_decoding() {
    assert_eq!(
        layout::decode_js_string(r#"a\x26b\u4e2d\"q\""#),
        "a&b中\"q\""
    );
    assert_eq!(
        layout::decode_js_string("&amp;quot;x&amp;quot; &#20013;&#x6587; &bogus; &"),
        "\"x\" 中文 &bogus; &"
    );
}

/// Regression: deep nesting used to cut the page where it passed 1 500 levels, losing the text
/// after it, and custom elements were not counted at all (quadratic parse).
#[test]
fn deep_nesting_keeps_the_text_after_it() {
    let n = 5_000;
    let page = format!(
        "<html><head><title>深层嵌套测试</title></head><body><h1>深层嵌套测试</h1>{}开头的文字。{}\
         <p>清河街道发生火灾，消防队赶到现场扑救，无人员伤亡。这是嵌套之后的段落，必须保留。</p></body></html>",
        "<div><x-y>".repeat(n),
        "</x-y></div>".repeat(n)
    );
    let a = article(&page, "https://example.com/a", &[]);
    assert!(a.text.contains("清河街道发生火灾"), "{}", a.text);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    #[test]
    fn extract_never_panics(s in "(<(div|p|a href=x|br|td|script|h1)>|</(div|p|a|td|script|h1)>|[，。：a-z0-9年月日 -]|发布时间|作者：|中文){0,80}") {
        let _ = extract(&s, &url("https://mp.weixin.qq.com/s/x"), &[], tz(), now());
        let _ = extract(&s, &url("https://example.com/"), &[], tz(), now());
    }
}
