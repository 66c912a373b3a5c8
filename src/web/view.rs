//! Small helpers shared by the page templates: the navigation bar, labels, time display.

use super::auth::{Role, Session};
use super::error::PageError;
pub use crate::model::short_time;
use axum::response::{Html, IntoResponse, Response};

/// What the navigation bar needs: who is logged in, the CSRF token for the logout form, and
/// which tab is active.
#[derive(Debug, Clone)]
pub struct Nav {
    pub user: Option<String>,
    pub role: String,
    pub role_label: String,
    pub csrf: String,
    pub active: &'static str,
    pub implicit: bool,
    pub can_review: bool,
    pub is_admin: bool,
    /// A partner unit's account: its 处置 page and the alerts handed to it, nothing else.
    pub is_unit: bool,
}

impl Nav {
    pub fn anonymous() -> Nav {
        Nav {
            user: None,
            role: String::new(),
            role_label: String::new(),
            csrf: String::new(),
            active: "",
            implicit: false,
            can_review: false,
            is_admin: false,
            is_unit: false,
        }
    }

    pub fn new(s: &Session, active: &'static str) -> Nav {
        Nav {
            user: Some(s.user.clone()),
            role: s.role.as_str().to_string(),
            role_label: s.role.label_zh().to_string(),
            csrf: s.csrf.clone(),
            active,
            implicit: s.implicit,
            can_review: s.role >= Role::Collector,
            is_admin: s.role >= Role::Admin,
            is_unit: s.role == Role::Unit,
        }
    }
}

/// A query string from (key, value) pairs, empty values left out.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// Only links that stay on this site (`/…`, not `//host`) are followed after login or a review.
///
/// One strict check for every redirect target we take from a request (`next`, `back`): a path on
/// this site, so never `//host`, `/\\host`, and no whitespace, control character or backslash
/// anywhere (browsers drop tab and newline inside URLs, so `/%09/evil.example/` would become
/// `//evil.example/`).
pub fn local_path(p: &str) -> Option<&str> {
    let mut chars = p.chars();
    let ok = chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !p
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\');
    ok.then_some(p)
}

/// Only `http(s)` links to originals are rendered as links.
pub use crate::text::link::safe_link as safe_href;

/// Renders a page template into a response (template errors become a logged 500).
pub fn render(t: &impl askama::Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}
