//! Charset detection and decoding for fetched HTML pages and XML feeds.
//!
//! Chinese sites are a charset minefield: GB2312/GBK pages without any declaration, servers that
//! send `charset=ISO-8859-1` (a Tomcat/Apache default) in front of GBK pages, pages that declare
//! `gb2312` but use GBK-only characters, and `<meta charset="unicode">`. The rules here:
//!
//! * Every GB2312/GBK label decodes as GB18030 (a strict superset of both), see [`encoding_for_label`].
//! * A declaration is only trusted if the bytes do not contradict it: a UTF-8 declaration on bytes
//!   that are not valid UTF-8 is skipped (the next source decides), and a legacy declaration
//!   (GBK, Big5, windows-1252, ...) on bytes that are valid UTF-8 *and* contain enough non-ASCII
//!   text is overridden to UTF-8 (legacy CJK text is practically never valid UTF-8 by accident).
//!   An explicit `force` (per-source configuration) is always obeyed.
//! * Detection with chardetng is the last resort.
//!
//! Nothing here panics on any input.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// How many bytes are scanned for `<meta>` declarations and fed to the detector.
const SNIFF_LIMIT: usize = 64 * 1024;

/// Bytes fed to chardetng at most (detection quality does not improve beyond this).
const DETECT_LIMIT: usize = 1024 * 1024;

/// A body that is valid UTF-8 and has at least this many non-ASCII bytes is UTF-8 whatever a
/// legacy declaration says.
const UTF8_EVIDENCE_BYTES: usize = 16;

pub use crate::text::encoding::encoding_for_label;

use crate::text::encoding::gbk_as_gb18030 as normalize;

/// Decodes an HTML page.
///
/// Order: `force` → BOM → `charset` in the HTTP `Content-Type` header → `<meta charset=…>` or
/// `<meta http-equiv="Content-Type" content="…charset=…">` in the first 64 KB (stops at `<body`)
/// → chardetng. Declarations that contradict the bytes are skipped (see the module docs), and a
/// header `charset=ISO-8859-1`/`windows-1252` (a common server default) yields to `<meta>`.
/// A `<meta>` declaring UTF-16 means UTF-8 (HTML spec: the document was parsed as ASCII to
/// read it, so it cannot be UTF-16).
///
/// Returns the text and the encoding actually used.
pub fn decode_html(
    bytes: &[u8],
    content_type: Option<&str>,
    force: Option<&'static Encoding>,
) -> (String, &'static Encoding) {
    if let Some(enc) = force {
        return decode_forced(bytes, enc);
    }
    if let Some(done) = decode_by_bom(bytes) {
        return done;
    }
    let header = content_type.and_then(charset_from_content_type);
    let meta = || {
        meta_charset(&bytes[..bytes.len().min(SNIFF_LIMIT)]).map(|enc| {
            if enc == UTF_16LE || enc == UTF_16BE {
                UTF_8
            } else {
                enc
            }
        })
    };
    // `charset=ISO-8859-1` (windows-1252) in a header is usually a server default, not a
    // statement about the page: a `<meta>` declaration beats it.
    let sources = match header {
        Some(h) if h == WINDOWS_1252 => [meta(), header],
        _ => [header, meta()],
    };
    let chosen = sources
        .into_iter()
        .flatten()
        .find_map(|enc| checked_declaration(bytes, enc))
        .unwrap_or_else(|| detect(bytes));
    (decode_plain(bytes, chosen), chosen)
}

/// Decodes an XML document (a feed).
///
/// Order: `force` → BOM (and BOM-less UTF-16 recognised from `<?` as 16-bit units) → the prolog's
/// `encoding="…"` → `charset` in the HTTP `Content-Type` header → chardetng.
///
/// The prolog goes before the header, unlike RFC 7303: Chinese servers send wrong charsets in
/// headers (often `ISO-8859-1` or `UTF-8` from a default config) far more often than feed
/// generators write a wrong prolog. Declarations that contradict the bytes are skipped either way.
pub fn decode_xml(
    bytes: &[u8],
    content_type: Option<&str>,
    force: Option<&'static Encoding>,
) -> (String, &'static Encoding) {
    if let Some(enc) = force {
        return decode_forced(bytes, enc);
    }
    if let Some(done) = decode_by_bom(bytes) {
        return done;
    }
    // UTF-16 without BOM: `<?` (or `<` + letter) as 16-bit units.
    match bytes {
        [0, b'<', 0, c, ..] if c.is_ascii_graphic() => {
            return (decode_plain(bytes, UTF_16BE), UTF_16BE);
        }
        [b'<', 0, c, 0, ..] if c.is_ascii_graphic() => {
            return (decode_plain(bytes, UTF_16LE), UTF_16LE);
        }
        _ => {}
    }
    let prolog = xml_prolog_encoding(bytes).map(|enc| {
        // The prolog was readable as ASCII, so it cannot really be UTF-16.
        if enc == UTF_16LE || enc == UTF_16BE {
            UTF_8
        } else {
            enc
        }
    });
    let header = content_type.and_then(charset_from_content_type);
    let chosen = [prolog, header]
        .into_iter()
        .flatten()
        .find_map(|enc| checked_declaration(bytes, enc))
        .unwrap_or_else(|| detect(bytes));
    (decode_plain(bytes, chosen), chosen)
}

