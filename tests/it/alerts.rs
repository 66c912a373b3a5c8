//! Watch rules never miss: generated articles with a region word and an event word in random
//! variants (Traditional, full-width, mixed case) and positions always alert; an exclusion word
//! always suppresses. Alerts are unique per article × rule, and reviews leave an audit trail.

use proptest::prelude::*;
use yuqing::alert::digest::{DigestFormat as Format, render};
use yuqing::alert::matcher::Matcher;
use yuqing::app::App;
use yuqing::app::alerts::{AlertQuery, DigestDetail};
use yuqing::config::{Level, Rule, Scope};
use yuqing::store::NewArticle;

use crate::common::write_config;

fn rule() -> Rule {
    Rule {
        id: "fire".into(),
        name: "火灾事故".into(),
        level: Level::High,
        region: vec!["青石街道".into(), "柳湾社区".into(), "QS Park".into()],
        subject: vec![],
        event: vec!["火灾".into(), "爆炸".into(), "坍塌".into()],
        all: vec![],
        exclude: vec!["演练".into()],
        scope: Scope::All,
        sources: vec![],
        near: None,
        enabled: true,
        expr: None,
    }
}

/// Ways the same word appears in real text.
fn variant(word: &str, how: u8) -> String {
    match how % 4 {
        0 => word.to_string(),
        // Traditional characters.
        1 => word
            .replace('灾', "災")
            .replace('湾', "灣")
            .replace('区', "區"),
        // Full-width Latin and upper case.
        2 => word
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    char::from_u32(c.to_ascii_uppercase() as u32 + 0xFEE0).unwrap()
                } else {
                    c
                }
            })
            .collect(),
        _ => word.to_lowercase(),
    }
}

const FILLER: &[&str] = &[
    "今天",
    "居民",
    "，",
    "。",
    "物业公司",
    "表示",
    " ",
    "\n",
    "消防",
    "火",
    "街道",
    "社区",
    "记者",
    "abc",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn a_region_word_and_an_event_word_always_alert(
        region in 0usize..3, event in 0usize..3, rv in any::<u8>(), ev in any::<u8>(),
        filler in proptest::collection::vec(0usize..FILLER.len(), 0..80),
        p1 in 0usize..100, p2 in 0usize..100, in_title in any::<bool>(), excluded in any::<bool>(),
    ) {
        let r = rule();
        let m = Matcher::new(std::slice::from_ref(&r));
        let mut parts: Vec<String> = filler.iter().map(|i| FILLER[*i].to_string()).collect();
        parts.insert(p1 % (parts.len() + 1), variant(&r.region[region], rv));
        parts.insert(p2 % (parts.len() + 1), variant(&r.event[event], ev));
        if excluded {
            let at = (p1 + p2) % (parts.len() + 1);
            parts.insert(at, "演练".into());
        }
        let text: String = parts.concat();
        let hits = if in_title { m.evaluate("s", &text, "") } else { m.evaluate("s", "", &text) };
        if excluded {
            prop_assert!(hits.is_empty(), "exclusion ignored in {:?}", text);
        } else {
            prop_assert_eq!(hits.len(), 1, "missed {:?}", text);
            let words: Vec<&str> = hits[0].matched.iter().map(|w| w.word.as_str()).collect();
            prop_assert!(words.iter().any(|w| r.region.iter().any(|x| yuqing::text::normalize(x) == *w)));
        }
    }
}

