//! The configuration files exactly as written (serde, unknown keys rejected). Values that need
//! checking keep their position (`Spanned`) so problems can name file, line and column.

use serde::Deserialize;
use toml::Spanned;

type S = Spanned<String>;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub timezone: Option<S>,
    pub data_dir: Option<S>,
    pub sources: Option<S>,
    pub rules: Option<S>,
    pub userdict: Option<S>,
    #[serde(default)]
    pub server: RawServer,
    #[serde(default)]
    pub http: RawHttp,
    #[serde(default)]
    pub crawl: RawCrawl,
    #[serde(default)]
    pub digest: RawDigest,
    #[serde(default)]
    pub notify: Vec<RawNotify>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    pub cron: Option<S>,
    pub formats: Option<Vec<S>>,
    /// Local time that ends one digest day and starts the next ("08:00").
    pub cutoff: Option<S>,
    /// Title printed on the digest ("青石街道舆情日报").
    pub title: Option<String>,
    /// HTML, Word and Markdown list at most this many alerts in full (0: all).
    pub max_listed: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNotify {
    /// wecom | dingtalk | webhook | email
    pub kind: S,
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

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawSources {
    #[serde(default)]
    pub source: Vec<RawSource>,
    #[serde(default)]
    pub site: Vec<RawSite>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: S,
    pub name: Option<String>,
    pub kind: S,
    pub url: S,
    pub cron: Option<S>,
    pub full_text: Option<S>,
    pub encoding: Option<S>,
    pub expect_every: Option<S>,
    pub enabled: Option<bool>,
    pub list: Option<RawList>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawList {
    pub item: S,
    pub link: Option<S>,
    pub title: Option<S>,
    pub date: Option<S>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub host: S,
    pub title: Option<S>,
    pub body: S,
    pub date: Option<S>,
    pub author: Option<S>,
    #[serde(default)]
    pub remove: Vec<S>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    #[serde(default)]
    pub rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: S,
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
