//! Watch-rule matching cost per article, on real Chinese text (the human-cleaned article texts of
//! `../shared/fixtures/news-html/{cwced,magic-html}`), with 100, 1,000 and 10,000 keywords spread
//! over 10 to 1,000 rules. One Aho-Corasick automaton holds every keyword, so the cost should
//! stay roughly flat in the number of rules.
//!
//! Run: `cargo bench --bench matching`. Prints a table and rewrites the section between
//! `<!-- matching-bench:start -->` and `<!-- matching-bench:end -->` in BENCHMARKS.md.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use yuqing::alert::matcher::Matcher;
use yuqing::config::{Level, Rule, Scope};
use yuqing::text::segment::Segmenter;

fn texts(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["news-html/cwced", "news-html/magic-html"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
        {
            let Ok(s) = std::fs::read_to_string(&f) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) else {
                continue;
            };
            if let Some(c) = v["content"].as_str()
                && c.chars().count() > 100
            {
                out.push(c.to_string());
            }
        }
    }
    out
}

/// `n_rules` rules sharing `n_keywords` real words from the corpus: a third region words, a third
/// event words, a few exclusions.
fn rules(words: &[String], n_keywords: usize, n_rules: usize) -> Vec<Rule> {
    let per = (n_keywords / n_rules).max(3);
    (0..n_rules)
        .map(|i| {
            let kw: Vec<String> = (0..per)
                .map(|k| words[(i * per + k) % words.len()].clone())
                .collect();
            let third = per / 3;
            Rule {
                id: format!("r{i}"),
                name: format!("规则{i}"),
                level: Level::Medium,
                region: kw[..third].to_vec(),
                subject: vec![],
                event: kw[third..2 * third].to_vec(),
                all: vec![],
                exclude: kw[2 * third..(2 * third + 1).min(per)].to_vec(),
                scope: Scope::All,
                sources: vec![],
                near: None,
                enabled: true,
                expr: None,
            }
        })
        .collect()
}

fn main() {
    let dir = std::env::var("YUQING_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    let texts = texts(&dir);
    if texts.is_empty() {
        eprintln!(
            "no fixture texts under {}: nothing to measure",
            dir.display()
        );
        return;
    }
    let bytes: usize = texts.iter().map(String::len).sum();
    // Real words of two or more characters from the corpus itself, most varied first.
    let seg = Segmenter::new();
    let vocab: BTreeSet<String> = texts
        .iter()
        .flat_map(|t| seg.words(t))
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_string)
        .collect();
    let words: Vec<String> = vocab.into_iter().collect();
    println!(
        "{} articles, {:.1} MB of text, {} distinct words",
        texts.len(),
        bytes as f64 / 1e6,
        words.len()
    );

    if std::env::args().any(|a| a == "--stages") {
        // Only the stage costs, printed (for a profiler).
        stage_costs(&seg, &texts);
        return;
    }
    let mut table = String::from(
        "| keywords | rules | µs / article | MB/s | alerts / article |\n|---:|---:|---:|---:|---:|\n",
    );
    for n_keywords in [100usize, 1_000, 10_000] {
        for n_rules in [10usize, 100, 1_000] {
            if n_rules * 3 > n_keywords * 3 && n_rules > n_keywords {
                continue;
            }
            let rules = rules(&words, n_keywords, n_rules);
            let m = Matcher::new(&rules);
            let rounds = 20;
            let mut hits = 0usize;
            let start = Instant::now();
            for _ in 0..rounds {
                for t in &texts {
                    hits += m.evaluate("s", "", t).len();
                }
            }
            let secs = start.elapsed().as_secs_f64();
            let per_article = secs / (rounds * texts.len()) as f64 * 1e6;
            let mbps = (bytes * rounds) as f64 / secs / 1e6;
            let alerts = hits as f64 / (rounds * texts.len()) as f64;
            println!(
                "{:>6} keywords ({:>5} in automaton) {:>5} rules: {:>8.1} µs/article {:>7.1} MB/s {:>6.2} alerts/article",
                n_keywords,
                m.keyword_count(),
                n_rules,
                per_article,
                mbps,
                alerts
            );
            table.push_str(&format!(
                "| {} | {} | {:.1} | {:.1} | {:.2} |\n",
                m.keyword_count(),
                n_rules,
                per_article,
                mbps,
                alerts
            ));
        }
    }
    let stages = stage_costs(&seg, &texts);
    write_section(&format!("{table}\n{stages}"), texts.len(), bytes);
}

