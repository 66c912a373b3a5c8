//! The one rule for turning a crawled URL into a link (web pages, the digest, pushes): only
//! `http` and `https`, no whitespace or control characters anywhere, at most [`MAX_LINK_BYTES`].
//! Anything else (`javascript:`, `data:`, `file:`, a broken URL) is shown as text, never linked.

/// Longest URL rendered as a link.
pub const MAX_LINK_BYTES: usize = 2048;

/// `url` (trimmed) if it is safe to render as a link.
pub fn safe_link(url: &str) -> Option<&str> {
    let u = url.trim();
    if u.len() > MAX_LINK_BYTES || u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let scheme_end = u.find(':')?;
    let scheme = &u[..scheme_end];
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return None;
    }
    let parsed = url::Url::parse(u).ok()?;
    parsed.host_str().filter(|h| !h.is_empty())?;
    Some(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_pass() {
        assert_eq!(
            safe_link(" https://example.org/a?b=1 "),
            Some("https://example.org/a?b=1")
        );
        assert!(safe_link("HTTP://example.org/").is_some());
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "https://exa mple.org/",
            "https://example.org/\u{7}",
            "http://",
            "//evil.example/",
            "",
        ] {
            assert_eq!(safe_link(bad), None, "{bad:?}");
        }
        assert_eq!(
            safe_link(&format!("https://e.org/{}", "a".repeat(MAX_LINK_BYTES))),
            None
        );
    }
}
