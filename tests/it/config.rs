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
        ("yuqing.toml:1:", "time zone"),
        ("yuqing.toml:3:", "duration"),
        ("yuqing.toml:4:", "size"),
        ("sources.toml:4:", "scheme"),
        ("sources.toml:5:", "cron"),
        ("sources.toml:12:", "selector"),
        ("rules.toml:3:", "level"),
        ("rules.toml:2:", "at least one"),
        ("userdict.txt:1:", "frequency"),
    ];
    for (at, what) in expect {
        assert!(
            lines.iter().any(|l| l.contains(at) && l.contains(what)),
            "missing {at} … {what} in:\n{text}"
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
        err.contains("yuqing.toml:4:1:") && err.contains("user_agnet"),
        "{err}"
    );
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
