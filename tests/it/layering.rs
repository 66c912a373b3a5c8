//! The module layering of ARCHITECTURE.md, checked on the source: every `crate::x` path in a
//! module's code (comments left out) must name the module itself or one below it. An upward
//! import is a cycle waiting to happen; this test names the file and the line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lowest first. A module may use the modules listed before it (and itself).
/// `store` sits right above `model`: SQL and rows only, no domain logic.
const LAYERS: &[&str] = &[
    "model", "store", "text", "analyze", "config", "schedule", "search", "crawl", "alert", "app",
    "web", "serve", "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to (`src/alert/notify/mod.rs` → `alert`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

/// Module names after `crate::` on a line, including `crate::{a, b::c}` groups.
fn crate_refs(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
    }
    out
}

#[test]
fn no_module_imports_from_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rank: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut upward = Vec::new();
    for f in &files {
        let Some(module) = module_of(&src, f) else {
            continue;
        };
        let Some(&own) = rank.get(module.as_str()) else {
            // lib.rs and main.rs sit above everything.
            assert!(
                matches!(module.as_str(), "lib" | "main"),
                "{} is in no layer: add `{module}` to LAYERS and ARCHITECTURE.md",
                f.display()
            );
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for used in crate_refs(code) {
                match rank.get(used.as_str()) {
                    Some(&r) if r > own => upward.push(format!(
                        "{}:{}: {module} uses crate::{used}",
                        f.strip_prefix(&src).unwrap().display(),
                        n + 1
                    )),
                    _ => {}
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "upward imports (see ARCHITECTURE.md):\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_nested_paths() {
    assert_eq!(
        crate_refs("use crate::{app::App, store::Store};"),
        ["app", "store"]
    );
    assert_eq!(
        crate_refs("let x = crate::alert::notify::send(crate::web::x);"),
        ["alert", "web"]
    );
}
