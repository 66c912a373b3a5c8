//! The digest as one self-contained HTML document (inline styles: it is also an email body).

use super::*;

/// The web's HTML escaping, minus control characters (meaningless in a report, and some mail
/// clients choke on them).
fn esc_html(s: &str) -> String {
    let kept: String = s
        .chars()
        .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
        .collect();
    crate::search::snippet::escape(&kept)
}

const CSS_BODY: &str = "margin:0;padding:0;background:#f4f5f7;color:#222;font-family:-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;font-size:15px;line-height:1.6;";
const CSS_WRAP: &str = "max-width:760px;margin:0 auto;padding:16px;background:#ffffff;";
const CSS_H1: &str =
    "font-size:22px;text-align:center;margin:8px 0 12px;color:#b00000;font-weight:bold;";
const CSS_H2: &str =
    "font-size:18px;margin:24px 0 8px;padding-bottom:4px;border-bottom:2px solid #b00000;";
const CSS_H3: &str = "font-size:16px;margin:16px 0 6px;";
const CSS_H4: &str = "font-size:15px;margin:12px 0 6px;color:#444;";
const CSS_META: &str = "margin:2px 0;color:#555;font-size:14px;";
const CSS_CARD: &str = "border:1px solid #ddd;border-radius:4px;padding:10px 12px;margin:8px 0;";
const CSS_FIELD: &str = "margin:2px 0;font-size:14px;word-break:break-word;overflow-wrap:anywhere;";
const CSS_SNIPPET: &str = "margin:6px 0;padding:6px 8px;background:#f7f7f7;border-left:3px solid #ccc;font-size:14px;word-break:break-word;overflow-wrap:anywhere;";
const CSS_MARK: &str = "background:#ffe58f;color:#000;padding:0 1px;";
const CSS_TABLE: &str = "border-collapse:collapse;width:100%;font-size:13px;";
const CSS_TH: &str =
    "border:1px solid #ccc;padding:4px 6px;background:#f0f0f0;text-align:left;white-space:nowrap;";
const CSS_TD: &str =
    "border:1px solid #ccc;padding:4px 6px;vertical-align:top;word-break:break-word;";
const CSS_EMPTY: &str =
    "margin:8px 0;padding:8px 12px;background:#f0f7ff;border:1px solid #cfe3ff;";
const CSS_SIGN: &str = "margin:24px 0 4px;font-size:14px;color:#333;";

fn level_color(level: &str) -> &'static str {
    match level {
        "高" => "#c00000",
        "中" => "#d46b08",
        "低" => "#1d6fb8",
        _ => "#555555",
    }
}

