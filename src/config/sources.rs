//! `sources.toml`: what to crawl (`[[source]]`) and per-site extraction rules (`[[site]]`).

use std::path::Path;
use std::time::Duration;

use url::Url;

use super::diag::{Problem, SourceFile};
use super::raw::{RawSource, RawSources};
use super::site::{SiteRule, validate_selector};
use super::{Checker, read};
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
    let text = read(path, problems, "sources")?;
    let file = SourceFile { path, text: &text };
    let raw: RawSources = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            problems.push(file.toml_error(&e));
            return None;
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let mut c = Checker { file, problems };
    let mut sources = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for rs in &raw.source {
        if let Some(s) = check_source(&mut c, rs, base, default_cron) {
            if !seen.insert(s.id.clone()) {
                c.err::<()>(rs.id.span(), format!("duplicate source id {:?}", s.id));
                continue;
            }
            sources.push(s);
        }
    }
    let mut sites = Vec::new();
    for site in &raw.site {
        let mut ok = true;
        let mut sel = |v: &Option<toml::Spanned<String>>, c: &mut Checker| -> Option<String> {
            let v = v.as_ref()?;
            if let Err(e) = validate_selector(v.get_ref()) {
                ok = false;
                c.err::<()>(v.span(), format!("bad CSS selector {:?}: {e}", v.get_ref()));
            }
            Some(v.get_ref().clone())
        };
        let title = sel(&site.title, &mut c);
        let body = sel(&Some(site.body.clone()), &mut c).unwrap_or_default();
        let date = sel(&site.date, &mut c);
        let author = sel(&site.author, &mut c);
        let remove: Vec<String> = site
            .remove
            .iter()
            .filter_map(|r| sel(&Some(r.clone()), &mut c))
            .collect();
        let host = site
            .host
            .get_ref()
            .trim()
            .trim_start_matches("www.")
            .to_ascii_lowercase();
        if host.is_empty() || host.contains('/') {
            c.err::<()>(
                site.host.span(),
                "host must be a bare host name like \"news.example.gov.cn\"",
            );
            ok = false;
        }
        if ok {
            sites.push(SiteRule {
                host,
                title,
                body,
                date,
                author,
                remove,
            });
        }
    }
    Some((sources, sites))
}

fn check_source(
    c: &mut Checker,
    rs: &RawSource,
    base: &Path,
    default_cron: &cron::Schedule,
) -> Option<Source> {
    let id = rs.id.get_ref().clone();
    let mut ok = true;
    if id.is_empty()
        || !id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
    {
        c.err::<()>(
            rs.id.span(),
            format!("source id {id:?} must be letters, digits, '-', '_' or '.'"),
        );
        ok = false;
    }
    let url = match parse_source_url(rs.url.get_ref(), base) {
        Ok(u) => Some(u),
        Err(e) => c.err(rs.url.span(), e),
    };
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
            format!("full_text must be auto, always or never, got {other:?}"),
        ),
    };
    let encoding = match &rs.encoding {
        None => Some(None),
        Some(v) => match encoding_for_label(v.get_ref()) {
            Some(e) => Some(Some(e)),
            None => c.err(
                v.span(),
                format!(
                    "unknown encoding {:?} (e.g. \"gbk\", \"utf-8\", \"big5\")",
                    v.get_ref()
                ),
            ),
        },
    };
    let expect_every = match &rs.expect_every {
        None => Some(None),
        Some(v) => c.duration(v).map(Some),
    };
    let kind = match (rs.kind.get_ref().as_str(), &rs.list) {
        ("rss", None) => Some(SourceKind::Rss),
        ("rss", Some(l)) => c.err(l.item.span(), "[source.list] is only for kind = \"html\""),
        ("html", None) => c.err(
            rs.kind.span(),
            "kind = \"html\" needs a [source.list] table with at least `item = \"css selector\"`",
        ),
        ("html", Some(l)) => {
            let mut good = true;
            for v in [
                Some(&l.item),
                l.link.as_ref(),
                l.title.as_ref(),
                l.date.as_ref(),
            ]
            .into_iter()
            .flatten()
            {
                if let Err(e) = validate_selector(v.get_ref()) {
                    c.err::<()>(v.span(), format!("bad CSS selector {:?}: {e}", v.get_ref()));
                    good = false;
                }
            }
            good.then(|| {
                SourceKind::Html(ListSelectors {
                    item: l.item.get_ref().clone(),
                    link: l.link.as_ref().map(|v| v.get_ref().clone()),
                    title: l.title.as_ref().map(|v| v.get_ref().clone()),
                    date: l.date.as_ref().map(|v| v.get_ref().clone()),
                })
            })
        }
        (other, _) => c.err(
            rs.kind.span(),
            format!("kind must be \"rss\" or \"html\", got {other:?}"),
        ),
    };
    if !ok {
        return None;
    }
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
                "unsupported URL scheme {scheme:?}: use http, https or file"
            ));
        }
        return Url::parse(s).map_err(|e| format!("bad URL {s:?}: {e}"));
    }
    if s.is_empty() {
        return Err("url is empty".into());
    }
    let p = base.join(s);
    let abs = std::path::absolute(&p).map_err(|e| format!("bad path {s:?}: {e}"))?;
    Url::from_file_path(&abs).map_err(|_| format!("bad path {s:?}"))
}
