//! 事件 (events): articles about the same incident across sources and wordings, beyond the
//! reprints SimHash finds. Each article is reduced to its TF-IDF keywords (jieba's IDF table,
//! the title counted twice, places and names kept); two articles published within
//! [`WINDOW_HOURS`] of each other whose keyword vectors have a cosine of at least
//! [`THRESHOLD`] are about the same incident, each keyword scaled by its rarity among the
//! recent articles. An article joins the event of its best match.
//!
//! Kinds of local incident ([`CONCEPTS`]: 火, 塌, 停电 …) are keywords too, named officially or
//! colloquially, so a resident's "路塌了个大坑" meets the report of "路面塌陷". Two articles
//! keep only half their similarity when one reports routine work (an inspection, a campaign, a
//! meeting) and the other does not, or when they name different places and none in common
//! (compared at the finest level both name: two blocks of one sub-district differ).
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
pub const THRESHOLD: f64 = 0.35;
/// Smoothing of the rarity scale: with few recent articles every keyword counts about the same.
const SMOOTH: f64 = 5.0;
/// Characters of the body read for keywords: the lead says what happened (who, where, what).
/// Segmenting is the costliest analysis of an article at ingest (BENCHMARKS.md, stage costs),
/// and its cost grows with the chars read.
const BODY_CHARS: usize = 400;
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

/// Kinds of local incident, each with the words that name it officially and colloquially
/// ("路面塌陷" and "路塌了个大坑"): an article naming a kind gets it as one more keyword, so a
/// resident's post and the official report of one incident share more than the place.
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "火",
        &[
            "火灾", "起火", "着火", "失火", "火情", "冒烟", "黑烟", "浓烟", "明火", "烧毁", "过火",
            "扑灭", "灭火",
        ],
    ),
    (
        "塌",
        &[
            "塌陷", "坍塌", "塌方", "塌了", "大坑", "深坑", "地陷", "下沉", "陷入",
        ],
    ),
    (
        "淹",
        &[
            "积水", "内涝", "被淹", "淹了", "淹到", "泡水", "排涝", "抽排",
        ],
    ),
    ("暖", &["暖气", "供暖", "供热", "不热", "停暖", "热力"]),
    ("电", &["停电", "断电", "没电", "跳闸", "供电"]),
    ("水", &["停水", "爆管", "水管", "漏水", "自来水", "供水"]),
    (
        "气味",
        &["异味", "臭味", "刺鼻", "气味", "味道", "废气", "排放"],
    ),
    ("噪", &["噪音", "噪声", "扰民", "打桩", "太吵", "夜间施工"]),
    ("薪", &["欠薪", "讨薪", "拖欠", "工资", "工钱"]),
    (
        "食",
        &["食堂", "呕吐", "腹痛", "腹泻", "吃坏", "食物中毒", "午餐"],
    ),
    ("寻", &["走失", "失踪", "寻人", "找到", "找回"]),
    ("垃圾", &["垃圾", "渣土", "倾倒", "偷倒"]),
    ("梯", &["电梯", "困人", "被困", "卡住", "扶梯"]),
    ("犬", &["狗", "犬", "咬伤", "咬了"]),
    ("骗", &["诈骗", "被骗", "骗走", "冒充", "骗局"]),
    (
        "车祸",
        &["车祸", "相撞", "追尾", "侧翻", "交通事故", "撞上"],
    ),
    ("燃气", &["燃气", "煤气", "天然气", "漏气", "供气"]),
    (
        "违建",
        &[
            "违建",
            "违法建设",
            "违章建筑",
            "私搭",
            "搭建",
            "盖房",
            "拆违",
            "拆除",
        ],
    ),
    ("树", &["倒伏", "大树", "树木", "行道树", "断枝"]),
    ("堵", &["拥堵", "堵车", "堵成", "乱停", "停车难"]),
    ("争执", &["争执", "吵起来", "冲突", "打架", "纠纷", "调解"]),
];
/// Marks a kind among the keywords (`§火`).
const CONCEPT_MARK: char = '§';

