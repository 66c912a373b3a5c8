//! Report charts: a column chart drawn as SVG (inline in HTML reports) and rendered in process
//! to PNG for Word (resvg, no browser, no network).
//!
//! Chinese labels need a CJK font. One is located once per process: the file named by
//! `YUQING_CJK_FONT` if set, else the first installed family of [`PREFERRED`] (Debian and
//! Ubuntu: `apt install fonts-noto-cjk`; Windows and macOS ship YaHei, SimHei and PingFang).
//! [`font`] says which was chosen; without one the chart is still drawn, and its labels
//! may be missing.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

/// A column chart: one group of columns per category, one column per series.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Chart {
    pub title: String,
    pub categories: Vec<String>,
    /// (name, one value per category).
    pub series: Vec<(String, Vec<f64>)>,
}

/// CJK families, best first (substrings of a family name).
pub const PREFERRED: [&str; 12] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
    "Droid Sans Fallback",
    "Noto Sans CJK",
    "Noto Serif CJK SC",
    "AR PL",
];

/// Fonts named in HTML, where the reader's browser chooses.
const WEB_FAMILIES: &str =
    "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif";

const W: f64 = 640.0;
const H: f64 = 300.0;
/// PNG pixels per SVG unit: sharp when printed at the page's width.
const SCALE: f32 = 2.0;
const COLORS: [&str; 6] = [
    "#c0392b", "#2e86c1", "#7f8c8d", "#27ae60", "#d68910", "#8e44ad",
];

/// The font charts are drawn with in Word.
#[derive(Debug, Clone)]
pub struct ChartFont {
    pub family: String,
    pub path: Option<PathBuf>,
}

struct Fonts {
    db: Arc<fontdb::Database>,
    cjk: Option<ChartFont>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut db = fontdb::Database::new();
        let named = std::env::var_os("YUQING_CJK_FONT").map(PathBuf::from);
        if let Some(p) = &named
            && let Err(e) = db.load_font_file(p)
        {
            tracing::warn!("YUQING_CJK_FONT {} 无法读取：{e}", p.display());
        }
        let from_named: Option<ChartFont> = db.faces().next().map(face_font);
        db.load_system_fonts();
        let cjk = from_named.or_else(|| {
            PREFERRED.iter().find_map(|want| {
                db.faces()
                    .filter(|f| f.families.iter().any(|(n, _)| n.contains(want)))
                    // The regular face, where the family has several.
                    .min_by_key(|f| (i32::from(f.weight.0) - 400).abs())
                    .map(|f| ChartFont {
                        family: f
                            .families
                            .iter()
                            .find(|(n, _)| n.contains(want))
                            .map_or_else(|| want.to_string(), |(n, _)| n.clone()),
                        ..face_font(f)
                    })
            })
        });
        Fonts {
            db: Arc::new(db),
            cjk,
        }
    })
}

fn face_font(f: &fontdb::FaceInfo) -> ChartFont {
    ChartFont {
        family: f
            .families
            .first()
            .map_or_else(String::new, |(n, _)| n.clone()),
        path: match &f.source {
            fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => Some(p.clone()),
            fontdb::Source::Binary(_) => None,
        },
    }
}

/// The CJK font Word charts use, if one was found.
pub fn font() -> Option<&'static ChartFont> {
    fonts().cjk.as_ref()
}

