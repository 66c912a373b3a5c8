//! 舆情概览, the overview page: charts drawn here as inline SVG (no script, no chart library,
//! no CDN: it works on an intranet, prints, and reads on a phone), and `/api/overview`.

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::WebState;
use super::auth::{ApiUser, PageUser};
use super::error::{PageError, WebError, blocking};
use super::params::Params;
use super::view::{Nav, render};
use crate::app::overview::Overview;

#[derive(Template)]
#[template(path = "overview.html", config = "src/web/askama.toml")]
struct OverviewPage {
    nav: Nav,
    o: Overview,
    alerts_svg: String,
    tone_svg: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One series of a stacked bar chart: its label, colour, value per day and the link of each
/// bar (`{day}` stands for the bar's date): the filtered list behind it.
pub type Series<'a> = (&'a str, &'a str, Vec<i64>, &'a str);

/// Stacked bars, one per day, each segment a link to the list it counts. Every label and link
/// is escaped; the chart scales to the page width.
pub fn stacked_bars(title: &str, days: &[String], series: &[Series]) -> String {
    let n = days.len().max(1);
    let (w, h, left, bottom, top) = (480.0f64, 160.0f64, 34.0f64, 34.0f64, 28.0f64);
    let bar = (w - left - 8.0) / n as f64;
    let totals: Vec<i64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.2.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {w} {}\" preserveAspectRatio=\"xMinYMin meet\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title),
        h + bottom + top
    );
    // Legend.
    let mut x = left;
    for (label, colour, _, _) in series {
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"5\" width=\"13\" height=\"13\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"17\" font-size=\"14\">{}</text>",
            x + 13.0,
            esc(label)
        ));
        x += 18.0 + 15.0 * label.chars().count() as f64 + 12.0;
    }
    // Axis: zero and the maximum.
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#999\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\">0</text><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
        top + h,
        w - 8.0,
        top + h,
        left - 4.0,
        top + h + 3.0,
        left - 4.0,
        top + 8.0,
        max as i64
    ));
    for (i, day) in days.iter().enumerate() {
        let mut y = top + h;
        let bx = left + bar * i as f64;
        for (label, colour, values, link) in series {
            let v = values.get(i).copied().unwrap_or(0);
            if v == 0 {
                continue;
            }
            let bh = h * v as f64 / max;
            y -= bh;
            svg.push_str(&format!(
                "<a href=\"{}\"><rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"><title>{} {} {v}</title></rect></a>",
                esc(&link.replace("{day}", day)),
                bx + 1.0,
                (bar - 2.0).max(1.0),
                esc(day),
                esc(label)
            ));
        }
        let step = (n / 4).max(1);
        // Every step-th day, and the last one unless it would touch the label before it.
        if i % step == 0 || (i == n - 1 && (n - 1) % step >= step.div_ceil(2)) {
            svg.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\">{}</text>",
                bx + bar / 2.0,
                top + h + 18.0,
                esc(day.get(5..).unwrap_or(day))
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

async fn load(web: &WebState, p: &Params) -> Result<Overview, WebError> {
    let since = p.date("since")?;
    let until = p.date("until")?;
    let app = web.shared.app();
    blocking(move || app.overview(since, until).map_err(WebError::BadRequest)).await
}

pub async fn page(
    State(web): State<WebState>,
    PageUser(s): PageUser,
    p: Params,
) -> Result<Response, PageError> {
    let o = load(&web, &p).await?;
    let days: Vec<String> = o.alerts_daily.iter().map(|d| d.date.clone()).collect();
    let alerts_svg = stacked_bars(
        "每日预警（按级别）",
        &days,
        &[
            (
                "高",
                "#b71c1c",
                o.alerts_daily.iter().map(|d| d.high).collect(),
                "/alerts?date={day}&level=high",
            ),
            (
                "中",
                "#f57c00",
                o.alerts_daily.iter().map(|d| d.medium).collect(),
                "/alerts?date={day}&level=medium",
            ),
            (
                "低",
                "#607d8b",
                o.alerts_daily.iter().map(|d| d.low).collect(),
                "/alerts?date={day}&level=low",
            ),
        ],
    );
    let tone_svg = stacked_bars(
        "每日文章（按情感倾向）",
        &days,
        &[
            (
                "负面",
                "#c62828",
                o.tone_daily.iter().map(|d| d.negative).collect(),
                "/?tone=negative&since={day}&until={day}",
            ),
            (
                "中性",
                "#9e9e9e",
                o.tone_daily.iter().map(|d| d.neutral).collect(),
                "/?tone=neutral&since={day}&until={day}",
            ),
            (
                "正面",
                "#2e7d32",
                o.tone_daily.iter().map(|d| d.positive).collect(),
                "/?tone=positive&since={day}&until={day}",
            ),
        ],
    );
    render(&OverviewPage {
        nav: Nav::new(&s, "overview"),
        o,
        alerts_svg,
        tone_svg,
    })
}

pub async fn api(
    State(web): State<WebState>,
    ApiUser(_): ApiUser,
    p: Params,
) -> Result<Response, WebError> {
    Ok(Json(load(&web, &p).await?).into_response())
}
