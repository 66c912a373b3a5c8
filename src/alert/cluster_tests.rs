//! Tests of `alert::cluster`: the SimHash definition and the banded index against a scan.

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

/// The banded lookup finds exactly what a scan of every fingerprint finds: within
/// `MAX_DISTANCE` among the newest `near_window` entries and within `FAR_DISTANCE` before
/// them (with a near window of 400, the near tier is rebuilt 7 times). Every 7th step
/// re-fingerprints an earlier article (its old entry is left empty); at the end the live
/// fingerprints, loaded in bulk, answer as a scan of them does.
#[test]
fn banded_lookup_equals_a_full_scan() {
    /// The closest within the rules, by a scan of `slots` (entry order, `None` = replaced).
    fn scan(
        slots: &[Option<Fingerprint>],
        near_window: usize,
        id: i64,
        h: u64,
        since: i64,
    ) -> Option<(u32, usize, i64)> {
        let near_start = slots.len().saturating_sub(near_window);
        slots
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (i, f)))
            .filter(|(_, f)| f.fetched >= since && f.article_id != id)
            .map(|(i, f)| (distance(h, f.hash), i, f.cluster_id))
            .filter(|&(d, i, _)| d <= FAR_DISTANCE || (d <= MAX_DISTANCE && i >= near_start))
            .min()
    }
    for near_window in [usize::MAX, 400] {
        let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut slots: Vec<Option<Fingerprint>> = Vec::new();
        let mut slot_of: std::collections::HashMap<i64, usize> = Default::default();
        let mut idx = ClusterIndex::with_near_window(near_window, 0, []);
        let (mut near_joins, mut far_joins, mut replaced) = (0, 0, 0);
        for step in 0..3_000_i64 {
            // Half are near an earlier hash (0..=12 flipped bits), half random.
            let h = if step > 0 && next() % 2 == 0 {
                let live: Vec<Fingerprint> = slots.iter().flatten().copied().collect();
                let mut h = live[(next() % live.len() as u64) as usize].hash;
                for _ in 0..next() % 13 {
                    h ^= 1 << (next() % 64);
                }
                h
            } else {
                next()
            };
            // Every 7th step re-fingerprints an earlier article instead of adding one.
            let id = if step > 10 && step % 7 == 0 {
                replaced += 1;
                (next() % step as u64) as i64
            } else {
                step
            };
            let since = (step - 2_000).max(0);
            let want = scan(&slots, near_window, id, h, since);
            let near_start = slots.len().saturating_sub(near_window);
            match want {
                Some((d, i, _)) if d > FAR_DISTANCE || i >= near_start => near_joins += 1,
                Some(_) => far_joins += 1,
                None => {}
            }
            let want = want.map(|(_, _, c)| c);
            assert_eq!(
                idx.closest(id, h, since),
                want,
                "step {step}, near window {near_window}"
            );
            let f = Fingerprint {
                fetched: step,
                article_id: id,
                hash: h,
                cluster_id: want.unwrap_or(id),
            };
            idx.insert(f);
            if let Some(old) = slot_of.insert(id, slots.len()) {
                slots[old] = None;
            }
            slots.push(Some(f));
        }
        println!("near window {near_window}: {near_joins} near joins, {far_joins} far joins");
        assert!(near_joins > 300, "{near_joins} joins in the near tier");
        if near_window < 3_000 {
            assert!(far_joins > 100, "{far_joins} joins in the far tier");
        }
        assert!(replaced > 400);
        // Loaded in bulk: the live fingerprints, each straight to its tier.
        let live: Vec<Option<Fingerprint>> = slots.iter().flatten().map(|f| Some(*f)).collect();
        let bulk = ClusterIndex::with_near_window(near_window, 0, live.iter().flatten().copied());
        assert_eq!(bulk.len(), live.len());
        for probe in 0..500 {
            let base = live[(next() % live.len() as u64) as usize].unwrap().hash;
            let mut h = base;
            for _ in 0..probe % 11 {
                h ^= 1 << (next() % 64);
            }
            let want = scan(&live, near_window, -1, h, 0).map(|(_, _, c)| c);
            assert_eq!(bulk.closest(-1, h, 0), want, "bulk probe {probe}");
        }
    }
}

