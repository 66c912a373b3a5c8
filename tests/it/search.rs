//! Search semantics: a word matches exactly the articles whose normalized title or text contains
//! it (checked by brute force on random substrings), totals are exact, reindex is faithful.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use proptest::prelude::*;
use yuqing::app::{App, SearchOptions};
use yuqing::config::Config;
use yuqing::search::Sort;
use yuqing::store::NewArticle;
use yuqing::text::normalize;

use crate::common::write_config;

const WORDS: &[&str] = &[
    "青石街道",
    "办事处",
    "街道办",
    "柳湾社区",
    "燃气",
    "管道",
    "隐患",
    "排查",
    "火灾",
    "消防",
    "演练",
    "投诉",
    "供暖",
    "农业",
    "发展",
    "银行",
    "居民",
    "电动车",
    "充电",
    "COVID-19",
    "Wi-Fi",
    "２０２６年",
    "臺灣",
    "發展",
    "，",
    "。",
    "、",
    "（",
    "）",
    "：",
    " ",
    "的",
    "了",
    "在",
    "和",
    "是",
    "a",
    "B",
    "3",
];

struct Corpus {
    _dir: tempfile::TempDir,
    app: App,
    /// (id, normalized title, normalized text)
    docs: Vec<(i64, String, String)>,
}

/// A deterministic pseudo-random corpus (xorshift), indexed once for all cases.
fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(dir.path(), "", "", "");
        let app = App::open(Config::load(&cfg).unwrap()).unwrap();
        let mut seed = 0x2545F4914F6CDD1Du64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut docs = Vec::new();
        for i in 0..60 {
            let title: String = (0..1 + next(5)).map(|_| WORDS[next(WORDS.len())]).collect();
            let text: String = (0..5 + next(60))
                .map(|_| WORDS[next(WORDS.len())])
                .collect();
            let a = NewArticle {
                canonical_url: format!("http://127.0.0.1/doc/{i}"),
                url: format!("http://127.0.0.1/doc/{i}"),
                source_id: if i % 2 == 0 {
                    "even".into()
                } else {
                    "odd".into()
                },
                title: title.clone(),
                published: Some(1_795_000_000 + i as i64 * 86_400),
                fetched: 1_795_000_000,
                text: text.clone(),
                ..Default::default()
            };
            let id = app.store.insert_article(&a).unwrap().unwrap();
            docs.push((id, normalize(&title), normalize(&text)));
        }
        app.index_pending().unwrap();
        Corpus {
            _dir: dir,
            app,
            docs,
        }
    })
}

