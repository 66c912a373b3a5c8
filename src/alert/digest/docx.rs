//! The digest as a Word document in 公文 style (黑体 title, 仿宋 body, A4).

use super::*;

const HEITI: &str = "黑体";
const FANGSONG: &str = "仿宋";
const KAITI: &str = "楷体";
/// 二号 = 22pt, in half-points.
const SIZE_ERHAO: usize = 44;
/// 三号 = 16pt, in half-points.
const SIZE_SANHAO: usize = 32;
/// 小四 = 12pt, in half-points (tables).
const SIZE_XIAOSI: usize = 24;
/// Fixed line pitch of 28pt (twips), the usual 公文 grid.
const LINE_PITCH: i32 = 560;
/// Two 三号 characters (twips), the first-line indent of body text.
const INDENT_2CH: i32 = 640;

fn docx_render_err<E: std::error::Error + Send + Sync + 'static>(e: E) -> DigestError {
    DigestError::Docx(Box::new(e))
}

pub(super) fn render_docx(d: &Digest) -> Result<Vec<u8>, DigestError> {
    use docx_rs::{
        AlignmentType, Docx, Hyperlink, HyperlinkType, LineSpacing, LineSpacingType, PageMargin,
        Paragraph, Run, RunFonts, SpecialIndentType, Table, TableAlignmentType, TableCell,
        TableRow, WidthType,
    };

    let fonts = |ea: &str| {
        RunFonts::new()
            .east_asia(ea)
            .ascii("Times New Roman")
            .hi_ansi("Times New Roman")
    };
    let run = |text: &str, font: &str| {
        Run::new()
            .add_text(text)
            .fonts(fonts(font))
            .size(SIZE_SANHAO)
    };
    let body_para = || {
        Paragraph::new()
            .align(AlignmentType::Both)
            .line_spacing(
                LineSpacing::new()
                    .line_rule(LineSpacingType::Exact)
                    .line(LINE_PITCH),
            )
            .indent(
                None,
                Some(SpecialIndentType::FirstLine(INDENT_2CH)),
                None,
                None,
            )
    };
    let text_para = |text: &str| body_para().add_run(run(text, FANGSONG));
    let field_para = |label: &str, text: &str| {
        body_para()
            .add_run(run(&format!("{label}："), FANGSONG).bold())
            .add_run(run(text, FANGSONG))
    };
    let heading = |text: &str| body_para().keep_next(true).add_run(run(text, HEITI));
    let sub_heading = |text: &str| body_para().keep_next(true).add_run(run(text, KAITI));

    let v = View::new(d);
    let mut doc = Docx::new()
        .page_size(11906, 16838) // A4
        .page_margin(
            PageMargin::new()
                .top(2098) // 37mm
                .bottom(1984) // 35mm
                .left(1587) // 28mm
                .right(1474) // 26mm
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(SIZE_SANHAO);

    // Title: 二号黑体, centred.
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(200))
            .add_run(
                Run::new()
                    .add_text(clean(&d.title))
                    .fonts(fonts(HEITI))
                    .size(SIZE_ERHAO),
            ),
    );
    doc = doc.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run(&format!("（{}）", fmt_date(d.date)), FANGSONG)),
    );
    doc = doc
        .add_paragraph(field_para("统计时段", &window_line(d)))
        .add_paragraph(field_para("生成时间", &fmt_cn_time(&d.generated_at)));

    // 一、总体情况
    doc = doc.add_paragraph(heading("一、总体情况"));
    if d.alerts.is_empty() {
        doc = doc.add_paragraph(text_para(EMPTY_LINE));
    } else {
        doc = doc
            .add_paragraph(text_para(&format!(
                "本时段共产生预警 {} 条，其中待处理（新）{} 条，已处理 {} 条。",
                d.alerts.len(),
                v.new_count,
                v.reviewed_count
            )))
            .add_paragraph(text_para(&format!("按级别：{}。", v.level_summary())))
            .add_paragraph(text_para(&format!("按规则：{}。", v.rule_summary())))
            .add_paragraph(text_para(&format!("按状态：{}。", v.status_summary())));
    }
    doc = doc.add_paragraph(text_para(&format!("文章倾向：{}。", View::tone_summary(d))));
    let events = View::event_lines(d);
    if !events.is_empty() {
        doc = doc.add_paragraph(text_para("热点事件："));
        for (i, e) in events.iter().enumerate() {
            doc = doc.add_paragraph(text_para(&format!("{}. {e}", i + 1)));
        }
    }
    if has_overview(d) {
        // Side by side, each half the text width.
        let mut p = Paragraph::new().align(AlignmentType::Center);
        for c in v.charts(d) {
            if let Ok((png, w, h)) = crate::alert::report::chart::png(&c) {
                let width: u32 = 2_770_000;
                p = p.add_run(Run::new().add_image(
                    docx_rs::Pic::new_with_dimensions(png, w, h).size(
                        width,
                        (u64::from(width) * u64::from(h) / u64::from(w.max(1))) as u32,
                    ),
                ));
            }
        }
        doc = doc.add_paragraph(p);
    }
    for line in summary_notes(d) {
        doc = doc.add_paragraph(text_para(&line));
    }

    // 二、预警详情
    doc = doc.add_paragraph(heading("二、预警详情"));
    if d.alerts.is_empty() {
        doc = doc.add_paragraph(text_para(EMPTY_LINE));
    }
    if let Some(n) = unlisted_notice(d) {
        doc = doc.add_paragraph(text_para(&n));
    }
    for (gi, g) in v.groups.iter().enumerate() {
        doc = doc.add_paragraph(sub_heading(&format!(
            "（{}）{}级预警（{} 条）",
            cn_numeral(gi + 1),
            clean(g.label),
            g.count()
        )));
        for r in &g.rules {
            doc = doc.add_paragraph(
                body_para().keep_next(true).add_run(
                    run(
                        &format!("规则：{}（{} 条）", clean(r.name), r.alerts.len()),
                        FANGSONG,
                    )
                    .bold(),
                ),
            );
            let (listed, rest) = r.listed(d);
            for (seq, a) in listed {
                let title = title_text(a);
                let mut p = body_para()
                    .keep_next(true)
                    .add_run(run(&format!("{seq}. "), FANGSONG).bold());
                p = match safe_url(&a.url) {
                    Some(u) => p.add_hyperlink(
                        Hyperlink::new(u, HyperlinkType::External).add_run(
                            run(&title, FANGSONG)
                                .bold()
                                .color("1A4FA0")
                                .underline("single"),
                        ),
                    ),
                    None => p.add_run(run(&title, FANGSONG).bold()),
                };
                doc = doc.add_paragraph(p);
                doc = doc.add_paragraph(field_para(
                    "来源",
                    &format!(
                        "{}　发布时间：{}　倾向：{}　状态：{}",
                        clean(&a.source_name),
                        fmt_opt_time(a.published.as_deref()),
                        a.tone.tone.label_zh(),
                        a.status.label_zh()
                    ),
                ));
                doc = doc.add_paragraph(field_para("命中词", &matched_text(a)));
                let segs = snippet_segments(&a.snippet, &a.highlights);
                if !segs.is_empty() {
                    let mut p = body_para().add_run(run("摘要：", FANGSONG).bold());
                    for (s, hl) in segs {
                        p = p.add_run(if hl {
                            run(&s, FANGSONG).bold().highlight("yellow")
                        } else {
                            run(&s, FANGSONG)
                        });
                    }
                    doc = doc.add_paragraph(p);
                }
                if let Some(rp) = reprint_line(a) {
                    doc = doc.add_paragraph(field_para("转载", &rp));
                }
                if let Some(n) = note_text(a) {
                    doc = doc.add_paragraph(field_para("备注", &n));
                }
                if !a.url.trim().is_empty() {
                    doc = doc.add_paragraph(field_para("链接", &clean(&a.url)));
                }
            }
            if rest > 0 {
                doc = doc.add_paragraph(text_para(&unlisted_in_rule(rest)));
            }
        }
    }

    // 三、信息源状况
    doc = doc
        .add_paragraph(heading("三、信息源状况"))
        .add_paragraph(text_para(&v.source_summary(d)));
    if v.gaps.is_empty() {
        doc = doc.add_paragraph(text_para(ALL_SOURCES_OK));
    } else {
        let cell = |text: &str, bold: bool, width: usize| {
            let mut r = Run::new()
                .add_text(text)
                .fonts(fonts(if bold { HEITI } else { FANGSONG }))
                .size(SIZE_XIAOSI);
            if bold {
                r = r.bold();
            }
            TableCell::new()
                .width(width, WidthType::Dxa)
                .add_paragraph(Paragraph::new().add_run(r))
        };
        // Text width of A4 minus margins = 8845 twips.
        let widths = [2000usize, 1500, 1900, 1045, 2400];
        let header = ["信息源", "状态", "最近成功", "近24小时", "最近错误"];
        let mut rows = vec![TableRow::new(
            header
                .iter()
                .zip(widths)
                .map(|(h, w)| cell(h, true, w))
                .collect(),
        )];
        for s in &v.gaps {
            let vals = [
                source_name(s),
                s.status.label_zh().to_string(),
                fmt_opt_time(s.last_success.as_deref()),
                s.articles_24h.to_string(),
                clean(s.last_error.as_deref().unwrap_or("—")),
            ];
            rows.push(TableRow::new(
                vals.iter()
                    .zip(widths)
                    .map(|(t, w)| cell(t, false, w))
                    .collect(),
            ));
        }
        doc = doc.add_table(
            Table::new(rows)
                .set_grid(widths.to_vec())
                .align(TableAlignmentType::Center),
        );
    }

    doc = doc
        .add_paragraph(Paragraph::new())
        .add_paragraph(body_para().add_run(run("填报人：　　　　　　　　审核人：", FANGSONG)));

    // Document properties: made when the digest was, by the office (not 1970, not "unknown").
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(&d.generated_at) {
        let made = t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        doc = doc.created_at(&made).updated_at(&made);
    }
    let unit = office_name(&d.title);
    doc = doc.custom_property("报送单位", unit.as_str());
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).map_err(docx_render_err)?;
    with_creator(buf.into_inner(), &unit).map_err(docx_render_err)
}

