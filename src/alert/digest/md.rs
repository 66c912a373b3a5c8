//! The digest as Markdown (bot messages, plain-text archives).

use super::*;

/// Backslash-escapes Markdown-significant ASCII punctuation in crawled text.
fn esc_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '&' | '~' | '#' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Makes a URL safe inside `( … )` of a Markdown link by percent-encoding delimiters.
fn md_url(u: &str) -> String {
    let mut out = String::with_capacity(u.len());
    for c in u.chars() {
        match c {
            ' ' | '<' | '>' | '(' | ')' | '"' | '\\' | '`' | '[' | ']' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

pub(super) fn render_md(d: &Digest) -> String {
    let v = View::new(d);
    let mut m = String::with_capacity(4096 + d.alerts.len() * 512);
    let _ = writeln!(m, "# {}\n", esc_md(&d.title));
    let _ = writeln!(m, "- **日期**：{}", fmt_date(d.date));
    let _ = writeln!(m, "- **统计时段**：{}", esc_md(&window_line(d)));
    let _ = writeln!(
        m,
        "- **生成时间**：{}\n",
        esc_md(&fmt_cn_time(&d.generated_at))
    );

    m.push_str("## 一、总体情况\n\n");
    if d.alerts.is_empty() {
        let _ = writeln!(m, "**{EMPTY_LINE}**\n");
    } else {
        let _ = writeln!(
            m,
            "本时段共产生预警 **{}** 条，其中待处理（新）{} 条，已处理 {} 条。\n",
            d.alerts.len(),
            v.new_count,
            v.reviewed_count
        );
        let _ = writeln!(m, "- 按级别：{}", esc_md(&v.level_summary()));
        let _ = writeln!(m, "- 按规则：{}", esc_md(&v.rule_summary()));
        let _ = writeln!(m, "- 按状态：{}", esc_md(&v.status_summary()));
    }
    let _ = writeln!(m, "- 文章倾向：{}", esc_md(&View::tone_summary(d)));
    let events = View::event_lines(d);
    if !events.is_empty() {
        m.push_str("- 热点事件：\n");
        for (i, e) in events.iter().enumerate() {
            let _ = writeln!(m, "  {}. {}", i + 1, esc_md(e));
        }
    }
    m.push('\n');
    for line in summary_notes(d) {
        let _ = writeln!(m, "{line}\n");
    }

    m.push_str("## 二、预警详情\n\n");
    if d.alerts.is_empty() {
        let _ = writeln!(m, "{EMPTY_LINE}\n");
    }
    if let Some(n) = unlisted_notice(d) {
        let _ = writeln!(m, "**{}**\n", esc_md(&n));
    }
    for g in &v.groups {
        let _ = writeln!(m, "### {}级预警（{} 条）\n", esc_md(g.label), g.count());
        for r in &g.rules {
            let _ = writeln!(
                m,
                "#### 规则：{}（{} 条）\n",
                esc_md(r.name),
                r.alerts.len()
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                md_alert(&mut m, *seq, a);
            }
            if rest > 0 {
                let _ = writeln!(m, "{}\n", esc_md(&unlisted_in_rule(rest)));
            }
        }
    }

    m.push_str("## 三、信息源状况\n\n");
    let _ = writeln!(m, "{}\n", esc_md(&v.source_summary(d)));
    if v.gaps.is_empty() {
        let _ = writeln!(m, "{ALL_SOURCES_OK}\n");
    } else {
        m.push_str("| 信息源 | 状态 | 最近成功 | 近24小时文章 | 最近错误 |\n");
        m.push_str("| --- | --- | --- | ---: | --- |\n");
        for s in &v.gaps {
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} |",
                esc_md(&source_name(s)),
                esc_md(s.status.label_zh()),
                esc_md(&fmt_opt_time(s.last_success.as_deref())),
                s.articles_24h,
                esc_md(s.last_error.as_deref().unwrap_or("—")),
            );
        }
        m.push('\n');
    }
    m.push_str("填报人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿\n");
    m
}

fn md_alert(m: &mut String, seq: usize, a: &DigestAlert) {
    let title = esc_md(&title_text(a));
    match safe_url(&a.url) {
        Some(u) => {
            let _ = writeln!(m, "{seq}. **[{title}]({})**", md_url(u));
        }
        None => {
            let _ = writeln!(m, "{seq}. **{title}**");
        }
    }
    let _ = writeln!(m, "   - 来源：{}", esc_md(&a.source_name));
    let _ = writeln!(
        m,
        "   - 发布时间：{}",
        esc_md(&fmt_opt_time(a.published.as_deref()))
    );
    let _ = writeln!(m, "   - 命中词：{}", esc_md(&matched_text(a)));
    let _ = writeln!(m, "   - 倾向：{}", a.tone.tone.label_zh());
    let segs = snippet_segments(&a.snippet, &a.highlights);
    if !segs.is_empty() {
        let mut s = String::new();
        for (t, hl) in segs {
            let t = esc_md(&t);
            if hl {
                // Emphasis markers must hug non-space text to take effect.
                let lead = &t[..t.len() - t.trim_start().len()];
                let trail = &t[t.trim_end().len()..];
                let core = t.trim();
                if core.is_empty() {
                    s.push_str(&t);
                } else {
                    let _ = write!(s, "{lead}**{core}**{trail}");
                }
            } else {
                s.push_str(&t);
            }
        }
        let _ = writeln!(m, "   - 摘要：{s}");
    }
    let _ = writeln!(m, "   - 状态：{}", esc_md(a.status.label_zh()));
    if let Some(r) = reprint_line(a) {
        let _ = writeln!(m, "   - 转载：{}", esc_md(&r));
    }
    if let Some(n) = note_text(a) {
        let _ = writeln!(m, "   - 备注：{}", esc_md(&n));
    }
    if safe_url(&a.url).is_none() && !a.url.trim().is_empty() {
        let _ = writeln!(m, "   - 链接（未启用）：{}", esc_md(&a.url));
    }
    m.push('\n');
}
