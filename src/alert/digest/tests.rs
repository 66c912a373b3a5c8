use super::*;
use std::io::Read;

fn alert(
    id: i64,
    level: &str,
    rule: &str,
    rule_name: &str,
    status: &str,
    title: &str,
) -> DigestAlert {
    AlertView {
        id,
        rule: rule.into(),
        rule_name: rule_name.into(),
        level: Level::parse(level).unwrap(),
        status: AlertStatus::parse(status).unwrap(),
        article_id: 100 + id,
        url: format!("https://news.example.cn/a/{id}?x=1&y=2"),
        title: title.into(),
        source: "src-a".into(),
        source_name: "青石日报".into(),
        published: Some("2026-11-21T22:45:00+08:00".into()),
        matched: vec!["拆迁".into(), "上访".into()],
        snippet: "居民反映拆迁补偿问题，部分人员计划上访。".into(),
        // "拆迁" at chars 4..6, "上访" at chars 17..19
        highlights: vec![[4, 6], [17, 19]],
        cluster_size: 1,
        other_sources: vec![],
        note: None,
        ..AlertView::default()
    }
    .into()
}

fn sources() -> Vec<DigestSource> {
    vec![
        DigestSource {
            id: "src-a".into(),
            name: "青石日报".into(),
            status: SourceStatus::Ok,
            last_success: Some("2026-11-25T07:50:00+08:00".into()),
            last_error: None,
            articles_24h: 42,
        },
        DigestSource {
            id: "src-b".into(),
            name: "某|论坛<b>".into(),
            status: SourceStatus::Failing,
            last_success: Some("2026-11-23T10:00:00+08:00".into()),
            last_error: Some("HTTP 503".into()),
            articles_24h: 0,
        },
    ]
}

fn digest3() -> Digest {
    let mut a1 = alert(
        1,
        "low",
        "r-env",
        "环境投诉",
        "dismissed",
        "小区垃圾清运不及时",
    );
    a1.url = "javascript:alert(1)".into();
    let mut a2 = alert(
        2,
        "high",
        "r-demolition",
        "拆迁维稳",
        "new",
        "青石街道拆迁补偿引发[争议]",
    );
    a2.cluster_size = 3;
    a2.other_sources = vec!["网易新闻".into(), "微信公众号X".into()];
    let mut a3 = alert(
        3,
        "medium",
        "r-safety",
        "安全生产",
        "confirmed",
        "工地 | 塔吊 倾斜事件",
    );
    a3.note = Some("已电话联系社区核实 <情况属实>".into());
    a3.published = None;
    Digest {
        date: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        title: "青石街道舆情日报".into(),
        window_start: "2026-11-24T08:00:00+08:00".into(),
        window_end: "2026-11-25T08:00:00+08:00".into(),
        generated_at: "2026-11-25T08:05:00+08:00".into(),
        alerts: vec![a1, a2, a3],
        sources: sources(),
        max_listed: DEFAULT_MAX_LISTED,
        dismissed: 0,
        overdue: Vec::new(),
        overview: DigestOverview {
            articles: 14,
            negative: 3,
            neutral: 10,
            positive: 1,
            top_events: vec![DigestEvent {
                id: 7,
                title: "柳湾路<路面>塌陷".into(),
                articles: 4,
                sources: 3,
                heat: 12.34,
                level: Some(Level::High),
            }],
        },
    }
}

fn empty() -> Digest {
    let mut d = digest3();
    d.alerts.clear();
    d.sources.retain(|s| s.status == SourceStatus::Ok);
    d
}

/// Titles in expected display order: high, medium, low.
const ORDER: [&str; 3] = [
    "青石街道拆迁补偿引发[争议]",
    "工地 | 塔吊 倾斜事件",
    "小区垃圾清运不及时",
];

fn text(d: &Digest, f: DigestFormat) -> String {
    String::from_utf8(render(d, f).unwrap()).unwrap()
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut f = z.by_name(name).unwrap();
    let mut s = String::new();
    f.read_to_string(&mut s).unwrap();
    s
}

fn positions(hay: &str, needles: &[&str]) -> Vec<usize> {
    needles
        .iter()
        .map(|n| hay.find(n).unwrap_or_else(|| panic!("missing {n:?}")))
        .collect()
}

fn assert_increasing(p: &[usize]) {
    assert!(p.windows(2).all(|w| w[0] < w[1]), "not in order: {p:?}");
}

