//! Near-duplicate detection for reprints (转载): a 64-bit SimHash of each article's normalized
//! text over character 3-shingles. Articles within [`MAX_DISTANCE`] bits join one cluster; the
//! earliest is 首发 and the cluster size is 转载数. Candidates are the articles of the last
//! [`WINDOW_DAYS`] days (reprints travel within days).
//!
//! [`ClusterIndex`] finds the closest recent fingerprint without scanning them all: each hash
//! is cut into bands, and each band is a bucket key (LSH). Two hashes within d bits differ in
//! at most d / n bits of at least one of n bands (pigeonhole), so probing each band's bucket
//! and the buckets that many bit flips away finds every neighbour. Exactness within
//! [`MAX_DISTANCE`] over the whole window costs candidates in proportion to the window (about
//! one in 3,000 fingerprints), so it is kept for the newest [`NEAR_WINDOW`] fingerprints; the
//! older ones are found within [`FAR_DISTANCE`] bits by wider bands whose false candidates stay
//! near zero. A lookup's cost is then bounded, however many articles the window holds.

use rustc_hash::FxHashMap;

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

/// Fingerprints held in the near tier: the newest this many, searched within [`MAX_DISTANCE`]
/// bits. It counts entries (a re-fingerprinted article leaves an empty one behind). A deployment
/// that fetches under about 3,200 articles a day (100,000 over a window of up to 31 days: the
/// horizon moves in steps of a day) has its whole window here.
pub const NEAR_WINDOW: usize = 100_000;
/// How close an older fingerprint of the window (beyond the near tier) must be to be found.
/// 77% of the measured reprint edits are within it, 98.5% within [`MAX_DISTANCE`]
/// (tests/it/cluster.rs).
pub const FAR_DISTANCE: u32 = 3;

/// Near tier: bands of 22, 21 and 21 bits, probed up to 2 flips away.
const NEAR: Banding = Banding {
    bits: &[22, 21, 21],
    flips: 2,
    filter_shift: 0,
};
/// Far tier: two bands of 32 bits, probed up to 1 flip away; their occupancy filters have one
/// bit per 64 keys (2^26 bits, 8 MB each).
const FAR: Banding = Banding {
    bits: &[32, 32],
    flips: 1,
    filter_shift: 6,
};
// Exactness: d differing bits spread over n bands leave one band with at most d / n of them.
const _: () = assert!(MAX_DISTANCE / NEAR.bits.len() as u32 <= NEAR.flips);
const _: () = assert!(FAR_DISTANCE / FAR.bits.len() as u32 <= FAR.flips);
const _: () = assert!(NEAR.total_bits() == 64 && FAR.total_bits() == 64);

/// How a 64-bit hash is cut into band keys and how far around each key a lookup probes.
struct Banding {
    bits: &'static [u32],
    flips: u32,
    /// The occupancy filter has one bit per `2^filter_shift` keys.
    filter_shift: u32,
}

impl Banding {
    const fn total_bits(&self) -> u32 {
        let mut i = 0;
        let mut sum = 0;
        while i < self.bits.len() {
            sum += self.bits[i];
            i += 1;
        }
        sum
    }

    /// The band keys of `h`, one per band (at most 3).
    fn keys(&self, h: u64) -> impl Iterator<Item = (usize, u32, u32)> + '_ {
        let mut shift = 0;
        self.bits.iter().enumerate().map(move |(b, &bits)| {
            let key = ((h >> shift) & ((1u128 << bits) - 1) as u64) as u32;
            shift += bits;
            (b, key, bits)
        })
    }
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

/// One band's buckets: `heads[key]` is 1 + the newest node of that bucket. Most probes of a
/// lookup find their filter bit clear and never touch the map.
#[derive(Debug, Default)]
struct Band {
    filter: Vec<u64>,
    heads: FxHashMap<u32, u32>,
    nodes: Vec<Node>,
}

impl Band {
    fn insert(&mut self, key: u32, bits: u32, shift: u32, hash: u64, entry: u32) {
        if self.filter.is_empty() {
            self.filter = vec![0; ((1usize << (bits - shift)) / 64).max(1)];
        }
        let f = key >> shift;
        self.filter[(f >> 6) as usize] |= 1 << (f & 63);
        let head = self.heads.entry(key).or_insert(0);
        self.nodes.push(Node {
            hash,
            entry,
            next: *head,
        });
        *head = self.nodes.len() as u32;
    }