/// The office a digest is from: its title without 舆情日报 (青石街道舆情日报 → 青石街道).
fn office_name(title: &str) -> String {
    let t = clean(title);
    let t = t.trim();
    let short = t
        .strip_suffix("舆情日报")
        .or_else(|| t.strip_suffix("日报"))
        .unwrap_or(t)
        .trim();
    if short.is_empty() {
        t.to_string()
    } else {
        short.to_string()
    }
}

/// Sets the document's author (`dc:creator`, `cp:lastModifiedBy`), which docx-rs writes as
/// "unknown": every other part is copied as it is.
fn with_creator(docx: Vec<u8>, creator: &str) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::{Read, Write};
    let esc = creator
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(docx))?;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let file = src.by_index(i)?;
        let name = file.name()?.to_string();
        if name != "docProps/core.xml" {
            out.raw_copy_file(file)?;
            continue;
        }
        let mut xml = String::new();
        file.take(1 << 20).read_to_string(&mut xml)?;
        let xml = xml
            .replace(
                "<dc:creator>unknown</dc:creator>",
                &format!("<dc:creator>{esc}</dc:creator>"),
            )
            .replace(
                "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
                &format!("<cp:lastModifiedBy>{esc}</cp:lastModifiedBy>"),
            );
        out.start_file(name, zip::write::SimpleFileOptions::default())?;
        out.write_all(xml.as_bytes())?;
    }
    Ok(out.finish()?.into_inner())
}

fn cn_numeral(n: usize) -> String {
    const D: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match n {
        0..=10 => D[n].to_string(),
        11..=19 => format!("十{}", D[n - 10]),
        _ => n.to_string(),
    }
}
