//! Configuration: the annotated examples load; every problem is reported with file, line, column.

use std::path::Path;
use std::process::Command;

use yuqing::config::Config;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_annotated_example_config_loads() {
    let c = Config::load(&root().join("config/yuqing.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.timezone, chrono_tz::Asia::Shanghai);
    assert_eq!(c.http.max_body, 10 * 1000 * 1000);
    assert_eq!(c.http.timeout.as_secs(), 30);
    assert!(c.sources.len() >= 3);
    assert_eq!(c.sites.len(), 1);
    assert!(!c.rules.is_empty());
    assert_eq!(c.notify.len(), 1);
}

#[test]
fn the_demo_config_loads() {
    let c = Config::load(&root().join("config/demo/yuqing.toml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.sources.iter().any(|s| s.kind_name() == "html"));
    assert!(c.sources.iter().all(|s| s.url.scheme() == "file"));
}

#[test]
fn every_problem_is_listed_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("yuqing.toml"),
        "timezone = \"Mars/Olympus\"\n[http]\ntimeout = \"soon\"\nmax_body = \"big\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sources.toml"),
        "[[source]]\nid = \"a\"\nkind = \"rss\"\nurl = \"ftp://x\"\ncron = \"every day\"\n\n\
         [[source]]\nid = \"a\"\nkind = \"html\"\nurl = \"http://127.0.0.1/\"\n[source.list]\nitem = \"ul >> li\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rules.toml"),
        "[[rule]]\nid = \"r\"\nlevel = \"urgent\"\nexclude = [\"演练\"]\n",
    )
    .unwrap();
    std::fs::write(d.join("userdict.txt"), "青石街道 many ns\n").unwrap();
    let err = Config::load(&d.join("yuqing.toml")).unwrap_err();
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    let expect = [
        ("yuqing.toml:1:", "未知的时区", "time zone"),
        ("yuqing.toml:3:", "时长", "duration"),
        ("yuqing.toml:4:", "大小", "size"),
        ("sources.toml:4:", "不支持的 URL 协议", "scheme"),
        ("sources.toml:5:", "cron 表达式", "cron"),
        ("sources.toml:12:", "CSS 选择器", "selector"),
        ("rules.toml:3:", "级别应为", "level"),
        ("rules.toml:2:", "规则至少需要", "at least one"),
        ("userdict.txt:1:", "词频", "frequency"),
    ];
    for (at, zh, en) in expect {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(at) && l.contains(&format!(": {zh}")) && l.contains(en)),
            "missing {at} {zh} … ({en}) in:\n{text}"
        );
    }
}

#[test]
fn unknown_keys_are_rejected_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("yuqing.toml");
    std::fs::write(
        &cfg,
        "timezone = \"Asia/Shanghai\"\n\n[http]\nuser_agnet = \"x\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("sources.toml"), "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("yuqing.toml:4:1: 未知的键 \"user_agnet\"，是否想写 \"user_agent\"？"),
        "{err}"
    );
}

/// Runs `yuqing --config <cfg> check`: exit code and standard error.
fn check(cfg: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(cfg)
        .arg("check")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Issue 10: one run lists every problem of every file, Chinese first, each at `path:line:col`.
/// Two unknown keys in yuqing.toml, a misspelled key + a bad level + an unbalanced expr in one
/// rule, and an hour of 25 in a source's cron: six problems, none hiding another.
#[test]
fn check_lists_six_problems_across_three_files_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("yuqing.toml"),
        "timezone = \"Asia/Shanghai\"\ndata_dir = \"index\"\ncolour = \"blue\"\n\n\
         [http]\nuser_agnet = \"yuqing-test\"\ntimeout = \"30s\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sources.toml"),
        "[[source]]\nid = \"a\"\nkind = \"rss\"\nurl = \"http://127.0.0.1/feed.xml\"\n\
         cron = \"0 0 25 * * *\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rules.toml"),
        "[[rule]]\nid = \"fire\"\nlevel = \"urgent\"\nregion = [\"青石街道\"]\n\
         evnt = [\"火灾\"]\nexpr = \"(火灾|爆炸\"\n",
    )
    .unwrap();
    let (code, err) = check(&d.join("yuqing.toml"));
    assert_eq!(code, Some(2), "{err}");
    let at = |file: &str, pos: &str| format!("{}:{pos}: ", d.join(file).display());
    let expect = [
        (
            at("yuqing.toml", "3:1"),
            "未知的键 \"colour\"，可用的键：timezone、data_dir",
        ),
        (
            at("yuqing.toml", "6:1"),
            "未知的键 \"user_agnet\"，是否想写 \"user_agent\"？ \
             (unknown key \"user_agnet\", did you mean \"user_agent\"?)",
        ),
        (
            at("sources.toml", "5:13"),
            "cron 表达式 \"0 0 25 * * *\" 的第 3 个字段（小时）为 25，应在 0–23 之间 \
             (hour 25 out of range 0–23)",
        ),
        (
            at("rules.toml", "3:9"),
            "级别应为 high、medium 或 low，实际为 \"urgent\"",
        ),
        (
            at("rules.toml", "5:1"),
            "未知的键 \"evnt\"，是否想写 \"event\"？ (unknown key \"evnt\", did you mean \"event\"?)",
        ),
        (
            at("rules.toml", "6:9"),
            "规则 \"fire\" 的表达式有误：括号未闭合",
        ),
    ];
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), expect.len(), "exactly six problems:\n{err}");
    for ((prefix, message), line) in expect.iter().zip(&lines) {
        assert!(
            line.starts_with(&format!("{prefix}{message}")),
            "expected {prefix}{message}\n     got {line}\nin:\n{err}"
        );
    }
    assert!(
        !err.contains("must be less than"),
        "not the cron crate's words"
    );
}