#[test]
fn format_parse_and_extension() {
    for f in [
        DigestFormat::Html,
        DigestFormat::Md,
        DigestFormat::Json,
        DigestFormat::Xlsx,
        DigestFormat::Docx,
    ] {
        assert_eq!(DigestFormat::parse_lenient(f.extension()), Some(f));
        assert_eq!(
            DigestFormat::parse_lenient(&format!(".{}", f.extension().to_uppercase())),
            Some(f)
        );
    }
    assert_eq!(
        DigestFormat::parse_lenient("markdown"),
        Some(DigestFormat::Md)
    );
    assert_eq!(DigestFormat::parse_lenient("pdf"), None);
}

#[test]
fn times_are_shown_in_the_zone_they_carry() {
    assert_eq!(
        fmt_cn_time("2026-11-25T08:00:00+08:00"),
        "2026年11月25日 08:00"
    );
    // Another configured zone is not moved to UTC+8.
    assert_eq!(
        fmt_short_time("2026-11-21T14:45:00+00:00"),
        "2026-11-21 14:45"
    );
    assert_eq!(
        fmt_short_time("2026-11-21T22:45:00+08:00"),
        "2026-11-21 22:45"
    );
    assert_eq!(fmt_short_time("昨天"), "昨天");
}

#[test]
fn snippet_segments_clamp_and_merge() {
    let s = snippet_segments("abcdef", &[[4, 99], [1, 3], [2, 4], [5, 5]]);
    assert_eq!(
        s,
        vec![("a".to_string(), false), ("bcdef".to_string(), true)]
    );
    assert!(snippet_segments("", &[[0, 3]]).is_empty());
    let s = snippet_segments("拆迁问题", &[[0, 2]]);
    assert_eq!(s[0], ("拆迁".to_string(), true));
}

#[test]
fn html_three_alerts() {
    let h = text(&digest3(), DigestFormat::Html);
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(h.contains("<h1 style="));
    assert!(h.contains("青石街道舆情日报"));
    assert!(h.contains("2026年11月24日 08:00 至 2026年11月25日 08:00"));
    assert!(
        h.contains("一、总体情况") && h.contains("二、预警详情") && h.contains("三、信息源状况")
    );
    assert!(h.contains("本时段共产生预警 <strong>3</strong> 条"));
    assert!(h.contains("高 1 条，中 1 条，低 1 条"));
    assert!(h.contains("新 1 条，已核实 1 条，已上报 0 条，忽略 1 条"));
    assert_increasing(&positions(&h, &["工地 | 塔吊", "小区垃圾"]));
    assert_increasing(&positions(
        &h,
        &["青石街道拆迁补偿引发", "工地 | 塔吊", "小区垃圾"],
    ));
    assert!(h.contains("<mark style=\"background:#ffe58f;color:#000;padding:0 1px;\">拆迁</mark>"));
    assert!(h.contains("2026-11-21 22:45"));
    assert!(h.contains("2 篇（首发：青石日报；转载：网易新闻、微信公众号X）"));
    assert!(h.contains("已电话联系社区核实 &lt;情况属实&gt;"));
    assert!(h.contains("href=\"https://news.example.cn/a/2?x=1&amp;y=2\""));
    assert!(
        !h.contains("href=\"javascript"),
        "unsafe scheme must not become a link"
    );
    assert!(h.contains("某|论坛&lt;b&gt;") && h.contains("HTTP 503"));
    assert!(!h.contains("<script") && !h.contains("<link") && !h.contains("src="));
    assert!(h.trim_end().ends_with("</html>"));
}

