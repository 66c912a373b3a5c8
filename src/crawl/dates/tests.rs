use super::*;

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-26T12:00:00+08:00").unwrap()
}

fn sh() -> Tz {
    chrono_tz::Asia::Shanghai
}

fn p(s: &str) -> Option<String> {
    parse_datetime(s, sh(), now()).map(|d| d.to_rfc3339())
}

fn f(s: &str) -> Option<String> {
    find_datetime(s, sh(), now()).map(|d| d.to_rfc3339())
}

const T1030: &str = "2026-11-25T10:30:00+08:00";

#[test]
fn chinese_forms() {
    assert_eq!(p("2026年11月25日 10:30").as_deref(), Some(T1030));
    assert_eq!(p("2026年11月25日10时30分").as_deref(), Some(T1030));
    assert_eq!(p("2026年11月25日 10点30分00秒").as_deref(), Some(T1030));
    assert_eq!(p("２０２６年１１月２５日　10:30").as_deref(), Some(T1030));
    assert_eq!(
        p("2026年11月25日 下午2:05").as_deref(),
        Some("2026-11-25T14:05:00+08:00")
    );
    assert_eq!(
        p("2026年11月25日 星期三").as_deref(),
        Some("2026-11-25T00:00:00+08:00")
    );
}

#[test]
fn numeric_forms() {
    assert_eq!(p("2026-11-25 10:30:00").as_deref(), Some(T1030));
    assert_eq!(p("2026-11-25 10:30").as_deref(), Some(T1030));
    assert_eq!(
        p("2026/11/25").as_deref(),
        Some("2026-11-25T00:00:00+08:00")
    );
    assert_eq!(
        p("2026.11.25").as_deref(),
        Some("2026-11-25T00:00:00+08:00")
    );
    assert_eq!(
        p("2026-11-25").as_deref(),
        Some("2026-11-25T00:00:00+08:00")
    );
    assert_eq!(
        p("2005-5-7 21:23:57").as_deref(),
        Some("2005-05-07T21:23:57+08:00")
    );
}

#[test]
fn rfc_forms() {
    assert_eq!(p("2026-11-25T10:30:00+08:00").as_deref(), Some(T1030));
    assert_eq!(
        p("2026-11-25T02:30:00Z").as_deref(),
        Some("2026-11-25T02:30:00+00:00")
    );
    assert_eq!(p("2026-11-25 10:30:00+0800").as_deref(), Some(T1030));
    assert_eq!(p("Wed, 25 Nov 2026 10:30:00 +0800").as_deref(), Some(T1030));
    assert_eq!(p("Wed, 25 Nov 2026 10:30:00 CST").as_deref(), Some(T1030));
    assert_eq!(
        p("Wed, 25 Nov 2026 02:30:00 GMT").as_deref(),
        Some("2026-11-25T02:30:00+00:00")
    );
}

#[test]
fn unix_seconds() {
    assert_eq!(
        p("1581517074").as_deref(),
        Some("2020-02-12T22:17:54+08:00")
    );
    assert_eq!(
        p("1581517074000").as_deref(),
        Some("2020-02-12T22:17:54+08:00")
    );
    assert_eq!(p("123"), None);
}

#[test]
fn month_day_without_year() {
    assert_eq!(p("11月25日").as_deref(), Some("2026-11-25T00:00:00+08:00"));
    assert_eq!(p("11月25日 10:30").as_deref(), Some(T1030));
    assert_eq!(p("11月13日").as_deref(), Some("2026-11-13T00:00:00+08:00"));
    assert_eq!(
        p("11月13日 08:00").as_deref(),
        Some("2026-11-13T08:00:00+08:00")
    );
    assert_eq!(
        p("11-13 08:00").as_deref(),
        Some("2026-11-13T08:00:00+08:00")
    );
    assert_eq!(
        p("11/13 8:05").as_deref(),
        Some("2026-11-13T08:05:00+08:00")
    );
    // Up to a day ahead is still this year (clock skew); further ahead means last year.
    assert_eq!(p("11月27日").as_deref(), Some("2026-11-27T00:00:00+08:00"));
    assert_eq!(
        p("11月27日 12:00").as_deref(),
        Some("2026-11-27T12:00:00+08:00")
    );
    assert_eq!(
        p("11月27日 12:01").as_deref(),
        Some("2025-11-27T12:01:00+08:00")
    );
    assert_eq!(p("11月28日").as_deref(), Some("2025-11-28T00:00:00+08:00"));
    assert_eq!(p("12月20日").as_deref(), Some("2025-12-20T00:00:00+08:00"));
    assert_eq!(
        p("12-20 09:30").as_deref(),
        Some("2025-12-20T09:30:00+08:00")
    );
    // 29 February goes back to the last leap year.
    assert_eq!(p("2月29日").as_deref(), Some("2024-02-29T00:00:00+08:00"));
    assert_eq!(p("2月30日"), None);
    assert_eq!(p("13-01 08:00"), None);
    // A bare `11-13` is not taken as a date by the general parser (list pages read it).
    assert_eq!(p("11-13"), None);
}