/// A value of the wrong type is reported and checking goes on: with the other keys of the
/// table, the other tables, and the other rules and sources.
#[test]
fn wrong_types_are_reported_and_checking_continues() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("yuqing.toml"),
        "[http]\ntimeout = 30\nconcurrency = \"16\"\nmax_body = \"big\"\n\
         [crawl]\nkeep_alerted = \"yes\"\n[digest]\nformats = [\"html\", 3]\nmax_listed = -1\n\
         server = \"x\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sources.toml"),
        "[[source]]\nid = \"a\"\nkind = \"rss\"\nurl = \"http://127.0.0.1/\"\nenabled = \"no\"\n\n\
         [[source]]\nid = \"b\"\nkind = \"rss\"\nurl = \"ftp://x\"\n\n\
         [[source]]\nkind = \"rss\"\nurl = 7\n",
    )
    .unwrap();
    std::fs::write(
        d.join("rules.toml"),
        "[[rule]]\nid = \"a\"\nnear = \"80\"\nregion = \"青石街道\"\nevent = [\"火灾\"]\n\n\
         [[rule]]\nlevel = \"hgih\"\nevent = [\"火灾\"]\n\n\
         rule = 1\n",
    )
    .unwrap();
    let err = Config::load(&d.join("yuqing.toml"))
        .unwrap_err()
        .to_string();
    let expect = [
        (
            "yuqing.toml:2:11:",
            "键 \"timeout\" 的值应为字符串，实际为整数 (key \"timeout\": expected a string, found an integer)",
        ),
        (
            "yuqing.toml:3:15:",
            "键 \"concurrency\" 的值应为整数，实际为字符串",
        ),
        ("yuqing.toml:4:12:", "大小 \"big\" 无效"),
        (
            "yuqing.toml:6:16:",
            "键 \"keep_alerted\" 的值应为布尔值 true 或 false，实际为字符串",
        ),
        (
            "yuqing.toml:8:20:",
            "键 \"formats\" 的元素应为字符串，实际为整数",
        ),
        ("yuqing.toml:9:14:", "应在 0 到 1000000 之间，实际为 -1"),
        ("yuqing.toml:10:1:", "未知的键 \"server\""),
        ("sources.toml:5:11:", "键 \"enabled\" 的值应为布尔值"),
        ("sources.toml:10:7:", "不支持的 URL 协议 \"ftp\""),
        (
            "sources.toml:12:1:",
            "缺少必填的键 \"id\" (missing key \"id\")",
        ),
        (
            "sources.toml:14:7:",
            "键 \"url\" 的值应为字符串，实际为整数",
        ),
        ("rules.toml:3:8:", "键 \"near\" 的值应为整数，实际为字符串"),
        (
            "rules.toml:4:10:",
            "键 \"region\" 的值应为字符串数组，实际为字符串",
        ),
        ("rules.toml:7:1:", "缺少必填的键 \"id\""),
        (
            "rules.toml:8:9:",
            "级别应为 high、medium 或 low，实际为 \"hgih\"",
        ),
        ("rules.toml:11:1:", "未知的键 \"rule\""),
    ];
    for (at, message) in expect {
        assert!(
            err.lines().any(|l| l.contains(&format!("{at} {message}"))),
            "missing {at} {message} in:\n{err}"
        );
    }
}

