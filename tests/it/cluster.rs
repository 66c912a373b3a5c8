//! The reprint threshold, measured on real Chinese articles (human-cleaned texts of the cwced
//! and magic-html fixtures): typical reprint edits of each article stay within `MAX_DISTANCE`,
//! and different articles stay above it. Prints the distributions for BENCHMARKS.md.

use yuqing::alert::cluster::{FAR_DISTANCE, MAX_DISTANCE, distance, simhash};

use crate::common::fixtures;

fn texts() -> Option<Vec<String>> {
    let dir = fixtures()?;
    let mut out = Vec::new();
    for sub in ["news-html/cwced", "news-html/magic-html"] {
        let mut files: Vec<_> = std::fs::read_dir(dir.join(sub))
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).ok()?).ok()?;
            if let Some(c) = v["content"].as_str()
                && c.chars().filter(|c| !c.is_whitespace()).count() >= 300
            {
                out.push(c.to_string());
            }
        }
    }
    Some(out)
}

/// What reprinting does to an article: a 【转载】 header with the origin, an editor line, a
/// trimmed tail, a dropped first paragraph, collapsed line breaks.
fn reprints(t: &str) -> Vec<String> {
    let chars: Vec<char> = t.chars().collect();
    let n = chars.len();
    let mut out = vec![
        format!("【转载】来源：青石街道发布\n{t}\n（责任编辑：王小明）"),
        chars[..n * 9 / 10].iter().collect(),
        t.split_whitespace().collect::<Vec<_>>().join(""),
        format!("{t}\n阅读原文 点赞 在看 分享"),
    ];
    if let Some((_, rest)) = t.split_once('\n')
        && rest.chars().count() * 10 >= n * 9
    {
        out.push(rest.to_string());
    }
    out
}

fn pct(v: &mut [u32], p: usize) -> u32 {
    v.sort_unstable();
    v[(v.len() - 1) * p / 100]
}

#[test]
fn the_reprint_threshold_separates_reprints_from_other_articles() {
    let Some(texts) = texts() else { return };
    assert!(texts.len() >= 20, "too few fixture texts: {}", texts.len());
    let hashes: Vec<u64> = texts.iter().map(|t| simhash(t).unwrap()).collect();
    let mut same: Vec<u32> = Vec::new();
    for (t, h) in texts.iter().zip(&hashes) {
        for r in reprints(t) {
            same.push(distance(*h, simhash(&r).unwrap()));
        }
    }
    let mut other: Vec<u32> = Vec::new();
    for i in 0..hashes.len() {
        for j in i + 1..hashes.len() {
            other.push(distance(hashes[i], hashes[j]));
        }
    }
    let (same_max, same_p95, same_p50) = (
        *same.iter().max().unwrap(),
        pct(&mut same.clone(), 95),
        pct(&mut same.clone(), 50),
    );
    let (other_min, other_p1, other_p50) = (
        *other.iter().min().unwrap(),
        pct(&mut other.clone(), 1),
        pct(&mut other.clone(), 50),
    );
    let caught = same.iter().filter(|d| **d <= MAX_DISTANCE).count() as f64 / same.len() as f64;
    let false_joins = other.iter().filter(|d| **d <= MAX_DISTANCE).count();
    let within = |r: u32| same.iter().filter(|d| **d <= r).count() as f64 / same.len() as f64;
    let far_caught = within(FAR_DISTANCE);
    println!(
        "share of reprint edits within d bits: {}",
        (0..=MAX_DISTANCE + 2)
            .map(|d| format!("{d}: {:.1}%", within(d) * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "simhash over {} real articles: reprint edits ({}): p50 {same_p50}, p95 {same_p95}, max {same_max}; \
         different articles ({} pairs): min {other_min}, p1 {other_p1}, p50 {other_p50}; \
         threshold {MAX_DISTANCE}: {:.1}% of reprints joined, {false_joins} false joins; \
         beyond the near window ({FAR_DISTANCE} bits): {:.1}%",
        texts.len(),
        same.len(),
        other.len(),
        caught * 100.0,
        far_caught * 100.0
    );
    assert_eq!(false_joins, 0, "different articles joined one cluster");
    assert!(
        caught >= 0.95,
        "only {:.1}% of reprint edits stay within the threshold",
        caught * 100.0
    );
}
