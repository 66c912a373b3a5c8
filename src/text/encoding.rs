//! Charset labels, as written in `<meta charset>`, HTTP headers and `sources.toml`.

use encoding_rs::{BIG5, Encoding, GB18030, GBK, UTF_8, UTF_16BE, UTF_16LE};

/// Maps a charset label to an encoding, the way this crate wants it.
///
/// WHATWG labels via [`Encoding::for_label`], plus:
/// * `gb2312`, `gbk`, `x-gbk`, `cp936`, ... (everything WHATWG maps to GBK) → GB18030;
/// * sloppy spellings: surrounding quotes and whitespace, `utf_8`, `UTF8`, `gb_18030`, `big5_hkscs`;
/// * `unicode` (seen in `<meta charset="unicode">`) → UTF-8: a real UTF-16 document carries a BOM,
///   which wins before any label is read.
///
/// Returns `None` for unknown labels (used by config validation of per-source overrides).
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label
        .trim()
        .trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    if label.is_empty() {
        return None;
    }
    if label.eq_ignore_ascii_case("unicode") {
        // WHATWG says UTF-16LE, but in a `<meta>` or a config file it means UTF-8 in practice.
        return Some(UTF_8);
    }
    let found = Encoding::for_label(label.as_bytes())
        .or_else(|| Encoding::for_label(label.replace('_', "-").as_bytes()))
        .or_else(|| {
            let squashed: String = label
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            match squashed.as_str() {
                "utf8" | "unicode" | "unicode11utf8" | "utf8n" => Some(UTF_8),
                "gb18030" | "gb180302000" | "gb180302005" | "gb180302022" => Some(GB18030),
                "gbk" | "gb2312" | "gb231280" | "cp936" | "ms936" | "windows936" | "euccn" => {
                    Some(GB18030)
                }
                "big5" | "big5hkscs" | "cp950" | "ms950" | "windows950" => Some(BIG5),
                "utf16" | "utf16le" | "ucs2" => Some(UTF_16LE),
                "utf16be" => Some(UTF_16BE),
                _ => None,
            }
        })?;
    Some(gbk_as_gb18030(found))
}

/// Applies the GBK → GB18030 rule to an encoding that came from anywhere (GB18030 is a strict
/// superset of GBK and GB2312).
pub fn gbk_as_gb18030(enc: &'static Encoding) -> &'static Encoding {
    if enc == GBK { GB18030 } else { enc }
}
