//! The configuration files as written, read from the lenient tree ([`super::tree`]): every
//! unknown key and every value of the wrong type is reported, and the rest is kept. Values that
//! need checking keep their position (`Spanned`) so problems can name file, line and column.
//! A required key that is missing is `None` here; the checks that follow skip that item.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeTable;

use super::Checker;
use super::tree::Table;

type S = Spanned<String>;

#[derive(Debug, Default)]
pub struct RawService {
    pub timezone: Option<S>,
    pub data_dir: Option<S>,
    pub sources: Option<S>,
    pub rules: Option<S>,
    pub userdict: Option<S>,
    /// The partner units file (`units.toml`).
    pub units: Option<S>,
    pub server: RawServer,
    pub http: RawHttp,
    pub crawl: RawCrawl,
    pub digest: RawDigest,
    pub analysis: RawAnalysis,
    pub report: RawReport,
    pub notify: Vec<RawNotify>,
}

#[derive(Debug, Default)]
pub struct RawReport {
    /// 报送单位 printed in the header of reports.
    pub unit: Option<String>,
    /// When `serve` writes the weekly / monthly report.
    pub weekly_cron: Option<S>,
    pub monthly_cron: Option<S>,
}

#[derive(Debug, Default)]
pub struct RawAnalysis {
    /// Alert on any negative article that mentions a region word, at this level.
    pub negative_near_region: Option<S>,
    /// Region words besides the `region` words of the rules.
    pub regions: Option<Vec<S>>,
    /// Level of spike pushes.
    pub spike_level: Option<S>,
}

#[derive(Debug, Default)]
pub struct RawServer {
    pub listen: Option<S>,
    /// A client must send a request's headers within this time ("10s"); idle keep-alive
    /// connections are closed after it too.
    pub header_timeout: Option<S>,
    /// A client must send a request's body within this time ("15s").
    pub body_timeout: Option<S>,
    /// Connections open at once, all clients together.
    pub max_connections: Option<Spanned<i64>>,
    /// Connections open at once from one client address.
    pub max_connections_per_ip: Option<Spanned<i64>>,
}

#[derive(Debug, Default)]
pub struct RawHttp {
    pub user_agent: Option<String>,
    pub timeout: Option<S>,
    pub connect_timeout: Option<S>,
    pub max_body: Option<S>,
    pub per_host_concurrency: Option<Spanned<i64>>,
    pub per_host_delay: Option<S>,
    pub concurrency: Option<Spanned<i64>>,
    pub retries: Option<Spanned<i64>>,
}

#[derive(Debug, Default)]
pub struct RawCrawl {
    /// With `full_text = "auto"`, fetch the page when the feed's text is shorter than this.
    pub min_text_chars: Option<Spanned<i64>>,
    pub max_items_per_source: Option<Spanned<i64>>,
    pub default_cron: Option<S>,
    /// Articles older than this leave the index and the database ("180d").
    pub retention: Option<S>,
    /// Keep articles that raised an alert (and their evidence) past the retention.
    pub keep_alerted: Option<bool>,
}

#[derive(Debug, Default)]
pub struct RawDigest {
    pub cron: Option<S>,
    pub formats: Option<Vec<S>>,
    /// Local time that ends one digest day and starts the next ("08:00").
    pub cutoff: Option<S>,
    /// Title printed on the digest ("青石街道舆情日报").
    pub title: Option<String>,
    /// HTML, Word and Markdown list at most this many alerts in full (0: all).
    pub max_listed: Option<Spanned<i64>>,
}

#[derive(Debug)]
pub struct RawNotify {
    /// The `[[notify]]` header.
    pub at: Range<usize>,
    /// wecom | dingtalk | webhook | email (required)
    pub kind: Option<S>,
    /// Channel name, unique; the outbox is keyed by it (default: kind and variable name).
    pub name: Option<S>,
    /// Environment variable holding the bot or webhook URL.
    pub url_env: Option<S>,
    /// DingTalk only: environment variable holding the signing secret (SEC…).
    pub secret_env: Option<S>,
    pub min_level: Option<S>,
    /// "22:00-07:00" (local time): only high alerts go out meanwhile.
    pub quiet_hours: Option<S>,
    /// Email only: recipients.
    pub to: Option<Vec<S>>,
    /// Email only: sender.
    pub from: Option<S>,
    /// Email only: environment variable holding `smtp://user:pass@host:port` or `smtps://…`.
    pub smtp_url_env: Option<S>,
    /// At most this many alerts in one message (1..=50).
    pub batch: Option<Spanned<i64>>,
    /// Whether the daily digest is pushed here (default: email yes, others no).
    pub digest: Option<bool>,
    /// Whether source-health changes (failing, blocked, silent, recovered) go here (default no).
    pub health: Option<bool>,
}