#[test]
fn alerts_are_unique_and_reviews_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\nexclude = [\"演练\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let mut ids = Vec::new();
    for (i, (t, b)) in [
        ("青石街道一仓库发生火灾", "无人员伤亡"),
        ("青石街道组织消防演练", "模拟火灾"),
        ("天气", "晴"),
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
            fetched: chrono::Utc::now().timestamp(),
            ..Default::default()
        };
        ids.push(app.store.insert_article(&a).unwrap().unwrap());
    }
    assert_eq!(app.match_articles(&ids).unwrap(), 1);
    assert_eq!(
        app.match_articles(&ids).unwrap(),
        0,
        "matching again duplicates nothing"
    );
    assert_eq!(app.backfill_alerts(7).unwrap(), 0);
    let list = app.alerts(&AlertQuery::default()).unwrap();
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(
        (a.rule.as_str(), a.level.as_str(), a.status.as_str()),
        ("fire", "high", "new")
    );
    assert_eq!(a.matched, vec!["火灾", "青石街道"]);

    app.review_alert(
        a.id,
        yuqing::model::AlertStatus::Confirmed,
        Some("已电话核实"),
        Some("张三"),
    )
    .unwrap();
    app.review_alert(
        a.id,
        yuqing::model::AlertStatus::Reported,
        None,
        Some("李四"),
    )
    .unwrap();
    let trail = app.alert_reviews(a.id).unwrap();
    let steps: Vec<(&str, &str)> = trail
        .iter()
        .map(|r| (r.from_status.as_str(), r.to_status.as_str()))
        .collect();
    assert_eq!(steps, vec![("new", "confirmed"), ("confirmed", "reported")]);
    assert_eq!(trail[0].by.as_deref(), Some("张三"));
    let now = app
        .alerts(&AlertQuery {
            status: Some(yuqing::model::AlertStatus::Reported),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(now.len(), 1);
    assert_eq!(
        now[0].note.as_deref(),
        Some("已电话核实"),
        "the note survives a later review without one"
    );
    assert!(yuqing::app::alerts::parse_status("approved").is_err());
    // Regression: a 1.9 MB note was stored. Notes and reviewer names are capped.
    let long = "备".repeat(yuqing::app::alerts::MAX_NOTE_CHARS + 1);
    assert!(matches!(
        app.review_alert(a.id, yuqing::model::AlertStatus::Confirmed, Some(&long), None),
        Err(yuqing::app::alerts::AlertError::BadRequest(m)) if m.contains("备注过长")
    ));
    let long_name = "张".repeat(yuqing::app::alerts::MAX_REVIEWER_CHARS + 1);
    assert!(
        app.review_alert(
            a.id,
            yuqing::model::AlertStatus::Confirmed,
            None,
            Some(&long_name)
        )
        .is_err()
    );
    assert_eq!(app.alert_reviews(a.id).unwrap().len(), 2, "nothing stored");
    assert!(matches!(
        app.review_alert(999, yuqing::model::AlertStatus::Confirmed, None, None),
        Err(yuqing::app::alerts::AlertError::NotFound(999))
    ));
    assert!(matches!(
        yuqing::app::alerts::parse_status("bogus"),
        Err(yuqing::app::alerts::AlertError::BadRequest(m)) if m.contains("未知状态")
    ));
}

#[test]
fn the_digest_window_runs_from_08_00_the_day_before_to_08_00_in_shanghai() {
    use chrono::TimeZone;
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let sh = chrono_tz::Asia::Shanghai;
    let at = |d: u32, h: u32, m: u32, s: u32| {
        sh.with_ymd_and_hms(2026, 11, d, h, m, s)
            .unwrap()
            .timestamp()
    };
    // (label, alert created at)
    let cases = [
        ("before", at(24, 7, 59, 59)),
        ("first", at(24, 8, 0, 0)),
        ("midnight", at(25, 0, 0, 0)),
        ("last", at(25, 7, 59, 59)),
        ("after", at(25, 8, 0, 0)),
    ];
    for (i, (label, created)) in cases.iter().enumerate() {
        let a = NewArticle {
            canonical_url: format!("http://127.0.0.1/{i}"),
            url: format!("http://127.0.0.1/{i}"),
            source_id: "s".into(),
            title: format!("{label} 火灾"),
            text: "火灾".into(),
            fetched: *created,
            ..Default::default()
        };
        let id = app.store.insert_article(&a).unwrap().unwrap();
        app.store
            .insert_alert(id, "fire", yuqing::model::Level::High, "[]", *created)
            .unwrap();
    }
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let (from, to) = app.digest_window(date);
    assert_eq!((from, to), (at(24, 8, 0, 0), at(25, 8, 0, 0)));
    let d = app.build_digest(date, DigestDetail::All).unwrap();
    let mut titles: Vec<String> = d.alerts.iter().map(|a| a.title.clone()).collect();
    titles.sort();
    assert_eq!(titles, vec!["first 火灾", "last 火灾", "midnight 火灾"]);
    let snippets = |d: &yuqing::alert::digest::Digest| {
        d.alerts.iter().filter(|a| !a.snippet.is_empty()).count()
    };
    assert_eq!(snippets(&d), 3, "every alert has its snippet");
    // Shown on request, only the alerts listed in full are given snippets.
    let mut small = app.reloaded(app.config.clone()).unwrap();
    small.config.digest.max_listed = 2;
    let listed = small.build_digest(date, DigestDetail::Listed).unwrap();
    assert_eq!((listed.alerts.len(), snippets(&listed)), (3, 2));
    let first = listed.display_order()[0];
    assert!(!listed.alerts[first].snippet.is_empty());
    assert!(
        d.window_start.starts_with("2026-11-24T08:00:00+08:00"),
        "{}",
        d.window_start
    );
    // Every format renders this digest.
    for f in [
        Format::Html,
        Format::Md,
        Format::Json,
        Format::Xlsx,
        Format::Docx,
    ] {
        let bytes = render(&d, f).unwrap();
        assert!(!bytes.is_empty());
    }
    let html = String::from_utf8(render(&d, Format::Html).unwrap()).unwrap();
    assert!(
        html.contains("midnight 火灾")
            && !html.contains("before 火灾")
            && !html.contains("after 火灾")
    );
}

/// Regression: reprint merging suppressed alerts. Two different weekly court-notice lists (one
/// template, different cases) fell into one SimHash cluster and the second list's alert was
/// never recorded. Now every (rule, article) pair that matches is an alert; reprint grouping only
/// decides display and pushes: a true reprint (same matched words) is pushed once with its
/// group, a different article in the same cluster is pushed too.
#[test]
fn reprint_groups_never_hide_an_alert() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"court\"\nname = \"纠纷\"\nlevel = \"high\"\nregion = [\"南京\"]\nevent = [\"纠纷\", \"诈骗\"]\n";
    // SAFETY: a variable only this test reads, set before the config is loaded.
    unsafe { std::env::set_var("YUQING_TEST_REPRINT_HOOK", "http://127.0.0.1:9/hook") };
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(
        "\n[[notify]]\nkind = \"webhook\"\nurl_env = \"YUQING_TEST_REPRINT_HOOK\"\nmin_level = \"low\"\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let template = |case: &str| {
        format!(
            "本院定于下周在第一法庭公开开庭审理下列案件，欢迎群众旁听。旁听人员须持本人身份证件，\
             于开庭前三十分钟到本院诉讼服务中心登记，服从法庭工作人员安排，遵守法庭纪律，不得录音录像。\
             一、原告张某与被告李某房屋租赁合同纠纷一案，开庭时间为周一上午九时。\
             二、原告王某与被告南京某物业公司物业服务合同纠纷一案，开庭时间为周二上午九时。\
             三、{case}\
             四、原告赵某与被告孙某民间借贷纠纷一案，开庭时间为周四上午九时。\
             五、原告钱某与被告周某买卖合同纠纷一案，开庭时间为周五上午九时。\
             以上案件如有变动，以本院公告为准。联系电话见本院网站。特此公告。"
        )
    };
    let now = chrono::Utc::now().timestamp();
    let articles = [
        (
            "开庭公告（第45周）",
            template("原告吴某与被告郑某劳动争议一案，开庭时间为周三上午九时。"),
        ),
        // A reprint of the first: same text under another header.
        (
            "【转载】开庭公告（第45周）",
            format!(
                "来源：法院发布\n{}",
                template("原告吴某与被告郑某劳动争议一案，开庭时间为周三上午九时。")
            ),
        ),
        // Next week's list: same template, a different case with a different watched word.
        (
            "开庭公告（第46周）",
            template("公诉机关指控被告人冯某涉嫌诈骗一案，开庭时间为周三上午九时。"),
        ),
    ];
    let mut ids = Vec::new();
    for (i, (title, body)) in articles.iter().enumerate() {
        let a = NewArticle {
            canonical_url: format!("http://127.0.0.1/court/{i}"),
            url: format!("http://127.0.0.1/court/{i}"),
            source_id: format!("s{i}"),
            title: title.to_string(),
            text: body.clone(),
            published: Some(now - 3600 + i as i64 * 60),
            fetched: now,
            ..Default::default()
        };
        ids.push(app.store.insert_article(&a).unwrap().unwrap());
    }
    assert_eq!(
        app.match_articles(&ids).unwrap(),
        3,
        "every matching article alerts"
    );
    let list = app.alerts(&AlertQuery::default()).unwrap();
    assert_eq!(list.len(), 3);
    // The scenario: all three share one reprint cluster.
    assert!(
        list.iter().all(|a| a.cluster_size == 3),
        "{:?}",
        list.iter().map(|a| a.cluster_size).collect::<Vec<_>>()
    );
    // Pushes: the first list and the different second list, not the reprint.
    let pushed: Vec<String> = app
        .store
        .outbox_rows(None)
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    let alert_of = |article: i64| list.iter().find(|a| a.article_id == article).unwrap().id;
    assert_eq!(pushed.len(), 2, "{pushed:?}");
    assert!(pushed.contains(&format!("alert:{}", alert_of(ids[0]))));
    assert!(pushed.contains(&format!("alert:{}", alert_of(ids[2]))));
    // Display: the reprint's alert is folded under the first, the other list stands alone.
    let groups = yuqing::app::alerts::reprint_groups(&list);
    assert_eq!(groups.len(), 2);
    let d = app
        .build_digest(app.current_digest_date(), DigestDetail::All)
        .unwrap();
    assert_eq!(d.alerts.len(), 2, "the digest lists the group once");
    let first = d.alerts.iter().find(|a| a.article_id == ids[0]).unwrap();
    assert_eq!(first.reprint_alerts, vec![alert_of(ids[1])]);
    let md = String::from_utf8(render(&d, Format::Md).unwrap()).unwrap();
    assert!(md.contains("转载：2 篇"), "{md}");
}