/// Beyond the near tier, a copy within `FAR_DISTANCE` bits is still found, and one within
/// `MAX_DISTANCE` but beyond `FAR_DISTANCE` is not.
#[test]
fn older_fingerprints_are_found_within_the_far_distance() {
    let mut idx = ClusterIndex::with_near_window(10, 0, []);
    let h = 0x0123_4567_89AB_CDEF_u64;
    let fp = |id: i64, hash: u64| Fingerprint {
        fetched: id,
        article_id: id,
        hash,
        cluster_id: id,
    };
    idx.insert(fp(0, h));
    for id in 1..=20 {
        idx.insert(fp(id, h.rotate_left(7 * id as u32) ^ 0xFFFF_0000_FFFF));
    }
    let three = h ^ 1 ^ 1 << 40 ^ 1 << 63;
    let four = three ^ 1 << 20;
    assert_eq!(idx.closest(99, three, 0), Some(0));
    assert_eq!(idx.closest(99, four, 0), None);
    let exact =
        ClusterIndex::with_near_window(usize::MAX, 0, idx.entries.iter().flatten().copied());
    assert_eq!(exact.closest(99, four, 0), Some(0));
}

/// Articles fetched long ago (an import, a backfill) keep the window instead of dropping
/// it, re-fingerprinting replaces, and pruning keeps the window before `now`.
#[test]
fn prune_keeps_the_window_and_reinsert_replaces() {
    let day = 86_400;
    let t0 = 915_148_800; // 1999-01-01
    let mut idx = ClusterIndex::new(t0 - WINDOW_DAYS * day, []);
    let h = 0xDEAD_BEEF_u64;
    for k in 0..4_i64 {
        let near = h ^ (1 << k);
        let c = idx.closest(k, near, t0 - WINDOW_DAYS * day).unwrap_or(k);
        assert_eq!(c, 0, "article {k} joins the first");
        idx.insert(Fingerprint {
            fetched: t0 + k * 3600,
            article_id: k,
            hash: near,
            cluster_id: c,
        });
        idx.prune(t0 + k * 3600);
        assert_eq!(
            idx.len(),
            k as usize + 1,
            "window dropped after article {k}"
        );
    }
    idx.insert(Fingerprint {
        fetched: t0 + 5 * 3600,
        article_id: 3,
        hash: !h,
        cluster_id: 3,
    });
    assert_eq!(idx.len(), 4, "re-fingerprinting replaces");
    assert_eq!(idx.closest(99, !h, 0), Some(3));
    idx.prune(t0 + (WINDOW_DAYS + 3) * day);
    assert!(idx.is_empty(), "a month later nothing is left");
}

#[test]
fn short_texts_are_not_fingerprinted() {
    assert_eq!(simhash("太短了"), None);
    assert_eq!(distance(0b1011, 0b0001), 2);
}

/// The hashes are stored and compared with those of later articles: the fast version must
/// give exactly what the plain definition gives (a String per shingle, ±1 votes per bit).
#[test]
fn simhash_is_the_stored_definition() {
    fn plain(text: &str) -> Option<u64> {
        let chars: Vec<char> = normalize(text)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if chars.len() < MIN_CHARS {
            return None;
        }
        let mut weights = [0i32; 64];
        for w in chars.windows(3) {
            let s: String = w.iter().collect();
            let mut h: u64 = 0xcbf29ce484222325;
            for b in s.as_bytes() {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x100000001b3);
            }
            for (bit, weight) in weights.iter_mut().enumerate() {
                *weight += if h >> bit & 1 == 1 { 1 } else { -1 };
            }
        }
        Some(weights.iter().enumerate().fold(
            0u64,
            |acc, (bit, w)| {
                if *w > 0 { acc | 1 << bit } else { acc }
            },
        ))
    }
    let mixed = format!("{ARTICLE} Ｆｕｌｌ-width ÄÖÜ 臺灣 emoji 🚒🚒 end");
    let third: String = ARTICLE.chars().take(ARTICLE.chars().count() / 3).collect();
    for text in [ARTICLE, mixed.as_str(), third.as_str()] {
        assert!(simhash(text).is_some());
        assert_eq!(simhash(text), plain(text));
    }
}
