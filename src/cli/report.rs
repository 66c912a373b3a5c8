//! `yuqing report` and `yuqing trends`: the 舆情专报, the weekly and monthly reports, and the
//! daily series with their spikes.

use super::*;

pub(super) fn report(config: Config, kind: ReportKind) -> Result<(), Failure> {
    match kind {
        ReportKind::Weekly { date, format, out } => period(
            config,
            crate::app::periodic::Period::Weekly,
            date,
            format,
            out,
        ),
        ReportKind::Monthly { date, format, out } => period(
            config,
            crate::app::periodic::Period::Monthly,
            date,
            format,
            out,
        ),
        ReportKind::Incident {
            alert,
            event,
            format,
            out,
        } => incident(config, alert, event, format, out),
    }
}

fn period(
    config: Config,
    period: crate::app::periodic::Period,
    date: Option<chrono::NaiveDate>,
    format: String,
    out: Option<std::path::PathBuf>,
) -> Result<(), Failure> {
    use crate::alert::report::{ReportFormat, render};
    let app = App::open(config)?;
    let date = date.unwrap_or_else(|| app.now().date_naive() - chrono::Duration::days(1));
    let (since, _) = period.bounds(date);
    let (bytes, ext) = if format.trim().eq_ignore_ascii_case("xlsx") {
        (app.period_xlsx(period, date)?, "xlsx")
    } else {
        let Some(fmt) = ReportFormat::parse(&format) else {
            return Err(usage(format!(
                "未知格式 {format:?}，可用 docx、xlsx、md、html (unknown format)"
            )));
        };
        let (_, doc) = app.period_doc(period, date)?;
        (render(&doc, fmt)?, fmt.extension())
    };
    let path = match out {
        Some(p) => p,
        None => {
            let dir = app.config.data_dir.join("reports");
            std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
            dir.join(format!("{}-{since}.{ext}", period.label_zh()))
        }
    };
    std::fs::write(&path, bytes).map_err(anyhow::Error::from)?;
    println!(
        "已生成{} (report written): {}",
        period.label_zh(),
        path.display()
    );
    if ext == "docx" {
        say_chart_font();
    }
    Ok(())
}

/// Names the font the Word charts were drawn with, or says how to get one.
fn say_chart_font() {
    match crate::alert::report::chart::font() {
        Some(f) => eprintln!(
            "图表字体 (chart font): {}{}",
            f.family,
            f.path
                .as_ref()
                .map(|p| format!("（{}）", p.display()))
                .unwrap_or_default()
        ),
        None => eprintln!(
            "警告：未找到中文字体，Word 图表中的文字可能无法显示；请安装 fonts-noto-cjk 或设置 YUQING_CJK_FONT=字体文件 (no CJK font found)"
        ),
    }
}

fn incident(
    config: Config,
    alert: Option<i64>,
    event: Option<i64>,
    format: String,
    out: Option<std::path::PathBuf>,
) -> Result<(), Failure> {
    use crate::alert::report::{ReportFormat, render};
    use crate::app::reports::Subject;
    let Some(fmt) = ReportFormat::parse(&format) else {
        return Err(usage(format!(
            "未知格式 {format:?}，可用 docx、md、html (unknown format)"
        )));
    };
    let app = App::open(config)?;
    let (subject, name) = match (alert, event) {
        (Some(a), _) => (Subject::Alert(a), format!("alert-{a}")),
        (None, Some(e)) => (Subject::Event(e), format!("event-{e}")),
        (None, None) => return Err(usage("请用 --alert ID 或 --event ID 指定专报对象")),
    };
    let Some(doc) = app.incident_report(subject)? else {
        return Err(usage(format!("没有 {name}（no such alert or event）")));
    };
    let bytes = render(&doc, fmt)?;
    let path = match out {
        Some(p) => p,
        None => {
            let dir = app.config.data_dir.join("reports");
            std::fs::create_dir_all(&dir).map_err(anyhow::Error::from)?;
            dir.join(format!("专报-{name}.{}", fmt.extension()))
        }
    };
    std::fs::write(&path, bytes).map_err(anyhow::Error::from)?;
    println!("已生成舆情专报 (report written): {}", path.display());
    if fmt == ReportFormat::Docx {
        say_chart_font();
    }
    Ok(())
}

pub(super) fn trends(config: Config, days: u32, json: bool) -> Result<(), Failure> {
    let app = App::open(config)?;
    let t = app.trends(days)?;
    if json {
        return print_json(&t);
    }
    for s in &t.series {
        let total: i64 = s.daily.iter().map(|(_, n)| n).sum();
        let last: Vec<String> = s
            .daily
            .iter()
            .rev()
            .take(7)
            .rev()
            .map(|(_, n)| n.to_string())
            .collect();
        println!(
            "{}「{}」近 {days} 天 {total} 篇，最近 7 天：{}",
            s.kind.label_zh(),
            s.name,
            last.join(" ")
        );
    }
    if t.spikes.is_empty() {
        println!("没有突发 (no spikes)");
    }
    for s in &t.spikes {
        println!(
            "突发：{} {}「{}」{} 篇（近 28 天日均 {}）",
            s.date,
            s.kind.label_zh(),
            s.name,
            s.count,
            s.baseline
        );
    }
    Ok(())
}