#[test]
fn cli_reports_bad_queries_with_exit_2_and_no_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::common::write_config(dir.path(), "", "", "");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["search", "(火灾"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("括号") && !err.contains("panicked"), "{err}");
    let out = run(&["search", "火灾", "-演练", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["total"], 0);
    let out = run(&["show", "42"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Regression: `yuqing search $'\xff\xfe'` panicked (exit 101) in `std::env::args`.
#[test]
fn non_utf8_arguments_exit_2_with_a_message() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::common::write_config(dir.path(), "", "", "");
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("search")
        .arg(std::ffi::OsStr::from_bytes(b"\xff\xfe"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("UTF-8") && !err.contains("panicked"), "{err}");
}

/// Regression: a rule expression nested 5 000 deep passed `check` and then overflowed the stack
/// of `serve` on reload (12 000 deep aborted `check` itself). Now `check` names the position.
#[test]
fn deeply_nested_rules_are_rejected_by_check_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for depth in [5_000usize, 20_000] {
        let expr = format!("{}火{}", "(".repeat(depth), ")".repeat(depth));
        let rules = format!("[[rule]]\nid = \"deep\"\nexpr = \"{expr}\"\n");
        let cfg = crate::common::write_config(d, "", &rules, "");
        let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
            .arg("--config")
            .arg(&cfg)
            .arg("check")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        // The first parenthesis too deep: line 3, after `expr = "` and 32 parentheses.
        let col = "expr = \"".len() + yuqing::alert::expr::MAX_DEPTH + 1;
        assert!(
            err.contains(&format!("rules.toml:3:{col}:")) && err.contains("嵌套"),
            "{err}"
        );
    }
    // Deeply nested TOML itself is refused, not a crash.
    let rules = format!(
        "[[rule]]\nid = \"x\"\nevent = {}\"火\"{}\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let cfg = crate::common::write_config(d, "", &rules, "");
    let out = Command::new(env!("CARGO_BIN_EXE_yuqing"))
        .arg("--config")
        .arg(&cfg)
        .arg("check")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("rules.toml:3:"), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 1000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(11),
        failure_persistence: None,
        ..Default::default()
    })]

    /// Fuzz: hostile `rules.toml` and `sources.toml` text (deep brackets, unbalanced quotes,
    /// bad types, invalid UTF-8) is refused with `file:line:col:` problems, never a panic.
    #[test]
    fn any_config_text_loads_or_lists_positioned_problems(
        rules in proptest::collection::vec(
            "\\[\\[rule\\]\\]\n|id = \"[a-z]{1,3}\"\n|expr = \"[()火|+-]{0,40}\"\n|level = \"[a-z]{0,6}\"\n|event = \\[{1,200}|\\]{1,50}|near = -?[0-9]{1,12}\n|[=\"'\\[\\]{}a-z火 \n]{0,12}",
            0..12,
        ),
        sources in proptest::collection::vec(
            "\\[\\[source\\]\\]\n|id = \"[a-z]{1,3}\"\n|kind = \"(rss|html|x)\"\n|url = \"[a-z:/.]{0,20}\"\n|cron = \"[0-9* /]{0,14}\"\n|[=\"'\\[\\]{}a-z \n]{0,12}",
            0..10,
        ),
        bad_utf8 in proptest::bool::ANY,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let cfg = crate::common::write_config(dir.path(), &sources.concat(), &rules.concat(), "");
        if bad_utf8 {
            let mut b = std::fs::read(dir.path().join("rules.toml")).unwrap();
            b.extend_from_slice(b"\xff\xfe\xc3");
            std::fs::write(dir.path().join("rules.toml"), b).unwrap();
        }
        if let Err(e) = Config::load(&cfg) {
            for line in e.to_string().lines().filter(|l| l.contains(".toml")) {
                let shape = line.split(':').nth(1).is_some_and(|n| n.parse::<u32>().is_ok());
                proptest::prop_assert!(shape || !line.contains(".toml:"), "{line}");
            }
        }
    }
}

/// `units.toml` is checked like the other files: a bad or repeated id, an unknown channel and a
/// bad deadline are each reported with their position; a good file loads.
#[test]
fn units_toml_problems_are_listed_with_positions() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = crate::common::write_config(dir.path(), "", "", "");
    std::fs::write(
        dir.path().join("units.toml"),
        "[[unit]]\nid = \"pcs\"\nname = \"派出所\"\n\n[[unit]]\nid = \"pcs\"\nnotify = \"没有这个群\"\ndefault_due = \"soon\"\n\n[[unit]]\nid = \"城管\"\n",
    )
    .unwrap();
    let err = yuqing::config::Config::load(&cfg).unwrap_err().to_string();
    for want in [
        "units.toml:6:6: 单位 id \"pcs\" 重复",
        "units.toml:7:10: 没有名为 \"没有这个群\" 的推送渠道",
        "units.toml:8:15:",
        "units.toml:11:6: 单位 id \"城管\" 只能由字母",
    ] {
        assert!(err.contains(want), "{want}: {err}");
    }
    std::fs::write(
        dir.path().join("units.toml"),
        "[[unit]]\nid = \"pcs\"\nname = \"派出所\"\n",
    )
    .unwrap();
    let c = yuqing::config::Config::load(&cfg).unwrap();
    assert_eq!(c.units[0].default_due, yuqing::config::DEFAULT_DUE);
}
