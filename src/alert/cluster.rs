//! Near-duplicate detection for reprints (转载): a 64-bit SimHash of each article's normalized
//! text over character 3-shingles. Articles within [`MAX_DISTANCE`] bits join one cluster; the
//! earliest is 首发 and the cluster size is 转载数. Candidates are the articles of the last
//! [`WINDOW_DAYS`] days (reprints travel within days).
//!
//! [`ClusterIndex`] finds the closest recent fingerprint without scanning them all: each hash
//! is cut into [`BANDS`] bands, and each band is a bucket key (LSH). Two hashes within
//! [`MAX_DISTANCE`] bits differ in at most [`FLIPS`] bits of at least one band (pigeonhole), so
//! probing each band's bucket and the buckets [`FLIPS`] bit flips away finds every neighbour:
//! exact, at a cost that does not grow with the number of recent articles.

use std::collections::HashMap;

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

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

/// FNV-1a, 64 bit, of the UTF-8 bytes of `chars`: stable across builds (the hashes are stored).
fn fnv1a(chars: &[char]) -> u64 {
    let mut h = FNV_OFFSET;
    let mut buf = [0u8; 4];
    for c in chars {
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(FNV_PRIME);
        }
    }
    h
}

/// The SimHash of `text`, or `None` when it is too short to fingerprint.
pub fn simhash(text: &str) -> Option<u64> {
    simhash_normalized(&normalize(text))
}

/// [`simhash`] of a text already normalized (the matcher normalizes each article once).
pub fn simhash_normalized(normalized: &str) -> Option<u64> {
    let chars: Vec<char> = normalized.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < MIN_CHARS {
        return None;
    }
    // Per bit, how many shingle hashes set it: a bit of the SimHash is set when more shingles
    // set it than not (the sum of +1/-1 votes is positive). Counting is branch-free.
    let mut ones = [0u32; 64];
    let mut shingles = 0u32;
    for w in chars.windows(3) {
        let h = fnv1a(w);
        for (bit, n) in ones.iter_mut().enumerate() {
            *n += (h >> bit & 1) as u32;
        }
        shingles += 1;
    }
    Some(ones.iter().enumerate().fold(0u64, |acc, (bit, &n)| {
        if 2 * n > shingles {
            acc | 1 << bit
        } else {
            acc
        }
    }))
}

pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Bands a hash is cut into (22, 21 and 21 bits).
pub const BANDS: usize = 3;
/// Bit flips probed within a band.
pub const FLIPS: u32 = 2;
const BAND_BITS: [u32; BANDS] = [22, 21, 21];
const BAND_SHIFT: [u32; BANDS] = [0, 22, 43];
// Exactness: MAX_DISTANCE differing bits spread over BANDS bands leave one band with at most
// MAX_DISTANCE / BANDS of them.
const _: () = assert!(MAX_DISTANCE / BANDS as u32 <= FLIPS);
const _: () = assert!(BAND_SHIFT[BANDS - 1] + BAND_BITS[BANDS - 1] == 64);

fn band_key(h: u64, b: usize) -> u32 {
    ((h >> BAND_SHIFT[b]) & ((1u64 << BAND_BITS[b]) - 1)) as u32
}

/// One fingerprinted recent article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub fetched: i64,
    pub article_id: i64,
    pub hash: u64,
    pub cluster_id: i64,
}

/// One entry of a band's bucket chain. The hash is kept here, so a candidate is checked
/// without reading its entry: only a match (rare) reads it.
#[derive(Debug, Clone, Copy)]
struct Node {
    hash: u64,
    entry: u32,
    /// 1 + the next (older) node of the same bucket; 0 ends the chain.
    next: u32,
}

/// One band's buckets, addressed directly by the band key (no hashing, no per-bucket
/// allocation): `heads[key]` is 1 + the newest node of that bucket, 0 when it is empty.
#[derive(Debug, Default)]
struct Band {
    /// One bit per bucket (2^21–2^22 bits, in cache): most probes of a lookup end here.
    occupied: Vec<u64>,
    /// Zero-initialised, so pages no key has touched are never resident.
    heads: Vec<u32>,
    nodes: Vec<Node>,
}

/// The fingerprints of the articles fetched since `horizon`, bucketed by band.
#[derive(Debug, Default)]
pub struct ClusterIndex {
    /// Everything fetched at or after this is held.
    horizon: i64,
    /// In insertion order; `None` where an article was re-fingerprinted or pruned.
    entries: Vec<Option<Fingerprint>>,
    by_article: HashMap<i64, usize>,
    bands: [Band; BANDS],
}

impl ClusterIndex {
    /// An index of `entries` (oldest first), holding what was fetched since `horizon`.
    pub fn new(horizon: i64, entries: impl IntoIterator<Item = Fingerprint>) -> ClusterIndex {
        let mut idx = ClusterIndex {
            horizon,
            ..ClusterIndex::default()
        };
        for f in entries {
            idx.insert(f);
        }
        idx
    }