pub(super) fn render_html(d: &Digest) -> String {
    let v = View::new(d);
    let mut h = String::with_capacity(8192 + d.alerts.len() * 1024);
    let title = esc_html(&clean(&d.title));
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{title} {date}</title>\n</head>\n<body style=\"{CSS_BODY}\">\n<div style=\"{CSS_WRAP}\">\n\
<h1 style=\"{CSS_H1}\">{title}</h1>\n",
        date = esc_html(&fmt_date(d.date)),
    );
    for (k, val) in [
        ("日期", fmt_date(d.date)),
        ("统计时段", window_line(d)),
        ("生成时间", fmt_cn_time(&d.generated_at)),
    ] {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_META}\"><strong>{k}：</strong>{}</p>",
            esc_html(&val)
        );
    }

    // 一、总体情况
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">一、总体情况</h2>");
    if d.alerts.is_empty() {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_EMPTY}\"><strong>{EMPTY_LINE}</strong></p>"
        );
    } else {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}\">本时段共产生预警 <strong>{}</strong> 条，其中待处理（新）{} 条，已处理 {} 条。</p>",
            d.alerts.len(),
            v.new_count,
            v.reviewed_count
        );
        let _ = writeln!(h, "<table style=\"{CSS_TABLE}\" role=\"presentation\">");
        for (k, val) in [
            ("按级别", v.level_summary()),
            ("按规则", v.rule_summary()),
            ("按状态", v.status_summary()),
        ] {
            let _ = writeln!(
                h,
                "<tr><th style=\"{CSS_TH}\">{k}</th><td style=\"{CSS_TD}\">{}</td></tr>",
                esc_html(&val)
            );
        }
        h.push_str("</table>\n");
    }
    let _ = writeln!(
        h,
        "<p style=\"{CSS_FIELD}\"><strong>文章倾向：</strong>{}</p>",
        esc_html(&View::tone_summary(d))
    );
    let events = View::event_lines(d);
    if !events.is_empty() {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}\"><strong>热点事件：</strong></p>\n<ol style=\"{CSS_FIELD}\">"
        );
        for e in &events {
            let _ = writeln!(h, "<li>{}</li>", esc_html(e));
        }
        h.push_str("</ol>\n");
    }
    if has_overview(d) {
        h.push_str("<div style=\"display:flex;flex-wrap:wrap;gap:8px;margin:8px 0\">");
        for c in v.charts(d) {
            let _ = write!(
                h,
                "<div style=\"flex:1 1 300px;max-width:100%\">{}</div>",
                crate::alert::report::chart::html_svg(&c).replacen(
                    "<svg ",
                    "<svg style=\"width:100%;height:auto\" ",
                    1
                )
            );
        }
        h.push_str("</div>\n");
    }
    for line in summary_notes(d) {
        let _ = writeln!(h, "<p style=\"{CSS_META}\">{}</p>", esc_html(&line));
    }

    // 二、预警详情
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">二、预警详情</h2>");
    if d.alerts.is_empty() {
        let _ = writeln!(h, "<p style=\"{CSS_FIELD}\">{EMPTY_LINE}</p>");
    }
    if let Some(n) = unlisted_notice(d) {
        let _ = writeln!(h, "<p style=\"{CSS_EMPTY}\">{}</p>", esc_html(&n));
    }
    for g in &v.groups {
        let _ = writeln!(
            h,
            "<h3 style=\"{CSS_H3}color:{};\">{}级预警（{} 条）</h3>",
            level_color(g.label),
            esc_html(g.label),
            g.count()
        );
        for r in &g.rules {
            let _ = writeln!(
                h,
                "<h4 style=\"{CSS_H4}\">规则：{}（{} 条）</h4>",
                esc_html(&clean(r.name)),
                r.alerts.len()
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                html_alert(&mut h, *seq, a);
            }
            if rest > 0 {
                let _ = writeln!(
                    h,
                    "<p style=\"{CSS_FIELD}color:#666;\">{}</p>",
                    unlisted_in_rule(rest)
                );
            }
        }
    }

    // 三、信息源状况
    let _ = writeln!(h, "<h2 style=\"{CSS_H2}\">三、信息源状况</h2>");
    let _ = writeln!(
        h,
        "<p style=\"{CSS_FIELD}\">{}</p>",
        esc_html(&v.source_summary(d))
    );
    if v.gaps.is_empty() {
        let _ = writeln!(h, "<p style=\"{CSS_FIELD}\">{ALL_SOURCES_OK}</p>");
    } else {
        let _ = writeln!(
            h,
            "<div style=\"overflow-x:auto;\"><table style=\"{CSS_TABLE}\">\n<tr>\
<th style=\"{CSS_TH}\">信息源</th><th style=\"{CSS_TH}\">状态</th><th style=\"{CSS_TH}\">最近成功</th>\
<th style=\"{CSS_TH}\">近24小时文章</th><th style=\"{CSS_TH}\">最近错误</th></tr>"
        );
        for s in &v.gaps {
            let _ = writeln!(
                h,
                "<tr><td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td>\
<td style=\"{CSS_TD}\">{}</td><td style=\"{CSS_TD}\">{}</td></tr>",
                esc_html(&source_name(s)),
                esc_html(&clean(s.status.label_zh())),
                esc_html(&fmt_opt_time(s.last_success.as_deref())),
                s.articles_24h,
                esc_html(&clean(s.last_error.as_deref().unwrap_or("—"))),
            );
        }
        h.push_str("</table></div>\n");
    }

    let _ = writeln!(
        h,
        "<p style=\"{CSS_SIGN}\">填报人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿</p>\n</div>\n</body>\n</html>"
    );
    h
}

fn html_alert(h: &mut String, seq: usize, a: &DigestAlert) {
    let title = esc_html(&title_text(a));
    let _ = write!(
        h,
        "<div style=\"{CSS_CARD}\">\n<p style=\"{CSS_FIELD}font-size:15px;\"><strong>{seq}. "
    );
    match safe_url(&a.url) {
        Some(u) => {
            let _ = write!(
                h,
                "<a href=\"{}\" style=\"color:#1a4fa0;\">{title}</a>",
                esc_html(u)
            );
        }
        None => h.push_str(&title),
    }
    h.push_str("</strong></p>\n");
    let mut fields: Vec<(&str, String)> = vec![
        ("来源", clean(&a.source_name)),
        ("发布时间", fmt_opt_time(a.published.as_deref())),
        ("命中词", matched_text(a)),
        ("倾向", a.tone.tone.label_zh().to_string()),
        ("状态", a.status.label_zh().to_string()),
    ];
    if let Some(r) = reprint_line(a) {
        fields.push(("转载", r));
    }
    if let Some(n) = note_text(a) {
        fields.push(("备注", n));
    }
    for (k, val) in fields {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}\"><span style=\"color:#666;\">{k}：</span>{}</p>",
            esc_html(&val)
        );
    }
    let segs = snippet_segments(&a.snippet, &a.highlights);
    if !segs.is_empty() {
        let _ = write!(h, "<p style=\"{CSS_SNIPPET}\">");
        for (s, hl) in segs {
            if hl {
                let _ = write!(h, "<mark style=\"{CSS_MARK}\">{}</mark>", esc_html(&s));
            } else {
                h.push_str(&esc_html(&s));
            }
        }
        h.push_str("</p>\n");
    }
    if safe_url(&a.url).is_none() && !a.url.trim().is_empty() {
        let _ = writeln!(
            h,
            "<p style=\"{CSS_FIELD}color:#666;\">链接（未启用）：{}</p>",
            esc_html(&clean(&a.url))
        );
    }
    h.push_str("</div>\n");
}
