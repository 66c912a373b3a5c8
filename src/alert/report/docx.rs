//! A report as a Word document in 公文 layout: 二号黑体 title, 三号仿宋 body, 黑体 headings,
//! A4 with the official margins; editable in Word and WPS.

use docx_rs::{
    AlignmentType, Docx, Hyperlink, HyperlinkType, PageMargin, Paragraph, Pic, Run, RunFonts,
    Table, TableCell, TableRow,
};

use super::{Doc, chart, clean, numbered, safe_url};

/// The text width of an A4 page with the 公文 margins (15.6 cm), in EMU; charts are 15.5 cm.
const CHART_WIDTH_EMU: u32 = 5_580_000;

const HEITI: &str = "黑体";
const FANGSONG: &str = "仿宋_GB2312";
/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;

fn fonts(ea: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(ea)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new()
        .add_text(clean(text))
        .fonts(fonts(font))
        .size(size)
}

pub fn render(doc: &Doc) -> anyhow::Result<Vec<u8>> {
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1587)
                .right(1474),
        )
        .default_fonts(fonts(FANGSONG))
        .default_size(SANHAO);
    d = d.add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run(&doc.title, HEITI, ERHAO)),
    );
    for (k, v) in &doc.header {
        d = d.add_paragraph(
            Paragraph::new()
                .add_run(run(&format!("{k}："), FANGSONG, SANHAO).bold())
                .add_run(run(v, FANGSONG, SANHAO)),
        );
    }
    for (i, s) in doc.sections.iter().enumerate() {
        d = d.add_paragraph(Paragraph::new().keep_next(true).add_run(run(
            &numbered(i, &s.heading),
            HEITI,
            SANHAO,
        )));
        for p in &s.paragraphs {
            d = d.add_paragraph(Paragraph::new().add_run(run(
                &format!("　　{p}"),
                FANGSONG,
                SANHAO,
            )));
        }
        if let Some(c) = &s.chart {
            d = d.add_paragraph(match chart::png(c) {
                Ok((png, w, h)) => {
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(
                            Run::new().add_image(Pic::new_with_dimensions(png, w, h).size(
                                CHART_WIDTH_EMU,
                                (u64::from(CHART_WIDTH_EMU) * u64::from(h) / u64::from(w.max(1)))
                                    as u32,
                            )),
                        )
                }
                Err(e) => Paragraph::new().add_run(run(
                    &format!("（图表“{}”未能生成：{e}）", c.title),
                    FANGSONG,
                    SIHAO,
                )),
            });
        }
        if !s.table.is_empty() {
            let rows: Vec<TableRow> = s
                .table
                .iter()
                .enumerate()
                .map(|(r, row)| {
                    TableRow::new(
                        row.iter()
                            .map(|c| {
                                let mut t = run(c, FANGSONG, SIHAO);
                                if r == 0 {
                                    t = t.bold();
                                }
                                TableCell::new().add_paragraph(Paragraph::new().add_run(t))
                            })
                            .collect(),
                    )
                })
                .collect();
            d = d.add_table(Table::new(rows));
        }
        for (text, url) in &s.links {
            let p = match safe_url(url) {
                Some(u) => Paragraph::new().add_hyperlink(
                    Hyperlink::new(u, HyperlinkType::External)
                        .add_run(run(text, FANGSONG, SIHAO).underline("single")),
                ),
                None => Paragraph::new().add_run(run(text, FANGSONG, SIHAO)),
            };
            d = d.add_paragraph(p);
        }
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    d.build().pack(&mut buf)?;
    Ok(buf.into_inner())
}
