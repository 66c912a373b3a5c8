//! The digest as an Excel workbook: every alert, one row each, and the sources.

use super::*;

/// Excel's cell limit is 32,767 UTF-16 units; stay well under it.
fn xl_text(s: &str) -> String {
    xlsx_cell(s)
}

pub(super) fn render_xlsx(d: &Digest) -> Result<Vec<u8>, DigestError> {
    use rust_xlsxwriter::{Format as XFormat, FormatAlign, Url, Workbook};

    let v = View::new(d);
    let mut wb = Workbook::new();
    let header = XFormat::new()
        .set_bold()
        .set_background_color(0xE7E6E6)
        .set_align(FormatAlign::Center);
    let wrap = XFormat::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = XFormat::new().set_align(FormatAlign::Top);

    {
        let ws = wb.add_worksheet();
        ws.set_name("预警")?;
        let cols: [(&str, f64); 12] = [
            ("序号", 6.0),
            ("级别", 6.0),
            ("规则", 16.0),
            ("标题", 48.0),
            ("来源", 16.0),
            ("发布时间", 17.0),
            ("链接", 40.0),
            ("命中词", 20.0),
            ("状态", 8.0),
            ("备注", 28.0),
            ("转载数", 8.0),
            ("倾向", 8.0),
        ];
        for (i, (name, width)) in cols.iter().enumerate() {
            let c = i as u16;
            ws.write_string_with_format(0, c, *name, &header)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        if v.ordered.is_empty() {
            ws.write_string(1, 0, EMPTY_LINE)?;
        }
        for (i, (seq, a)) in v.ordered.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_number_with_format(r, 0, *seq as f64, &top)?;
            ws.write_string_with_format(r, 1, a.level.label_zh(), &top)?;
            ws.write_string_with_format(r, 2, xl_text(rule_display(a)), &wrap)?;
            ws.write_string_with_format(r, 3, xl_text(&title_text(a)), &wrap)?;
            ws.write_string_with_format(r, 4, xl_text(&a.source_name), &wrap)?;
            ws.write_string_with_format(r, 5, fmt_opt_time(a.published.as_deref()), &top)?;
            let url = xl_text(&a.url);
            let linked = match safe_url(&url) {
                Some(u) => ws.write_url_with_format(r, 6, Url::new(u), &top).is_ok(),
                _ => false,
            };
            if !linked {
                ws.write_string_with_format(r, 6, url, &top)?;
            }
            ws.write_string_with_format(r, 7, xl_text(&matched_text(a)), &wrap)?;
            ws.write_string_with_format(r, 8, a.status.label_zh(), &top)?;
            ws.write_string_with_format(r, 9, xl_text(&note_text(a).unwrap_or_default()), &wrap)?;
            ws.write_number_with_format(r, 10, a.cluster_size.saturating_sub(1) as f64, &top)?;
            ws.write_string_with_format(r, 11, a.tone.tone.label_zh(), &top)?;
        }
        // Below the table, after one blank row: what was left out.
        for (i, line) in summary_notes(d).into_iter().enumerate() {
            ws.write_string((v.ordered.len().max(1) + 2 + i) as u32, 0, xl_text(&line))?;
        }
    }

    {
        let ws = wb.add_worksheet();
        ws.set_name("信息源")?;
        let cols: [(&str, f64); 6] = [
            ("信息源ID", 18.0),
            ("名称", 20.0),
            ("状态", 14.0),
            ("最近成功", 17.0),
            ("近24小时文章数", 14.0),
            ("最近错误", 50.0),
        ];
        for (i, (name, width)) in cols.iter().enumerate() {
            let c = i as u16;
            ws.write_string_with_format(0, c, *name, &header)?;
            ws.set_column_width(c, *width)?;
        }
        ws.set_freeze_panes(1, 0)?;
        // Coverage gaps first, then healthy sources.
        let mut sources: Vec<&DigestSource> = d.sources.iter().collect();
        sources.sort_by_key(|s| s.status.rank());
        for (i, s) in sources.iter().enumerate() {
            let r = (i + 1) as u32;
            ws.write_string_with_format(r, 0, xl_text(&s.id), &top)?;
            ws.write_string_with_format(r, 1, xl_text(&s.name), &top)?;
            ws.write_string_with_format(r, 2, s.status.label_zh(), &top)?;
            ws.write_string_with_format(r, 3, fmt_opt_time(s.last_success.as_deref()), &top)?;
            ws.write_number_with_format(r, 4, s.articles_24h as f64, &top)?;
            ws.write_string_with_format(
                r,
                5,
                xl_text(s.last_error.as_deref().unwrap_or("")),
                &wrap,
            )?;
        }
    }

    {
        // 概览: the counts behind the overview, with native charts.
        use rust_xlsxwriter::{Chart, ChartType};
        let ws = wb.add_worksheet();
        ws.set_name("概览")?;
        ws.set_column_width(0, 40.0)?;
        ws.set_column_width(1, 12.0)?;
        ws.write_string_with_format(0, 0, "预警级别", &header)?;
        ws.write_string_with_format(0, 1, "预警数", &header)?;
        for (i, (label, n)) in v.by_level.iter().enumerate() {
            ws.write_string(1 + i as u32, 0, *label)?;
            ws.write_number(1 + i as u32, 1, *n as f64)?;
        }
        let o = &d.overview;
        ws.write_string_with_format(5, 0, "文章倾向", &header)?;
        ws.write_string_with_format(5, 1, "文章数", &header)?;
        for (i, (label, n)) in [
            ("负面", o.negative),
            ("中性", o.neutral),
            ("正面", o.positive),
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(6 + i as u32, 0, *label)?;
            ws.write_number(6 + i as u32, 1, *n as f64)?;
        }
        ws.write_string_with_format(10, 0, "热点事件", &header)?;
        ws.write_string_with_format(10, 1, "热度", &header)?;
        for (i, e) in o.top_events.iter().enumerate() {
            ws.write_string(11 + i as u32, 0, xl_text(&e.title))?;
            ws.write_number(11 + i as u32, 1, (e.heat * 10.0).round() / 10.0)?;
        }
        for (title, first, row, col) in [("预警级别", 1u32, 0u32, 3u16), ("文章倾向", 6, 16, 3)]
        {
            let mut chart = Chart::new(ChartType::Column);
            chart.title().set_name(title);
            chart.legend().set_hidden();
            chart
                .add_series()
                .set_categories(("概览", first, 0, first + 2, 0))
                .set_values(("概览", first, 1, first + 2, 1));
            ws.insert_chart(row, col, &chart)?;
        }
    }

    Ok(wb.save_to_buffer()?)
}
