//! Unit tests of the shapes the density search used to miss: hints that must not
//! remove the text, attachment-only posts, threads, Q&A, the empty-body guard.

use super::*;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00+08:00").unwrap()
}

fn generic(html: &str) -> Extracted {
    let u = url::Url::parse("https://bbs.example.cn/t/1.html").unwrap();
    match extract_with(
        html,
        &u,
        &[],
        chrono_tz::Asia::Shanghai,
        now(),
        SecondOpinion::Off,
    ) {
        PageKind::Article(e) => e,
        other => panic!("expected an article, got {other:?}"),
    }
}

const NAV: &str = r#"<div class="nav"><a href="/">首页</a> <a href="/a">要闻</a> <a href="/b">社会</a> <a href="/c">论坛</a></div>"#;
const FOOT: &str = r#"<div class="footer">版权所有，示例网站。联系我们：地址某某路一号。</div>"#;

#[test]
fn text_inside_a_breadcrumb_div_is_kept() {
    let lines = [
        "晚风吹过旧渡口，",
        "灯火一盏一盏亮在水里。",
        "卖藕的老人收起秤杆，",
        "把月光也装进竹筐。",
        "我沿着河堤往回走，",
        "桥那边有人在唱歌。",
    ];
    let poem: String = lines.iter().map(|l| format!("{l}<br>")).collect();
    let html = format!(
        r#"<html><head><title>江畔夜归</title></head><body>{NAV}<div class="breadcrumb"><a href="/">首页</a> / 诗歌
<h1>江畔夜归</h1><div class="poem">{poem}</div>{FOOT}</body></html>"#
    );
    let e = generic(&html);
    for l in lines {
        assert!(e.text.contains(l), "{l} missing from {:?}", e.text);
    }
}

#[test]
fn a_post_that_is_only_an_attachment_link_is_kept() {
    let html = format!(
        r#"<html><head><title>分享一份商标审查标准</title></head><body>{NAV}
<h1>分享一份商标审查标准</h1><div class="pinfo">楼主 发表于 2026-03-02 10:00</div>
<div class="t_f"><a href="/attachment.php?aid=12">商标审查标准.pdf</a></div>
<div class="side"><a href="/1">热门帖子一二三四五六</a><a href="/2">热门帖子七八九十</a></div>{FOOT}</body></html>"#
    );
    let e = generic(&html);
    assert!(e.text.contains("商标审查标准.pdf"), "{:?}", e.text);
}

fn thread_page() -> String {
    let post = |n: usize, user: &str, text: &str| {
        format!(
            r#"<div class="post" id="post_{n}"><div class="author"><a href="/u/{n}">{user}</a></div>
<div class="time">发表于 2026-03-0{n} 12:00</div><div class="message">{text}</div></div>"#
        )
    };
    format!(
        r#"<html><head><title>小区门口的路灯坏了该找谁？</title></head><body>{NAV}
<h1>小区门口的路灯坏了该找谁？</h1><div id="postlist">{}{}{}</div>{FOOT}</body></html>"#,
        post(
            1,
            "青禾老韩",
            "小区南门的路灯从上个月就不亮了，晚上走路很不方便，请问应该找哪个部门？"
        ),
        post(
            2,
            "柳溪边的猫",
            "可以打市民热线，说清楚位置，一般一周内就会修好。"
        ),
        post(3, "半夏微凉", "顶"),
    )
}

#[test]
fn a_thread_keeps_every_reply_with_its_author() {
    let e = generic(&thread_page());
    assert_eq!(e.page_type, PageType::Thread, "{:?}", e.text);
    let lines: Vec<&str> = e.text.lines().collect();
    assert!(lines[0].starts_with("小区南门的路灯"), "{lines:?}");
    assert!(lines.contains(&"回复 #2 柳溪边的猫："), "{lines:?}");
    assert!(e.text.contains("可以打市民热线"));
    // A one-word reply is found where the longer posts have their text.
    assert!(lines.contains(&"回复 #3 半夏微凉："), "{lines:?}");
    assert_eq!(lines.last(), Some(&"顶"));
    assert!(!e.text.contains("发表于"));
    assert!(e.confidence >= 0.6);
}

