//! Anti-bot walls answered with `200 OK`: a WAF block page, a captcha or a "checking your
//! browser" challenge where a feed or a list page should be. The source is then `blocked` (and
//! backs off like after a 403/429), not broken.
//!
//! Conservative on purpose: only a short page (little visible text, small body) counts, and only
//! when its title or its text carries one of the phrases such walls use (安全验证, 验证码,
//! "Just a moment...", "Attention Required! | Cloudflare", ...) or a known challenge script
//! marker. An ordinary HTML page without them stays "not a feed". Linear in the input: a lexical
//! scan, no DOM.

/// Bodies larger than this are never taken for a wall (walls are a few KB, challenge pages with
/// their scripts some tens of KB).
const MAX_WALL_BYTES: usize = 512 * 1024;
/// A wall says little: pages with more visible text than this are something else. (Cloudflare's
/// block page, the wordiest of them, has about 900 characters.)
const MAX_WALL_TEXT_CHARS: usize = 1_500;

/// Phrases in a wall's title or visible text (matched lower-cased).
const PHRASES: &[&str] = &[
    "安全验证",
    "验证码",
    "人机验证",
    "访问验证",
    "滑动验证",
    "拖动滑块",
    "完成验证后即可继续访问",
    "环境异常",
    "访问过于频繁",
    "访问频率过高",
    "请求过于频繁",
    "网站防火墙",
    "web应用防火墙",
    "访问被拦截",
    "已被拦截",
    "拦截",
    "访问被拒绝",
    "禁止访问",
    "安全狗",
    "云锁",
    "创宇盾",
    "just a moment...",
    "attention required! | cloudflare",
    "checking your browser",
    "enable javascript and cookies to continue",
    "sorry, you have been blocked",
    "access denied",
    "403 forbidden",
    "ddos-guard",
    "security check",
    "are you a robot",
    "captcha",
];

/// ASCII phrases that must stand as a word (`waf`, not "wafer").
const WORDS: &[&str] = &["waf"];

/// Markers of challenge scripts and WAF products in the raw HTML.
const SOURCE_MARKERS: &[&str] = &[
    "cf-browser-verification",
    "cf_chl_opt",
    "/cdn-cgi/challenge-platform/",
    "__jsl_clearance",
    "tencentcaptcha",
    "yunsuo_session_verify",
    "safedog",
    "geetest",
];

/// Why `html` is an anti-bot wall (the phrase or marker found), or `None`.
pub(crate) fn wall_reason(html: &str) -> Option<String> {
    if html.len() > MAX_WALL_BYTES || html.trim().is_empty() {
        return None;
    }
    let (title, text) = scan(html);
    if text.chars().count() > MAX_WALL_TEXT_CHARS {
        return None;
    }
    let title = title.to_lowercase();
    let text = text.to_lowercase();
    let phrase = |hay: &str| {
        PHRASES
            .iter()
            .find(|p| hay.contains(*p))
            .map(|p| p.to_string())
            .or_else(|| {
                WORDS
                    .iter()
                    .find(|w| contains_word(hay, w))
                    .map(|w| w.to_string())
            })
    };
    if phrase(&title).is_some() {
        let shown: String = title.trim().chars().take(60).collect();
        return Some(format!("标题「{shown}」"));
    }
    if let Some(p) = phrase(&text) {
        return Some(format!("页面含「{p}」"));
    }
    let lower = html.to_ascii_lowercase();
    SOURCE_MARKERS
        .iter()
        .find(|m| lower.contains(*m))
        .map(|m| format!("页面含验证脚本 {m}"))
}

