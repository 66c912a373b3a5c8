use super::*;
use encoding_rs::{BIG5, GB18030, GBK};

const SAMPLE: &str = "<p>本市今日召开防汛工作会议，部署汛期安全生产工作。</p>";

fn gbk_bytes(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = GB18030.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

fn big5_bytes(s: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = BIG5.encode(s);
    assert!(!unmappable);
    bytes.into_owned()
}

#[test]
fn labels() {
    assert_eq!(encoding_for_label("gbk"), Some(GB18030));
    assert_eq!(encoding_for_label("GB2312"), Some(GB18030));
    assert_eq!(encoding_for_label("x-gbk"), Some(GB18030));
    assert_eq!(encoding_for_label(" 'gb2312' "), Some(GB18030));
    assert_eq!(encoding_for_label("gb_2312"), Some(GB18030));
    assert_eq!(encoding_for_label("GB18030"), Some(GB18030));
    assert_eq!(encoding_for_label("utf8"), Some(UTF_8));
    assert_eq!(encoding_for_label("UTF_8"), Some(UTF_8));
    assert_eq!(encoding_for_label("unicode"), Some(UTF_8));
    assert_eq!(encoding_for_label("big5"), Some(BIG5));
    assert_eq!(encoding_for_label("big5_hkscs"), Some(BIG5));
    assert_eq!(encoding_for_label("iso-8859-1"), Some(WINDOWS_1252));
    assert_eq!(encoding_for_label("klingon"), None);
    assert_eq!(encoding_for_label(""), None);
}

#[test]
fn content_type_charset() {
    assert_eq!(
        charset_from_content_type("text/html; charset=GBK"),
        Some(GB18030)
    );
    assert_eq!(
        charset_from_content_type("application/atom+xml;charset='gb2312'"),
        Some(GB18030)
    );
    assert_eq!(charset_from_content_type("text/html"), None);
    assert_eq!(charset_from_content_type("text/html; charset="), None);
}

#[test]
fn html_meta_charset_gbk() {
    let mut page =
        b"<!DOCTYPE html><html><head><META CHARSET=\"gb2312\"><title>t</title></head><body>"
            .to_vec();
    page.extend(gbk_bytes(SAMPLE));
    let (text, enc) = decode_html(&page, None, None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_meta_http_equiv() {
    let mut page = b"<html><head>\n<!-- <meta charset=\"utf-8\"> -->\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=GBK\" />\n</head><body>"
        .to_vec();
    page.extend(gbk_bytes(SAMPLE));
    let (text, enc) = decode_html(&page, Some("text/html"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_header_wins_over_meta() {
    let mut page = b"<html><head><meta charset=\"big5\"></head><body>".to_vec();
    page.extend(gbk_bytes(SAMPLE));
    let (text, enc) = decode_html(&page, Some("text/html; charset=gbk"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_lying_utf8_header_falls_back_to_meta() {
    let mut page = b"<html><head><meta charset=\"gbk\"></head><body>".to_vec();
    page.extend(gbk_bytes(SAMPLE));
    let (text, enc) = decode_html(&page, Some("text/html; charset=utf-8"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_latin1_header_on_utf8_body() {
    let page = format!("<html><head></head><body>{SAMPLE}</body></html>");
    let (text, enc) = decode_html(page.as_bytes(), Some("text/html; charset=ISO-8859-1"), None);
    assert_eq!(enc, UTF_8);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_latin1_header_yields_to_meta() {
    let mut page = b"<html><head><meta charset=\"gb2312\"></head><body>".to_vec();
    page.extend(gbk_bytes(SAMPLE));
    let (text, enc) = decode_html(&page, Some("text/html; charset=ISO-8859-1"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
    // Without a meta the header is still obeyed.
    let (_, enc) = decode_html(
        b"<p>caf\xe9</p>",
        Some("text/html; charset=ISO-8859-1"),
        None,
    );
    assert_eq!(enc, WINDOWS_1252);
}

#[test]
fn html_undeclared_gbk_is_sniffed() {
    let mut page = b"<html><head><title>x</title></head><body>".to_vec();
    for _ in 0..5 {
        page.extend(gbk_bytes(SAMPLE));
    }
    let (text, enc) = decode_html(&page, None, None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_undeclared_gbk_with_broken_bytes_is_sniffed() {
    let mut page = b"<html><head><title>x</title></head><body>".to_vec();
    for i in 0..20 {
        page.extend(gbk_bytes(SAMPLE));
        if i % 7 == 3 {
            // A truncated double-byte character, as left by careless string cutting.
            page.extend(b"\xD6<br>");
        }
    }
    let (text, enc) = decode_html(&page, None, None);
    assert_eq!(enc, GB18030);
    assert!(text.contains(SAMPLE));

    let latin = "<p>Le conseil municipal a approuvé le budget de l'année prochaine.</p>";
    let (bytes, _, _) = WINDOWS_1252.encode(latin);
    let (text, enc) = decode_html(&bytes.repeat(5), None, None);
    assert_eq!(enc, WINDOWS_1252);
    assert!(text.contains(latin));
}

#[test]
fn html_undeclared_big5_is_sniffed() {
    let sample = "<p>颱風警報解除，各級學校明日照常上課，請民眾注意交通安全。</p>";
    let mut page = b"<html><body>".to_vec();
    for _ in 0..5 {
        page.extend(big5_bytes(sample));
    }
    let (text, enc) = decode_html(&page, None, None);
    assert_eq!(enc, BIG5);
    assert!(text.contains(sample));
}

#[test]
fn html_bom_and_force() {
    let mut page = vec![0xEF, 0xBB, 0xBF];
    page.extend(format!("<meta charset=gbk>{SAMPLE}").as_bytes());
    let (text, enc) = decode_html(&page, Some("text/html; charset=gbk"), None);
    assert_eq!(enc, UTF_8);
    assert!(text.starts_with("<meta"));

    let gbk = gbk_bytes(SAMPLE);
    let (text, enc) = decode_html(&gbk, Some("text/html; charset=utf-8"), Some(GBK));
    assert_eq!(enc, GB18030);
    assert_eq!(text, SAMPLE);
}

#[test]
fn html_meta_unicode_means_utf8() {
    let page = format!("<meta charset=\"unicode\">{SAMPLE}");
    let (text, enc) = decode_html(page.as_bytes(), None, None);
    assert_eq!(enc, UTF_8);
    assert!(text.contains(SAMPLE));
}

#[test]
fn html_meta_after_body_is_ignored() {
    let mut page = b"<html><body><meta charset=\"big5\">".to_vec();
    page.extend(gbk_bytes(SAMPLE).repeat(4));
    let (_, enc) = decode_html(&page, None, None);
    assert_eq!(enc, GB18030);
}

#[test]
fn xml_prolog_before_header() {
    let mut feed =
        b"<?xml version=\"1.0\" encoding=\"gb2312\"?><rss version=\"2.0\"><channel><title>"
            .to_vec();
    feed.extend(gbk_bytes("政务公开"));
    feed.extend(b"</title></channel></rss>");
    let (text, enc) = decode_xml(&feed, Some("text/xml; charset=iso-8859-1"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains("政务公开"));
}

#[test]
fn xml_header_when_no_prolog_encoding() {
    let mut feed = b"<?xml version=\"1.0\"?><feed><title>".to_vec();
    feed.extend(gbk_bytes("政务公开"));
    feed.extend(b"</title></feed>");
    let (text, enc) = decode_xml(&feed, Some("application/atom+xml;charset='gb2312'"), None);
    assert_eq!(enc, GB18030);
    assert!(text.contains("政务公开"));
}

#[test]
fn xml_utf16_without_bom() {
    let src = "<?xml version=\"1.0\"?><rss><channel><title>快讯</title></channel></rss>";
    let le: Vec<u8> = src.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    let (text, enc) = decode_xml(&le, None, None);
    assert_eq!(enc, UTF_16LE);
    assert_eq!(text, src);
    let be: Vec<u8> = src.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    let (text, enc) = decode_xml(&be, None, None);
    assert_eq!(enc, UTF_16BE);
    assert_eq!(text, src);
}

#[test]
fn garbage_never_panics() {
    let inputs: [&[u8]; 8] = [
        b"",
        b"<",
        b"<meta",
        b"<meta charset=",
        b"<?xml encoding=",
        b"<?xml version='1.0' encoding='",
        &[0xFF, 0xFE],
        &[0x00, b'<', 0x00],
    ];
    for input in inputs {
        let _ = decode_html(input, Some(";;charset"), None);
        let _ = decode_xml(input, Some("charset=x;"), None);
    }
    let noise: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let _ = decode_html(&noise, None, None);
    let _ = decode_xml(&noise, None, None);
}