#[test]
fn answers_in_copyright_named_elements_are_kept() {
    let answer = |who: &str, text: &str| {
        format!(
            r#"<div class="List-item"><div class="AuthorInfo"><span class="AuthorInfo-name">{who}</span></div>
<span class="RichText CopyrightRichText-richText"><p>{text}</p></span><div class="ContentItem-time">发布于 2026-02-01 09:00</div></div>"#
        )
    };
    let html = format!(
        r#"<html><head><title>第一次养猫要准备什么？</title></head><body>{NAV}
<h1>第一次养猫要准备什么？</h1><div class="List"><div class="List-header">2 个回答</div>{}{}</div>{FOOT}</body></html>"#,
        answer(
            "云岭采茶人",
            "猫砂盆、猫粮、水盆和猫抓板要提前准备好，小猫到家后先让它自己熟悉环境。"
        ),
        answer(
            "江畔拾陶",
            "窗户一定要装纱窗，电线和橡皮筋也要收好，小猫喜欢咬东西，吞下去很危险。"
        ),
    );
    let e = generic(&html);
    assert_eq!(e.page_type, PageType::Qa, "{:?}", e.text);
    assert!(e.text.contains("回答 #1 云岭采茶人："), "{:?}", e.text);
    assert!(e.text.contains("窗户一定要装纱窗"));
}

#[test]
fn comments_under_a_news_article_stay_out() {
    let body: String = (0..5)
        .map(|i| {
            format!(
                "<p>南湾区农贸市场的蔬菜价格出现小幅上涨，叶菜每斤贵了五毛到一块钱，第{i}段。</p>"
            )
        })
        .collect();
    let comments: String = (0..4)
        .map(|i| format!(r#"<div class="cmt"><span class="who">网友{i}</span> <span>2026-03-01 10:0{i}</span><div class="said">希望相关部门多关注一下，支持！</div></div>"#))
        .collect();
    let html = format!(
        r#"<html><head><title>南湾区叶菜价格小幅上涨</title></head><body>{NAV}
<div class="article"><h1>南湾区叶菜价格小幅上涨</h1><div class="text">{body}</div>
<div class="discuss">{comments}</div></div>{FOOT}</body></html>"#
    );
    let e = generic(&html);
    assert_eq!(e.page_type, PageType::Article);
    assert_eq!(e.text.lines().count(), 5, "{:?}", e.text);
    assert!(!e.text.contains("希望相关部门"));
}

#[test]
fn a_page_with_text_never_comes_back_empty() {
    // Short unpunctuated lines only: nothing looks like an article.
    let cells: String = (0..40)
        .map(|i| format!("<div>青禾县第{i}号公告栏目</div>"))
        .collect();
    let html = format!("<html><head><title>公告</title></head><body>{cells}</body></html>");
    let e = generic(&html);
    assert!(e.text.chars().count() >= 100, "{:?}", e.text);
    assert!(
        e.confidence <= 0.2,
        "fallback must be low-confidence: {}",
        e.confidence
    );
}

#[test]
fn confidence_is_high_on_a_clean_article_and_one_on_wechat() {
    let body: String = (0..6)
        .map(|i| format!("<p>清河街道今天组织志愿者走访辖区老人，了解冬季取暖情况，并送去棉被和常用药品，第{i}段。</p>"))
        .collect();
    let html = format!(
        r#"<html><head><title>清河街道开展冬季走访</title></head><body>{NAV}<h1>清河街道开展冬季走访</h1>
<div class="content">{body}</div>{FOOT}</body></html>"#
    );
    let e = generic(&html);
    assert!(e.confidence >= 0.7, "{}", e.confidence);
    assert_eq!(e.page_type, PageType::Article);
    let wx = r#"<html><body><div id="js_content"><p>公众号正文第一段，内容充实。</p></div></body></html>"#;
    let u = url::Url::parse("https://mp.weixin.qq.com/s/abc").unwrap();
    let PageKind::Article(w) = extract(wx, &u, &[], chrono_tz::Asia::Shanghai, now()) else {
        panic!("wechat article expected");
    };
    assert_eq!(w.confidence, 1.0);
}
