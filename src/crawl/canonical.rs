//! Article identity: the canonical form of a URL, computed in this one place.
//!
//! Tracking parameters go (`utm_*`, WeChat share noise); WeChat article links keep only
//! `__biz`, `mid`, `idx`, `sn` (or the short `/s/{id}` form), so one post seen through two
//! mirrors is one article.

use url::Url;

/// Query parameters that never change which page is shown.
const TRACKING: &[&str] = &[
    "spm",
    "from",
    "isappinstalled",
    "scene",
    "clicktime",
    "enterid",
    "share_token",
    "sharer_sharetime",
    "sharer_shareid",
    "sharer_sharer",
    "ascene",
    "devicetype",
    "version",
    "nettype",
    "abtest_cookie",
    "pass_ticket",
    "wx_header",
    "lang",
    "exportkey",
    "srcid",
    "chksm",
    "fbclid",
    "gclid",
    "mpshare",
    "subscene",
    "sessionid",
    "key",
    "uin",
    "poc_token",
    "forceh5",
    "click_id",
    "share_source",
    "share_medium",
    "xtrack",
];

const WECHAT_KEYS: &[&str] = &["__biz", "mid", "idx", "sn"];

/// The canonical form of `url`, or `None` when it is not an absolute http(s)/file URL.
pub fn canonical_url(url: &str) -> Option<String> {
    let mut u = Url::parse(url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https" | "file") {
        return None;
    }
    u.set_fragment(None);
    let host = u.host_str().unwrap_or("").to_ascii_lowercase();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        // Feeds often double-escape: `mid=1&amp;idx=2` arrives as a key `amp;idx`.
        .map(|(k, v)| (k.trim_start_matches("amp;").to_string(), v.to_string()))
        .collect();
    if host == "mp.weixin.qq.com" {
        let _ = u.set_scheme("https");
        if u.path() == "/s" || u.path() == "/mp/appmsg/show" {
            let keep: Vec<(String, String)> = WECHAT_KEYS
                .iter()
                .filter_map(|k| pairs.iter().find(|(pk, _)| pk == k).cloned())
                .collect();
            if keep.len() == WECHAT_KEYS.len() {
                u.set_path("/s");
                set_query(&mut u, &keep);
                return Some(u.to_string());
            }
        } else if u.path().starts_with("/s/") {
            u.set_query(None);
            return Some(u.to_string());
        }
    }
    let mut keep: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| {
            !k.to_ascii_lowercase().starts_with("utm_") && !TRACKING.contains(&k.as_str())
        })
        .collect();
    keep.sort();
    set_query(&mut u, &keep);
    Some(u.to_string())
}

fn set_query(u: &mut Url, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        assert_eq!(
            canonical_url("http://News.Example.cn/a.html?utm_source=x&id=3&spm=1.2#top").unwrap(),
            "http://news.example.cn/a.html?id=3"
        );
    }

    #[test]
    fn wechat_links_from_two_mirrors_are_one_article() {
        let a = canonical_url(
            "http://mp.weixin.qq.com/s?__biz=MzA4&mid=2650&idx=1&sn=abc&chksm=xyz&scene=21#wechat_redirect",
        );
        let b = canonical_url(
            "https://mp.weixin.qq.com/s?__biz=MzA4&amp;mid=2650&amp;idx=1&amp;sn=abc&amp;from=timeline",
        );
        assert_eq!(a, b);
        assert_eq!(
            a.unwrap(),
            "https://mp.weixin.qq.com/s?__biz=MzA4&mid=2650&idx=1&sn=abc"
        );
        assert_eq!(
            canonical_url("http://mp.weixin.qq.com/s/AbC-12_x?from=timeline").unwrap(),
            "https://mp.weixin.qq.com/s/AbC-12_x"
        );
    }

    #[test]
    fn relative_or_odd_urls_have_no_canonical_form() {
        assert_eq!(canonical_url("/a.html"), None);
        assert_eq!(canonical_url("javascript:void(0)"), None);
    }
}
