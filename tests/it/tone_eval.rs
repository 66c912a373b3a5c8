//! Tone quality on real headlines labelled by written rules (`eval/tone/GUIDELINES.md`,
//! `eval/tone/labels.tsv`), read in place from the fixtures: per-class precision, recall and
//! F1 and the confusion matrix, per split. The numbers go to BENCHMARKS.md.

use std::collections::HashMap;

use yuqing::analyze::tone::analyze;
use yuqing::model::Tone;

use crate::common::fixtures;

/// The `<item><title>` texts of an RSS document, in order (CDATA and entities undone).
fn titles(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    for item in xml.split("<item>").skip(1) {
        let title = item
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map(|(t, _)| t)
            .unwrap_or("");
        let t = title.replace("<![CDATA[", "").replace("]]>", "");
        let t = t
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        out.push(t.trim().to_string());
    }
    out
}

#[test]
fn tone_on_labelled_headlines() {
    let Some(dir) = fixtures() else {
        return;
    };
    let labels = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/tone/labels.tsv"),
    )
    .unwrap();
    let mut feeds: HashMap<String, Vec<String>> = HashMap::new();
    // (split, truth, predicted)
    let mut rows: Vec<(String, Tone, Tone)> = Vec::new();
    for line in labels.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let items = feeds
            .entry(f[0].to_string())
            .or_insert_with(|| titles(&std::fs::read_to_string(dir.join(f[0])).unwrap()));
        let title = &items[f[1].parse::<usize>().unwrap()];
        let truth = Tone::parse(f[2]).unwrap();
        let got = analyze(title, "").tone;
        if f[3] == "tune" && got != truth {
            println!("MISS tune {} -> {}: {title}", truth.as_str(), got.as_str());
        }
        rows.push((f[3].to_string(), truth, got));
    }
    assert_eq!(rows.len(), 246);
    let mut report = Vec::new();
    let mut neg_f1 = HashMap::new();
    for split in ["tune", "heldout", "all"] {
        let part: Vec<&(String, Tone, Tone)> = rows
            .iter()
            .filter(|r| split == "all" || r.0 == split)
            .collect();
        report.push(format!("{split}: {} items", part.len()));
        let mut m = [[0usize; 3]; 3];
        let idx = |t: Tone| match t {
            Tone::Negative => 0,
            Tone::Neutral => 1,
            Tone::Positive => 2,
        };
        for r in &part {
            m[idx(r.1)][idx(r.2)] += 1;
        }
        for (k, t) in [Tone::Negative, Tone::Neutral, Tone::Positive]
            .iter()
            .enumerate()
        {
            let tp = m[k][k] as f64;
            let pred: usize = (0..3).map(|i| m[i][k]).sum();
            let truth: usize = m[k].iter().sum();
            let p = if pred == 0 { 0.0 } else { tp / pred as f64 };
            let r = if truth == 0 { 0.0 } else { tp / truth as f64 };
            let f1 = if p + r == 0.0 {
                0.0
            } else {
                2.0 * p * r / (p + r)
            };
            if *t == Tone::Negative {
                neg_f1.insert(split, f1);
            }
            report.push(format!(
                "  {} (n={truth}): precision {p:.3} recall {r:.3} F1 {f1:.3}",
                t.as_str()
            ));
        }
        report.push(format!(
            "  confusion (rows truth neg/neu/pos, columns predicted): {m:?}"
        ));
    }
    println!("{}", report.join("\n"));
    // Just under what was measured (BENCHMARKS.md); the target is 0.80 on held-out news.
    assert!(neg_f1["heldout"] >= NEG_F1_FLOOR, "{}", report.join("\n"));
}

/// Held-out negative F1 measured 2026-12-04: 0.364 (14 negatives; tune half 0.824 after
/// tuning on it). Far from the 0.80: see BENCHMARKS.md.
const NEG_F1_FLOOR: f64 = 0.30;
