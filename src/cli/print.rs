//! What the commands print: labels, search hits, JSON, delivery reports.

use std::io::IsTerminal;

use super::Failure;

pub(super) fn delivery_line(r: &crate::alert::notify::DeliveryReport) -> String {
    let mut line = format!(
        "发送消息 {} 条，送达 {} 项，失败 {} 项，顺延 {} 项",
        r.messages, r.delivered, r.failed, r.deferred
    );
    for e in &r.errors {
        line.push_str(&format!("\n  错误: {e}"));
    }
    line
}

pub(super) fn print_json<T: serde::Serialize>(v: &T) -> Result<(), Failure> {
    let s = serde_json::to_string_pretty(v).map_err(|e| Failure {
        code: 1,
        message: e.to_string(),
    })?;
    println!("{s}");
    Ok(())
}

pub(super) fn print_search(r: &crate::app::SearchResult) {
    let color = std::io::stdout().is_terminal();
    println!("共 {} 篇 (total {}), 第 {} 页", r.total, r.total, r.page);
    for h in &r.hits {
        println!(
            "\n[{}] {} 〔{}〕\n    {} · {}\n    {}\n    {}",
            h.id,
            mark(&h.title, &h.title_highlights, color),
            h.tone.tone.label_zh(),
            h.source_name,
            crate::model::short_time(h.published.as_deref()),
            mark(&h.snippet, &h.highlights, color),
            h.url
        );
    }
}

/// Marks highlights for a terminal (bold red) or plain output (【】).
pub(super) fn mark(text: &str, highlights: &[[usize; 2]], color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    for h in highlights {
        let (a, b) = (h[0].min(chars.len()), h[1].min(chars.len()));
        if a < i {
            continue;
        }
        out.extend(&chars[i..a]);
        out.push_str(open);
        out.extend(&chars[a..b]);
        out.push_str(close);
        i = b;
    }
    out.extend(&chars[i..]);
    out
}