    fn head(&self, key: u32, shift: u32) -> Option<u32> {
        let f = key >> shift;
        if self.filter[(f >> 6) as usize] >> (f & 63) & 1 == 0 {
            return None;
        }
        self.heads.get(&key).copied()
    }
}

/// Fingerprints bucketed under one [`Banding`].
#[derive(Debug, Default)]
struct Tier {
    bands: Vec<Band>,
    /// Fingerprints inserted.
    len: usize,
}

impl Tier {
    fn insert(&mut self, banding: &Banding, hash: u64, entry: u32) {
        if self.bands.is_empty() {
            self.bands = banding.bits.iter().map(|_| Band::default()).collect();
        }
        for (b, key, bits) in banding.keys(hash) {
            self.bands[b].insert(key, bits, banding.filter_shift, hash, entry);
        }
        self.len += 1;
    }

    /// Returns the buckets and chain entries it read (the lookup's cost, for the bench).
    /// Calls `found(distance, entry)` for fingerprints within `max` bits of `h` inserted as
    /// entry `min_entry` or later: all of them, and some more than once. Entries go in in
    /// increasing order, so each chain runs from the newest down and its walk stops at the first
    /// older one. Per band, the occupied buckets among the key and its neighbours are collected
    /// first and their chains walked after: the bucket reads are independent of one another, so
    /// the processor overlaps their cache misses.
    fn candidates(
        &self,
        banding: &Banding,
        h: u64,
        max: u32,
        min_entry: u32,
        found: &mut impl FnMut(u32, u32),
    ) -> usize {
        if self.len == 0 {
            return 0;
        }
        let mut reads = 0;
        let mut heads: Vec<u32> = Vec::with_capacity(64);
        let shift = banding.filter_shift;
        for (b, key, bits) in banding.keys(h) {
            let band = &self.bands[b];
            heads.clear();
            heads.extend(band.head(key, shift));
            for i in 0..bits {
                heads.extend(band.head(key ^ 1 << i, shift));
                if banding.flips >= 2 {
                    for j in i + 1..bits {
                        heads.extend(band.head(key ^ 1 << i ^ 1 << j, shift));
                    }
                }
            }
            reads += heads.len();
            for &head in &heads {
                let mut n = head;
                while n != 0 {
                    let node = band.nodes[n as usize - 1];
                    reads += 1;
                    if node.entry < min_entry {
                        break;
                    }
                    n = node.next;
                    let d = distance(h, node.hash);
                    if d <= max {
                        found(d, node.entry);
                    }
                }
            }
        }
        reads
    }
}

/// One fingerprinted recent article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub fetched: i64,
    pub article_id: i64,
    pub hash: u64,
    pub cluster_id: i64,
}

/// The fingerprints of the articles fetched since `horizon`, in two tiers: the newest
/// `near_window` (found within [`MAX_DISTANCE`] bits) and the older ones (found within
/// [`FAR_DISTANCE`] bits). Each lookup costs at most the near tier's candidates plus a fixed
/// number of probes, however many articles the window holds.
#[derive(Debug)]
pub struct ClusterIndex {
    /// Everything fetched at or after this is held.
    horizon: i64,
    near_window: usize,
    /// In insertion order; `None` where an article was re-fingerprinted or pruned.
    entries: Vec<Option<Fingerprint>>,
    by_article: FxHashMap<i64, usize>,
    /// Entries from `near_first` on (at least the newest `near_window`); rebuilt from the
    /// newest `near_window` when it has grown to twice that.
    near: Tier,
    near_first: usize,
    /// Entries before `far_end` (at least all older than the newest `near_window`).
    far: Tier,
    far_end: usize,
}

impl ClusterIndex {
    /// An index of `entries` (oldest first), holding what was fetched since `horizon`.
    pub fn new(horizon: i64, entries: impl IntoIterator<Item = Fingerprint>) -> ClusterIndex {
        ClusterIndex::with_near_window(NEAR_WINDOW, horizon, entries)
    }

