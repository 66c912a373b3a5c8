//! Reprint grouping rate as the window fills: 1,000,000 fingerprints, half of them near copies
//! (0–12 flipped bits) of an earlier one, each looked up in `ClusterIndex` (banded, exact) and
//! then added, as ingest does. The rate is reported per 100,000 articles; it should stay flat.
//! The scan over every recent fingerprint that it replaced is timed on the first 200,000 for
//! comparison (it grew linearly: 5,300 → 1,750 articles/s over a 200,000-article crawl).
//!
//! Run: `cargo bench --bench grouping`. Prints a table and rewrites the section between
//! `<!-- grouping-bench:start -->` and `<!-- grouping-bench:end -->` in BENCHMARKS.md.

// Indexes keep the article number and its hash side by side.
#![allow(clippy::needless_range_loop)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use yuqing::alert::cluster::{ClusterIndex, Fingerprint, MAX_DISTANCE, distance};

const N: usize = 1_000_000;
const BLOCK: usize = 100_000;
const SCAN_N: usize = 200_000;

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

fn main() {
    let hs = hashes();
    let mut idx = ClusterIndex::new(0, []);
    let mut rows = String::from(
        "| articles in the window | articles/s (banded index) | joined a cluster |\n|---:|---:|---:|\n",
    );
    let mut joined_total = 0usize;
    for block in 0..N / BLOCK {
        let t = Instant::now();
        let mut joined = 0usize;
        for i in block * BLOCK..(block + 1) * BLOCK {
            let id = i as i64;
            let c = idx.closest(id, hs[i], 0);
            joined += usize::from(c.is_some());
            idx.insert(Fingerprint {
                fetched: id,
                article_id: id,
                hash: hs[i],
                cluster_id: c.unwrap_or(id),
            });
        }
        let rate = BLOCK as f64 / t.elapsed().as_secs_f64();
        joined_total += joined;
        let _ = writeln!(
            rows,
            "| {}–{} | {rate:.0} | {:.1}% |",
            block * BLOCK,
            (block + 1) * BLOCK,
            joined as f64 * 100.0 / BLOCK as f64
        );
        println!("block {block}: {rate:.0} articles/s");
    }
    // The old way: scan every recent fingerprint for the closest.
    let mut scan_rows = String::new();
    let mut entries: Vec<(u64, i64)> = Vec::with_capacity(SCAN_N);
    let mut agree = 0usize;
    let mut idx2 = ClusterIndex::new(0, []);
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
         {N} fingerprints (half near copies of an earlier one, 0–12 bits flipped), one thread, `nproc` = {}, {}.\n\n{rows}\n\
         {:.1}% joined a cluster. The full scan it replaced, on the first {SCAN_N}:\n\n| articles in the window | articles/s |\n|---:|---:|\n{scan_rows}\n\
         The banded lookup chose the same cluster as the full scan for {agree} of {SCAN_N} articles.\n<!-- grouping-bench:end -->\n",
        std::thread::available_parallelism().map_or(0, |p| p.get()),
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        joined_total as f64 * 100.0 / N as f64
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
