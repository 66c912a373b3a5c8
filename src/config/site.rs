//! `[[site]]` rules: per-site CSS selectors for article pages.

use scraper::Selector;

/// Per-site CSS selectors, used instead of the generic finder when `host` matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SiteRule {
    /// Matches the URL host itself or any subdomain of it.
    pub host: String,
    pub title: Option<String>,
    /// Main text: the text of every element matching this selector.
    pub body: String,
    pub date: Option<String>,
    pub author: Option<String>,
    /// Elements removed from the body before taking its text.
    pub remove: Vec<String>,
}

impl SiteRule {
    /// Whether this rule is for `url`'s host.
    pub fn matches(&self, url: &url::Url) -> bool {
        let rule = self
            .host
            .trim()
            .trim_start_matches("*.")
            .trim_end_matches('.');
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.trim_end_matches('.');
        !rule.is_empty()
            && (host.eq_ignore_ascii_case(rule)
                || host.len() > rule.len()
                    && host
                        .to_ascii_lowercase()
                        .ends_with(&format!(".{}", rule.to_ascii_lowercase())))
    }
}

/// Checks a CSS selector; the error is scraper's parse error as text.
pub fn validate_selector(s: &str) -> Result<(), String> {
    Selector::parse(s).map(|_| ()).map_err(|e| e.to_string())
}
