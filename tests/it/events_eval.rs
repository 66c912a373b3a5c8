//! Event grouping quality on our own labelled corpus (`tests/fixtures/events/*.jsonl`,
//! written for this project): articles about one incident from different sources and in
//! different words, with hard negatives (the same kind of incident elsewhere or later, drills
//! and inspections at the same place). Pairwise precision and recall: of the article pairs put
//! in one event, how many are one incident; of the pairs that are one incident, how many were
//! put together. Reported per half of the corpus (the threshold was chosen on the first half).

use std::collections::HashMap;

use yuqing::app::App;
use yuqing::config::Config;
use yuqing::store::NewArticle;

use crate::common::write_config;

#[derive(serde::Deserialize)]
struct Item {
    id: i64,
    incident: Option<String>,
    source: String,
    published: String,
    title: String,
    text: String,
}

struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn pairs(items: &[&Item], event: &HashMap<i64, Option<i64>>) -> Counts {
    let mut c = Counts {
        tp: 0,
        fp: 0,
        fn_: 0,
    };
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            let truth = a.incident.is_some() && a.incident == b.incident;
            let got = event[&a.id].is_some() && event[&a.id] == event[&b.id];
            match (truth, got) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (false, false) => {}
            }
        }
    }
    c
}

#[test]
fn event_grouping_pairwise_precision_and_recall() {
    // Every corpus file of the folder; ids and incident labels are made unique per file.
    let dir_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir_path)
        .expect("the events corpus is part of the repo")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut items: Vec<Item> = Vec::new();
    for (f, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap();
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut it: Item = serde_json::from_str(l).unwrap();
            it.id += 100_000 * f as i64;
            it.incident = it.incident.map(|i| format!("{f}:{i}"));
            items.push(it);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let mut stored: HashMap<i64, i64> = HashMap::new();
    let mut ids = Vec::new();
    for it in &items {
        let at = chrono::DateTime::parse_from_rfc3339(&it.published)
            .unwrap()
            .timestamp();
        let id = app
            .store
            .insert_article(&NewArticle {
                canonical_url: format!("http://127.0.0.1:9/ev/{}", it.id),
                url: format!("http://127.0.0.1:9/ev/{}", it.id),
                source_id: it.source.clone(),
                title: it.title.clone(),
                published: Some(at),
                fetched: at,
                text: it.text.clone(),
                ..Default::default()
            })
            .unwrap()
            .unwrap();
        stored.insert(it.id, id);
        ids.push(id);
    }
    // As ingest does: matched in batches, oldest first.
    for chunk in ids.chunks(16) {
        app.match_articles(chunk).unwrap();
    }
    let event: HashMap<i64, Option<i64>> = items
        .iter()
        .map(|it| (it.id, app.store.event_of(stored[&it.id]).unwrap()))
        .collect();
    let by_incident_half = |first: bool| -> Vec<&Item> {
        // Halves by incident (all of an incident's articles in one half), singletons by id.
        let mut names: Vec<&str> = items.iter().filter_map(|i| i.incident.as_deref()).collect();
        names.sort();
        names.dedup();
        let first_names: Vec<&str> = names.iter().copied().step_by(2).collect();
        items
            .iter()
            .filter(|i| match &i.incident {
                Some(n) => first_names.contains(&n.as_str()) == first,
                None => (i.id % 2 == 0) == first,
            })
            .collect()
    };
    let mut report = Vec::new();
    let mut worst = (1.0f64, 1.0f64);
    // Each corpus file alone too (a file written after the method was set is a blind test).
    let per_file: Vec<(String, Vec<&Item>)> = files
        .iter()
        .enumerate()
        .map(|(f, path)| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let lo = 100_000 * f as i64;
            let part = items
                .iter()
                .filter(|i| i.id >= lo && i.id < lo + 100_000)
                .collect();
            (name, part)
        })
        .collect();
    let mut parts: Vec<(String, Vec<&Item>)> = vec![
        ("tune half".into(), by_incident_half(true)),
        ("held-out half".into(), by_incident_half(false)),
        ("all".into(), items.iter().collect()),
    ];
    parts.extend(per_file);
    for (name, part) in parts {
        let name = name.as_str();
        let c = pairs(&part, &event);
        let p = c.tp as f64 / (c.tp + c.fp).max(1) as f64;
        let r = c.tp as f64 / (c.tp + c.fn_).max(1) as f64;
        report.push(format!(
            "{name}: {} articles, pairs tp {} fp {} fn {}: precision {p:.3}, recall {r:.3}",
            part.len(),
            c.tp,
            c.fp,
            c.fn_
        ));
        if name.ends_with("half") {
            worst = (worst.0.min(p), worst.1.min(r));
        }
    }
    // The misses, for tuning on the tune half (printed with --nocapture).
    for (i, a) in items.iter().enumerate() {
        for b in &items[i + 1..] {
            let truth = a.incident.is_some() && a.incident == b.incident;
            let got = event[&a.id].is_some() && event[&a.id] == event[&b.id];
            if truth != got {
                println!(
                    "{} {} | {}",
                    if got { "FP" } else { "FN" },
                    a.title,
                    b.title
                );
            }
        }
    }
    let events = app.events(None, None).unwrap();
    report.push(format!("events formed: {}", events.len()));
    println!("{}", report.join("\n"));
    // Floors just under what was measured (see BENCHMARKS.md); the target is 0.9.
    assert!(
        worst.0 >= FLOOR_PRECISION && worst.1 >= FLOOR_RECALL,
        "{}",
        report.join("\n")
    );
}

