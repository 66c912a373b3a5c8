//! Saved searches (专题): a named query with filters, shared with every user or kept by one.
//! Each viewer has a mark (the newest article id they have seen in it), so a list can say how
//! many matches are new since they last opened it. The CLI is one viewer of its own ("").

use serde::Serialize;

use super::{App, SearchError, SearchOptions, SearchResult};
use crate::model::Level;
use crate::search::{SearchFilter, Sort};
use crate::store::{NewSaved, SavedRow, StoreError};

/// Longest name of a saved search, in characters.
pub const MAX_SAVED_NAME_CHARS: usize = 40;
/// Longest saved query, in characters.
pub const MAX_SAVED_QUERY_CHARS: usize = 500;
/// Most saved searches one installation keeps (each is searched when listed).
pub const MAX_SAVED: usize = 200;

/// Most new articles of one saved search looked at in one pass for pushing.
pub const MAX_PUSH_SCAN: usize = 5_000;

/// The alert rule id of saved search `id`: alerts of a pushed saved search are told apart
/// from rule alerts by it.
pub fn rule_id(id: i64) -> String {
    format!("saved:{id}")
}

/// The CLI's own viewer name (web user names are never empty).
pub const CLI_VIEWER: &str = "";

/// A saved search as shown: its definition, how many articles match and how many are new to
/// the viewer.
#[derive(Debug, Clone, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
    #[serde(flatten)]
    pub filter: SearchFilter,
    /// Seen by every user; otherwise only by `owner`.
    pub shared: bool,
    pub owner: Option<String>,
    /// Who saved it (`None`: the CLI).
    pub created_by: Option<String>,
    /// Pushed like a rule at this level, or not pushed.
    pub level: Option<Level>,
    pub created: String,
    /// Articles matching now.
    pub total: usize,
    /// Of those, stored after the viewer last opened it.
    pub new: usize,
}

/// A saved search to create.
#[derive(Debug, Clone, Default)]
pub struct NewSavedSearch {
    pub name: String,
    pub query: String,
    pub filter: SearchFilter,
    pub shared: bool,
    pub level: Option<Level>,
}

/// Who asks: a web user (with whether they are an admin) or the CLI.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub name: &'a str,
    pub admin: bool,
}

impl Viewer<'static> {
    pub const CLI: Viewer<'static> = Viewer {
        name: CLI_VIEWER,
        admin: true,
    };
}

#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error("{0}")]
    BadRequest(String),
    #[error("没有名为 {0:?} 的专题 (no such saved search)")]
    NotFound(String),
    #[error("只有创建者或管理员可以删除这个专题 (only its owner or an admin can remove it)")]
    Forbidden,
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page of a saved search's results, with what was new to the viewer before opening it.
pub struct SavedPage {
    pub saved: SavedSearch,
    pub result: SearchResult,
    /// Articles with a greater id are new to the viewer.
    pub seen_before: i64,
}

impl App {
    /// The saved searches `viewer` can see, by name, with their totals and new counts.
    pub fn saved_list(&self, viewer: Viewer) -> Result<Vec<SavedSearch>, SavedError> {
        let rows = if viewer.name == CLI_VIEWER {
            self.store.saved_searches(None)?
        } else {
            self.store.saved_searches(Some(viewer.name))?
        };
        rows.iter().map(|r| self.saved_view(r, viewer)).collect()
    }