#[derive(Debug, Default)]
pub struct RawSources {
    pub source: Vec<RawSource>,
    pub site: Vec<RawSite>,
}

#[derive(Debug)]
pub struct RawSource {
    /// The `[[source]]` header.
    pub at: Range<usize>,
    /// Required, like `kind` and `url`.
    pub id: Option<S>,
    pub name: Option<String>,
    pub kind: Option<S>,
    pub url: Option<S>,
    pub cron: Option<S>,
    pub full_text: Option<S>,
    pub encoding: Option<S>,
    pub expect_every: Option<S>,
    pub enabled: Option<bool>,
    pub list: Option<RawList>,
}

#[derive(Debug)]
pub struct RawList {
    /// The `[source.list]` header.
    pub at: Range<usize>,
    /// Required.
    pub item: Option<S>,
    pub link: Option<S>,
    pub title: Option<S>,
    pub date: Option<S>,
}

#[derive(Debug)]
pub struct RawSite {
    /// Required, like `body`.
    pub host: Option<S>,
    pub title: Option<S>,
    pub body: Option<S>,
    pub date: Option<S>,
    pub author: Option<S>,
    pub remove: Vec<S>,
}

#[derive(Debug, Default)]
pub struct RawRules {
    pub rule: Vec<RawRule>,
}

#[derive(Debug)]
pub struct RawRule {
    /// The `[[rule]]` header.
    pub at: Range<usize>,
    /// Required.
    pub id: Option<S>,
    pub name: Option<String>,
    pub level: Option<S>,
    pub region: Option<Vec<S>>,
    pub subject: Option<Vec<S>>,
    pub event: Option<Vec<S>>,
    pub all: Option<Vec<S>>,
    pub exclude: Option<Vec<S>>,
    pub scope: Option<S>,
    pub sources: Option<Vec<S>>,
    pub near: Option<Spanned<i64>>,
    pub enabled: Option<bool>,
    pub expr: Option<S>,
}

impl RawService {
    pub(crate) fn read(c: &mut Checker, doc: &Spanned<DeTable>) -> RawService {
        let t = Table::new(
            c,
            doc.get_ref(),
            0..0,
            &[
                "timezone", "data_dir", "sources", "rules", "userdict", "units", "server", "http",
                "crawl", "digest", "analysis", "report", "notify",
            ],
        );
        let server = t.table(
            c,
            "server",
            &[
                "listen",
                "header_timeout",
                "body_timeout",
                "max_connections",
                "max_connections_per_ip",
            ],
        );
        let http = t.table(
            c,
            "http",
            &[
                "user_agent",
                "timeout",
                "connect_timeout",
                "max_body",
                "per_host_concurrency",
                "per_host_delay",
                "concurrency",
                "retries",
            ],
        );
        let crawl = t.table(
            c,
            "crawl",
            &[
                "min_text_chars",
                "max_items_per_source",
                "default_cron",
                "retention",
                "keep_alerted",
            ],
        );
        let digest = t.table(
            c,
            "digest",
            &["cron", "formats", "cutoff", "title", "max_listed"],
        );
        let report = t.table(c, "report", &["unit", "weekly_cron", "monthly_cron"]);
        let analysis = t.table(
            c,
            "analysis",
            &["negative_near_region", "regions", "spike_level"],
        );
        RawService {
            report: report.map_or_else(Default::default, |r| RawReport {
                unit: r.text(c, "unit"),
                weekly_cron: r.string(c, "weekly_cron"),
                monthly_cron: r.string(c, "monthly_cron"),
            }),
            analysis: analysis.map_or_else(Default::default, |a| RawAnalysis {
                negative_near_region: a.string(c, "negative_near_region"),
                regions: a.strings(c, "regions"),
                spike_level: a.string(c, "spike_level"),
            }),
            timezone: t.string(c, "timezone"),
            data_dir: t.string(c, "data_dir"),
            sources: t.string(c, "sources"),
            rules: t.string(c, "rules"),
            userdict: t.string(c, "userdict"),
            units: t.string(c, "units"),
            server: server.map_or_else(Default::default, |s| RawServer {
                listen: s.string(c, "listen"),
                header_timeout: s.string(c, "header_timeout"),
                body_timeout: s.string(c, "body_timeout"),
                max_connections: s.int(c, "max_connections"),
                max_connections_per_ip: s.int(c, "max_connections_per_ip"),
            }),
            http: http.map_or_else(Default::default, |h| RawHttp {
                user_agent: h.text(c, "user_agent"),
                timeout: h.string(c, "timeout"),
                connect_timeout: h.string(c, "connect_timeout"),
                max_body: h.string(c, "max_body"),
                per_host_concurrency: h.int(c, "per_host_concurrency"),
                per_host_delay: h.string(c, "per_host_delay"),
                concurrency: h.int(c, "concurrency"),
                retries: h.int(c, "retries"),
            }),
            crawl: crawl.map_or_else(Default::default, |k| RawCrawl {
                min_text_chars: k.int(c, "min_text_chars"),
                max_items_per_source: k.int(c, "max_items_per_source"),
                default_cron: k.string(c, "default_cron"),
                retention: k.string(c, "retention"),
                keep_alerted: k.bool(c, "keep_alerted"),
            }),
            digest: digest.map_or_else(Default::default, |d| RawDigest {
                cron: d.string(c, "cron"),
                formats: d.strings(c, "formats"),
                cutoff: d.string(c, "cutoff"),
                title: d.text(c, "title"),
                max_listed: d.int(c, "max_listed"),
            }),
            notify: t
                .tables(
                    c,
                    "notify",
                    &[
                        "kind",
                        "name",
                        "url_env",
                        "secret_env",
                        "min_level",
                        "quiet_hours",
                        "to",
                        "from",
                        "smtp_url_env",
                        "batch",
                        "digest",
                        "health",
                    ],
                )
                .iter()
                .map(|n| RawNotify {
                    at: n.at.clone(),
                    kind: n.required_string(c, "kind"),
                    name: n.string(c, "name"),
                    url_env: n.string(c, "url_env"),
                    secret_env: n.string(c, "secret_env"),
                    min_level: n.string(c, "min_level"),
                    quiet_hours: n.string(c, "quiet_hours"),
                    to: n.strings(c, "to"),
                    from: n.string(c, "from"),
                    smtp_url_env: n.string(c, "smtp_url_env"),
                    batch: n.int(c, "batch"),
                    digest: n.bool(c, "digest"),
                    health: n.bool(c, "health"),
                })
                .collect(),
        }
    }
}