fn ids(app: &App, q: &str) -> (usize, BTreeSet<i64>) {
    let r = app
        .search(&SearchOptions {
            query: q.into(),
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    (r.total, r.hits.iter().map(|h| h.id).collect())
}

fn brute(c: &Corpus, needle: &str) -> BTreeSet<i64> {
    c.docs
        .iter()
        .filter(|(_, t, b)| t.contains(needle) || b.contains(needle))
        .map(|d| d.0)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_random_substring_hits_exactly_the_documents_containing_it(doc in 0usize..60, start in 0usize..400, len in 1usize..=6, in_title in proptest::bool::ANY) {
        let c = corpus();
        let (_, title, text) = &c.docs[doc];
        let src: Vec<char> = if in_title { title.chars().collect() } else { text.chars().collect() };
        prop_assume!(!src.is_empty());
        let s = start % src.len();
        let e = (s + len).min(src.len());
        let sub: String = src[s..e].iter().collect();
        let needle = normalize(&sub);
        prop_assume!(!needle.is_empty() && !needle.contains('"'));
        let (total, got) = ids(&c.app, &format!("\"{needle}\""));
        let want = brute(c, &needle);
        prop_assert_eq!(&got, &want, "query {:?}", needle);
        prop_assert_eq!(total, want.len());
    }
}

#[test]
fn operators_combine_like_sets() {
    let c = corpus();
    let set = |w: &str| brute(c, &normalize(w));
    let and: BTreeSet<i64> = set("火灾").intersection(&set("居民")).copied().collect();
    assert_eq!(ids(&c.app, "火灾 居民").1, and);
    let or: BTreeSet<i64> = set("火灾").union(&set("投诉")).copied().collect();
    assert_eq!(ids(&c.app, "火灾 OR 投诉").1, or);
    let not: BTreeSet<i64> = set("火灾").difference(&set("演练")).copied().collect();
    assert_eq!(ids(&c.app, "火灾 -演练").1, not);
    // Traditional and full-width forms find the Simplified, half-width text and back.
    assert_eq!(ids(&c.app, "發展").1, set("发展"));
    assert_eq!(ids(&c.app, "ＣＯＶＩＤ").1, set("covid"));
    // Scopes.
    let title_only: BTreeSet<i64> = c
        .docs
        .iter()
        .filter(|d| d.1.contains("火灾"))
        .map(|d| d.0)
        .collect();
    assert_eq!(ids(&c.app, "title:火灾").1, title_only);
    let even: BTreeSet<i64> = set("燃气")
        .into_iter()
        .filter(|id| c.docs.iter().position(|d| d.0 == *id).unwrap() % 2 == 0)
        .collect();
    assert_eq!(ids(&c.app, "燃气 source:even").1, even);
}

#[test]
fn single_characters_and_substrings_across_segmentation_are_found() {
    let c = corpus();
    for q in ["火", "街道办", "农业", "道办事", "业发展银", "3", "-"] {
        let want = brute(c, &normalize(q));
        let query = if q == "-" {
            "\"-\"".to_string()
        } else {
            q.to_string()
        };
        assert_eq!(ids(&c.app, &query).1, want, "query {q}");
    }
}

#[test]
fn pagination_sorting_and_dates() {
    let c = corpus();
    let all = brute(c, "的");
    let mut seen = BTreeSet::new();
    for page in 1..=20 {
        let r = c
            .app
            .search(&SearchOptions {
                query: "的".into(),
                limit: 7,
                page,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(r.total, all.len());
        seen.extend(r.hits.iter().map(|h| h.id));
    }
    assert_eq!(seen, all, "pages cover every hit exactly");
    let newest = c
        .app
        .search(&SearchOptions {
            query: "的".into(),
            sort: Sort::Newest,
            limit: 50,
            ..Default::default()
        })
        .unwrap();
    let times: Vec<String> = newest
        .hits
        .iter()
        .map(|h| h.published.clone().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted);
    // Doc i is published on day i after 1_795_000_000 (2026-11-18 in Shanghai, 18:13).
    let since = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let until = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
    let r = c
        .app
        .search(&SearchOptions {
            query: "的".into(),
            filter: yuqing::search::SearchFilter {
                since: Some(since),
                until: Some(until),
                ..Default::default()
            },
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    for h in &r.hits {
        let d = &h.published.as_ref().unwrap()[..10];
        assert!(("2026-11-20"..="2026-11-21").contains(&d), "{d}");
    }
}

#[test]
fn malformed_queries_are_bad_requests_not_panics() {
    let c = corpus();
    for q in ["(火灾", "火灾)", "\"火灾", "OR", "", "title:"] {
        let err = c
            .app
            .search(&SearchOptions {
                query: q.into(),
                ..Default::default()
            })
            .unwrap_err();
        assert!(
            matches!(err, yuqing::app::SearchError::BadRequest(_)),
            "{q}: {err}"
        );
    }
}

#[test]
fn reindex_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let config = Config::load(&cfg).unwrap();
    let app = App::open(config.clone()).unwrap();
    for (i, (t, b)) in [
        ("青石街道燃气排查", "老旧小区燃气管道隐患"),
        ("供暖投诉", "街道办事处通报供暖投诉"),
        ("消防演练", "柳湾社区组织消防演练"),
    ]
    .iter()
    .enumerate()
    {
        let a = NewArticle {
            canonical_url: format!("http://127.0.0.1/{i}"),
            url: format!("http://127.0.0.1/{i}"),
            source_id: "s".into(),
            title: t.to_string(),
            text: b.to_string(),
            fetched: 1_795_000_000,
            ..Default::default()
        };
        app.store.insert_article(&a).unwrap();
    }
    app.index_pending().unwrap();
    let queries = ["燃气", "街道办", "消防 -演练", "供暖 OR 消防", "社"];
    let before: Vec<_> = queries.iter().map(|q| ids(&app, q)).collect();
    drop(app);
    let app = App::open_for_reindex(config).unwrap();
    assert_eq!(app.index_pending().unwrap(), 3);
    let after: Vec<_> = queries.iter().map(|q| ids(&app, q)).collect();
    assert_eq!(before, after);
}

#[test]
fn rows_stored_but_not_indexed_are_indexed_at_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let config = Config::load(&cfg).unwrap();
    {
        let app = App::open(config.clone()).unwrap();
        let a = NewArticle {
            canonical_url: "http://127.0.0.1/x".into(),
            url: "http://127.0.0.1/x".into(),
            source_id: "s".into(),
            title: "桃源小区积水".into(),
            text: "暴雨导致桃源小区地下车库积水。".into(),
            fetched: 1_795_000_000,
            ..Default::default()
        };
        app.store.insert_article(&a).unwrap();
        // "Crash" before indexing: drop without index_pending.
    }
    let app = App::open(config).unwrap();
    assert_eq!(ids(&app, "积水").0, 0);
    assert_eq!(app.index_pending().unwrap(), 1);
    assert_eq!(ids(&app, "积水").0, 1);
}

/// `author` is one filter from the command line (`--author`) and HTTP (`author=`): a substring
/// of the normalized author, combined with the query and the other filters.
#[test]
fn author_filter_finds_articles_by_part_of_the_author() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let body = "青石街道一仓库发生火灾，消防救援人员迅速到场处置，现场无人员伤亡。";
    for (i, author) in [Some("记者 王五"), Some("青石街道党工委"), None]
        .into_iter()
        .enumerate()
    {
        app.store
            .insert_article(&NewArticle {
                canonical_url: format!("http://127.0.0.1:9/a/{i}"),
                url: format!("http://127.0.0.1:9/a/{i}"),
                source_id: "s".into(),
                title: format!("火灾通报{i}"),
                author: author.map(str::to_string),
                published: Some(now - i as i64),
                fetched: now,
                text: body.into(),
                ..Default::default()
            })
            .unwrap();
    }
    app.index_pending().unwrap();
    let by = |author: &str| {
        app.search(&SearchOptions {
            query: "火灾".into(),
            filter: yuqing::search::SearchFilter {
                author: Some(author.into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(by("王五").total, 1);
    assert_eq!(by("王五").hits[0].title, "火灾通报0");
    assert_eq!(by("党工委").total, 1, "a substring in the middle");
    assert_eq!(
        by("記者").total,
        1,
        "normalized like the text (Traditional → Simplified)"
    );
    assert_eq!(by("张三").total, 0);
    drop(app);
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = cli(&["search", "火灾", "--author", "王五", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["total"], 1, "{v}");
    let (code, _, err) = cli(&["search", "火灾", "--author", " "]);
    assert_eq!(code, Some(2));
    assert!(err.contains("作者不能为空"), "{err}");
}

#[test]
fn an_empty_query_with_a_filter_browses_newest_first() {
    let c = corpus();
    // No words, one source: every article of that source, newest first, whatever the sort asked.
    let r = c
        .app
        .search(&SearchOptions {
            query: "  ".into(),
            filter: yuqing::search::SearchFilter {
                sources: vec!["even".into()],
                ..Default::default()
            },
            sort: Sort::Relevance,
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let want: BTreeSet<i64> = c.docs.iter().step_by(2).map(|d| d.0).collect();
    assert_eq!(r.total, want.len());
    assert_eq!(r.hits.iter().map(|h| h.id).collect::<BTreeSet<_>>(), want);
    let times: Vec<String> = r
        .hits
        .iter()
        .map(|h| h.published.clone().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(
        r.hits.iter().all(|h| !h.snippet.is_empty()),
        "a snippet without words"
    );
    // A date window alone browses too.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    let r = c
        .app
        .search(&SearchOptions {
            filter: yuqing::search::SearchFilter {
                since: Some(day),
                until: Some(day),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.total, 1, "one article a day");
    // Through the CLI, as DESIGN §8 names it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(c.app.config.path.as_path())
        .args([
            "search", "", "--source", "odd", "--sort", "newest", "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 30, "{v}");
}

#[test]
fn saved_searches_from_the_cli_list_add_show_rm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let add = |app: &App, i: i64, title: &str| {
        app.store
            .insert_article(&NewArticle {
                canonical_url: format!("http://127.0.0.1:9/s/{i}"),
                url: format!("http://127.0.0.1:9/s/{i}"),
                source_id: "s".into(),
                title: title.into(),
                published: Some(now - 100 + i),
                fetched: now,
                text: "青石街道燃气管道巡查。".into(),
                ..Default::default()
            })
            .unwrap();
        app.index_pending().unwrap();
    };
    add(&app, 1, "燃气巡查一");
    drop(app);
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = cli(&[
        "saved",
        "add",
        "燃气",
        "燃气 -演练",
        "--source",
        "s",
        "--json",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["total"].clone(), v["new"].clone()),
        (1.into(), 0.into()),
        "{v}"
    );
    assert_eq!(v["source"], serde_json::json!(["s"]));
    let (code, _, err) = cli(&["saved", "add", "燃气", "x"]);
    assert_eq!(code, Some(2), "a taken name is the user's mistake");
    assert!(err.contains("已有名为"), "{err}");
    let (code, _, err) = cli(&["saved", "add", "坏", "(燃气"]);
    assert_eq!(code, Some(2), "{err}");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    add(&app, 2, "燃气巡查二");
    drop(app);
    let (_, out, _) = cli(&["saved", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["saved"][0]["name"], "燃气");
    assert_eq!(v["saved"][0]["total"], 2);
    assert_eq!(v["saved"][0]["new"], 1, "{v}");
    let (code, out, _) = cli(&["saved", "show", "燃气"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("巡查二"), "{out}");
    assert!(
        !out.contains("+08:00"),
        "times as 2026-11-21 22:45, not RFC 3339: {out}"
    );
    let (_, out, _) = cli(&["saved", "list"]);
    assert!(out.contains("共 2 篇，新 0 篇"), "{out}");
    let (code, _, _) = cli(&["saved", "rm", "燃气"]);
    assert_eq!(code, Some(0));
    let (code, _, err) = cli(&["saved", "rm", "燃气"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("没有名为"), "{err}");
}

/// Tone (DESIGN §8): computed at ingest (or at indexing for rows stored otherwise), filtered by
/// `tone:negative`, `--tone`, shown with the words that decided it; `tone --backfill` and
/// `reindex` recompute it.
#[test]
fn tone_is_stored_filtered_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let docs = [
        (
            "青石街道一仓库发生火灾致两人受伤",
            "今天下午仓库起火，造成两人受伤，起火原因正在调查。",
        ),
        (
            "柳湾社区荣获全国文明社区称号",
            "社区工作获得上级表彰，居民满意度大幅提升。",
        ),
        (
            "关于调整办事大厅开放时间的通知",
            "自下周一起，办事大厅上午九点开门，下午五点关门。",
        ),
    ];
    let mut ids = Vec::new();
    for (i, (title, text)) in docs.iter().enumerate() {
        ids.push(
            app.store
                .insert_article(&NewArticle {
                    canonical_url: format!("http://127.0.0.1:9/t/{i}"),
                    url: format!("http://127.0.0.1:9/t/{i}"),
                    source_id: "s".into(),
                    title: (*title).into(),
                    published: Some(now - 10 + i as i64),
                    fetched: now,
                    text: (*text).into(),
                    ..Default::default()
                })
                .unwrap()
                .unwrap(),
        );
    }
    app.index_pending().unwrap();
    let find = |q: &str, tone: Option<yuqing::model::Tone>| {
        app.search(&SearchOptions {
            query: q.into(),
            filter: yuqing::search::SearchFilter {
                tone,
                sources: vec!["s".into()],
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap()
    };
    let neg = find("tone:negative", None);
    assert_eq!(neg.total, 1, "{:?}", neg.hits);
    assert_eq!(neg.hits[0].id, ids[0]);
    assert_eq!(find("tone:负面", None).total, 1, "the label works too");
    assert_eq!(
        find("", Some(yuqing::model::Tone::Positive)).hits[0].id,
        ids[1]
    );
    assert_eq!(
        find("", Some(yuqing::model::Tone::Neutral)).hits[0].id,
        ids[2]
    );
    let hit = &neg.hits[0];
    assert!(hit.tone.tone_score < 0.0);
    let whole: Vec<char> = format!("{}\n{}", docs[0].0, docs[0].1).chars().collect();
    assert!(!hit.tone.tone_words.is_empty());
    for w in &hit.tone.tone_words {
        assert_eq!(
            whole[w.start..w.end].iter().collect::<String>(),
            w.word,
            "offsets"
        );
    }
    let err = app
        .search(&SearchOptions {
            query: "tone:angry".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("未知情感倾向"), "{err}");
    drop(app);
    let cli = |args: &[&str]| {
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
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let v: serde_json::Value = serde_json::from_str(&cli(&[
        "search", "", "--source", "s", "--tone", "negative", "--json",
    ]))
    .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["hits"][0]["tone"], "negative");
    assert!(v["hits"][0]["tone_words"][0]["word"].is_string(), "{v}");
    let show: serde_json::Value =
        serde_json::from_str(&cli(&["show", &ids[1].to_string(), "--json"])).unwrap();
    assert_eq!(show["tone"], "positive", "{show}");
    assert!(show["tone_score"].as_f64().unwrap() > 0.0);
    let out = cli(&["tone", "--backfill"]);
    assert!(out.contains("重算情感倾向 3 篇"), "{out}");
    let counts = cli(&["tone"]);
    assert!(
        counts.contains("负面\t1") && counts.contains("正面\t1"),
        "{counts}"
    );
}
