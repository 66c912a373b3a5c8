//! Reprint grouping rate as the window fills: 1,000,000 fingerprints, half of them near copies
//! (0–12 flipped bits) of an earlier one picked at random from all before it, each looked up in
//! `ClusterIndex` and then added, as ingest does. Two indexes run side by side on each block:
//! the one ingest uses (exact within `MAX_DISTANCE` for the newest `NEAR_WINDOW`, within
//! `FAR_DISTANCE` before), whose rate should stay flat, and one exact within `MAX_DISTANCE` over
//! the whole window, whose cost grows with it. The scan over every recent fingerprint that the
//! banded lookup replaced is timed on the first 200,000 for comparison (it grew linearly:
//! 5,300 → 1,750 articles/s over a 200,000-article crawl).
//!
//! Run: `cargo bench --bench grouping`. Prints a table and rewrites the section between
//! `<!-- grouping-bench:start -->` and `<!-- grouping-bench:end -->` in BENCHMARKS.md.

// Indexes keep the article number and its hash side by side.
#![allow(clippy::needless_range_loop)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use yuqing::alert::cluster::{
    ClusterIndex, FAR_DISTANCE, Fingerprint, MAX_DISTANCE, NEAR_WINDOW, distance,
};

const N: usize = 1_000_000;
const BLOCK: usize = 100_000;
const SCAN_N: usize = 200_000;
const CHUNK: usize = 10_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn hashes() -> Vec<u64> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out: Vec<u64> = Vec::with_capacity(N);
    for i in 0..N {
        let h = if i > 0 && rng.next().is_multiple_of(2) {
            let mut h = out[(rng.next() % i as u64) as usize];
            for _ in 0..rng.next() % 13 {
                h ^= 1 << (rng.next() % 64);
            }
            h
        } else {
            rng.next()
        };
        out.push(h);
    }
    out
}

/// This thread's CPU time in seconds: time the machine's other work takes from it is left out
/// (its effect on the shared caches is not).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// Looks up and inserts `hs[range]`; returns (CPU seconds, joined, each article's cluster,
/// buckets and entries read).
fn run(
    idx: &mut ClusterIndex,
    hs: &[u64],
    range: std::ops::Range<usize>,
) -> (f64, usize, Vec<i64>, usize) {
    let t = thread_cpu();
    let mut joined = 0usize;
    let mut reads = 0usize;
    let mut clusters = Vec::with_capacity(range.len());
    for i in range {
        let id = i as i64;
        let (c, r) = idx.closest_counted(id, hs[i], 0);
        joined += usize::from(c.is_some());
        reads += r;
        idx.insert(Fingerprint {
            fetched: id,
            article_id: id,
            hash: hs[i],
            cluster_id: c.unwrap_or(id),
        });
        clusters.push(c.unwrap_or(id));
    }
    (thread_cpu() - t, joined, clusters, reads)
}

/// Articles/s of a block from its chunks' times: the median chunk, so that a burst of other
/// work on the shared machine moves one chunk, not the block.
fn median_rate(mut secs: Vec<f64>) -> f64 {
    secs.sort_by(f64::total_cmp);
    CHUNK as f64 / secs[secs.len() / 2]
}