/// `word` in `hay` with no ASCII letter or digit glued to either side.
fn contains_word(hay: &str, word: &str) -> bool {
    hay.match_indices(word).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

/// The `<title>` text and the visible text (tags, comments, scripts and styles dropped; `<noscript>`
/// kept, since "enable JavaScript" notices live there), white space collapsed.
fn scan(html: &str) -> (String, String) {
    let mut title = String::new();
    let mut text = String::new();
    let mut in_title = false;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(if in_title { &mut title } else { &mut text }, &rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = rest.find("-->").map_or("", |e| &rest[e + 3..]);
            continue;
        }
        let name: String = rest[1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '/')
            .take(10)
            .collect::<String>()
            .to_ascii_lowercase();
        let after_tag = rest.find('>').map_or("", |e| &rest[e + 1..]);
        match name.as_str() {
            "script" | "style" | "template" => {
                let close = format!("</{name}");
                rest = find_ascii_ci(after_tag, &close).map_or("", |e| &after_tag[e..]);
                // Step over the closing tag itself.
                rest = rest.find('>').map_or("", |e| &rest[e + 1..]);
            }
            "title" => {
                in_title = true;
                rest = after_tag;
            }
            "/title" => {
                in_title = false;
                rest = after_tag;
            }
            _ => {
                // Tags separate words.
                push_text(if in_title { &mut title } else { &mut text }, " ");
                rest = after_tag;
            }
        }
    }
    push_text(if in_title { &mut title } else { &mut text }, rest);
    (title, text)
}

/// Appends `s` with white space (and `&nbsp;`) collapsed to single spaces.
fn push_text(out: &mut String, s: &str) {
    let s = s.replace("&nbsp;", " ");
    for c in s.chars() {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
}

/// Byte offset of the ASCII `needle` in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waf_and_captcha_pages_are_walls() {
        let walls = [
            "<!DOCTYPE html><html><head><title>Just a moment...</title><script>window._cf_chl_opt={}</script></head>\
             <body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>",
            "<html><head><title>Attention Required! | Cloudflare</title></head><body><h1>Sorry, you have been blocked</h1>\
             <p>You are unable to access example.cn</p></body></html>",
            "<html><head><title>安全验证</title></head><body><div>请完成安全验证后继续访问</div></body></html>",
            "<html><head><meta charset=utf-8><title>访问验证</title></head><body><p>请拖动滑块完成验证</p></body></html>",
            "<html><body><p>您的访问过于频繁，请稍后再试。</p></body></html>",
            "<html><head><title>网站防火墙</title></head><body>您的请求带有不合法参数，已被网站管理员设置拦截！</body></html>",
            "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have permission.</body></html>",
            "<html><head><title>提示</title></head><body><p>WAF: request blocked</p></body></html>",
            "<html><head><title>人机验证</title></head><body></body></html>",
            "<html><body><div id=\"nc_1_wrapper\">滑动验证</div></body></html>",
            "<html><head><script>document.cookie='__jsl_clearance=1';location.reload()</script></head><body></body></html>",
        ];
        for w in walls {
            assert!(wall_reason(w).is_some(), "{w}");
        }
        assert_eq!(
            wall_reason("<title>安全验证</title>").as_deref(),
            Some("标题「安全验证」")
        );
    }

    #[test]
    fn ordinary_pages_are_not_walls() {
        let long_article = format!(
            "<html><head><title>交警拦截超载货车</title></head><body><p>{}</p></body></html>",
            "近日，交警在辖区主干道开展专项整治行动，依法查处超载超限车辆。".repeat(60)
        );
        let pages = [
            "<!DOCTYPE html><html><head><title>登录</title></head><body>请先登录</body></html>",
            "<html><head><title>青石街道办事处</title></head><body><a href=\"/\">首页</a> 新闻 通知公告</body></html>",
            "<html><body>Service Unavailable</body></html>",
            "<html><head><title>Wafer supply news</title></head><body>Wafer prices</body></html>",
            // The words only inside a script or a comment are not what the page says.
            "<html><head><script>var msg = '验证码';</script><!-- 拦截 --></head><body>欢迎</body></html>",
            long_article.as_str(),
            "",
        ];
        for p in pages {
            assert_eq!(wall_reason(p), None, "{p}");
        }
    }

    #[test]
    fn unclosed_tags_and_comments_end_the_scan() {
        assert_eq!(wall_reason("<html><!-- 安全验证"), None);
        assert_eq!(wall_reason("<script>安全验证"), None);
        assert!(wall_reason("<title>安全验证").is_some());
        assert!(wall_reason("<p>验证码").is_some());
    }
}