    pub fn horizon(&self) -> i64 {
        self.horizon
    }

    /// Fingerprints held (for tests and metrics).
    pub fn len(&self) -> usize {
        self.by_article.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_article.is_empty()
    }

    /// The cluster of the closest fingerprint within [`MAX_DISTANCE`] bits fetched at or after
    /// `since`, other than `article_id`'s own; the earliest one wins a tie.
    ///
    /// Per band, the occupied buckets among the key and its one- and two-bit neighbours are
    /// collected first and their chains walked after: the bucket reads are independent of one
    /// another, so the processor overlaps their cache misses instead of waiting on each.
    pub fn closest(&self, article_id: i64, h: u64, since: i64) -> Option<i64> {
        if self.by_article.is_empty() {
            return None;
        }
        let mut best: Option<(u32, u32)> = None; // (distance, entry index)
        let mut heads: Vec<u32> = Vec::with_capacity(256);
        for (b, band) in self.bands.iter().enumerate() {
            heads.clear();
            let mut probe = |k: u32| {
                if band.occupied[(k >> 6) as usize] >> (k & 63) & 1 == 1 {
                    heads.push(band.heads[k as usize]);
                }
            };
            let (key, bits) = (band_key(h, b), BAND_BITS[b]);
            probe(key);
            for i in 0..bits {
                probe(key ^ 1 << i);
                for j in i + 1..bits {
                    probe(key ^ 1 << i ^ 1 << j);
                }
            }
            for &head in &heads {
                let mut n = head;
                while n != 0 {
                    let node = band.nodes[n as usize - 1];
                    n = node.next;
                    let d = distance(h, node.hash);
                    if d > MAX_DISTANCE || best.is_some_and(|bd| (d, node.entry) >= bd) {
                        continue;
                    }
                    // `None`: replaced or pruned since (its nodes stay until the next rebuild).
                    let Some(f) = self.entries[node.entry as usize] else {
                        continue;
                    };
                    if f.article_id != article_id && f.fetched >= since {
                        best = Some((d, node.entry));
                    }
                }
            }
        }
        best.and_then(|(_, i)| self.entries[i as usize].map(|f| f.cluster_id))
    }

    /// Adds (or replaces) an article's fingerprint.
    pub fn insert(&mut self, f: Fingerprint) {
        if let Some(old) = self.by_article.remove(&f.article_id) {
            self.entries[old] = None;
        }
        let i = self.entries.len();
        self.entries.push(Some(f));
        self.by_article.insert(f.article_id, i);
        for (b, band) in self.bands.iter_mut().enumerate() {
            let bits = BAND_BITS[b];
            if band.heads.is_empty() {
                band.occupied = vec![0; (1usize << bits) / 64];
                band.heads = vec![0; 1usize << bits];
            }
            let key = band_key(f.hash, b);
            band.occupied[(key >> 6) as usize] |= 1 << (key & 63);
            band.nodes.push(Node {
                hash: f.hash,
                entry: i as u32,
                next: band.heads[key as usize],
            });
            band.heads[key as usize] = band.nodes.len() as u32;
        }
    }

    /// Drops what no article fetched from `now` on can join (older than the window before it).
    /// The horizon moves in steps of a day, so a long-running serve rebuilds once a day; an
    /// older article arriving later (a backfill) reloads from the database.
    pub fn prune(&mut self, now: i64) {
        let cutoff = now - WINDOW_DAYS * 86_400;
        if cutoff > self.horizon + 86_400 {
            let kept: Vec<Fingerprint> = self
                .entries
                .iter()
                .flatten()
                .filter(|f| f.fetched >= cutoff)
                .copied()
                .collect();
            *self = ClusterIndex::new(cutoff, kept);
        }
    }
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

    /// The banded lookup finds exactly what a scan of every fingerprint finds.
    #[test]
    fn banded_lookup_equals_a_full_scan() {
        let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut all = Vec::new();
        let mut idx = ClusterIndex::new(0, []);
        for id in 0..3_000_i64 {
            // Half are near an earlier hash (0..=12 flipped bits), half random.
            let h = if id > 0 && next() % 2 == 0 {
                let base: Fingerprint = all[(next() % all.len() as u64) as usize];
                let mut h = base.hash;
                for _ in 0..next() % 13 {
                    h ^= 1 << (next() % 64);
                }
                h
            } else {
                next()
            };
            let since = (id - 2_000).max(0);
            let scan = all
                .iter()
                .filter(|f: &&Fingerprint| f.fetched >= since)
                .map(|f| (distance(h, f.hash), f.fetched, f.cluster_id))
                .filter(|(d, _, _)| *d <= MAX_DISTANCE)
                .min()
                .map(|(_, _, c)| c);
            assert_eq!(idx.closest(id, h, since), scan, "article {id}");
            let f = Fingerprint {
                fetched: id,
                article_id: id,
                hash: h,
                cluster_id: scan.unwrap_or(id),
            };
            idx.insert(f);
            all.push(f);
        }
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
}
