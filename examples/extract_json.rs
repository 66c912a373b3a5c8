//! Dev tool for `eval/extract_compare.py`: extracts each HTML file given on the command line
//! and prints one JSON object per line (`path`, `title`, `text`, `confidence`, `page_type`).
//!
//! `cargo run --example extract_json -- [--mode combined|ours|smoothie] FILE...`
//! Pages are decoded like the crawler does without HTTP headers (BOM, `<meta charset>`,
//! detection) and extracted with no site rules; the URL is the file's `file://` URL.

use chrono::DateTime;
use yuqing::crawl::extract::{SecondOpinion, extract_with};
use yuqing::model::PageKind;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut mode = SecondOpinion::Auto;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--mode" {
            mode = match args.next().as_deref() {
                Some("combined") => SecondOpinion::Auto,
                Some("ours") => SecondOpinion::Off,
                Some("smoothie") => SecondOpinion::Only,
                other => return Err(format!("--mode combined|ours|smoothie, got {other:?}").into()),
            };
        } else {
            files.push(a);
        }
    }
    let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00+08:00")?;
    let tz = chrono_tz::Asia::Shanghai;
    for f in files {
        let path = std::fs::canonicalize(&f)?;
        let bytes = std::fs::read(&path)?;
        let html = yuqing::crawl::charset::decode_html(&bytes, None, None).0;
        let url = url::Url::from_file_path(&path).map_err(|()| format!("{f}: not a path"))?;
        let row = match extract_with(&html, &url, &[], tz, now, mode) {
            PageKind::Article(ex) => serde_json::json!({
                "path": f, "title": ex.title, "text": ex.text,
                "confidence": ex.confidence, "page_type": ex.page_type,
            }),
            PageKind::Deleted(why) | PageKind::Blocked(why) => serde_json::json!({
                "path": f, "title": null, "text": "", "confidence": 0.0, "page_type": why,
            }),
        };
        println!("{row}");
    }
    Ok(())
}
