//! `/export.csv` and `/export.xlsx`: a search's result set (at most [`MAX_ROWS`] articles) as a
//! spreadsheet. Crawled text is data, never a formula: CSV cells that a spreadsheet would
//! evaluate get a leading `'`, and XLSX cells are written as strings.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::WebState;
use super::auth::PageUser;
use super::error::{PageError, WebError, blocking};
use super::params::Params;
use crate::alert::digest::xlsx_cell;
use crate::app::{Hit, MAX_LIMIT};

pub const MAX_ROWS: usize = 5000;

const HEADERS: [&str; 7] = ["编号", "标题", "来源", "发布时间", "链接", "摘要", "倾向"];

/// Every hit of the search (up to [`MAX_ROWS`]), page by page.
async fn collect(web: &WebState, p: &Params) -> Result<Vec<Hit>, WebError> {
    let app = web.shared.app();
    let mut opts = p.search_options(&app, MAX_LIMIT)?;
    if opts.query.is_empty() {
        return Err(WebError::bad("请输入检索词 (q is required)"));
    }
    opts.limit = MAX_LIMIT;
    opts.page = 1;
    let _turn = web.heavy.acquire().await.map_err(anyhow::Error::from)?;
    blocking(move || -> Result<_, WebError> {
        let mut hits = Vec::new();
        loop {
            let r = app.search(&opts)?;
            let got = r.hits.len();
            hits.extend(r.hits);
            if got == 0 || hits.len() >= r.total.min(MAX_ROWS) {
                break;
            }
            opts.page += 1;
        }
        hits.truncate(MAX_ROWS);
        Ok(hits)
    })
    .await
}

fn row(h: &Hit) -> [String; 7] {
    [
        h.id.to_string(),
        h.title.clone(),
        h.source_name.clone(),
        // Local time as everywhere else a person reads one (`2026-11-21 22:45`).
        h.published
            .as_deref()
            .map(|t| crate::model::short_time(Some(t)))
            .unwrap_or_default(),
        h.url.clone(),
        h.snippet.clone(),
        h.tone.tone.label_zh().to_string(),
    ]
}

/// A download named after the local time of the export (the configured zone).
fn attachment(
    now: chrono::DateTime<chrono::FixedOffset>,
    ext: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let stamp = now.format("%Y%m%d-%H%M%S");
    let disposition = format!("attachment; filename=\"yuqing-search-{stamp}.{ext}\"");
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A CSV field, quoted, with formula-looking text defused.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub async fn csv(
    State(web): State<WebState>,
    PageUser(_): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let hits = collect(&web, &p).await?;
    // A BOM so that Excel opens UTF-8 Chinese correctly.
    let mut out = String::from("\u{feff}");
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
            + "\r\n"
    };
    out.push_str(&line(&HEADERS.map(str::to_string)));
    for h in &hits {
        out.push_str(&line(&row(h)));
    }
    Ok(attachment(
        web.shared.app().now(),
        "csv",
        "text/csv; charset=utf-8",
        out.into_bytes(),
    ))
}

pub async fn xlsx(
    State(web): State<WebState>,
    PageUser(_): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let hits = collect(&web, &p).await?;
    let bytes = blocking(move || -> Result<Vec<u8>, WebError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let x = |e: rust_xlsxwriter::XlsxError| WebError::Internal(e.into());
        ws.set_name("检索结果").map_err(x)?;
        let bold = Format::new().set_bold();
        for (c, h) in HEADERS.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)
                .map_err(x)?;
        }
        for (r, h) in hits.iter().enumerate() {
            for (c, v) in row(h).iter().enumerate() {
                // Excel refuses cells over 32,767 characters: cut with a marker, never a 500.
                ws.write_string(r as u32 + 1, c as u16, xlsx_cell(v))
                    .map_err(x)?;
            }
        }
        for (c, w) in [8.0, 50.0, 16.0, 22.0, 40.0, 80.0].iter().enumerate() {
            ws.set_column_width(c as u16, *w).map_err(x)?;
        }
        wb.save_to_buffer().map_err(x)
    })
    .await?;
    Ok(attachment(
        web.shared.app().now(),
        "xlsx",
        crate::model::DigestFormat::Xlsx.content_type(),
        bytes,
    ))
}