fn esc(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round axis maximum and its step (1, 2 or 5 × 10^k; four or five steps).
fn axis(max: f64) -> (f64, f64) {
    // Small counts: 0 to 4 in steps of one.
    if max.is_nan() || max <= 4.0 {
        return (4.0, 1.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
        .max(1.0);
    ((max / step).ceil() * step, step)
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The chart as a standalone SVG document; `family` is the CSS font-family list of its text.
pub fn svg(c: &Chart, family: &str) -> String {
    let (left, right, top, bottom) = (48.0, 12.0, 44.0, 40.0);
    let (pw, ph) = (W - left - right, H - top - bottom);
    let max = c
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (ymax, step) = axis(max);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" font-family=\"{f}\">\
         <rect width=\"{W}\" height=\"{H}\" fill=\"#fff\"/>\
         <text x=\"{left}\" y=\"20\" font-size=\"15\" font-weight=\"bold\" fill=\"#222\">{t}</text>",
        t = esc(&c.title),
        f = esc(family),
    );
    // Legend, right-aligned on the title line.
    let mut x = W - right;
    for (i, (name, _)) in c.series.iter().enumerate().rev() {
        let tw = 13.0 * name.chars().count() as f64;
        x -= tw + 18.0;
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"10\" width=\"11\" height=\"11\" fill=\"{}\"/><text x=\"{}\" y=\"20\" font-size=\"12\" fill=\"#333\">{}</text>",
            COLORS[i % COLORS.len()],
            x + 14.0,
            esc(name)
        ));
    }
    // Grid and y labels.
    let mut v = 0.0;
    while v <= ymax + step / 2.0 {
        let y = top + ph - v / ymax * ph;
        s.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            W - right,
            left - 6.0,
            y + 4.0,
            number(v)
        ));
        v += step;
    }
    let n = c.categories.len().max(1);
    let group = pw / n as f64;
    let m = c.series.len().max(1);
    let bar = (group * 0.8 / m as f64).max(1.0);
    for (i, (_, values)) in c.series.iter().enumerate() {
        for (k, v) in values.iter().enumerate().take(n) {
            if !v.is_finite() || *v <= 0.0 {
                continue;
            }
            let h = v / ymax * ph;
            s.push_str(&format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"{}\"/>",
                left + group * k as f64 + group * 0.1 + bar * i as f64,
                top + ph - h,
                COLORS[i % COLORS.len()]
            ));
        }
    }
    // At most about ten category labels.
    let every = n.div_ceil(10);
    for (k, label) in c.categories.iter().enumerate() {
        if k % every != 0 {
            continue;
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
            left + group * (k as f64 + 0.5),
            H - bottom + 16.0,
            esc(label)
        ));
    }
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#888\"/></svg>",
        top + ph,
        W - right
    ));
    s
}

/// The chart for an HTML page (the reader's fonts).
pub fn html_svg(c: &Chart) -> String {
    svg(c, WEB_FAMILIES)
}

/// The chart as a PNG (width, height in pixels), drawn with the located CJK font.
pub fn png(c: &Chart) -> anyhow::Result<(Vec<u8>, u32, u32)> {
    let fonts = fonts();
    let family = fonts
        .cjk
        .as_ref()
        .map_or_else(|| "sans-serif".to_string(), |f| f.family.clone());
    let opt = usvg::Options {
        font_family: family.clone(),
        fontdb: fonts.db.clone(),
        languages: vec!["zh-CN".into()],
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(&svg(c, &family), &opt)?;
    let (w, h) = ((W as f32 * SCALE) as u32, (H as f32 * SCALE) as u32);
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| anyhow::anyhow!("图表尺寸无效"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    Ok((pixmap.encode_png()?, w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart {
        Chart {
            title: "每日预警<与>文章".into(),
            categories: vec!["11-30".into(), "12-01".into(), "12-02".into()],
            series: vec![
                ("预警".into(), vec![3.0, 0.0, 7.0]),
                ("文章".into(), vec![12.0, 9.0, 25.0]),
            ],
        }
    }

    #[test]
    fn axis_is_round_and_covers_the_maximum() {
        assert_eq!(axis(25.0), (30.0, 10.0));
        assert_eq!(axis(7.0), (8.0, 2.0));
        assert_eq!(axis(0.0), (4.0, 1.0));
        assert_eq!(axis(1.0), (4.0, 1.0));
        assert_eq!(axis(5.0), (6.0, 2.0));
        assert_eq!(axis(f64::NAN), (4.0, 1.0));
    }

    #[test]
    fn svg_escapes_and_draws_a_column_per_nonzero_value() {
        let s = svg(&chart(), WEB_FAMILIES);
        assert!(s.contains("每日预警&lt;与&gt;文章") && !s.contains("<与>"));
        // Background and two legend swatches, plus five non-zero columns.
        assert_eq!(s.matches("<rect").count(), 1 + 2 + 5);
    }

    /// The PNG is drawn, and its title's Chinese characters put ink on the page: without a
    /// CJK font they would be missing (CI installs fonts-noto-cjk, so there it must pass).
    #[test]
    fn png_draws_chinese_labels() {
        let Some(font) = font() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "no CJK font found: install fonts-noto-cjk"
            );
            eprintln!("no CJK font on this machine: skipped");
            return;
        };
        let title_only = Chart {
            title: "舆情周报".into(),
            ..Chart::default()
        };
        let (bytes, w, h) = png(&title_only).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{}", font.family);
        assert_eq!((w, h), (1280, 600));
        let img = tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        // The title band left of the legend: dark pixels only if the glyphs were drawn.
        let mut ink = 0;
        for y in 0..(28.0 * SCALE) as u32 {
            for x in (40.0 * SCALE) as u32..(200.0 * SCALE) as u32 {
                let p = img.pixel(x, y).unwrap();
                ink += usize::from(p.red() < 128 && p.green() < 128 && p.blue() < 128);
            }
        }
        assert!(
            ink > 200,
            "title drawn with {}: {ink} dark pixels",
            font.family
        );
    }
}