#[test]
fn year_comes_from_the_configured_zone() {
    // 2026-12-31T20:00Z is already 2027-01-01 04:00 in Shanghai: "1月1日" is that day.
    let now = DateTime::parse_from_rfc3339("2026-12-31T20:00:00+00:00").unwrap();
    assert_eq!(
        parse_datetime("1月1日 03:00", sh(), now).map(|d| d.to_rfc3339()),
        Some("2027-01-01T03:00:00+08:00".into())
    );
    assert_eq!(
        parse_datetime("12-31 23:00", sh(), now).map(|d| d.to_rfc3339()),
        Some("2026-12-31T23:00:00+08:00".into())
    );
}

#[test]
fn relative_forms() {
    assert_eq!(
        p("昨天 08:15").as_deref(),
        Some("2026-11-25T08:15:00+08:00")
    );
    assert_eq!(
        p("昨天 14:20").as_deref(),
        Some("2026-11-25T14:20:00+08:00")
    );
    assert_eq!(p("昨天14:20").as_deref(), Some("2026-11-25T14:20:00+08:00"));
    assert_eq!(
        p("前天 09:00").as_deref(),
        Some("2026-11-24T09:00:00+08:00")
    );
    assert_eq!(p("前天").as_deref(), Some("2026-11-24T00:00:00+08:00"));
    assert_eq!(
        p("今天 07:45").as_deref(),
        Some("2026-11-26T07:45:00+08:00")
    );
    assert_eq!(p("3小时前").as_deref(), Some("2026-11-26T09:00:00+08:00"));
    assert_eq!(p("3个小时前").as_deref(), Some("2026-11-26T09:00:00+08:00"));
    assert_eq!(p("半小时前").as_deref(), Some("2026-11-26T11:30:00+08:00"));
    assert_eq!(p("5分钟前").as_deref(), Some("2026-11-26T11:55:00+08:00"));
    assert_eq!(p("30秒前").as_deref(), Some("2026-11-26T11:59:30+08:00"));
    assert_eq!(p("2天前").as_deref(), Some("2026-11-24T12:00:00+08:00"));
    assert_eq!(p("1周前").as_deref(), Some("2026-11-19T12:00:00+08:00"));
    assert_eq!(p("刚刚").as_deref(), Some("2026-11-26T12:00:00+08:00"));
    assert_eq!(p("半天前"), None);
}

#[test]
fn relative_forms_count_back_in_the_configured_zone() {
    // The fetch time is given in UTC; the result is shown in the source's zone, and "yesterday"
    // is yesterday there (2026-11-26 01:30 in Shanghai).
    let now = DateTime::parse_from_rfc3339("2026-11-25T17:30:00+00:00").unwrap();
    let r = |s: &str| parse_datetime(s, sh(), now).map(|d| d.to_rfc3339());
    assert_eq!(r("3小时前").as_deref(), Some("2026-11-25T22:30:00+08:00"));
    assert_eq!(r("刚刚").as_deref(), Some("2026-11-26T01:30:00+08:00"));
    assert_eq!(
        r("昨天 14:20").as_deref(),
        Some("2026-11-25T14:20:00+08:00")
    );
    assert_eq!(
        r("前天 09:00").as_deref(),
        Some("2026-11-24T09:00:00+08:00")
    );
}