/// Measured 2026-12-04 on the 92 articles of three files at THRESHOLD 0.35 with kinds, places
/// and routine work: tune half P 1.000 R 1.000, held-out half P 1.000 R 0.913 (BENCHMARKS.md).
const FLOOR_PRECISION: f64 = 0.9;
const FLOOR_RECALL: f64 = 0.88;

/// The contract of DESIGN §8: `events --json`, `events show ID --json`, `event_id` on articles,
/// and the event page with its timeline, reachable from search hits.
#[test]
fn events_are_listed_shown_and_linked() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let docs = [
        (
            "jb",
            "柳湾路发生路面塌陷 一辆轿车陷入坑中",
            "今天上午，青石街道柳湾路一段路面突然塌陷，形成直径约三米的大坑，一辆轿车陷入坑中，所幸无人受伤。",
            7200,
        ),
        (
            "wx",
            "突发！柳湾路路面塌陷，车辆掉进大坑",
            "网友反映，柳湾路中段路面塌陷，一辆白色轿车陷入坑内，现场已拉起警戒线，交警正在疏导交通。",
            5400,
        ),
        (
            "rm",
            "柳湾路塌陷路段连夜抢修 今晨恢复通车",
            "柳湾路塌陷路段经过连夜抢修，已于今天早上恢复通车。经查，路面塌陷系地下供水管道破裂所致。",
            1800,
        ),
        (
            "jb",
            "城南街道举办消夏文艺晚会",
            "城南街道昨晚在文化广场举办消夏文艺晚会，居民们表演了歌舞和戏曲节目。",
            3600,
        ),
    ];
    let mut ids = Vec::new();
    for (i, (src, title, text, age)) in docs.iter().enumerate() {
        ids.push(
            app.store
                .insert_article(&NewArticle {
                    canonical_url: format!("http://127.0.0.1:9/e/{i}"),
                    url: format!("http://127.0.0.1:9/e/{i}"),
                    source_id: (*src).into(),
                    title: (*title).into(),
                    published: Some(now - age),
                    fetched: now,
                    text: (*text).into(),
                    ..Default::default()
                })
                .unwrap()
                .unwrap(),
        );
    }
    app.match_articles(&ids).unwrap();
    app.index_pending().unwrap();
    drop(app);
    let cli = |args: &[&str]| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let list = cli(&["events", "--json"]);
    let events = list["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{list}");
    let e = &events[0];
    for k in [
        "id",
        "title",
        "first_seen",
        "last_seen",
        "articles",
        "sources",
        "tone",
        "level",
        "heat",
        "spike",
    ] {
        assert!(e.get(k).is_some(), "{k} missing: {e}");
    }
    assert_eq!(e["articles"], 3);
    assert_eq!(e["sources"], 3);
    assert_eq!(e["title"], docs[0].1, "named after the first publication");
    assert_eq!(e["spike"], true, "three in a day, none the day before");
    let id = e["id"].as_i64().unwrap().to_string();
    let show = cli(&["events", "show", &id, "--json"]);
    let members = show["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[0]["first"], true);
    assert_eq!(members[0]["id"], ids[0]);
    for k in ["id", "url", "title", "source", "published", "first"] {
        assert!(members[1].get(k).is_some(), "{k}");
    }
    let article = cli(&["show", &ids[2].to_string(), "--json"]);
    assert_eq!(article["event_id"].to_string(), id);
    let alone = cli(&["show", &ids[3].to_string(), "--json"]);
    assert!(alone["event_id"].is_null(), "alone: null");
    let none = cli(&[
        "events",
        "--since",
        "2020-01-01",
        "--until",
        "2020-01-02",
        "--json",
    ]);
    assert_eq!(none["events"].as_array().unwrap().len(), 0);
}