    /// [`ClusterIndex::new`] with another near tier size; `usize::MAX` makes every lookup
    /// exact within [`MAX_DISTANCE`] (and its cost grow with the window).
    pub fn with_near_window(
        near_window: usize,
        horizon: i64,
        entries: impl IntoIterator<Item = Fingerprint>,
    ) -> ClusterIndex {
        let mut idx = ClusterIndex {
            horizon,
            near_window: near_window.max(1),
            entries: Vec::new(),
            by_article: FxHashMap::default(),
            near: Tier::default(),
            near_first: 0,
            far: Tier::default(),
            far_end: 0,
        };
        // Loaded in bulk: each fingerprint goes straight to its tier (inserting them one by one
        // would rebuild the near tier once per `near_window`).
        for f in entries {
            if let Some(old) = idx.by_article.remove(&f.article_id) {
                idx.entries[old] = None;
            }
            idx.by_article.insert(f.article_id, idx.entries.len());
            idx.entries.push(Some(f));
        }
        let near_start = idx.near_start();
        for (e, f) in idx.entries.iter().enumerate() {
            if let Some(f) = f {
                let tier = if e < near_start {
                    (&mut idx.far, &FAR)
                } else {
                    (&mut idx.near, &NEAR)
                };
                tier.0.insert(tier.1, f.hash, e as u32);
            }
        }
        (idx.near_first, idx.far_end) = (near_start, near_start);
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

    /// The first entry the near tier answers for: the newest `near_window` are after it.
    fn near_start(&self) -> usize {
        self.entries.len().saturating_sub(self.near_window)
    }

    /// The cluster of the closest fingerprint fetched at or after `since`, other than
    /// `article_id`'s own, among the newest [`NEAR_WINDOW`] within [`MAX_DISTANCE`] bits and
    /// the older ones within [`FAR_DISTANCE`] bits; the earliest one wins a tie.
    pub fn closest(&self, article_id: i64, h: u64, since: i64) -> Option<i64> {
        self.closest_counted(article_id, h, since).0
    }

    /// [`ClusterIndex::closest`], and how many buckets and chain entries it read: the cost
    /// of the lookup, free of the machine's noise.
    pub fn closest_counted(&self, article_id: i64, h: u64, since: i64) -> (Option<i64>, usize) {
        if self.by_article.is_empty() {
            return (None, 0);
        }
        let mut best: Option<(u32, u32)> = None; // (distance, entry index)
        let mut consider = |d: u32, entry: u32| {
            if best.is_some_and(|bd| (d, entry) >= bd) {
                return;
            }
            // `None`: replaced or pruned since (its nodes stay until the next rebuild).
            let Some(f) = self.entries[entry as usize] else {
                return;
            };
            if f.article_id != article_id && f.fetched >= since {
                best = Some((d, entry));
            }
        };
        let near_start = self.near_start() as u32;
        let mut reads = self
            .near
            .candidates(&NEAR, h, MAX_DISTANCE, near_start, &mut consider);
        if near_start > 0 {
            reads += self.far.candidates(&FAR, h, FAR_DISTANCE, 0, &mut consider);
        }
        let cluster = best.and_then(|(_, i)| self.entries[i as usize].map(|f| f.cluster_id));
        (cluster, reads)
    }

    /// Adds (or replaces) an article's fingerprint.
    pub fn insert(&mut self, f: Fingerprint) {
        if let Some(old) = self.by_article.remove(&f.article_id) {
            self.entries[old] = None;
        }
        let i = self.entries.len();
        self.entries.push(Some(f));
        self.by_article.insert(f.article_id, i);
        self.near.insert(&NEAR, f.hash, i as u32);
        // What the near tier no longer answers for goes to the far tier, one a time.
        let near_start = self.near_start();
        while self.far_end < near_start {
            if let Some(g) = self.entries[self.far_end] {
                self.far.insert(&FAR, g.hash, self.far_end as u32);
            }
            self.far_end += 1;
        }
        // Its older half no longer answers (the walk stops before it) but still costs probes:
        // rebuild from the newest `near_window`, once every `near_window` articles.
        if i + 1 - self.near_first >= self.near_window.saturating_mul(2) {
            self.near = Tier::default();
            self.near_first = near_start;
            for e in near_start..self.entries.len() {
                if let Some(g) = self.entries[e] {
                    self.near.insert(&NEAR, g.hash, e as u32);
                }
            }
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
            *self = ClusterIndex::with_near_window(self.near_window, cutoff, kept);
        }
    }
}

#[cfg(test)]
#[path = "cluster_tests.rs"]
mod tests;
