//! The weekly or monthly report as an Excel workbook.

use chrono::NaiveDate;

use super::{App, Period};

impl App {
    /// The report as an Excel workbook: the daily table with a native column chart, and the
    /// distributions.
    pub fn period_xlsx(&self, period: Period, date: NaiveDate) -> anyhow::Result<Vec<u8>> {
        use rust_xlsxwriter::{Chart, ChartType, Format, Workbook};
        let (r, doc) = self.period_doc(period, date)?;
        let mut wb = Workbook::new();
        let bold = Format::new().set_bold();
        {
            let ws = wb.add_worksheet();
            ws.set_name("概况")?;
            ws.write_with_format(0, 0, crate::alert::digest::xlsx_cell(&doc.title), &bold)?;
            ws.write(
                1,
                0,
                format!(
                    "预警 {} 条（上期 {}），文章 {} 篇（上期 {}），负面 {} 篇（上期 {}）",
                    r.current.alerts,
                    r.previous.alerts,
                    r.current.articles,
                    r.previous.articles,
                    r.current.negative,
                    r.previous.negative
                ),
            )?;
            for (c, h) in ["日期", "预警", "文章"].iter().enumerate() {
                ws.write_with_format(3, c as u16, *h, &bold)?;
            }
            for (i, (d, a, n)) in r.current.daily.iter().enumerate() {
                let row = 4 + i as u32;
                ws.write(row, 0, d.as_str())?;
                ws.write(row, 1, *a as f64)?;
                ws.write(row, 2, *n as f64)?;
            }
            let last = 3 + r.current.daily.len() as u32;
            let mut chart = Chart::new(ChartType::Column);
            chart.title().set_name("每日预警与文章");
            chart
                .add_series()
                .set_name("预警")
                .set_categories(("概况", 4, 0, last, 0))
                .set_values(("概况", 4, 1, last, 1));
            chart
                .add_series()
                .set_name("文章")
                .set_categories(("概况", 4, 0, last, 0))
                .set_values(("概况", 4, 2, last, 2));
            ws.insert_chart(3, 4, &chart)?;
            ws.set_column_width(0, 12)?;
        }
        for s in doc
            .sections
            .iter()
            .filter(|s| s.table.len() > 1 && s.heading != "总体情况")
        {
            let ws = wb.add_worksheet();
            ws.set_name(s.heading.as_str())?;
            for (ri, row) in s.table.iter().enumerate() {
                for (ci, cell) in row.iter().enumerate() {
                    let v = crate::alert::digest::xlsx_cell(cell);
                    match (ri, v.parse::<f64>()) {
                        (0, _) => ws.write_with_format(ri as u32, ci as u16, v, &bold)?,
                        (_, Ok(n)) => ws.write(ri as u32, ci as u16, n)?,
                        _ => ws.write(ri as u32, ci as u16, v)?,
                    };
                }
            }
            ws.set_column_width(0, 28)?;
        }
        Ok(wb.save_to_buffer()?)
    }
}