    /// Creates a saved search owned by `viewer` (or shared); the viewer has seen it as it is now.
    pub fn saved_add(
        &self,
        new: &NewSavedSearch,
        viewer: Viewer,
    ) -> Result<SavedSearch, SavedError> {
        let name = new.name.trim();
        let n = name.chars().count();
        if n == 0 || n > MAX_SAVED_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(SavedError::BadRequest(format!(
                "专题名称须为 1–{MAX_SAVED_NAME_CHARS} 个字符 (name: 1-{MAX_SAVED_NAME_CHARS} characters)"
            )));
        }
        if name.parse::<i64>().is_ok() {
            return Err(SavedError::BadRequest(
                "专题名称不能全是数字（数字用作编号）(a name cannot be a number)".into(),
            ));
        }
        if new.query.chars().count() > MAX_SAVED_QUERY_CHARS {
            return Err(SavedError::BadRequest(format!(
                "检索式最长 {MAX_SAVED_QUERY_CHARS} 个字符 (query too long)"
            )));
        }
        if self.store.saved_searches(None)?.len() >= MAX_SAVED {
            return Err(SavedError::BadRequest(format!(
                "专题已达上限 {MAX_SAVED} 个，请先删除不用的 (too many saved searches)"
            )));
        }
        // The query and filter must search: a bad one is refused now, not on every visit.
        self.search(&self.saved_options(&new.query, &new.filter, None, 1, 1))?;
        let filter = serde_json::to_string(&new.filter).expect("a filter serializes");
        let owner = (!new.shared && viewer.name != CLI_VIEWER).then_some(viewer.name);
        let id = self
            .store
            .create_saved(
                &NewSaved {
                    name,
                    owner,
                    query: new.query.trim(),
                    filter: &filter,
                    level: new.level.map(Level::as_str),
                    created_by: Some(viewer.name).filter(|n| !n.is_empty()),
                },
                self.now_ts(),
            )?
            .ok_or_else(|| {
                SavedError::BadRequest(format!("已有名为 {name:?} 的专题 (name taken)"))
            })?;
        let seen = self.store.max_article_id()?;
        self.store
            .mark_saved_seen(id, viewer.name, seen, self.now_ts())?;
        let row = self.store.saved_search(id)?.expect("just created");
        self.saved_view(&row, viewer)
    }

    /// Removes a saved search by id or name: its owner, its creator or an admin may.
    pub fn saved_remove(&self, key: &str, viewer: Viewer) -> Result<(), SavedError> {
        let row = self.saved_find(key, viewer)?;
        let mine = row.owner.as_deref() == Some(viewer.name)
            || row.created_by.as_deref() == Some(viewer.name);
        if !(viewer.admin || mine) {
            return Err(SavedError::Forbidden);
        }
        self.store.delete_saved(row.id)?;
        Ok(())
    }

    /// One page of a saved search (newest first); the viewer has now seen everything so far.
    pub fn saved_open(
        &self,
        key: &str,
        viewer: Viewer,
        page: usize,
        limit: usize,
    ) -> Result<SavedPage, SavedError> {
        let row = self.saved_find(key, viewer)?;
        let seen_before = self.store.saved_seen(row.id, viewer.name)?;
        let saved = self.saved_view(&row, viewer)?;
        let newest = self.store.max_article_id()?;
        let result =
            self.search(&self.saved_options(&row.query, &saved.filter, None, page, limit))?;
        self.store
            .mark_saved_seen(row.id, viewer.name, newest, self.now_ts())?;
        Ok(SavedPage {
            saved,
            result,
            seen_before,
        })
    }

    /// Raises an alert (rule id `saved:ID`, the saved search's level) for every newly indexed
    /// article a pushed saved search matches, and queues its pushes like a rule's. Runs after
    /// each indexing pass; articles indexed before the search was saved are never pushed.
    pub fn alert_saved_searches(&self) -> anyhow::Result<usize> {
        use crate::alert::matcher::{Field, Matched};
        let mut created = Vec::new();
        for row in self.store.saved_searches(None)? {
            let Some(level) = row.level.as_deref().and_then(Level::parse) else {
                continue;
            };
            let filter: SearchFilter = serde_json::from_str(&row.filter).unwrap_or_default();
            let words = crate::search::query::parse(&row.query)
                .map(|n| crate::search::query::positive_words(&n))
                .unwrap_or_default();
            let mut hits = Vec::new();
            for page in 1..=MAX_PUSH_SCAN / super::MAX_LIMIT {
                let opts = self.saved_options(
                    &row.query,
                    &filter,
                    Some(row.pushed_id),
                    page,
                    super::MAX_LIMIT,
                );
                let r = match self.search(&opts) {
                    Ok(r) => r,
                    Err(SearchError::BadRequest(e)) => {
                        tracing::warn!(saved = %row.name, error = %e, "saved search no longer parses");
                        break;
                    }
                    Err(e) => return Err(e.into()),
                };
                let done = r.hits.len() < super::MAX_LIMIT;
                hits.extend(r.hits);
                if done {
                    break;
                }
            }
            let Some(max_id) = hits.iter().map(|h| h.id).max() else {
                continue;
            };
            let rule = rule_id(row.id);
            let mut alerts = Vec::with_capacity(hits.len());
            for a in self
                .store
                .articles(&hits.iter().map(|h| h.id).collect::<Vec<_>>())?
            {
                let mut matched = Vec::new();
                for (field, text) in [(Field::Title, &a.title), (Field::Text, &a.text)] {
                    let chars: Vec<char> = text.chars().collect();
                    for [s, e] in crate::search::snippet::find_matches(text, &words) {
                        matched.push(Matched {
                            word: chars[s.min(chars.len())..e.min(chars.len())]
                                .iter()
                                .collect(),
                            field,
                            start: s,
                            end: e,
                        });
                    }
                }
                alerts.push((a.id, rule.clone(), level, serde_json::to_string(&matched)?));
            }
            let ids = self.store.record_alerts(&alerts, self.now_ts())?;
            for _ in &ids {
                metrics::counter!("yuqing_alerts_total", "level" => level.as_str()).increment(1);
            }
            self.queue_pushes(&ids)?;
            self.store.set_saved_pushed(row.id, max_id)?;
            created.extend(ids);
        }
        Ok(created.len())
    }

    /// A saved search by id or name, if the viewer may see it.
    fn saved_find(&self, key: &str, viewer: Viewer) -> Result<SavedRow, SavedError> {
        let key = key.trim();
        let row = match key.parse::<i64>() {
            Ok(id) => self.store.saved_search(id)?,
            Err(_) => self.store.saved_search_named(key)?,
        };
        match row {
            Some(r)
                if viewer.name == CLI_VIEWER
                    || r.owner.is_none()
                    || r.owner.as_deref() == Some(viewer.name) =>
            {
                Ok(r)
            }
            _ => Err(SavedError::NotFound(key.to_string())),
        }
    }

    fn saved_options(
        &self,
        query: &str,
        filter: &SearchFilter,
        after_id: Option<i64>,
        page: usize,
        limit: usize,
    ) -> SearchOptions {
        SearchOptions {
            query: query.to_string(),
            filter: SearchFilter {
                after_id,
                ..filter.clone()
            },
            sort: Sort::Newest,
            limit,
            page,
        }
    }

    fn saved_view(&self, r: &SavedRow, viewer: Viewer) -> Result<SavedSearch, SavedError> {
        // A filter written by an older version reads as far as it can.
        let filter: SearchFilter = serde_json::from_str(&r.filter).unwrap_or_default();
        let count = |after: Option<i64>| -> Result<usize, SavedError> {
            Ok(self
                .search(&self.saved_options(&r.query, &filter, after, 1, 1))?
                .total)
        };
        let total = count(None)?;
        let seen = self.store.saved_seen(r.id, viewer.name)?;
        let new = if seen == 0 { total } else { count(Some(seen))? };
        Ok(SavedSearch {
            id: r.id,
            name: r.name.clone(),
            query: r.query.clone(),
            filter,
            shared: r.owner.is_none(),
            owner: r.owner.clone(),
            created_by: r.created_by.clone(),
            level: r.level.as_deref().and_then(Level::parse),
            created: self.rfc3339(r.created),
            total,
            new,
        })
    }
}