/// One automaton over every kind's words, and the kind of each word.
fn concept_automaton() -> &'static (aho_corasick::AhoCorasick, Vec<usize>) {
    static AC: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<usize>)> =
        std::sync::OnceLock::new();
    AC.get_or_init(|| {
        let (mut words, mut owner) = (Vec::new(), Vec::new());
        for (k, (_, ws)) in CONCEPTS.iter().enumerate() {
            for w in *ws {
                words.push(*w);
                owner.push(k);
            }
        }
        let ac = aho_corasick::AhoCorasick::new(&words).expect("the kinds' words build");
        (ac, owner)
    })
}

/// Whether a keyword finds candidates: a word does; a kind (shared by every fire of the
/// month) or a trait (weight 0) only adds to the similarity of articles found by a word.
fn finds_candidates(k: &str, w: f64) -> bool {
    w > 0.0 && !k.starts_with(CONCEPT_MARK)
}

/// A kind's weight, relative to the article's strongest keyword.
const CONCEPT_WEIGHT: f64 = 0.8;
/// Titles of routine work (an inspection, a campaign, a meeting, a celebration): such an
/// article is not the incident it may share words with.
const ROUTINE: &[&str] = &[
    "开展",
    "举办",
    "召开",
    "启动",
    "部署",
    "宣传",
    "专项",
    "检查",
    "活动",
    "会议",
    "晚会",
    "开幕",
    "培训",
    "演练",
    "座谈",
    "调研",
    "慰问",
    "应急响应",
];
/// How much of the similarity is left between routine work and an incident, or between two
/// articles that name different places and no common one.
const MISMATCH: f64 = 0.5;
/// Place suffixes: the two to four characters before one are a place's name.
const PLACE_SUFFIXES: &[&str] = &[
    "小区", "社区", "街道", "花园", "家园", "花苑", "大道", "公园", "广场", "小学", "中学", "苑",
    "村", "镇", "路",
];
/// Suffixes of a whole sub-district or town: coarser than a block, road or village.
const COARSE_SUFFIXES: &[&str] = &["街道", "镇"];
/// Words for a whole area rather than a place in it.
const WIDE_AREAS: &[&str] = &[
    "全区",
    "全市",
    "全县",
    "全镇",
    "全省",
    "全国",
    "各街道",
    "各社区",
];
/// Characters that never belong to a place's name (我们小区, 那条路, 一小区).
const NOT_PLACE: &[char] = &[
    '们', '那', '这', '条', '个', '的', '了', '在', '一', '某', '该', '门', '口',
];

/// The names of the places an article speaks of, without their suffix (`桃源` for 桃源社区):
/// from the title and the lead's first sentences.
fn place_names(title: &str, body: &str) -> Vec<(String, bool)> {
    let text: String = title
        .chars()
        .chain(['。'])
        .chain(body.chars().take(160))
        .collect();
    let chars: Vec<char> = text.chars().collect();
    // A whole district or city is a place of its own: a district-wide report is not one
    // residential block's incident.
    let mut out: Vec<(String, bool)> = WIDE_AREAS
        .iter()
        .filter(|w| text.contains(*w))
        .map(|w| (w.to_string(), false))
        .collect();
    let (mut i, mut last_end) = (0, 0);
    while i < chars.len() {
        let rest: String = chars[i..].iter().take(2).collect();
        let suffix = PLACE_SUFFIXES.iter().find(|s| rest.starts_with(*s));
        if let Some(suffix) = suffix {
            let n = suffix.chars().count();
            let fine = !COARSE_SUFFIXES.contains(suffix);
            // The longest run of two to four name characters right before the suffix, not
            // reaching into the place before it (城南街道阳光花园小区: 城南, 阳光).
            let mut start = i;
            while start > last_end && i - start < 4 && is_name_char(chars[start - 1]) {
                start -= 1;
            }
            if i - start >= 2 {
                let name: String = chars[start..i].iter().collect();
                if !out.iter().any(|(n, _)| *n == name) {
                    out.push((name, fine));
                }
            }
            i += n;
            last_end = i;
        } else {
            i += 1;
        }
    }
    out
}

