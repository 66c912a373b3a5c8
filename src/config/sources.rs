//! `sources.toml`: what to crawl (`[[source]]`) and per-site extraction rules (`[[site]]`).

use std::path::Path;
use std::time::Duration;

use url::Url;

use toml::Spanned;

use super::diag::{Problem, SourceFile};
use super::raw::{RawSite, RawSource, RawSources};
use super::site::{SiteRule, validate_selector};
use super::{Checker, read, tree};
use crate::text::encoding::encoding_for_label;

/// CSS selectors describing a list page (from the source's configuration).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListSelectors {
    /// One match per entry, e.g. `ul.news-list > li`.
    pub item: String,
    /// The link inside an item; default: the item itself if it is `<a href>`, else its first
    /// `a[href]`.
    pub link: Option<String>,
    /// The title inside an item; default: the link's `title` attribute, else the link text. When
    /// the selected text is cut (`…问题...`) and the link's `title` attribute has it whole, the
    /// attribute wins (see `crawl::title`).
    pub title: Option<String>,
    /// The date inside an item, e.g. `span.date`.
    pub date: Option<String>,
}

#[derive(Debug, Clone)]
pub enum SourceKind {
    /// RSS 0.9x/1.0/2.0, Atom or JSON Feed.
    Rss,
    /// A list page without a feed, read with CSS selectors.
    Html(ListSelectors),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullText {
    /// Fetch the article page when the feed's text is short.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub name: String,
    pub kind: SourceKind,
    pub url: Url,
    pub cron: cron::Schedule,
    pub full_text: FullText,
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// A source with no new article for this long is `silent`.
    pub expect_every: Option<Duration>,
    pub enabled: bool,
}

impl Source {
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            SourceKind::Rss => "rss",
            SourceKind::Html(_) => "html",
        }
    }
}

pub(super) fn load(
    path: &Path,
    default_cron: &cron::Schedule,
    problems: &mut Vec<Problem>,
) -> Option<(Vec<Source>, Vec<SiteRule>)> {
    let text = read(path, problems, ("信息源文件", "sources"))?;
    let file = SourceFile { path, text: &text };
    let mut c = Checker { file, problems };
    let doc = tree::parse(&mut c, &text)?;
    let raw = RawSources::read(&mut c, &doc);
    let base = path.parent().unwrap_or(Path::new("."));
    let mut sources = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rs in &raw.source {
        if let Some(s) = check_source(&mut c, rs, base, default_cron) {
            if !seen.insert(s.id.clone()) {
                let at = rs.id.as_ref().map_or_else(|| rs.at.clone(), |v| v.span());
                c.err::<()>(
                    at,
                    format!(
                        "信息源 id {id:?} 重复 (duplicate source id {id:?})",
                        id = s.id
                    ),
                );
                continue;
            }
            sources.push(s);
        }
    }
    let sites = raw
        .site
        .iter()
        .filter_map(|site| check_site(&mut c, site))
        .collect();
    Some((sources, sites))
}

/// A CSS selector, or `None` with the problem recorded.
fn selector(c: &mut Checker, v: &Spanned<String>) -> Option<String> {
    match validate_selector(v.get_ref()) {
        Ok(()) => Some(v.get_ref().clone()),
        Err(e) => c.err(
            v.span(),
            format!(
                "CSS 选择器 {s:?} 无效 (bad CSS selector {s:?}: {e})",
                s = v.get_ref()
            ),
        ),
    }
}

fn check_site(c: &mut Checker, site: &RawSite) -> Option<SiteRule> {
    let mut ok = true;
    let mut sel = |c: &mut Checker, v: &Option<Spanned<String>>| -> Option<String> {
        let v = v.as_ref()?;
        let s = selector(c, v);
        ok &= s.is_some();
        s
    };
    let title = sel(c, &site.title);
    let body = sel(c, &site.body);
    let date = sel(c, &site.date);
    let author = sel(c, &site.author);
    let remove: Vec<String> = site
        .remove
        .iter()
        .filter_map(|r| sel(c, &Some(r.clone())))
        .collect();
    let host = site.host.as_ref().map(|h| {
        let host = h
            .get_ref()
            .trim()
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        if host.is_empty() || host.contains('/') {
            c.err::<()>(
                h.span(),
                "host 应为纯主机名，如 \"news.example.gov.cn\" \
                 (host must be a bare host name like \"news.example.gov.cn\")",
            );
        }
        host
    });
    let host = host.filter(|h| !h.is_empty() && !h.contains('/'))?;
    if !ok {
        return None;
    }
    Some(SiteRule {
        host,
        title,
        body: body?,
        date,
        author,
        remove,
    })
}