/// Extracts and maps the `charset` parameter of a `Content-Type` header value.
pub(crate) fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("charset") {
            encoding_for_label(value)
        } else {
            None
        }
    })
}

fn decode_forced(bytes: &[u8], enc: &'static Encoding) -> (String, &'static Encoding) {
    let enc = normalize(enc);
    let (text, _) = enc.decode_with_bom_removal(bytes);
    (text.into_owned(), enc)
}

fn decode_by_bom(bytes: &[u8]) -> Option<(String, &'static Encoding)> {
    let (enc, bom_len) = Encoding::for_bom(bytes)?;
    let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
    Some((text.into_owned(), enc))
}

fn decode_plain(bytes: &[u8], enc: &'static Encoding) -> String {
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

/// Accepts a declared encoding unless the bytes contradict it; see the module docs.
fn checked_declaration(bytes: &[u8], declared: &'static Encoding) -> Option<&'static Encoding> {
    let declared = normalize(declared);
    if declared == UTF_8 {
        return std::str::from_utf8(bytes).is_ok().then_some(UTF_8);
    }
    if declared.is_ascii_compatible() && looks_like_utf8(bytes) {
        return Some(UTF_8);
    }
    Some(declared)
}

/// Valid UTF-8 with enough non-ASCII bytes to be sure.
fn looks_like_utf8(bytes: &[u8]) -> bool {
    let non_ascii = bytes.iter().filter(|b| !b.is_ascii()).count();
    non_ascii >= UTF8_EVIDENCE_BYTES && std::str::from_utf8(bytes).is_ok()
}

/// chardetng, no TLD hint, UTF-8 allowed.
///
/// chardetng rules out an encoding on a single malformed sequence, so a GBK page with two broken
/// bytes (common on old Chinese sites) comes out as windows-1252. When the first guess is
/// windows-1252, the guess is repeated with the `.cn` TLD hint, which tips such pages back to
/// GBK while real Latin text stays windows-1252.
fn detect(bytes: &[u8]) -> &'static Encoding {
    let sample = &bytes[..bytes.len().min(DETECT_LIMIT)];
    // Valid UTF-8 (pure ASCII included: chardetng would say windows-1252) is UTF-8.
    if valid_utf8_but_cut(sample) {
        return UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, sample.len() == bytes.len());
    let guess = detector.guess(None, true);
    let guess = if guess == WINDOWS_1252 {
        detector.guess(Some(b"cn"), true)
    } else {
        guess
    };
    normalize(guess)
}

/// The sample is valid UTF-8 except for a multi-byte sequence cut at its end.
fn valid_utf8_but_cut(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Finds `<meta charset=…>` / `<meta http-equiv=… content="…charset=…">` in the bytes before
/// `<body`. Byte-level and case-insensitive; skips comments.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while let Some(lt) = find_byte(head, b'<', pos) {
        let rest = &head[lt..];
        if rest.starts_with(b"<!--") {
            pos = find_sub(head, b"-->", lt + 4).map_or(head.len(), |end| end + 3);
            continue;
        }
        if starts_with_ci(rest, b"<body") {
            return None;
        }
        let tag_end = find_byte(head, b'>', lt).unwrap_or(head.len());
        if starts_with_ci(rest, b"<meta")
            && rest.get(5).is_some_and(|b| is_space_or_slash(*b))
            && let Some(enc) = charset_in_tag(&head[lt + 5..tag_end])
        {
            return Some(enc);
        }
        pos = tag_end.max(lt + 1);
    }
    None
}

/// Looks for `charset` `=` value inside the attribute bytes of one tag. This covers both
/// `charset="gbk"` and `content="text/html; charset=gbk"`.
fn charset_in_tag(tag: &[u8]) -> Option<&'static Encoding> {
    let mut from = 0;
    while let Some(at) = find_sub_ci(tag, b"charset", from) {
        let mut i = at + b"charset".len();
        from = i;
        while tag.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while tag
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let start = i;
        while tag.get(i).is_some_and(|b| {
            !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'>' | b'/' | b','))
        }) {
            i += 1;
        }
        if let Some(enc) = std::str::from_utf8(&tag[start..i])
            .ok()
            .and_then(encoding_for_label)
        {
            return Some(enc);
        }
    }
    None
}

/// The `encoding` pseudo-attribute of a leading `<?xml … ?>` declaration.
fn xml_prolog_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &bytes[start..];
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = find_sub(rest, b"?>", 0).filter(|end| *end < 1024)?;
    let decl = &rest[..end];
    let at = find_sub(decl, b"encoding", 0)?;
    let mut i = at + b"encoding".len();
    while decl.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    if decl.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while decl.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    let quote = *decl.get(i)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let value_start = i + 1;
    let value_end = find_byte(decl, quote, value_start)?;
    std::str::from_utf8(&decl[value_start..value_end])
        .ok()
        .and_then(encoding_for_label)
}

fn is_space_or_slash(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b'/'
}

fn starts_with_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

fn find_byte(hay: &[u8], needle: u8, from: usize) -> Option<usize> {
    hay.get(from..)?
        .iter()
        .position(|b| *b == needle)
        .map(|p| p + from)
}

fn find_sub(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_sub_ci(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

#[cfg(test)]
mod tests;
