//! Near-duplicate detection for reprints (转载): a 64-bit SimHash of each article's normalized
//! text over character 3-shingles. Articles within [`MAX_DISTANCE`] bits join one cluster; the
//! earliest is 首发 and the cluster size is 转载数. Candidates are the articles of the last
//! [`WINDOW_DAYS`] days (reprints travel within days).

use crate::text::normalize;

/// Largest Hamming distance between two hashes of one cluster. Measured on 98 real articles
/// (tests/it/cluster.rs): typical reprint edits (a 【转载】 header, an editor line, a trimmed
/// tail, a dropped first paragraph) are at p50 1, p95 7, max 11 bits; different articles at
/// min 17, p1 20, p50 31. At 8, 98.5% of reprint edits join and no different pair does.
pub const MAX_DISTANCE: u32 = 8;
/// Texts shorter than this (in characters) are not fingerprinted: too little to tell.
pub const MIN_CHARS: usize = 50;
/// How far back a new article looks for the article it reprints.
pub const WINDOW_DAYS: i64 = 30;

/// FNV-1a, 64 bit: stable across builds (the hashes are stored).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// The SimHash of `text`, or `None` when it is too short to fingerprint.
pub fn simhash(text: &str) -> Option<u64> {
    let chars: Vec<char> = normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if chars.len() < MIN_CHARS {
        return None;
    }
    let mut weights = [0i32; 64];
    let mut buf = String::new();
    for w in chars.windows(3) {
        buf.clear();
        buf.extend(w);
        let h = fnv1a(buf.as_bytes());
        for (bit, weight) in weights.iter_mut().enumerate() {
            if h >> bit & 1 == 1 {
                *weight += 1;
            } else {
                *weight -= 1;
            }
        }
    }
    Some(weights.iter().enumerate().fold(
        0u64,
        |acc, (bit, w)| if *w > 0 { acc | 1 << bit } else { acc },
    ))
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = "11月21日晚，青石街道桃源小区一楼道内停放的电动自行车在充电时起火，\
        消防救援人员接警后迅速到场处置，十分钟内将明火扑灭，事故未造成人员伤亡。\
        街道应急办随后组织物业公司对小区内的电动自行车停放和充电情况开展排查，\
        清理楼道堆放杂物二十余处，并提醒居民切勿将电动自行车推入楼道或入户充电。\
        据了解，桃源小区建成于上世纪九十年代，共有住宅楼十六栋，居民一千二百余户，\
        小区内原有集中充电桩四十个，已不能满足居民需求。街道表示，将协调供电部门和物业公司，\
        年底前在小区东门和北门新增两处集中充电点，新增充电接口一百二十个，\
        同时在楼道内安装电动自行车阻车装置，从源头上减少楼道停放和飞线充电现象。\
        社区网格员也将开展入户走访，向居民发放安全用电宣传册，讲解电动自行车火灾的危害和逃生常识。";

    #[test]
    fn reprints_stay_close_and_other_articles_stay_far() {
        let a = simhash(ARTICLE).unwrap();
        let reprint = format!("【转载】来源：青石街道发布\n{ARTICLE}（编辑：小王）");
        let trimmed: String = ARTICLE.chars().take(ARTICLE.chars().count() - 10).collect();
        let (d1, d2) = (
            distance(a, simhash(&reprint).unwrap()),
            distance(a, simhash(&trimmed).unwrap()),
        );
        assert!(
            d1 <= MAX_DISTANCE && d2 <= MAX_DISTANCE,
            "reprint {d1}, trimmed {d2}"
        );
        let other = "市气象台发布寒潮蓝色预警，预计未来两天全市气温下降八到十度，并伴有五到六级偏北风，\
            请市民注意防寒保暖，农业生产单位做好防冻措施，户外作业人员注意安全，出行请关注实时路况。";
        assert!(distance(a, simhash(other).unwrap()) > 3 * MAX_DISTANCE);
    }

    #[test]
    fn short_texts_are_not_fingerprinted() {
        assert_eq!(simhash("太短了"), None);
        assert_eq!(distance(0b1011, 0b0001), 2);
    }
}