/// The digest of "now" follows the application's clock: before the 08:00 cut-off it is today's,
/// after it tomorrow's; the window is in the configured zone. No sleeping.
#[test]
fn the_current_digest_follows_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let clock = yuqing::app::clock::Clock::manual(at("2026-12-02T07:59:00+08:00"));
    app.set_clock(clock.clone());
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(app.current_digest_date(), day("2026-12-02"));
    clock.set(at("2026-12-02T23:25:00+08:00"));
    assert_eq!(app.current_digest_date(), day("2026-12-03"));
    let (from, to) = app.digest_window(day("2026-12-03"));
    assert_eq!(to - from, 86_400);
    assert_eq!(app.rfc3339(from), "2026-12-02T08:00:00+08:00");
    let d = app
        .build_digest(day("2026-12-03"), DigestDetail::All)
        .unwrap();
    assert_eq!(d.generated_at, "2026-12-02T23:25:00+08:00");
}

/// The digest's overview counts the window's articles by tone the way search counts them
/// (publication time, else fetch time, in `[start, end)`), and nothing outside it.
#[test]
fn the_digest_overview_counts_the_windows_articles_by_tone() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    app.set_clock(yuqing::app::clock::Clock::manual(
        chrono::DateTime::from_timestamp(at("2026-12-02T23:25:00+08:00"), 0).unwrap(),
    ));
    let tone = |t: yuqing::model::Tone| {
        Some(yuqing::store::ArticleTone {
            tone: t,
            ..Default::default()
        })
    };
    use yuqing::model::Tone::{Negative, Neutral, Positive};
    // (published, fetched, tone): the window of 12-03 is 12-02 08:00 to 12-03 08:00.
    let rows = [
        (
            Some("2026-12-02T08:00:00+08:00"),
            "2026-12-02T09:00:00+08:00",
            Negative,
        ),
        (
            Some("2026-12-02T21:00:00+08:00"),
            "2026-12-02T21:05:00+08:00",
            Negative,
        ),
        (None, "2026-12-02T12:00:00+08:00", Positive),
        (
            Some("2026-12-02T13:00:00+08:00"),
            "2026-12-02T13:00:00+08:00",
            Neutral,
        ),
        // Outside: published before the window though fetched inside it, and at its end.
        (
            Some("2026-12-01T22:00:00+08:00"),
            "2026-12-02T10:00:00+08:00",
            Negative,
        ),
        (
            Some("2026-12-03T08:00:00+08:00"),
            "2026-12-03T08:00:00+08:00",
            Negative,
        ),
    ];
    for (i, (published, fetched, t)) in rows.iter().enumerate() {
        let url = format!("https://news.example.cn/{i}.html");
        app.store
            .insert_article(&NewArticle {
                canonical_url: url.clone(),
                url,
                source_id: "s".into(),
                title: format!("第{i}篇"),
                text: "正文".repeat(40),
                published: published.map(at),
                fetched: at(fetched),
                tone: tone(*t),
                ..Default::default()
            })
            .unwrap()
            .unwrap();
    }
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let o = app.build_digest(day, DigestDetail::All).unwrap().overview;
    assert_eq!(
        (o.articles, o.negative, o.neutral, o.positive),
        (4, 2, 1, 1)
    );
}

