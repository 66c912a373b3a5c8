//! 事件 (events): articles about the same incident across sources and wordings, beyond the
//! reprints SimHash finds. Each article is reduced to its TF-IDF keywords (jieba's IDF table,
//! the title counted twice, places and names kept); two articles published within
//! [`WINDOW_HOURS`] of each other whose keyword vectors have a cosine of at least
//! [`THRESHOLD`] are about the same incident, each keyword scaled by its rarity among the
//! recent articles. An article joins the event of its best match.
//!
//! [`EventIndex`] holds the recent articles' keywords with an inverted list per keyword, so a
//! new article is compared only with articles sharing a keyword, not with every one.

use std::collections::HashMap;

use crate::text::segment::Segmenter;

/// Keywords kept per article.
pub const KEYWORDS: usize = 16;
/// Articles further apart in time are never the same incident.
pub const WINDOW_HOURS: i64 = 96;
/// Cosine similarity of keyword vectors from which two articles are one incident.
pub const THRESHOLD: f64 = 0.42;
/// Smoothing of the rarity scale: with few recent articles every keyword counts about the same.
const SMOOTH: f64 = 5.0;
/// Characters of the body read for keywords (the lead says what happened).
const BODY_CHARS: usize = 1200;
/// A keyword shared by more recent articles than this says nothing about an incident (a
/// district's name in every article): it is not used to find candidates.
const MAX_POSTINGS: usize = 2000;

/// Words of every local report that say nothing about which incident it is: administrative
/// units, reporting verbs, times of day. Not keywords.
const GENERIC: &[&str] = &[
    "街道",
    "社区",
    "小区",
    "居委会",
    "村委会",
    "辖区",
    "发生",
    "反映",
    "居民",
    "群众",
    "市民",
    "现场",
    "今天",
    "昨天",
    "今日",
    "昨日",
    "今天上午",
    "今天下午",
    "昨天下午",
    "昨晚",
    "今晨",
    "目前",
    "记者",
    "相关",
    "工作",
    "情况",
    "问题",
    "部门",
    "表示",
    "进行",
    "开展",
    "联系",
    "存在",
    "形成",
    "突发",
    "网友",
    "据悉",
    "据了解",
    "介绍",
    "通报",
    "消息",
    "报道",
    "发布",
    "有关",
    "工作人员",
    "负责人",
];

/// An article's keywords with their weights, unit length.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Keywords(pub Vec<(String, f64)>);

impl Keywords {
    /// The keywords of an article: title twice, then the lead of the body.
    pub fn of(seg: &Segmenter, title: &str, text: &str) -> Keywords {
        let body: String = text.chars().take(BODY_CHARS).collect();
        let doc = format!("{title}。{title}。{body}");
        let mut kw: Vec<(String, f64)> = seg
            .keywords(&doc, KEYWORDS + 8)
            .into_iter()
            .filter(|(k, _)| !GENERIC.contains(&k.as_str()))
            .take(KEYWORDS)
            .collect();
        let norm = kw.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            kw.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        Keywords(kw)
    }

    /// Cosine similarity (both are unit length).
    pub fn cosine(&self, other: &Keywords) -> f64 {
        let mut sum = 0.0;
        for (k, w) in &self.0 {
            if let Some((_, v)) = other.0.iter().find(|(o, _)| o == k) {
                sum += w * v;
            }
        }
        sum
    }
}

struct Doc {
    at: i64,
    keywords: Keywords,
}

/// The keywords of recent articles, for finding an article's closest recent neighbour.
#[derive(Default)]
pub struct EventIndex {
    docs: HashMap<i64, Doc>,
    postings: HashMap<String, Vec<i64>>,
}

impl EventIndex {
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Adds an article published (or fetched) at `at` (unix seconds).
    pub fn add(&mut self, id: i64, at: i64, keywords: Keywords) {
        for (k, _) in &keywords.0 {
            self.postings.entry(k.clone()).or_default().push(id);
        }
        self.docs.insert(id, Doc { at, keywords });
    }