fn check_source(
    c: &mut Checker,
    rs: &RawSource,
    base: &Path,
    default_cron: &cron::Schedule,
) -> Option<Source> {
    let id = rs
        .id
        .as_ref()
        .and_then(|v| c.ident(v, ("信息源", "source"), None));
    let url = rs
        .url
        .as_ref()
        .and_then(|u| match parse_source_url(u.get_ref(), base) {
            Ok(url) => Some(url),
            Err(e) => c.err(u.span(), e),
        });
    let cron = match &rs.cron {
        Some(v) => c.cron(v),
        None => Some(default_cron.clone()),
    };
    let full_text = match rs
        .full_text
        .as_ref()
        .map(|v| (v.get_ref().as_str(), v.span()))
    {
        None | Some(("auto", _)) => Some(FullText::Auto),
        Some(("always", _)) => Some(FullText::Always),
        Some(("never", _)) => Some(FullText::Never),
        Some((other, span)) => c.err(
            span,
            format!(
                "full_text 应为 auto、always 或 never，实际为 {other:?} \
                 (full_text must be auto, always or never, got {other:?})"
            ),
        ),
    };
    let encoding = match &rs.encoding {
        None => Some(None),
        Some(v) => match encoding_for_label(v.get_ref()) {
            Some(e) => Some(Some(e)),
            None => c.err(
                v.span(),
                format!(
                    "未知的编码 {e:?}，应写成 \"gbk\"、\"utf-8\"、\"big5\" 这样的名称 \
                     (unknown encoding {e:?}, e.g. \"gbk\", \"utf-8\", \"big5\")",
                    e = v.get_ref()
                ),
            ),
        },
    };
    let expect_every = match &rs.expect_every {
        None => Some(None),
        Some(v) => c.duration(v).map(Some),
    };
    let kind = rs
        .kind
        .as_ref()
        .and_then(|kind| match (kind.get_ref().as_str(), &rs.list) {
            ("rss", None) => Some(SourceKind::Rss),
            ("rss", Some(l)) => c.err(
                l.at.clone(),
                "[source.list] 只用于 kind = \"html\" ([source.list] is only for kind = \"html\")",
            ),
            ("html", None) => c.err(
                kind.span(),
                "kind = \"html\" 需要 [source.list] 表，至少写 item = \"CSS 选择器\" \
             (kind = \"html\" needs a [source.list] table with at least `item = \"css selector\"`)",
            ),
            ("html", Some(l)) => {
                let mut good = true;
                let mut sel = |c: &mut Checker, v: &Option<Spanned<String>>| {
                    let s = v.as_ref().map(|v| selector(c, v));
                    good &= !matches!(s, Some(None));
                    s.flatten()
                };
                let list = ListSelectors {
                    item: sel(c, &l.item).unwrap_or_default(),
                    link: sel(c, &l.link),
                    title: sel(c, &l.title),
                    date: sel(c, &l.date),
                };
                (good && l.item.is_some()).then_some(SourceKind::Html(list))
            }
            (other, _) => c.err(
                kind.span(),
                format!(
                    "kind 应为 \"rss\" 或 \"html\"，实际为 {other:?} \
                 (kind must be \"rss\" or \"html\", got {other:?})"
                ),
            ),
        });
    let id = id?;
    Some(Source {
        name: rs.name.clone().unwrap_or_else(|| id.clone()),
        id,
        kind: kind?,
        url: url?,
        cron: cron?,
        full_text: full_text?,
        encoding: encoding?,
        expect_every: expect_every?,
        enabled: rs.enabled.unwrap_or(true),
    })
}

/// `http(s)://` and `file://` URLs as they are; anything else is a path relative to `base`.
pub fn parse_source_url(s: &str, base: &Path) -> Result<Url, String> {
    let s = s.trim();
    if let Some(scheme_end) = s.find("://") {
        let scheme = &s[..scheme_end];
        if !matches!(scheme, "http" | "https" | "file") {
            return Err(format!(
                "不支持的 URL 协议 {scheme:?}，请用 http、https 或 file \
                 (unsupported URL scheme {scheme:?}: use http, https or file)"
            ));
        }
        return Url::parse(s).map_err(|e| format!("URL {s:?} 无效 (bad URL {s:?}: {e})"));
    }
    if s.is_empty() {
        return Err("url 为空 (url is empty)".into());
    }
    let p = base.join(s);
    let abs =
        std::path::absolute(&p).map_err(|e| format!("路径 {s:?} 无效 (bad path {s:?}: {e})"))?;
    Url::from_file_path(&abs).map_err(|_| format!("路径 {s:?} 无效 (bad path {s:?})"))
}