impl RawSources {
    pub(crate) fn read(c: &mut Checker, doc: &Spanned<DeTable>) -> RawSources {
        let t = Table::new(c, doc.get_ref(), 0..0, &["source", "site"]);
        let source_keys = [
            "id",
            "name",
            "kind",
            "url",
            "cron",
            "full_text",
            "encoding",
            "expect_every",
            "enabled",
            "list",
        ];
        let source = t
            .tables(c, "source", &source_keys)
            .iter()
            .map(|s| RawSource {
                at: s.at.clone(),
                id: s.required_string(c, "id"),
                name: s.text(c, "name"),
                kind: s.required_string(c, "kind"),
                url: s.required_string(c, "url"),
                cron: s.string(c, "cron"),
                full_text: s.string(c, "full_text"),
                encoding: s.string(c, "encoding"),
                expect_every: s.string(c, "expect_every"),
                enabled: s.bool(c, "enabled"),
                list: s
                    .table(c, "list", &["item", "link", "title", "date"])
                    .map(|l| RawList {
                        at: l.at.clone(),
                        item: l.required_string(c, "item"),
                        link: l.string(c, "link"),
                        title: l.string(c, "title"),
                        date: l.string(c, "date"),
                    }),
            })
            .collect();
        let site_keys = ["host", "title", "body", "date", "author", "remove"];
        let site = t
            .tables(c, "site", &site_keys)
            .iter()
            .map(|s| RawSite {
                host: s.required_string(c, "host"),
                title: s.string(c, "title"),
                body: s.required_string(c, "body"),
                date: s.string(c, "date"),
                author: s.string(c, "author"),
                remove: s.strings(c, "remove").unwrap_or_default(),
            })
            .collect();
        RawSources { source, site }
    }
}

impl RawRules {
    pub(crate) fn read(c: &mut Checker, doc: &Spanned<DeTable>) -> RawRules {
        let t = Table::new(c, doc.get_ref(), 0..0, &["rule"]);
        let keys = [
            "id", "name", "level", "region", "subject", "event", "all", "exclude", "scope",
            "sources", "near", "enabled", "expr",
        ];
        let rule = t
            .tables(c, "rule", &keys)
            .iter()
            .map(|r| RawRule {
                at: r.at.clone(),
                id: r.required_string(c, "id"),
                name: r.text(c, "name"),
                level: r.string(c, "level"),
                region: r.strings(c, "region"),
                subject: r.strings(c, "subject"),
                event: r.strings(c, "event"),
                all: r.strings(c, "all"),
                exclude: r.strings(c, "exclude"),
                scope: r.string(c, "scope"),
                sources: r.strings(c, "sources"),
                near: r.int(c, "near"),
                enabled: r.bool(c, "enabled"),
                expr: r.string(c, "expr"),
            })
            .collect();
        RawRules { rule }
    }
}
