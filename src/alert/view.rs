//! The alert record shared by listings, the digest and pushes, and reprint grouping over it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::matcher::Matched;
use crate::model::{AlertStatus, Level};

/// One alert as every reader sees it: `alerts --json`, the web, the digest, and the payload of
/// its push (read back by the pusher).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertView {
    pub id: i64,
    pub rule: String,
    pub rule_name: String,
    pub level: Level,
    pub status: AlertStatus,
    pub article_id: i64,
    pub url: String,
    pub title: String,
    pub source: String,
    pub source_name: String,
    pub published: Option<String>,
    pub created: String,
    /// Distinct matched keywords.
    pub matched: Vec<String>,
    /// Every occurrence, with char offsets into the title or text.
    pub matches: Vec<Matched>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
    /// 转载数: articles in this article's reprint cluster (1 = no reprints).
    pub cluster_size: usize,
    /// Sources of the other articles of the cluster.
    pub other_sources: Vec<String>,
    pub note: Option<String>,
    /// 情感倾向 of the article: `tone`, `tone_score`, `tone_words`.
    #[serde(flatten)]
    pub tone: crate::analyze::ToneView,
    /// The article's event (事件); `null` when alone.
    pub event_id: Option<i64>,
    /// 交办: the partner unit's id, the deadline (RFC 3339), and where the handling stands.
    pub unit: Option<String>,
    pub due: Option<String>,
    pub handling: Option<crate::model::Handling>,
    /// The article's reprint cluster (its own id when it has none); see [`reprint_groups`].
    #[serde(skip)]
    pub cluster_id: i64,
}

/// Distinct matched words of an alert's stored `matched` JSON.
pub fn matched_words(json: &str) -> BTreeSet<String> {
    serde_json::from_str::<Vec<Matched>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.word)
        .collect()
}

/// Groups alerts that are reprints of one another: same rule, same reprint cluster, same matched
/// words. Returns the groups in the order of their first member in `alerts`; each group lists
/// indexes into `alerts`, its earliest alert (lowest id, the first publication's) first.
/// Grouping is for display only: every alert stays recorded and listed in its group.
pub fn reprint_groups(alerts: &[AlertView]) -> Vec<Vec<usize>> {
    reprint_groups_of(
        alerts
            .iter()
            .map(|a| (a.id, a.rule.as_str(), a.cluster_id, a.matched.as_slice())),
    )
}

/// [`reprint_groups`] over each alert's id, rule, reprint cluster and distinct matched words.
pub fn reprint_groups_of<'a>(
    alerts: impl Iterator<Item = (i64, &'a str, i64, &'a [String])>,
) -> Vec<Vec<usize>> {
    let mut index: std::collections::HashMap<(&str, i64, &[String]), usize> =
        std::collections::HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut ids = Vec::new();
    for (i, (id, rule, cluster, words)) in alerts.enumerate() {
        ids.push(id);
        match index.get(&(rule, cluster, words)) {
            Some(&g) => groups[g].push(i),
            None => {
                index.insert((rule, cluster, words), groups.len());
                groups.push(vec![i]);
            }
        }
    }
    for g in &mut groups {
        g.sort_by_key(|&i| ids[i]);
    }
    groups
}
