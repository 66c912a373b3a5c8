//! Reports (报告): the 舆情专报 of one alert or event and the weekly and monthly 研判 reports,
//! as one plain document model ([`Doc`]) rendered to Markdown, HTML and Word. The renderers
//! are pure and escape every string for their format.

pub mod chart;
mod docx;

use std::fmt::Write as _;

/// A report: a title, a header block (报送单位, 编号, 日期 …) and numbered sections.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Doc {
    pub title: String,
    pub header: Vec<(String, String)>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Section {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// A table: the first row is the header.
    pub table: Vec<Vec<String>>,
    /// Links listed at the end of the section (text, URL).
    pub links: Vec<(String, String)>,
    /// A chart after the paragraphs: inline SVG in HTML, a picture in Word. Markdown has the
    /// table with the same numbers.
    pub chart: Option<chart::Chart>,
}

/// The formats a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Docx,
}

impl ReportFormat {
    pub fn parse(s: &str) -> Option<ReportFormat> {
        match s.trim().to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Md),
            "html" => Some(ReportFormat::Html),
            "docx" | "word" => Some(ReportFormat::Docx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Md => "md",
            ReportFormat::Html => "html",
            ReportFormat::Docx => "docx",
        }
    }
}

const CN_NUM: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn numbered(i: usize, heading: &str) -> String {
    format!("{}、{heading}", CN_NUM.get(i).copied().unwrap_or("十"))
}

fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect::<String>()
}

fn esc_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn esc_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        if "\\`*_{}[]()#+-!|<>".contains(c) {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

/// Only http(s) links are written as links.
fn safe_url(u: &str) -> Option<&str> {
    crate::text::link::safe_link(u)
}

pub fn render(doc: &Doc, format: ReportFormat) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        ReportFormat::Md => render_md(doc).into_bytes(),
        ReportFormat::Html => render_html(doc).into_bytes(),
        ReportFormat::Docx => docx::render(doc)?,
    })
}