#[test]
fn relative_and_yearless_forms_in_text() {
    assert_eq!(
        f("青石街道发布 3小时前 阅读 120").as_deref(),
        Some("2026-11-26T09:00:00+08:00")
    );
    assert_eq!(
        f("发布时间：3小时前　来源：青石街道").as_deref(),
        Some("2026-11-26T09:00:00+08:00")
    );
    assert_eq!(
        f("发布于5分钟前").as_deref(),
        Some("2026-11-26T11:55:00+08:00")
    );
    assert_eq!(
        f("来源：区融媒体 | 刚刚").as_deref(),
        Some("2026-11-26T12:00:00+08:00")
    );
    assert_eq!(
        f("作者：某某 昨天 14:20").as_deref(),
        Some("2026-11-25T14:20:00+08:00")
    );
    assert_eq!(
        f("前天 09:00 来源：青石街道").as_deref(),
        Some("2026-11-24T09:00:00+08:00")
    );
    assert_eq!(
        f("来源：青石街道 11-13 08:00").as_deref(),
        Some("2026-11-13T08:00:00+08:00")
    );
    assert_eq!(
        f("发布时间：11月13日 08:00").as_deref(),
        Some("2026-11-13T08:00:00+08:00")
    );
    assert_eq!(
        f("日期：11月13日").as_deref(),
        Some("2026-11-13T00:00:00+08:00")
    );
    // A full date wins over a relative one, a labelled relative one over an unlabelled date.
    assert_eq!(
        f("3小时前\n2026-11-20 08:00").as_deref(),
        Some("2026-11-20T08:00:00+08:00")
    );
    assert_eq!(
        f("2025-06-01 旧闻回顾\n发布时间：3小时前").as_deref(),
        Some("2026-11-26T09:00:00+08:00")
    );
}

#[test]
fn prose_is_not_a_relative_date() {
    assert_eq!(f("2天前，居民反映小区路灯不亮。"), None);
    assert_eq!(f("他刚刚离开现场"), None);
    assert_eq!(f("昨天下了一场大雨"), None);
    assert_eq!(f("历时3小时前后共处置两起险情"), None);
    assert_eq!(f("本报讯 昨日8时40分许，她在医院生下一名女婴。"), None);
    assert_eq!(f("比分 3-1"), None);
    assert_eq!(f("电话 010-12345678"), None);
    assert_eq!(f("开放时间 8:30-11:30"), None);
}

#[test]
fn other_zones() {
    let ny = chrono_tz::America::New_York;
    let d = parse_datetime("2026-07-01 10:00", ny, now()).unwrap();
    assert_eq!(d.to_rfc3339(), "2026-07-01T10:00:00-04:00");
    let d = parse_datetime("2026-12-01 10:00", ny, now()).unwrap();
    assert_eq!(d.to_rfc3339(), "2026-12-01T10:00:00-05:00");
}

#[test]
fn rejects_impossible_and_implausible() {
    assert_eq!(p("2026-13-01"), None);
    assert_eq!(p("2026-02-30"), None);
    assert_eq!(p("2026-11-25 25:00"), None);
    assert_eq!(p("1989-06-01"), None);
    assert_eq!(p("2028-01-01"), None);
    assert_eq!(
        p("2027-06-01").as_deref(),
        Some("2027-06-01T00:00:00+08:00")
    );
    assert_eq!(p("not a date"), None);
    assert_eq!(p(""), None);
    assert_eq!(p("2026-11-25 并且还有别的内容"), None);
}

#[test]
fn find_in_text() {
    assert_eq!(
        f("发布时间：2026-11-25 10:30　来源：清河街道").as_deref(),
        Some(T1030)
    );
    assert_eq!(
        f("2026年11月25日 10:30 来源：示例日报").as_deref(),
        Some(T1030)
    );
    assert_eq!(
        f("上一篇 2026-01-02 发布日期：2026年11月25日 浏览次数：12").as_deref(),
        Some("2026-11-25T00:00:00+08:00")
    );
    assert_eq!(
        f("作者：某某 发表于 11月25日 10:30").as_deref(),
        Some(T1030)
    );
    assert_eq!(f("编号 12026-11-255 无日期"), None);
    assert_eq!(f("本文共有2026字，阅读11分钟"), None);
    assert_eq!(f("没有日期的文字"), None);
}

#[test]
fn find_skips_implausible() {
    assert_eq!(
        f("1900-01-01 旧档案；更新：2026-11-20").as_deref(),
        Some("2026-11-20T00:00:00+08:00")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics(s in "[0-9０-９年月日时分秒:：/.T+Z -]{0,40}|\\PC{0,40}") {
        let _ = parse_datetime(&s, sh(), now());
        let _ = find_datetime(&s, sh(), now());
    }
}