fn main() {
    let hs = hashes();
    let mut bounded = ClusterIndex::new(0, []);
    let mut exact = ClusterIndex::with_near_window(usize::MAX, 0, []);
    let mut rows = String::from(
        "| articles in the window | articles/s (ingest's index) | articles/s (exact over the window) | buckets + entries read per lookup (ingest's / exact) | joined a cluster (ingest's / exact) | same cluster as exact |\n|---:|---:|---:|---:|---:|---:|\n",
    );
    let (mut joined_total, mut exact_total, mut same_total) = (0usize, 0usize, 0usize);
    let (mut first_rate, mut last_rate) = (0.0, 0.0);
    let (mut first_reads, mut last_reads) = (0.0, 0.0);
    for block in 0..N / BLOCK {
        let (mut secs, mut exact_secs) = (Vec::new(), Vec::new());
        let (mut joined, mut exact_joined, mut same) = (0, 0, 0);
        let (mut reads, mut exact_reads) = (0, 0);
        // The two indexes take turns chunk by chunk, so outside load falls on both alike.
        for chunk in (block * BLOCK..(block + 1) * BLOCK).step_by(CHUNK) {
            let range = chunk..chunk + CHUNK;
            let (s, j, clusters, r) = run(&mut bounded, &hs, range.clone());
            let (es, ej, exact_clusters, er) = run(&mut exact, &hs, range);
            reads += r;
            exact_reads += er;
            secs.push(s);
            exact_secs.push(es);
            joined += j;
            exact_joined += ej;
            same += clusters
                .iter()
                .zip(&exact_clusters)
                .filter(|(a, b)| a == b)
                .count();
        }
        let (rate, exact_rate) = (median_rate(secs), median_rate(exact_secs));
        joined_total += joined;
        exact_total += exact_joined;
        same_total += same;
        let per_lookup = reads as f64 / BLOCK as f64;
        if block == 1 {
            (first_rate, first_reads) = (rate, per_lookup);
        }
        (last_rate, last_reads) = (rate, per_lookup);
        let _ = writeln!(
            rows,
            "| {}–{} | {rate:.0} | {exact_rate:.0} | {:.1} / {:.1} | {:.1}% / {:.1}% | {:.1}% |",
            block * BLOCK,
            (block + 1) * BLOCK,
            reads as f64 / BLOCK as f64,
            exact_reads as f64 / BLOCK as f64,
            joined as f64 * 100.0 / BLOCK as f64,
            exact_joined as f64 * 100.0 / BLOCK as f64,
            same as f64 * 100.0 / BLOCK as f64,
        );
        println!("block {block}: {rate:.0} articles/s (exact {exact_rate:.0})");
    }
    // The old way: scan every recent fingerprint for the closest.
    let mut scan_rows = String::new();
    let mut entries: Vec<(u64, i64)> = Vec::with_capacity(SCAN_N);
    let mut agree = 0usize;
    let mut idx2 = ClusterIndex::with_near_window(usize::MAX, 0, []);
    for block in 0..SCAN_N / BLOCK {
        let t = Instant::now();
        for i in block * BLOCK..(block + 1) * BLOCK {
            let h = hs[i];
            let mut best: Option<(u32, i64)> = None;
            for &(other, cluster) in &entries {
                let d = distance(h, other);
                if d <= MAX_DISTANCE && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, cluster));
                }
            }
            let c = best.map(|(_, c)| c);
            entries.push((h, c.unwrap_or(i as i64)));
            let banded = idx2.closest(i as i64, h, 0);
            agree += usize::from(banded == c);
            idx2.insert(Fingerprint {
                fetched: i as i64,
                article_id: i as i64,
                hash: h,
                cluster_id: banded.unwrap_or(i as i64),
            });
        }
        let rate = BLOCK as f64 / t.elapsed().as_secs_f64();
        let _ = writeln!(
            scan_rows,
            "| {}–{} | {rate:.0} (scan, and the banded lookup beside it) |",
            block * BLOCK,
            (block + 1) * BLOCK
        );
        println!("scan block {block}: {rate:.0} articles/s");
    }
    let s = format!(
        "<!-- grouping-bench:start -->\n<!-- written by `cargo bench --bench grouping`; edits between the markers are overwritten -->\n\n\
         {N} fingerprints (half near copies of an earlier one picked at random from all before it, 0–12 bits flipped), one thread, `nproc` = {}, {}; articles/s is by the thread's CPU time, the median of the block's ten chunks of {CHUNK}. Ingest's index: exact within {MAX_DISTANCE} bits for the newest {NEAR_WINDOW}, within {FAR_DISTANCE} before.\n\n{rows}\n\
         Ingest's index from 100000–200000 to 900000–1000000: {:.0} → {:.0} articles/s ({:.2}×), {:.1} → {:.1} buckets and entries read per lookup. {:.1}% joined a cluster ({:.1}% with the exact index); {:.1}% got the same cluster as with the exact index. The full scan the banded lookup replaced, on the first {SCAN_N}:\n\n| articles in the window | articles/s |\n|---:|---:|\n{scan_rows}\n\
         The exact banded lookup chose the same cluster as the full scan for {agree} of {SCAN_N} articles.\n<!-- grouping-bench:end -->\n",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        first_rate,
        last_rate,
        last_rate / first_rate,
        first_reads,
        last_reads,
        joined_total as f64 * 100.0 / N as f64,
        exact_total as f64 * 100.0 / N as f64,
        same_total as f64 * 100.0 / N as f64,
    );
    println!("\n{s}");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let (a, b) = (
        "<!-- grouping-bench:start -->",
        "<!-- grouping-bench:end -->",
    );
    let new = match (old.find(a), old.find(b)) {
        (Some(x), Some(y)) if x < y => {
            let y = y + b.len();
            let rest = old[y..].strip_prefix('\n').unwrap_or(&old[y..]);
            format!("{}{s}{rest}", &old[..x])
        }
        _ => format!(
            "{}\n\n## Reprint grouping (`cargo bench --bench grouping`)\n\n{s}",
            old.trim_end()
        ),
    };
    std::fs::write(&path, new).expect("write BENCHMARKS.md");
}
