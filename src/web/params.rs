//! Query strings and form bodies, parsed by hand so that a malformed parameter is our own 400
//! with a Chinese message (never a framework rejection), and repeated keys (`id=1&id=2`) work.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;

use super::error::WebError;
use crate::app::alerts::{AlertQuery, parse_level, parse_status};
use crate::app::{App, MAX_LIMIT, SearchOptions};
use crate::search::{SearchFilter, Sort};

/// Decoded `key=value` pairs in order.
#[derive(Debug, Clone, Default)]
pub struct Params(pub Vec<(String, String)>);

/// The id of a source no configuration can contain: filtering by it finds nothing.
const NO_SOURCE: &str = "\u{0}none";

impl Params {
    pub fn from_query(q: Option<&str>) -> Params {
        Params::from_body(q.unwrap_or("").as_bytes())
    }

    pub fn from_body(b: &[u8]) -> Params {
        Params(url::form_urlencoded::parse(b).into_owned().collect())
    }

    /// The first value of `k`, as sent.
    pub fn raw(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str())
    }

    /// The first non-empty value of `k`, trimmed.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(x, _)| x == k)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Every non-empty value of `k` (comma-separated lists split too).
    pub fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(x, _)| x == k)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    pub fn date(&self, k: &str) -> Result<Option<NaiveDate>, WebError> {
        self.get(k).map(parse_date).transpose()
    }

    pub fn number(&self, k: &str) -> Result<Option<usize>, WebError> {
        self.get(k)
            .map(|v| {
                v.parse::<usize>()
                    .map_err(|_| WebError::bad(format!("参数 {k} 应为正整数，收到 {v:?}")))
            })
            .transpose()
    }

    /// Search options from `q, source, author, kind, since, until, sort, page, limit`.
    pub fn search_options(
        &self,
        app: &App,
        default_limit: usize,
    ) -> Result<SearchOptions, WebError> {
        let sort = match self.get("sort") {
            None | Some("relevance") => Sort::Relevance,
            Some("newest") => Sort::Newest,
            Some(s) => return Err(WebError::bad(format!("未知排序 {s:?}: relevance, newest"))),
        };
        let mut filter = SearchFilter::from_params(|k| self.all(k)).map_err(WebError::bad)?;
        let sources = &mut filter.sources;
        if let Some(kind) = self.get("kind") {
            if kind != "rss" && kind != "html" {
                return Err(WebError::bad(format!("未知信息源类型 {kind:?}: rss, html")));
            }
            let of_kind: Vec<String> = app
                .config
                .sources
                .iter()
                .filter(|s| s.kind_name() == kind)
                .map(|s| s.id.clone())
                .collect();
            *sources = if sources.is_empty() {
                of_kind
            } else {
                sources.drain(..).filter(|s| of_kind.contains(s)).collect()
            };
            if sources.is_empty() {
                sources.push(NO_SOURCE.to_string());
            }
        }
        let limit = self.number("limit")?.unwrap_or(default_limit);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(WebError::bad(format!("limit 应在 1 到 {MAX_LIMIT} 之间")));
        }
        Ok(SearchOptions {
            query: self.get("q").unwrap_or("").to_string(),
            filter,
            sort,
            limit,
            page: self.number("page")?.unwrap_or(1).max(1),
        })
    }

    /// Alert filters from `date, status, rule, level`.
    pub fn alert_query(&self, limit: usize) -> Result<AlertQuery, WebError> {
        Ok(AlertQuery {
            date: self.date("date")?,
            window: self.date("window")?,
            status: self.get("status").map(parse_status).transpose()?,
            rule: self.get("rule").map(str::to_string),
            level: self.get("level").map(parse_level).transpose()?,
            limit: Some(limit),
            unit: self.get("unit").map(str::to_string),
            handling: self
                .get("handling")
                .map(|h| {
                    crate::model::Handling::parse(h).ok_or_else(|| {
                        WebError::bad(format!(
                            "未知处置状态 {h:?}：{}",
                            crate::model::Handling::names()
                        ))
                    })
                })
                .transpose()?,
        })
    }
}

pub fn parse_date(s: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| WebError::bad(format!("日期格式应为 YYYY-MM-DD，收到 {s:?} (bad date)")))
}

/// A numeric id from the path; anything else is an unknown id.
pub fn parse_id(s: &str, what: &str) -> Result<i64, WebError> {
    s.parse::<i64>()
        .map_err(|_| WebError::NotFound(format!("没有编号为 {s} 的{what} (not found)")))
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Params::from_query(parts.uri.query()))
    }
}