/// The place names of an article: only the fine ones, or all.
fn places_of(k: &Keywords, fine_only: bool) -> Vec<&str> {
    k.places()
        .filter(|p| p.1 || !fine_only)
        .map(|p| p.0)
        .collect()
}

/// Whether two place names found in text are one place: one holds the other ("看见柳湾" was
/// cut from "看见柳湾路"; "柳湾" from "柳湾社区").
fn same_place(a: &str, b: &str) -> bool {
    a.contains(b) || b.contains(a)
}

fn is_name_char(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) && !NOT_PLACE.contains(&c)
}

/// An article's keywords with their weights, unit length; kinds of incident are among them
/// (`§火`). Entries of weight 0 are traits, not words: `@routine` (it reports routine work)
/// and `#桃源` (a place it names); they decide whether two articles can be one incident at
/// all. Stored as JSON: `[["词", 0.42], …]`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Keywords(pub Vec<(String, f64)>);

const ROUTINE_TRAIT: &str = "@routine";

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
        let top = kw.iter().map(|(_, w)| *w).fold(0.0, f64::max);
        let (ac, owner) = concept_automaton();
        let mut found = [false; CONCEPTS.len()];
        for m in ac.find_overlapping_iter(&doc) {
            found[owner[m.pattern().as_usize()]] = true;
        }
        for (k, (name, _)) in CONCEPTS.iter().enumerate() {
            if found[k] {
                kw.push((format!("{CONCEPT_MARK}{name}"), top * CONCEPT_WEIGHT));
            }
        }
        let norm = kw.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            kw.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        if ROUTINE.iter().any(|r| title.contains(r)) {
            kw.push((ROUTINE_TRAIT.to_string(), 0.0));
        }
        for (p, fine) in place_names(title, &body) {
            kw.push((format!("#{}{p}", if fine { "" } else { "~" }), 0.0));
        }
        Keywords(kw)
    }

    fn routine(&self) -> bool {
        self.0.iter().any(|(k, _)| k == ROUTINE_TRAIT)
    }

    /// The places it names: (name, whether it is a block, road, village or the like rather
    /// than a whole sub-district, town or district).
    fn places(&self) -> impl Iterator<Item = (&str, bool)> {
        self.0.iter().filter_map(|(k, _)| {
            let p = k.strip_prefix('#')?;
            Some(match p.strip_prefix('~') {
                Some(coarse) => (coarse, false),
                None => (p, true),
            })
        })
    }

    /// How much of the similarity two articles keep given what they are: routine work and an
    /// incident, or different places with none in common, are rarely one incident. Places are
    /// compared at the finest level both articles name (two blocks of one sub-district differ).
    pub fn compatibility(&self, other: &Keywords) -> f64 {
        let mut f = 1.0;
        if self.routine() != other.routine() {
            f *= MISMATCH;
        }
        let (mut a, mut b) = (places_of(self, true), places_of(other, true));
        if a.is_empty() || b.is_empty() {
            (a, b) = (places_of(self, false), places_of(other, false));
        }
        if !a.is_empty() && !b.is_empty() && !a.iter().any(|p| b.iter().any(|q| same_place(p, q))) {
            f *= MISMATCH;
        }
        f
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
        // Kinds are posted too (their rarity scales them), though they find no candidates.
        for (k, _) in keywords.0.iter().filter(|(_, w)| *w > 0.0) {
            self.postings.entry(k.clone()).or_default().push(id);
        }
        self.docs.insert(id, Doc { at, keywords });
    }

    /// The most similar article within the window (not `id` itself), if any reaches
    /// [`THRESHOLD`]: (article id, cosine).
    pub fn best_match(&self, id: i64, at: i64, keywords: &Keywords) -> Option<(i64, f64)> {
        let mut seen = std::collections::HashSet::new();
        let mut best: Option<(i64, f64)> = None;
        let mine = self.scaled(keywords);
        for (k, _) in keywords.0.iter().filter(|(k, w)| finds_candidates(k, *w)) {
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
                let c = self.local_cosine(keywords, &mine, &d.keywords);
                if c >= THRESHOLD && best.is_none_or(|(b, bc)| c > bc || (c == bc && other < b)) {
                    best = Some((other, c));
                }
            }
        }
        best
    }

    /// Each keyword's weight scaled by how rare it is among the recent articles
    /// (`ln((N + 5) / (df + 5)) + 1`, mild while few articles are known): words every local
    /// article has (the district's name, 火灾 in a fire season) count less than what sets one
    /// incident apart. Unit length.
    fn scaled(&self, v: &Keywords) -> Vec<f64> {
        let n = self.docs.len() as f64;
        let mut out: Vec<f64> =
            v.0.iter()
                .map(|(k, w)| {
                    let df = self.postings.get(k).map_or(0, Vec::len) as f64;
                    w * (((n + SMOOTH) / (df + SMOOTH)).ln() + 1.0)
                })
                .collect();
        let norm = out.iter().map(|w| w * w).sum::<f64>().sqrt();
        if norm > 0.0 {
            out.iter_mut().for_each(|w| *w /= norm);
        }
        out
    }

    /// Cosine of the rarity-scaled vectors (`a_scaled` is [`Self::scaled`] of `a`), times
    /// their [`Keywords::compatibility`].
    fn local_cosine(&self, a: &Keywords, a_scaled: &[f64], b: &Keywords) -> f64 {
        let b_scaled = self.scaled(b);
        let mut dot = 0.0;
        for (i, (k, _)) in a.0.iter().enumerate() {
            if let Some(j) = b.0.iter().position(|(o, _)| o == k) {
                dot += a_scaled[i] * b_scaled[j];
            }
        }
        dot * a.compatibility(b)
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
    fn place_names_come_without_suffix_and_with_their_level() {
        let names = place_names(
            "阳光花园小区突发停电",
            "8日晚，城南街道阳光花园小区部分楼栋停电。",
        );
        assert_eq!(
            names,
            vec![("阳光".to_string(), true), ("城南".to_string(), false)]
        );
        // 我们小区, 一小区: no name. 全区: an area of its own.
        assert!(place_names("我们小区门口那条路塌了", "").is_empty());
        assert_eq!(
            place_names("全区供暖季运行平稳", ""),
            vec![("全区".to_string(), false)]
        );
    }

    #[test]
    fn routine_work_and_other_places_are_kept_apart() {
        let seg = Segmenter::new();
        let fire = Keywords::of(
            &seg,
            "柳湾小区一仓库起火",
            "青石街道柳湾小区一仓库今天下午起火。",
        );
        let same = Keywords::of(
            &seg,
            "柳湾社区仓库火情已扑灭",
            "青石街道柳湾社区仓库明火已被扑灭。",
        );
        let other_block = Keywords::of(
            &seg,
            "桃源小区一车库起火",
            "青石街道桃源小区地下车库今天起火。",
        );
        let drill = Keywords::of(
            &seg,
            "柳湾小区开展消防演练",
            "青石街道柳湾小区开展冬季消防演练。",
        );
        assert_eq!(fire.compatibility(&same), 1.0);
        assert_eq!(
            fire.compatibility(&other_block),
            MISMATCH,
            "two blocks of one sub-district"
        );
        assert_eq!(
            fire.compatibility(&drill),
            MISMATCH,
            "a drill is not the fire"
        );
        assert!(fire.0.iter().any(|(k, _)| k == "§火") && same.0.iter().any(|(k, _)| k == "§火"));
    }

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