/// 负面舆情预警: with `[analysis] negative_near_region`, a negative article that names a region
/// word (of the rules or `regions`) raises an alert though no rule matches; a negative one
/// elsewhere, or a positive one here, does not.
#[test]
fn a_negative_article_about_the_area_alerts_without_a_rule() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"爆炸\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[analysis]\nnegative_near_region = \"medium\"\nregions = [\"柳湾社区\"]\n");
    std::fs::write(&cfg, text).unwrap();
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let mut ids = Vec::new();
    for (i, (title, body)) in [
        (
            "柳湾社区多名工人讨薪无果",
            "十余名工人反映被拖欠工资半年，多次维权未果。",
        ),
        ("外省某地发生塌陷事故", "事故造成两人受伤，原因正在调查。"),
        (
            "柳湾社区荣获文明社区称号",
            "居民满意度大幅提升，获得上级表彰。",
        ),
        (
            "青石街道居民投诉噪音扰民",
            "夜间施工严重影响休息，居民多次投诉无人管。",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let id = app
            .store
            .insert_article(&yuqing::store::NewArticle {
                canonical_url: format!("http://127.0.0.1:9/n/{i}"),
                url: format!("http://127.0.0.1:9/n/{i}"),
                source_id: "s".into(),
                title: title.into(),
                published: Some(now),
                fetched: now,
                text: body.into(),
                ..Default::default()
            })
            .unwrap()
            .unwrap();
        ids.push(id);
    }
    assert_eq!(app.match_articles(&ids).unwrap(), 2);
    let alerts = app.alerts(&Default::default()).unwrap();
    let mut got: Vec<(i64, String, String)> = alerts
        .iter()
        .map(|a| {
            (
                a.article_id,
                a.rule_name.clone(),
                a.level.as_str().to_string(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (ids[0], "负面舆情（涉及辖区）".into(), "medium".into()),
            (ids[3], "负面舆情（涉及辖区）".into(), "medium".into()),
        ],
        "the rule's region word counts too"
    );
    let a = alerts.iter().find(|a| a.article_id == ids[0]).unwrap();
    assert_eq!(a.matched, ["柳湾社区"]);
    assert_eq!(a.tone.tone, yuqing::model::Tone::Negative);
    // A bad level is a config problem with its position.
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text = text.replace("\"medium\"", "\"urgent\"");
    std::fs::write(&cfg, text).unwrap();
    let err = yuqing::config::Config::load(&cfg).unwrap_err().to_string();
    assert!(
        err.contains("negative_near_region 应为 high、medium 或 low"),
        "{err}"
    );
}

/// Trends and spikes (DESIGN §8): a rule's daily alerts over a steady baseline, then a surge
/// today: `trends --json` gives the series and the spike; detection records and queues the
/// push once.
#[test]
fn a_surge_above_the_28_day_baseline_is_a_spike_pushed_once() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾事故\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[[notify]]\nkind = \"webhook\"\nurl_env = \"YUQING_TEST_SPIKE_HOOK\"\nmin_level = \"low\"\n\n[analysis]\nspike_level = \"high\"\n");
    std::fs::write(&cfg, text).unwrap();
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let noon = chrono::DateTime::parse_from_rfc3339("2026-12-02T12:00:00+08:00").unwrap();
    app.set_clock(yuqing::app::clock::Clock::manual(
        noon.with_timezone(&chrono::Utc),
    ));
    let mut n = 0;
    let mut add = |days_ago: i64| {
        let at = noon.timestamp() - days_ago * 86_400 - 3600;
        n += 1;
        let id = app
            .store
            .insert_article(&yuqing::store::NewArticle {
                canonical_url: format!("http://127.0.0.1:9/sp/{n}"),
                url: format!("http://127.0.0.1:9/sp/{n}"),
                source_id: "s".into(),
                title: format!("青石街道火灾{n}"),
                published: Some(at),
                fetched: at,
                text: "青石街道发生火灾。".into(),
                ..Default::default()
            })
            .unwrap()
            .unwrap();
        app.store
            .insert_alert(id, "fire", yuqing::model::Level::High, "[]", at)
            .unwrap();
    };
    for d in 1..=28 {
        add(d);
    }
    for _ in 0..6 {
        add(0);
    }
    app.index_pending().unwrap();
    let t = app.trends(7).unwrap();
    let fire = t.series.iter().find(|s| s.key == "fire").unwrap();
    assert_eq!(fire.daily.len(), 7);
    assert_eq!(fire.daily.last().unwrap(), &("2026-12-02".to_string(), 6));
    assert_eq!(fire.daily[0].1, 1);
    let region = t
        .series
        .iter()
        .find(|s| s.key == "青石街道")
        .expect("a region series");
    assert_eq!(
        region.daily.last().unwrap().1,
        6,
        "articles naming the word today"
    );
    let spikes: Vec<_> = t.spikes.iter().filter(|s| s.date == "2026-12-02").collect();
    assert!(
        spikes
            .iter()
            .any(|s| s.key == "fire" && s.count == 6 && (s.baseline - 1.0).abs() < 1e-9),
        "{:?}",
        t.spikes
    );
    assert!(
        !t.spikes.iter().any(|s| s.date != "2026-12-02"),
        "the steady days are not spikes"
    );
    assert!(app.detect_spikes().unwrap() >= 1);
    assert_eq!(app.detect_spikes().unwrap(), 0, "recorded once");
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    let shown = app.overview(Some(day), Some(day)).unwrap().spikes;
    assert!(
        shown
            .iter()
            .any(|s| s.key == "fire" && s.name == "火灾事故" && s.count == 6),
        "the overview shows the recorded spike: {shown:?}"
    );
    let pushes = app.store.outbox_rows(None).unwrap();
    let notice: Vec<_> = pushes.iter().filter(|r| r.kind == "notice").collect();
    assert!(!notice.is_empty());
    assert!(
        notice
            .iter()
            .any(|r| r.payload.contains("火灾事故") && r.level.as_deref() == Some("high")),
        "{notice:?}"
    );
    drop(app);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .args(["trends", "--days", "3", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["series"][0];
    for k in ["kind", "key", "daily"] {
        assert!(s.get(k).is_some(), "{k}: {v}");
    }
    assert_eq!(s["daily"].as_array().unwrap().len(), 3);
    assert!(s["daily"][0][0].is_string() && s["daily"][0][1].is_number());
}

/// 舆情专报 of one alert: 公文 sections in order with the alert's facts, the unit's handling
/// and the original's link; Word output opens as a zip with the same text.
#[test]
fn an_incident_report_carries_the_facts_of_its_alert() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾事故\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[report]\nunit = \"青石街道党工委\"\n");
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(
        dir.path().join("units.toml"),
        "[[unit]]\nid = \"xf\"\nname = \"消防救援站\"\n",
    )
    .unwrap();
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let id = app
        .store
        .insert_article(&yuqing::store::NewArticle {
            canonical_url: "https://news.example.cn/a/1".into(),
            url: "https://news.example.cn/a/1".into(),
            source_id: "s".into(),
            title: "青石街道一仓库发生火灾".into(),
            published: Some(now - 600),
            fetched: now,
            text: "青石街道一仓库今天下午发生火灾，消防救援人员迅速到场处置，现场无人员伤亡。"
                .into(),
            ..Default::default()
        })
        .unwrap()
        .unwrap();
    app.match_articles(&[id]).unwrap();
    let alert = app.alerts(&Default::default()).unwrap()[0].id;
    app.assign_alert(alert, "xf", None, Some("查明起火原因"), Some("coll1"))
        .unwrap();
    app.alert_feedback(alert, "起火原因为电线老化，已整改", true, Some("coll1"))
        .unwrap();
    drop(app);
    let run = |format: &str, out: &std::path::Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args([
                "report",
                "incident",
                "--alert",
                &alert.to_string(),
                "--format",
                format,
                "--out",
            ])
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let md_path = dir.path().join("r.md");
    run("md", &md_path);
    let md = std::fs::read_to_string(&md_path).unwrap();
    let order: Vec<usize> = [
        "一、事件概述",
        "二、传播情况",
        "三、研判",
        "四、处置情况",
        "五、附件",
    ]
    .iter()
    .map(|h| md.find(h).unwrap_or_else(|| panic!("{h} missing: {md}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "in order");
    for want in [
        "青石街道党工委",
        "火灾事故",
        "高级",
        "消防救援站",
        "已办结",
        "电线老化",
        "https://news.example.cn/a/1",
        "情感倾向",
    ] {
        assert!(md.contains(want), "{want}: {md}");
    }
    let docx_path = dir.path().join("r.docx");
    run("docx", &docx_path);
    let bytes = std::fs::read(&docx_path).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(xml.contains("舆情专报") && xml.contains("四、处置情况") && xml.contains("黑体"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .args(["report", "incident", "--alert", "99999", "--format", "md"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Weekly and monthly 研判 reports count what `alerts` and `search` return for the same days;
/// the Excel one has a native chart, the Word one the same numbers.
#[test]
fn period_reports_equal_what_alerts_and_search_return() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾事故\"\nlevel = \"high\"\nregion = [\"青石街道\"]\nevent = [\"火灾\"]\n";
    let sources = "[[source]]\nid = \"s\"\nname = \"江北新闻\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed\"\n\n\
                   [[source]]\nid = \"quiet\"\nname = \"柳湾发布\"\nkind = \"rss\"\nurl = \"http://127.0.0.1:9/feed2\"\n";
    let cfg = write_config(dir.path(), sources, rules, "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    // Monday 2026-11-16 to Sunday 11-22, plus days around it that must not count.
    let days = [
        "2026-11-15",
        "2026-11-16",
        "2026-11-18",
        "2026-11-18",
        "2026-11-22",
        "2026-11-23",
    ];
    let mut ids = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let at = chrono::DateTime::parse_from_rfc3339(&format!("{d}T23:30:00+08:00"))
            .unwrap()
            .timestamp();
        let fire = i % 2 == 0;
        let id = app
            .store
            .insert_article(&yuqing::store::NewArticle {
                canonical_url: format!("http://127.0.0.1:9/w/{i}"),
                url: format!("http://127.0.0.1:9/w/{i}"),
                source_id: "s".into(),
                title: if fire {
                    format!("青石街道火灾{i}")
                } else {
                    format!("柳湾社区活动{i}")
                },
                published: Some(at),
                fetched: at,
                text: if fire {
                    "青石街道发生火灾，两人受伤。".into()
                } else {
                    "社区举办邻里节。".into()
                },
                ..Default::default()
            })
            .unwrap()
            .unwrap();
        ids.push((id, at));
    }
    for (id, at) in &ids {
        // Alerts created when the article came in (as a crawl does).
        app.set_clock(yuqing::app::clock::Clock::manual(
            chrono::DateTime::from_timestamp(*at, 0).unwrap(),
        ));
        app.match_articles(&[*id]).unwrap();
    }
    app.index_pending().unwrap();
    drop(app);
    let cli = |args: &[&str]| -> std::process::Output {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o
    };
    let json =
        |args: &[&str]| -> serde_json::Value { serde_json::from_slice(&cli(args).stdout).unwrap() };
    let mut alerts = 0;
    for d in [
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
        "2026-11-21",
        "2026-11-22",
    ] {
        alerts += json(&["alerts", "--date", d, "--json"])["alerts"]
            .as_array()
            .unwrap()
            .len();
    }
    let articles = json(&[
        "search",
        "",
        "--since",
        "2026-11-16",
        "--until",
        "2026-11-22",
        "--json",
    ])["total"]
        .as_u64()
        .unwrap();
    assert_eq!((alerts, articles), (2, 4), "the fixture as intended");
    let md_path = dir.path().join("w.md");
    cli(&[
        "report",
        "weekly",
        "--date",
        "2026-11-18",
        "--format",
        "md",
        "--out",
        md_path.to_str().unwrap(),
    ]);
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert!(md.contains(&format!("本期共产生预警 {alerts} 条")), "{md}");
    // Source health over the week: 4 articles on 3 of its 7 days (23:30 local is still that
    // day); the other source brought none and is named.
    assert!(md.contains("| 江北新闻 | 4 | 3 / 7 |"), "{md}");
    assert!(md.contains("| 柳湾发布 | 0 | 0 / 7 |"), "{md}");
    assert!(
        md.contains("本期没有采到文章的信息源 1 个：柳湾发布"),
        "{md}"
    );
    assert!(md.contains(&format!("采集文章 {articles} 篇")), "{md}");
    assert!(
        md.contains("2026\\-11\\-16 至 2026\\-11\\-22") || md.contains("2026-11-16 至 2026-11-22"),
        "{md}"
    );
    let xlsx_path = dir.path().join("w.xlsx");
    cli(&[
        "report",
        "weekly",
        "--date",
        "2026-11-18",
        "--format",
        "xlsx",
        "--out",
        xlsx_path.to_str().unwrap(),
    ]);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&xlsx_path).unwrap()).unwrap();
    assert!(z.by_name("xl/charts/chart1.xml").is_ok(), "a native chart");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut z.by_name("xl/sharedStrings.xml").unwrap(),
        &mut strings,
    )
    .unwrap();
    assert!(strings.contains(&format!("预警 {alerts} 条")), "{strings}");
    let docx_path = dir.path().join("m.docx");
    cli(&[
        "report",
        "monthly",
        "--date",
        "2026-11-30",
        "--format",
        "docx",
        "--out",
        docx_path.to_str().unwrap(),
    ]);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&docx_path).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut z.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    assert!(
        xml.contains("舆情月报") && xml.contains("本期共产生预警 3 条"),
        "November: three fire alerts"
    );
    // Chart images drawn in process: daily counts, levels and tone, each an inline PNG.
    let pngs = (0..z.len())
        .filter(|i| {
            z.by_index(*i).is_ok_and(|f| {
                f.name()
                    .is_ok_and(|n| n.starts_with("word/media/") && n.ends_with(".png"))
            })
        })
        .count();
    assert_eq!(pngs, 3, "three chart images");
    assert_eq!(
        xml.matches("<pic:pic").count(),
        3,
        "each placed in the text"
    );
}

/// On its cron, `serve` writes last week's report under index/reports/ (Word and Excel).
#[test]
fn the_weekly_report_of_last_week_is_written_under_reports() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[report]\nunit = \"青石街道\"\nweekly_cron = \"0 0 8 * * 2\"\n");
    std::fs::write(&cfg, text).unwrap();
    let config = yuqing::config::Config::load(&cfg).unwrap();
    assert!(config.weekly_cron.is_some());
    let app = App::open(config).unwrap();
    // Wednesday 2026-11-25: the last complete week is 11-16 to 11-22.
    let wed = chrono::DateTime::parse_from_rfc3339("2026-11-25T08:00:00+08:00").unwrap();
    app.set_clock(yuqing::app::clock::Clock::manual(
        wed.with_timezone(&chrono::Utc),
    ));
    let paths = app
        .produce_period_report(yuqing::app::periodic::Period::Weekly)
        .unwrap();
    let names: Vec<String> = paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(names, ["周报-2026-11-16.docx", "周报-2026-11-16.xlsx"]);
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with(dir.path().join("index").join("reports")))
    );
    // Monday 11-23: the week that ended yesterday.
    let mon = chrono::DateTime::parse_from_rfc3339("2026-11-23T08:00:00+08:00").unwrap();
    app.set_clock(yuqing::app::clock::Clock::manual(
        mon.with_timezone(&chrono::Utc),
    ));
    let paths = app
        .produce_period_report(yuqing::app::periodic::Period::Monthly)
        .unwrap();
    assert!(paths[0].ends_with("月报-2026-10-01.docx"), "{paths:?}");
}