pub fn render_md(doc: &Doc) -> String {
    let mut m = format!("# {}\n\n", esc_md(&doc.title));
    for (k, v) in &doc.header {
        let _ = writeln!(m, "- **{}**：{}", esc_md(k), esc_md(v));
    }
    m.push('\n');
    for (i, s) in doc.sections.iter().enumerate() {
        let _ = writeln!(m, "## {}\n", esc_md(&numbered(i, &s.heading)));
        for p in &s.paragraphs {
            let _ = writeln!(m, "{}\n", esc_md(p));
        }
        if let Some((head, rows)) = s.table.split_first() {
            let _ = writeln!(
                m,
                "| {} |",
                head.iter()
                    .map(|c| esc_md(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            let _ = writeln!(m, "|{}|", vec!["---"; head.len()].join("|"));
            for r in rows {
                let _ = writeln!(
                    m,
                    "| {} |",
                    r.iter().map(|c| esc_md(c)).collect::<Vec<_>>().join(" | ")
                );
            }
            m.push('\n');
        }
        for (text, url) in &s.links {
            match safe_url(url) {
                Some(u) => {
                    let _ = writeln!(m, "- [{}](<{}>)", esc_md(text), u.replace('>', "%3E"));
                }
                None => {
                    let _ = writeln!(m, "- {}", esc_md(text));
                }
            }
        }
        if !s.links.is_empty() {
            m.push('\n');
        }
    }
    m
}

pub fn render_html(doc: &Doc) -> String {
    let mut h = format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t}</title>\n</head>\n<body style=\"font-family:'FangSong','仿宋',serif;max-width:820px;margin:0 auto;padding:16px;line-height:1.8;color:#222\">\n<h1 style=\"text-align:center;font-family:'SimHei','黑体',sans-serif;font-size:26px\">{t}</h1>\n",
        t = esc_html(&clean(&doc.title))
    );
    for (k, v) in &doc.header {
        let _ = writeln!(
            h,
            "<p style=\"margin:2px 0\"><strong>{}：</strong>{}</p>",
            esc_html(k),
            esc_html(v)
        );
    }
    for (i, s) in doc.sections.iter().enumerate() {
        let _ = writeln!(
            h,
            "<h2 style=\"font-family:'SimHei','黑体',sans-serif;font-size:19px;margin-top:22px\">{}</h2>",
            esc_html(&numbered(i, &s.heading))
        );
        for p in &s.paragraphs {
            let _ = writeln!(
                h,
                "<p style=\"text-indent:2em;margin:4px 0\">{}</p>",
                esc_html(&clean(p))
            );
        }
        if let Some(c) = &s.chart {
            let _ = writeln!(
                h,
                "<figure style=\"margin:8px 0\">{}</figure>",
                chart::html_svg(c)
            );
        }
        if let Some((head, rows)) = s.table.split_first() {
            h.push_str("<table style=\"border-collapse:collapse;width:100%;margin:8px 0\">\n<tr>");
            for c in head {
                let _ = write!(
                    h,
                    "<th style=\"border:1px solid #999;padding:4px;background:#eee\">{}</th>",
                    esc_html(c)
                );
            }
            h.push_str("</tr>\n");
            for r in rows {
                h.push_str("<tr>");
                for c in r {
                    let _ = write!(
                        h,
                        "<td style=\"border:1px solid #999;padding:4px\">{}</td>",
                        esc_html(c)
                    );
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</table>\n");
        }
        if !s.links.is_empty() {
            h.push_str("<ol>\n");
            for (text, url) in &s.links {
                match safe_url(url) {
                    Some(u) => {
                        let _ = writeln!(
                            h,
                            "<li><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></li>",
                            esc_html(u),
                            esc_html(text)
                        );
                    }
                    None => {
                        let _ = writeln!(h, "<li>{}</li>", esc_html(text));
                    }
                }
            }
            h.push_str("</ol>\n");
        }
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doc {
        Doc {
            title: "关于<script>的舆情专报".into(),
            header: vec![("报送单位".into(), "青石街道".into())],
            sections: vec![Section {
                heading: "事件概述".into(),
                paragraphs: vec!["柳湾路发生路面塌陷 | 一辆轿车陷入".into()],
                table: vec![
                    vec!["来源".into(), "篇数".into()],
                    vec!["江北新闻".into(), "2".into()],
                ],
                links: vec![
                    ("原文".into(), "https://news.example.cn/a?x=1&y=2".into()),
                    ("坏链接".into(), "javascript:alert(1)".into()),
                ],
                chart: Some(chart::Chart {
                    title: "来源<篇数>".into(),
                    categories: vec!["江北新闻".into()],
                    series: vec![("篇数".into(), vec![2.0])],
                }),
            }],
        }
    }

    #[test]
    fn every_format_escapes_and_numbers_sections() {
        let d = doc();
        let html = render_html(&d);
        assert!(html.contains("关于&lt;script&gt;的舆情专报") && !html.contains("<script>"));
        assert!(html.contains("一、事件概述"));
        assert!(html.contains("href=\"https://news.example.cn/a?x=1&amp;y=2\""));
        assert!(!html.contains("javascript:"));
        let md = render_md(&d);
        assert!(md.contains("\\| 一辆轿车陷入") && md.contains("## 一、事件概述"));
        assert!(!md.contains("(javascript"));
        assert!(html.contains("<figure") && html.contains("来源&lt;篇数&gt;"));
        let docx = render(&d, ReportFormat::Docx).unwrap();
        assert!(docx.starts_with(b"PK"));
        // The chart is a PNG part of the package, placed inline in the document.
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
        let media: Vec<String> = (0..zip.len())
            .filter_map(|i| Some(zip.by_index(i).ok()?.name().ok()?.to_string()))
            .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
            .collect();
        assert_eq!(media.len(), 1, "{media:?}");
        let mut png = Vec::new();
        std::io::Read::read_to_end(&mut zip.by_name(&media[0]).unwrap(), &mut png).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
            .unwrap();
        assert!(
            xml.contains("<pic:pic") && xml.contains("r:embed="),
            "no inline picture"
        );
    }
}