/// What each per-article analysis stage of ingest costs on the same texts, one thread: the
/// title is the text's first line. Rule matching (100 keywords) and the index's tokenizer are
/// there for scale.
fn stage_costs(seg: &Segmenter, texts: &[String]) -> String {
    use tantivy::tokenizer::{TokenStream, Tokenizer};
    let docs: Vec<(String, String)> = texts
        .iter()
        .map(|t| {
            let title: String = t.lines().next().unwrap_or("").chars().take(40).collect();
            (title, t.clone())
        })
        .collect();
    let words: Vec<String> = docs
        .iter()
        .flat_map(|(_, t)| seg.words(t))
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let matcher = Matcher::new(&rules(&words, 100, 10));
    let normalized: Vec<String> = docs
        .iter()
        .map(|(_, t)| yuqing::text::normalize(t))
        .collect();
    let mut tokenizer = seg.tokenizer();
    let rounds = 5;
    let time = |f: &mut dyn FnMut(usize) -> usize| {
        // One pass outside the clock: lazily built tables (jieba's IDF table, the lexicons)
        // are not an article's cost.
        let mut sink = (0..docs.len()).map(&mut *f).sum::<usize>();
        let start = Instant::now();
        for _ in 0..rounds {
            for i in 0..docs.len() {
                sink = sink.wrapping_add(f(i));
            }
        }
        std::hint::black_box(sink);
        start.elapsed().as_secs_f64() / (rounds * docs.len()) as f64 * 1e6
    };
    let rows: Vec<(&str, f64)> = vec![
        (
            "normalize (NFKC, width, case)",
            time(&mut |i| yuqing::text::normalize(&docs[i].1).len()),
        ),
        (
            "tone (lexicon, then the model over its evidence and char pairs)",
            time(&mut |i| {
                yuqing::analyze::tone::analyze(&docs[i].0, &docs[i].1)
                    .words
                    .len()
            }),
        ),
        (
            "tone of the first 600 chars (an article of the crawl bench's size)",
            time(&mut |i| {
                let short: String = docs[i].1.chars().take(600).collect();
                yuqing::analyze::tone::analyze(&docs[i].0, &short)
                    .words
                    .len()
            }),
        ),
        (
            "event keywords (jieba TF-IDF, incident kinds, places)",
            time(&mut |i| {
                yuqing::analyze::event::Keywords::of(seg, &docs[i].0, &docs[i].1)
                    .0
                    .len()
            }),
        ),
        (
            "SimHash fingerprint",
            time(&mut |i| yuqing::alert::cluster::simhash(&docs[i].1).unwrap_or(0) as usize),
        ),
        (
            "watch rules (100 keywords, 10 rules)",
            time(&mut |i| matcher.evaluate("s", &docs[i].0, &docs[i].1).len()),
        ),
        (
            "index tokenizer over the normalized text (jieba + bigrams)",
            time(&mut |i| {
                let mut n = 0;
                let mut stream = tokenizer.token_stream(&normalized[i]);
                while stream.advance() {
                    n += 1;
                }
                n
            }),
        ),
    ];
    let mut out = String::from(
        "Per-article cost of each analysis stage of ingest, same texts, one thread:\n\n| stage | µs / article |\n|---|---:|\n",
    );
    for (name, us) in rows {
        println!("{name:<60} {us:>9.1} µs/article");
        out.push_str(&format!("| {name} | {us:.1} |\n"));
    }
    out
}

fn write_section(table: &str, n: usize, bytes: usize) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let section = format!(
        "<!-- matching-bench:start -->\n### Watch-rule matching (`cargo bench --bench matching`)\n\n\
         {n} real articles ({:.1} MB, the human-cleaned texts of the cwced and magic-html fixtures), \
         keywords are real words of that text, one thread.\n\n{table}\n<!-- matching-bench:end -->",
        bytes as f64 / 1e6
    );
    let new = match (
        old.find("<!-- matching-bench:start -->"),
        old.find("<!-- matching-bench:end -->"),
    ) {
        (Some(a), Some(b)) => format!(
            "{}{}{}",
            &old[..a],
            section,
            &old[b + "<!-- matching-bench:end -->".len()..]
        ),
        _ => format!("{}\n{}\n", old.trim_end(), section),
    };
    if let Err(e) = std::fs::write(&path, new) {
        eprintln!("cannot write {}: {e}", path.display());
    }
}