    /// The most similar article within the window (not `id` itself), if any reaches
    /// [`THRESHOLD`]: (article id, cosine).
    pub fn best_match(&self, id: i64, at: i64, keywords: &Keywords) -> Option<(i64, f64)> {
        let mut seen = std::collections::HashSet::new();
        let mut best: Option<(i64, f64)> = None;
        for (k, _) in &keywords.0 {
            let Some(list) = self.postings.get(k) else {
                continue;
            };
            if list.len() > MAX_POSTINGS {
                continue;
            }
            for &other in list {
                if other == id || !seen.insert(other) {
                    continue;
                }
                let Some(d) = self.docs.get(&other) else {
                    continue;
                };
                if (d.at - at).abs() > WINDOW_HOURS * 3600 {
                    continue;
                }
                let c = self.local_cosine(keywords, &d.keywords);
                if c >= THRESHOLD && best.is_none_or(|(b, bc)| c > bc || (c == bc && other < b)) {
                    best = Some((other, c));
                }
            }
        }
        best
    }

    /// Cosine with each keyword's weight scaled by how rare it is among the recent articles
    /// (`ln((N + 5) / (df + 5)) + 1`, mild while few articles are known): words every local
    /// article has (the district's name, 火灾 in a fire season) count less than what sets one
    /// incident apart.
    fn local_cosine(&self, a: &Keywords, b: &Keywords) -> f64 {
        let n = self.docs.len() as f64;
        let factor = |k: &str| {
            let df = self.postings.get(k).map_or(0, Vec::len) as f64;
            ((n + SMOOTH) / (df + SMOOTH)).ln() + 1.0
        };
        let scale = |v: &Keywords| -> Vec<(String, f64)> {
            let mut out: Vec<(String, f64)> =
                v.0.iter()
                    .map(|(k, w)| (k.clone(), w * factor(k)))
                    .collect();
            let norm = out.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
            if norm > 0.0 {
                out.iter_mut().for_each(|(_, w)| *w /= norm);
            }
            out
        };
        Keywords(scale(a)).cosine(&Keywords(scale(b)))
    }

    /// Forgets articles older than `before` (unix seconds).
    pub fn prune(&mut self, before: i64) {
        let old: Vec<i64> = self
            .docs
            .iter()
            .filter(|(_, d)| d.at < before)
            .map(|(id, _)| *id)
            .collect();
        if old.is_empty() {
            return;
        }
        for id in &old {
            self.docs.remove(id);
        }
        let docs = &self.docs;
        self.postings.retain(|_, list| {
            list.retain(|id| docs.contains_key(id));
            !list.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_incident_in_other_words_matches_and_another_place_does_not() {
        let seg = Segmenter::new();
        let a = Keywords::of(
            &seg,
            "柳湾路发生路面塌陷",
            "今天上午，青石街道柳湾路一段路面突然塌陷，形成一个直径约三米的大坑，一辆轿车陷入坑中，所幸无人受伤。",
        );
        let b = Keywords::of(
            &seg,
            "柳湾路塌陷后续：抢修完成恢复通车",
            "柳湾路塌陷路段经过连夜抢修，已于今日恢复通车。据了解，塌陷系地下供水管道破裂所致。",
        );
        let c = Keywords::of(
            &seg,
            "城南街道举办消夏文艺晚会",
            "城南街道昨晚在文化广场举办消夏文艺晚会，居民们表演了歌舞和戏曲节目。",
        );
        let mut idx = EventIndex::default();
        idx.add(1, 1_000_000, a.clone());
        idx.add(3, 1_000_000, c);
        let (id, score) = idx
            .best_match(2, 1_050_000, &b)
            .expect("the follow-up joins");
        assert_eq!(id, 1, "{score}");
        assert!(
            idx.best_match(2, 1_000_000 + 200 * 3600, &b).is_none(),
            "too far apart"
        );
        idx.prune(1_000_001);
        assert!(idx.is_empty());
    }
}