#[test]
fn html_escapes_crawled_strings() {
    let mut d = digest3();
    d.alerts[1].title = "<script>alert(1)</script>\" onerror=\"x".into();
    d.alerts[1].snippet = "<img src=x onerror=alert(2)>拆迁\u{7}\u{1b}".into();
    d.alerts[1].highlights = vec![[29, 31]];
    d.alerts[1].url = "https://e.cn/\"><script>x</script>".into();
    d.alerts[1].source_name = "<b>源</b>".into();
    d.title = "<i>日报</i>".into();
    let h = text(&d, DigestFormat::Html);
    assert!(!h.contains("<script>"));
    assert!(!h.contains("\" onerror=\"x"));
    assert!(!h.contains("<img"));
    assert!(!h.contains("<b>源") && !h.contains("<i>日报"));
    assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onerror=&quot;x"));
    assert!(h.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(
        !h.contains('\u{7}') && !h.contains('\u{1b}'),
        "control characters dropped"
    );
    assert!(h.contains("href=\"https://e.cn/&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""));
}

#[test]
fn html_empty() {
    let h = text(&empty(), DigestFormat::Html);
    assert!(h.contains("本时段无预警"));
    assert!(h.contains("全部信息源运行正常"));
    assert!(h.contains("共监测信息源 1 个，运行正常 1 个"));
    assert!(h.trim_end().ends_with("</html>"));
}

#[test]
fn markdown_three_alerts() {
    let m = text(&digest3(), DigestFormat::Md);
    assert!(m.starts_with("# 青石街道舆情日报\n"));
    assert!(
        m.contains("## 一、总体情况")
            && m.contains("## 二、预警详情")
            && m.contains("## 三、信息源状况")
    );
    assert!(m.contains("### 高级预警（1 条）"));
    assert!(m.contains("**拆迁**") && m.contains("**上访**"));
    // link text brackets escaped, URL kept
    assert!(
        m.contains("1. **[青石街道拆迁补偿引发\\[争议\\]](https://news.example.cn/a/2?x=1&y=2)**")
    );
    // pipes escaped
    assert!(m.contains("工地 \\| 塔吊 倾斜事件"));
    assert!(m.contains("| 某\\|论坛\\<b\\> | 采集失败 |"));
    assert!(m.contains("\\<情况属实\\>"));
    // javascript: URL not linked
    assert!(!m.contains("](javascript"));
    assert!(m.contains("3. **小区垃圾清运不及时**"));
    assert_increasing(&positions(
        &m,
        &["青石街道拆迁补偿引发", "工地 \\| 塔吊", "小区垃圾"],
    ));
}

#[test]
fn markdown_empty() {
    let m = text(&empty(), DigestFormat::Md);
    assert!(m.contains("本时段无预警"));
    assert!(m.contains("全部信息源运行正常"));
}

#[test]
fn json_roundtrips() {
    for d in [digest3(), empty()] {
        let j: serde_json::Value =
            serde_json::from_slice(&render(&d, DigestFormat::Json).unwrap()).unwrap();
        assert_eq!(j["title"], "青石街道舆情日报");
        assert_eq!(j["date"], "2026-11-25");
        assert_eq!(j["alerts"].as_array().unwrap().len(), d.alerts.len());
    }
    let j: serde_json::Value =
        serde_json::from_slice(&render(&digest3(), DigestFormat::Json).unwrap()).unwrap();
    assert_eq!(j["alerts"][0]["highlights"][0], serde_json::json!([4, 6]));
}

/// Minimal XLSX reader: the shared strings and, per row, the strings in column `col`.
fn xlsx_column(bytes: &[u8], sheet: &str, col: char) -> Vec<String> {
    let sst = unzip(bytes, "xl/sharedStrings.xml");
    let strings: Vec<String> = sst
        .split("<si>")
        .skip(1)
        .map(|si| {
            let t = &si[si.find("<t").unwrap()..];
            let t = &t[t.find('>').unwrap() + 1..];
            t[..t.find("</t>").unwrap()].to_string()
        })
        .collect();
    let xml = unzip(bytes, sheet);
    let mut out = Vec::new();
    let mut row = 1;
    loop {
        let key = format!("<c r=\"{col}{row}\"");
        let Some(at) = xml.find(&key) else { break };
        let cell = &xml[at..];
        let cell = &cell[..cell.find("</c>").unwrap()];
        let v = &cell[cell.find("<v>").unwrap() + 3..cell.find("</v>").unwrap()];
        if cell.contains("t=\"s\"") {
            out.push(strings[v.parse::<usize>().unwrap()].clone());
        } else {
            out.push(v.to_string());
        }
        row += 1;
    }
    out
}

#[test]
fn xlsx_three_alerts() {
    let b = render(&digest3(), DigestFormat::Xlsx).unwrap();
    assert_eq!(&b[..2], b"PK");
    let wb = unzip(&b, "xl/workbook.xml");
    assert!(wb.contains("name=\"预警\"") && wb.contains("name=\"信息源\""));
    let sheet = unzip(&b, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pane ySplit=\"1\""), "first row frozen");
    assert_eq!(
        xlsx_column(&b, "xl/worksheets/sheet1.xml", 'A'),
        ["序号", "1", "2", "3"]
    );
    let titles = xlsx_column(&b, "xl/worksheets/sheet1.xml", 'D');
    assert_eq!(titles[0], "标题");
    assert_eq!(titles[1..], ORDER);
    assert_eq!(
        xlsx_column(&b, "xl/worksheets/sheet1.xml", 'B'),
        ["级别", "高", "中", "低"]
    );
    assert_eq!(
        xlsx_column(&b, "xl/worksheets/sheet1.xml", 'I'),
        ["状态", "新", "已核实", "忽略"]
    );
    assert_eq!(
        xlsx_column(&b, "xl/worksheets/sheet1.xml", 'K'),
        ["转载数", "2", "0", "0"]
    );
    // http(s) URLs become hyperlinks; the javascript: one stays text.
    let rels = unzip(&b, "xl/worksheets/_rels/sheet1.xml.rels");
    assert!(rels.contains("https://news.example.cn/a/2?x=1&amp;y=2"));
    assert!(!rels.contains("javascript"));
    let links = xlsx_column(&b, "xl/worksheets/sheet1.xml", 'G');
    assert_eq!(links[3], "javascript:alert(1)");
    let src = xlsx_column(&b, "xl/worksheets/sheet2.xml", 'B');
    assert_eq!(
        src,
        [
            "名称",
            "某|论坛<b>"
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .as_str(),
            "青石日报"
        ]
    );
}

#[test]
fn xlsx_empty() {
    let b = render(&empty(), DigestFormat::Xlsx).unwrap();
    let a = xlsx_column(&b, "xl/worksheets/sheet1.xml", 'A');
    assert_eq!(a, ["序号", EMPTY_LINE]);
    assert_eq!(xlsx_column(&b, "xl/worksheets/sheet1.xml", 'D'), ["标题"]);
}

#[test]
fn docx_three_alerts() {
    let b = render(&digest3(), DigestFormat::Docx).unwrap();
    let doc = unzip(&b, "word/document.xml");
    assert!(doc.contains("青石街道舆情日报"));
    assert!(doc.contains("黑体") && doc.contains("仿宋"));
    assert!(doc.contains("w:eastAsia=\"黑体\""));
    assert!(doc.contains("<w:sz w:val=\"44\""), "title at 二号 (22pt)");
    assert!(doc.contains("<w:sz w:val=\"32\""), "body at 三号 (16pt)");
    for h in ["一、总体情况", "二、预警详情", "三、信息源状况"] {
        assert!(doc.contains(h), "{h}");
    }
    assert_increasing(&positions(&doc, &ORDER));
    assert!(doc.contains("某|论坛&lt;b&gt;"));
    assert!(doc.contains("已电话联系社区核实 &lt;情况属实&gt;"));
    let rels = unzip(&b, "word/_rels/document.xml.rels");
    assert!(
        rels.contains("https://news.example.cn/a/2?x=1&amp;y=2"),
        "{rels}"
    );
    assert!(!rels.contains("javascript"));
    // Regression: the properties said 1970 and "unknown".
    let core = unzip(&b, "docProps/core.xml");
    assert!(core.contains("<dc:creator>青石街道</dc:creator>"), "{core}");
    assert!(
        core.contains(">2026-11-25T00:05:00Z</dcterms:created>"),
        "{core}"
    );
    assert!(!core.contains("1970"), "{core}");
    assert!(unzip(&b, "docProps/custom.xml").contains("青石街道"));
}

#[test]
fn docx_empty() {
    let b = render(&empty(), DigestFormat::Docx).unwrap();
    let doc = unzip(&b, "word/document.xml");
    assert!(doc.contains("青石街道舆情日报") && doc.contains("黑体"));
    assert!(doc.contains("本时段无预警"));
    assert!(doc.contains("全部信息源运行正常"));
}

#[test]
fn docx_survives_xml_hostile_text() {
    let mut d = digest3();
    d.alerts[0].title = "控制符\u{1}\u{b}<&>'\"".into();
    d.alerts[0].snippet = "\u{0}拆迁".into();
    let b = render(&d, DigestFormat::Docx).unwrap();
    let doc = unzip(&b, "word/document.xml");
    assert!(!doc.contains('\u{1}') && !doc.contains('\u{0}'));
    assert!(doc.contains("控制符&lt;&amp;&gt;"));
    render(&d, DigestFormat::Xlsx).unwrap();
}

/// A window of many alerts: HTML, Markdown and Word list the first `max_listed` in display
/// order and say how many more there are; the summary and the XLSX count every one.
#[test]
fn long_digests_list_the_first_alerts_and_count_the_rest() {
    let mut d = digest3();
    d.alerts.clear();
    for i in 0..7 {
        let level = if i % 2 == 0 { "low" } else { "high" };
        d.alerts
            .push(alert(i, level, level, level, "new", &format!("标题{i}号")));
    }
    d.max_listed = 3;
    // Display order: the high ones (1, 3, 5), then the low ones (0, 2, 4, 6).
    assert_eq!(d.display_order(), [1, 3, 5, 0, 2, 4, 6]);
    let listed = ["标题1号", "标题3号", "标题5号"];
    let unlisted = ["标题0号", "标题2号", "标题4号", "标题6号"];
    let docx = unzip(
        &render(&d, DigestFormat::Docx).unwrap(),
        "word/document.xml",
    );
    for doc in [
        text(&d, DigestFormat::Html),
        text(&d, DigestFormat::Md),
        docx,
    ] {
        assert!(doc.contains("本时段共产生预警"), "summary");
        assert!(doc.contains("详列前 3 条，其余 4 条只计入统计"), "{doc}");
        assert!(doc.contains("本规则另有 4 条未详列"), "{doc}");
        assert!(doc.contains("低级预警（4 条）"), "group counts stay whole");
        assert_increasing(&positions(&doc, &listed));
        for t in unlisted {
            assert!(!doc.contains(t), "{t} listed");
        }
    }
    let xlsx = render(&d, DigestFormat::Xlsx).unwrap();
    let titles = xlsx_column(&xlsx, "xl/worksheets/sheet1.xml", 'D');
    assert_eq!(titles.len(), 1 + 7, "every alert in the XLSX");
    d.max_listed = 0;
    let all = text(&d, DigestFormat::Html);
    assert!(listed.iter().chain(&unlisted).all(|t| all.contains(t)));
    assert!(!all.contains("未详列"));
}

#[test]
fn every_format_shows_the_tone() {
    let mut d = digest3();
    d.alerts[0].tone.tone = crate::model::Tone::Negative;
    let md = text(&d, DigestFormat::Md);
    assert!(
        md.contains("倾向：负面") && md.contains("倾向：中性"),
        "{md}"
    );
    assert!(text(&d, DigestFormat::Html).contains("负面"));
    let x = render(&d, DigestFormat::Xlsx).unwrap();
    let sheet = unzip(&x, "xl/sharedStrings.xml");
    assert!(sheet.contains("倾向") && sheet.contains("负面"), "{sheet}");
    let docx = unzip(
        &render(&d, DigestFormat::Docx).unwrap(),
        "word/document.xml",
    );
    assert!(docx.contains("倾向：负面"));
    let json: serde_json::Value = serde_json::from_str(&text(&d, DigestFormat::Json)).unwrap();
    assert_eq!(json["alerts"][0]["tone"], "negative", "DESIGN §8 names");
}

/// 总体情况 carries the overview (alerts by level, articles by tone, top events) in every
/// format: charts as SVG in HTML, PNG pictures in Word, native charts in Excel.
#[test]
fn overview_in_every_format() {
    let d = digest3();
    let line = "负面 3 篇，中性 10 篇，正面 1 篇（共 14 篇）";
    let event = "4 篇、3 个来源，热度 12.3，最高预警 高";
    let html = text(&d, DigestFormat::Html);
    assert!(html.contains(line) && html.contains(event), "html");
    assert!(html.contains("柳湾路&lt;路面&gt;塌陷") && !html.contains("<路面>"));
    assert_eq!(html.matches("<svg ").count(), 2, "two overview charts");
    let md = text(&d, DigestFormat::Md);
    assert!(md.contains(line) && md.contains(event), "md");
    let json: serde_json::Value = serde_json::from_str(&text(&d, DigestFormat::Json)).unwrap();
    assert_eq!(json["overview"]["negative"], 3);
    assert_eq!(json["overview"]["top_events"][0]["level"], "high");
    let docx = render(&d, DigestFormat::Docx).unwrap();
    let xml = unzip(&docx, "word/document.xml");
    assert!(xml.contains(line) && xml.contains(event), "docx");
    assert_eq!(xml.matches("<pic:pic").count(), 2, "two chart pictures");
    let xlsx = render(&d, DigestFormat::Xlsx).unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&xlsx[..])).unwrap();
    assert!(
        z.by_name("xl/charts/chart2.xml").is_ok(),
        "two native charts"
    );
    // An empty window draws no charts.
    let mut e = empty();
    e.overview = DigestOverview::default();
    assert!(!text(&e, DigestFormat::Html).contains("<svg "));
}