/// `yuqing user add NAME --role unit --unit ID`: the unit must be given and be one of
/// units.toml (exit 2 with the known ids), and only unit users have one.
#[test]
fn a_unit_account_is_created_for_a_known_unit() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    std::fs::write(
        dir.path().join("units.toml"),
        "[[unit]]\nid = \"cg\"\nname = \"城管中队\"\n",
    )
    .unwrap();
    let add = |args: &[&str]| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(["user", "add"])
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"correct-horse-9\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    assert_eq!(add(&["root", "--role", "admin"]).0, Some(0));
    let (code, err) = add(&["cg1", "--role", "unit"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("须指定所属单位"), "{err}");
    let (code, err) = add(&["cg1", "--role", "unit", "--unit", "pcs"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("没有单位 \"pcs\"，可用：cg"), "{err}");
    let (code, err) = add(&["wang", "--role", "staff", "--unit", "cg"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("只有联席单位账号"), "{err}");
    let (code, out) = add(&["cg1", "--role", "unit", "--unit", "cg"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("联席单位：城管中队"), "{out}");
    let store = yuqing::store::Store::open(&dir.path().join("index").join("yuqing.db")).unwrap();
    let u = store.user("cg1").unwrap().unwrap();
    assert_eq!((u.role.as_str(), u.unit.as_deref()), ("unit", Some("cg")));
}

/// Articles are stored a batch per transaction (a URL stored twice is stored once), and indexed
/// during a crawl in whole batches only: the rest waits for the indexing after the crawl.
#[test]
fn batched_inserts_and_indexing_in_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "", "", "");
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let article = |i: usize| NewArticle {
        canonical_url: format!("http://127.0.0.1/a{i}"),
        url: format!("http://127.0.0.1/a{i}"),
        source_id: "s".into(),
        title: format!("青石街道第{i}号通知"),
        text: "桃源小区下周二停水检修。".into(),
        fetched: chrono::Utc::now().timestamp(),
        ..Default::default()
    };
    let mut batch: Vec<NewArticle> = (0..7).map(article).collect();
    batch.push(article(3));
    let ids = app.store.insert_articles(&batch).unwrap();
    assert_eq!(ids.iter().filter(|i| i.is_some()).count(), 7);
    assert_eq!(ids[7], None, "the second a3 is known");
    assert_eq!(
        app.store.insert_articles(&[article(0)]).unwrap(),
        vec![None]
    );
    assert_eq!(app.store.unindexed_count(100).unwrap(), 7);
    assert_eq!(
        app.store.unindexed_count(5).unwrap(),
        5,
        "counted up to the cap"
    );

    assert_eq!(
        app.index_full_batches(3, || false).unwrap(),
        0,
        "told to stop (the crawl ended)"
    );
    assert_eq!(
        app.index_full_batches(3, || true).unwrap(),
        6,
        "two whole batches"
    );
    assert_eq!(app.store.unindexed_count(100).unwrap(), 1);
    assert_eq!(app.index_full_batches(3, || true).unwrap(), 0);
    assert_eq!(app.index_pending().unwrap(), 1, "the rest after the crawl");
    assert_eq!(app.store.unindexed_count(100).unwrap(), 0);
    let found = app
        .search(&yuqing::app::SearchOptions {
            query: "停水".into(),
            limit: 20,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.total, 7);
}

/// The digest shown on request (HTML, Markdown) reads whole only the alerts it lists in full;
/// it must count, group and list exactly what the full digest does. Reprints, two rules on
/// two levels, a dismissed alert, and more alerts than are listed.
#[test]
fn a_digest_shown_on_request_counts_and_lists_what_the_full_one_does() {
    let dir = tempfile::tempdir().unwrap();
    let rules = "[[rule]]\nid = \"fire\"\nname = \"火灾\"\nlevel = \"high\"\nevent = [\"火灾\", \"起火\"]\n\
                 [[rule]]\nid = \"noise\"\nname = \"噪音\"\nlevel = \"medium\"\nevent = [\"噪音\"]\n";
    let cfg = write_config(dir.path(), "", rules, "");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("[digest]\nmax_listed = 3\n");
    std::fs::write(&cfg, text).unwrap();
    let app = App::open(yuqing::config::Config::load(&cfg).unwrap()).unwrap();
    let now = chrono::Utc::now().timestamp();
    // Each story its own words (one SimHash cluster only for the reprint).
    let tails = [
        "消防部门接警后迅速出动，现场浓烟滚滚，周边商户紧急疏散，具体损失仍在统计之中。",
        "附近居民说这种情况已经持续了两个多星期，多次拨打热线电话，至今没有得到答复。",
        "记者在现场看到，路面积水严重，不少车辆绕道通行，早高峰期间交通一度十分拥堵。",
        "物业公司负责人表示，已经联系维修单位，预计本周末之前能够恢复正常使用。",
        "社区网格员挨家挨户走访，登记受影响的住户情况，并为老人送去了生活必需品。",
        "区应急管理局通报，事故原因初步判断为电线老化，相关责任人已被约谈。",
    ];
    let story =
        |place: &str, what: &str, k: usize| format!("{place}居民反映，昨晚{what}。{}", tails[k]);
    let mut articles: Vec<(String, String)> = vec![
        (
            "柳湾路仓库起火".into(),
            story("柳湾路", "一仓库起火发生火灾", 0),
        ),
        // A reprint of the first.
        (
            "【转载】柳湾路仓库起火".into(),
            format!("来源：区融媒\n{}", story("柳湾路", "一仓库起火发生火灾", 0)),
        ),
    ];
    for (i, place) in ["桃源", "青石", "东门", "西岭", "南塘"].iter().enumerate() {
        let what = if i % 2 == 0 {
            "工地夜间施工噪音扰民"
        } else {
            "一处民房起火引发火灾"
        };
        articles.push((
            format!("{place}小区{}", if i % 2 == 0 { "噪音" } else { "火灾" }),
            story(place, what, i + 1),
        ));
    }
    let mut ids = Vec::new();
    for (i, (title, body)) in articles.iter().enumerate() {
        let a = NewArticle {
            canonical_url: format!("http://127.0.0.1/d/{i}"),
            url: format!("http://127.0.0.1/d/{i}"),
            source_id: format!("s{i}"),
            title: title.clone(),
            text: body.clone(),
            published: Some(now - 3600 + i as i64 * 60),
            fetched: now,
            ..Default::default()
        };
        ids.push(app.store.insert_article(&a).unwrap().unwrap());
    }
    app.match_articles(&ids).unwrap();
    let list = app.alerts(&AlertQuery::default()).unwrap();
    assert!(list.len() >= 7, "{}", list.len());
    // One alert dismissed: counted, not listed.
    let dismissed = list
        .iter()
        .find(|a| a.title.starts_with("东门"))
        .unwrap()
        .id;
    app.review_alert(dismissed, yuqing::model::AlertStatus::Dismissed, None, None)
        .unwrap();
    let date = app.current_digest_date();
    let mut full = app.build_digest(date, DigestDetail::All).unwrap();
    let mut shown = app.build_digest(date, DigestDetail::Listed).unwrap();
    assert_eq!(shown.dismissed, 1);
    assert_eq!(shown.alerts.len(), full.alerts.len());
    assert!(full.alerts.len() > 3, "more alerts than are listed");
    assert!(
        full.alerts.iter().any(|a| !a.reprint_alerts.is_empty()),
        "a reprint folded"
    );
    for (a, b) in full.alerts.iter().zip(&shown.alerts) {
        assert_eq!(
            (a.id, a.level, a.status, &a.rule),
            (b.id, b.level, b.status, &b.rule)
        );
        assert_eq!(a.reprint_alerts, b.reprint_alerts);
    }
    // Only the listed ones were read whole, and they equal the full digest's.
    let order = shown.display_order();
    for (k, &i) in order.iter().enumerate() {
        let (a, b) = (&full.alerts[i], &shown.alerts[i]);
        if k < 3 {
            assert_eq!(
                (&a.title, &a.snippet, a.cluster_size),
                (&b.title, &b.snippet, b.cluster_size)
            );
            assert!(!b.snippet.is_empty());
        } else {
            assert!(
                b.title.is_empty(),
                "an unlisted alert read whole: {}",
                b.title
            );
        }
    }
    shown.generated_at = full.generated_at.clone();
    for f in [Format::Html, Format::Md] {
        assert_eq!(
            String::from_utf8(render(&shown, f).unwrap()).unwrap(),
            String::from_utf8(render(&full, f).unwrap()).unwrap(),
            "{f:?}"
        );
    }
    full.max_listed = 0;
    assert!(
        String::from_utf8(render(&full, Format::Md).unwrap())
            .unwrap()
            .contains("南塘")
    );
}
