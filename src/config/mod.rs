//! Configuration in two phases: the files as written ([`raw`]), then checked, typed values
//! ([`Config`]). Loading reports *every* problem it finds, each as `path:line:col: message`.
//!
//! Paths in `yuqing.toml` (`sources`, `rules`, `userdict`) are relative to that file's folder;
//! `data_dir` is relative to the working directory (the default layout keeps `index/` at the top
//! of the checkout). Source URLs may be `http(s)://`, `file://`, or a path relative to
//! `sources.toml`.

mod check;
mod crontab;
pub mod diag;
pub mod expr;

pub use check::check_userdict;
pub(crate) use check::{Checker, read};
pub use crontab::parse_cron;
mod notify;
pub mod raw;
mod rules;
mod site;
mod sources;
mod tree;
mod units;

use notify::check_notify;
pub use notify::{DEFAULT_NOTIFY_BATCH, NotifyConfig, parse_quiet_hours};

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use diag::SourceFile;
pub use diag::{ConfigErrors, Problem};
use raw::RawService;
pub use rules::{Level, Rule, Scope};
pub use site::{SiteRule, validate_selector};
pub use units::{DEFAULT_DUE, Unit};

/// Default of `[digest] max_listed`: a day's reading for a collector, not a backfill's 6 000.
pub const DEFAULT_MAX_LISTED: usize = 200;
pub use sources::{FullText, ListSelectors, Source, SourceKind};
use toml::Spanned;

pub const DEFAULT_CONFIG: &str = "config/yuqing.toml";
pub const DEFAULT_USER_AGENT: &str = concat!(
    "yuqing/",
    env!("CARGO_PKG_VERSION"),
    " (+https://example.invalid/yuqing)"
);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;
pub const DEFAULT_CRON: &str = "0 */30 * * * *";
pub const DEFAULT_DIGEST_CRON: &str = "0 0 8 * * *";

/// Checked service configuration with its sources and rules.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub timezone: Tz,
    pub data_dir: PathBuf,
    pub sources_path: PathBuf,
    pub rules_path: PathBuf,
    pub userdict: Option<PathBuf>,
    pub listen: String,
    pub server: ServerConfig,
    pub http: HttpConfig,
    pub crawl: CrawlConfig,
    pub digest: DigestConfig,
    pub analysis: AnalysisConfig,
    /// 报送单位 in the header of reports (`[report] unit`); the digest title's office when unset.
    pub report_unit: Option<String>,
    /// When `serve` writes the weekly and monthly reports (`[report] weekly_cron`,
    /// `monthly_cron`); none when unset.
    pub weekly_cron: Option<cron::Schedule>,
    pub monthly_cron: Option<cron::Schedule>,
    pub notify: Vec<NotifyConfig>,
    pub sources: Vec<Source>,
    pub sites: Vec<SiteRule>,
    pub rules: Vec<Rule>,
    /// Partner units (联席单位) from `units.toml`; empty without the file.
    pub units: Vec<Unit>,
}

/// Limits of the web server (`[server]`): every client is hostile, so headers, bodies and
/// connections are bounded in time and number (see the README for a reverse proxy).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Time to send a request's headers; also how long an idle keep-alive connection stays.
    pub header_timeout: Duration,
    /// Time to send a request's body.
    pub body_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            max_connections: 512,
            max_connections_per_ip: 64,
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub user_agent: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body: u64,
    pub per_host_concurrency: usize,
    /// Minimum pause between two requests to one host.
    pub per_host_delay: Duration,
    /// Requests in flight across all hosts.
    pub concurrency: usize,
    /// Extra attempts after a 5xx, 429 or timeout.
    pub retries: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
            per_host_concurrency: 2,
            per_host_delay: Duration::from_millis(500),
            concurrency: 16,
            retries: 2,
        }
    }
}

#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub min_text_chars: usize,
    pub max_items_per_source: usize,
    pub default_cron: cron::Schedule,
    /// `None` keeps everything.
    pub retention: Option<Duration>,
    pub keep_alerted: bool,
}

#[derive(Debug, Clone)]
pub struct DigestConfig {
    pub cron: cron::Schedule,
    pub formats: Vec<crate::model::DigestFormat>,
    pub cutoff: chrono::NaiveTime,
    pub title: String,
    /// HTML, Word and Markdown list at most this many alerts in full (0: all); the
    /// counts and the XLSX hold every alert.
    pub max_listed: usize,
}

/// `[analysis]`: the built-in watch a rule cannot give (负面舆情预警).
#[derive(Debug, Clone, Default)]
pub struct AnalysisConfig {
    /// Alert on any negative article that mentions a region word of the office, at this level.
    pub negative_near_region: Option<crate::model::Level>,
    /// Region words besides the `region` words of every rule.
    pub regions: Vec<String>,
    /// Level of spike (突发) pushes; medium when not set.
    pub spike_level: Option<crate::model::Level>,
}

impl Config {
    /// The office's region words: `[analysis] regions` and the `region` words of every rule,
    /// distinct, as written.
    pub fn region_words(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in self
            .analysis
            .regions
            .iter()
            .chain(self.rules.iter().flat_map(|r| r.region.iter()))
        {
            if !w.trim().is_empty() && !out.contains(w) {
                out.push(w.clone());
            }
        }
        out
    }

    /// Loads and checks `path` and the files it names. On failure, every problem found.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let mut problems = Vec::new();
        let config = Self::load_into(path, &mut problems);
        diag::sort_in_file_order(&mut problems);
        match config {
            Some(c) if problems.is_empty() => Ok(c),
            _ => Err(ConfigErrors(problems)),
        }
    }

    fn load_into(path: &Path, problems: &mut Vec<Problem>) -> Option<Config> {
        let text = read(path, problems, ("配置文件", "configuration"))?;
        let file = SourceFile { path, text: &text };
        let mut c = Checker { file, problems };
        // Every key of the file is read (unknown keys and wrong types reported) before any
        // value is checked, so one problem never hides another.
        let doc = tree::parse(&mut c, &text)?;
        let raw = RawService::read(&mut c, &doc);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };

        let timezone = match &raw.timezone {
            None => Some(chrono_tz::Asia::Shanghai),
            Some(tz) => match tz.get_ref().parse::<Tz>() {
                Ok(t) => Some(t),
                Err(_) => c.err(
                    tz.span(),
                    format!(
                        "未知的时区 {tz:?}，应写成 \"Asia/Shanghai\" 这样的形式 \
                         (unknown time zone {tz:?}, e.g. \"Asia/Shanghai\")",
                        tz = tz.get_ref()
                    ),
                ),
            },
        };
        let rel = |v: &Option<Spanned<String>>, default: &str| {
            dir.join(v.as_ref().map_or(default, |s| s.get_ref().as_str()))
        };
        let data_dir = PathBuf::from(
            raw.data_dir
                .as_ref()
                .map_or("index", |s| s.get_ref().as_str()),
        );
        let sources_path = rel(&raw.sources, "sources.toml");
        let rules_path = rel(&raw.rules, "rules.toml");
        let userdict = match &raw.userdict {
            Some(u) => Some(dir.join(u.get_ref())),
            None => Some(dir.join("userdict.txt")).filter(|p| p.exists()),
        };
        let listen = raw
            .server
            .listen
            .as_ref()
            .map_or("127.0.0.1:8080".to_string(), |l| l.get_ref().clone());
        if let Some(l) = &raw.server.listen
            && l.get_ref().parse::<std::net::SocketAddr>().is_err()
        {
            c.err::<()>(
                l.span(),
                format!(
                    "监听地址 {l:?} 无效，应写成 \"127.0.0.1:8080\" 这样的形式 \
                     (bad listen address {l:?}, e.g. \"127.0.0.1:8080\")",
                    l = l.get_ref()
                ),
            );
        }

        let mut server = ServerConfig::default();
        if let Some(d) = raw
            .server
            .header_timeout
            .as_ref()
            .and_then(|v| c.duration(v))
        {
            server.header_timeout = d;
        }
        if let Some(d) = raw.server.body_timeout.as_ref().and_then(|v| c.duration(v)) {
            server.body_timeout = d;
        }
        if let Some(n) = raw.server.max_connections.as_ref() {
            server.max_connections = c
                .count(n, 1, 100_000)
                .map_or(server.max_connections, |n| n as usize);
        }
        if let Some(n) = raw.server.max_connections_per_ip.as_ref() {
            server.max_connections_per_ip = c
                .count(n, 1, 100_000)
                .map_or(server.max_connections_per_ip, |n| n as usize);
        }

        let mut http = HttpConfig::default();
        if let Some(ua) = &raw.http.user_agent {
            http.user_agent = ua.clone();
        }
        if let Some(v) = &raw.http.timeout {
            http.timeout = c.duration(v).unwrap_or(http.timeout);
        }
        if let Some(v) = &raw.http.connect_timeout {
            http.connect_timeout = c.duration(v).unwrap_or(http.connect_timeout);
        }
        if let Some(v) = &raw.http.max_body {
            http.max_body = c.size(v).unwrap_or(http.max_body);
        }
        if let Some(v) = &raw.http.per_host_delay {
            http.per_host_delay = c.duration(v).unwrap_or(http.per_host_delay);
        }
        if let Some(v) = &raw.http.per_host_concurrency {
            http.per_host_concurrency = c
                .count(v, 1, 64)
                .map_or(http.per_host_concurrency, |n| n as usize);
        }
        if let Some(v) = &raw.http.concurrency {
            http.concurrency = c.count(v, 1, 1024).map_or(http.concurrency, |n| n as usize);
        }
        if let Some(v) = &raw.http.retries {
            http.retries = c.count(v, 0, 10).map_or(http.retries, |n| n as u32);
        }

        let crawl = CrawlConfig {
            min_text_chars: raw
                .crawl
                .min_text_chars
                .as_ref()
                .and_then(|v| c.count(v, 0, 100_000))
                .unwrap_or(200) as usize,
            max_items_per_source: raw
                .crawl
                .max_items_per_source
                .as_ref()
                .and_then(|v| c.count(v, 1, 10_000))
                .unwrap_or(200) as usize,
            default_cron: match &raw.crawl.default_cron {
                Some(v) => c.cron(v),
                None => parse_cron(DEFAULT_CRON).ok(),
            }
            .unwrap_or_else(|| parse_cron(DEFAULT_CRON).expect("default cron parses")),
            retention: match &raw.crawl.retention {
                None => Some(Duration::from_secs(180 * 86_400)),
                Some(v) if v.get_ref().trim() == "never" => None,
                Some(v) => c.duration(v),
            },
            keep_alerted: raw.crawl.keep_alerted.unwrap_or(true),
        };

        let digest_cron = match &raw.digest.cron {
            Some(v) => c.cron(v),
            None => parse_cron(DEFAULT_DIGEST_CRON).ok(),
        };
        let mut formats = Vec::new();
        for f in raw.digest.formats.iter().flatten() {
            if let Some(fmt) = crate::model::DigestFormat::parse(f.get_ref()) {
                formats.push(fmt);
            } else {
                c.err::<()>(
                    f.span(),
                    format!(
                        "未知的日报格式 {f:?}，可选：{names} (unknown digest format {f:?}: use one of {names})",
                        f = f.get_ref(),
                        names = crate::model::DigestFormat::names()
                    ),
                );
            }
        }
        if raw.digest.formats.is_none() {
            formats = vec![
                crate::model::DigestFormat::Html,
                crate::model::DigestFormat::Xlsx,
            ];
        }

        let cutoff = match &raw.digest.cutoff {
            None => chrono::NaiveTime::from_hms_opt(8, 0, 0),
            Some(v) => match chrono::NaiveTime::parse_from_str(v.get_ref().trim(), "%H:%M") {
                Ok(t) => Some(t),
                Err(_) => c.err(
                    v.span(),
                    format!(
                        "日报分界时间 {v:?} 无效，应写成本地时间如 \"08:00\" \
                         (bad cutoff {v:?}: write a local time like \"08:00\")",
                        v = v.get_ref()
                    ),
                ),
            },
        };
        let max_listed = raw
            .digest
            .max_listed
            .as_ref()
            .and_then(|v| c.count(v, 0, 1_000_000))
            .map(|n| n as usize);
        let negative_near_region =
            raw.analysis.negative_near_region.as_ref().and_then(
                |v| match crate::model::Level::parse(v.get_ref().trim()) {
                    Some(l) => Some(l),
                    None => c.err(
                        v.span(),
                        format!(
                            "[analysis] negative_near_region 应为 high、medium 或 low，实际为 {:?} \
                         (negative_near_region must be high, medium or low)",
                            v.get_ref()
                        ),
                    ),
                },
            );
        let spike_level = raw.analysis.spike_level.as_ref().and_then(|v| {
            match crate::model::Level::parse(v.get_ref().trim()) {
                Some(l) => Some(l),
                None => c.err(
                    v.span(),
                    format!(
                        "[analysis] spike_level 应为 high、medium 或 low，实际为 {:?} \
                         (spike_level must be high, medium or low)",
                        v.get_ref()
                    ),
                ),
            }
        });
        let weekly_cron = raw.report.weekly_cron.as_ref().and_then(|v| c.cron(v));
        let monthly_cron = raw.report.monthly_cron.as_ref().and_then(|v| c.cron(v));
        let regions: Vec<String> = raw
            .analysis
            .regions
            .iter()
            .flatten()
            .map(|s| s.get_ref().trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let mut notify: Vec<NotifyConfig> = Vec::new();
        for n in &raw.notify {
            let Some(cfg) = check_notify(&mut c, n) else {
                continue;
            };
            if notify.iter().any(|o| o.channel() == cfg.channel()) {
                let at = n.name.as_ref().map_or_else(|| n.at.clone(), |s| s.span());
                c.err::<()>(
                    at,
                    format!(
                        "推送渠道 {ch:?} 重复，请给每个 [[notify]] 不同的 name \
                         (duplicate notify channel {ch:?}: give each [[notify]] its own name)",
                        ch = cfg.channel()
                    ),
                );
                continue;
            }
            notify.push(cfg);
        }

        let tz = timezone.unwrap_or(chrono_tz::Asia::Shanghai);
        let (sources, sites) =
            sources::load(&sources_path, &crawl.default_cron, c.problems).unwrap_or_default();
        let source_ids: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        let rules = rules::load(&rules_path, &source_ids, c.problems).unwrap_or_default();
        // units.toml: named by `units`, else used when it sits next to the configuration.
        let units_path = match &raw.units {
            Some(u) => Some(dir.join(u.get_ref())),
            None => Some(dir.join("units.toml")).filter(|p| p.exists()),
        };
        let channels: Vec<String> = notify.iter().map(|n| n.channel()).collect();
        let units = units_path
            .and_then(|p| units::load(&p, &channels, c.problems))
            .unwrap_or_default();
        if let Some(u) = &userdict {
            check_userdict(u, c.problems);
        }
        Some(Config {
            path: path.to_path_buf(),
            timezone: tz,
            data_dir,
            sources_path,
            rules_path,
            userdict,
            listen,
            server,
            http,
            crawl,
            digest: DigestConfig {
                cron: digest_cron.unwrap_or_else(|| {
                    parse_cron(DEFAULT_DIGEST_CRON).expect("default cron parses")
                }),
                formats,
                cutoff: cutoff.unwrap_or_default(),
                title: raw
                    .digest
                    .title
                    .clone()
                    .unwrap_or_else(|| "舆情日报".to_string()),
                max_listed: max_listed.unwrap_or(DEFAULT_MAX_LISTED),
            },
            report_unit: raw.report.unit.clone().filter(|u| !u.trim().is_empty()),
            weekly_cron,
            monthly_cron,
            analysis: AnalysisConfig {
                negative_near_region,
                regions,
                spike_level,
            },
            notify,
            sources,
            sites,
            rules,
            units,
        })
    }

    /// Loads a rules file on its own (e.g. one not yet saved in place), checked against this
    /// configuration's sources.
    pub fn load_rules_file(&self, path: &Path) -> Result<Vec<Rule>, ConfigErrors> {
        let mut problems = Vec::new();
        if !path.exists() {
            return Err(ConfigErrors(vec![Problem {
                path: path.to_path_buf(),
                line: 1,
                col: 1,
                message: "文件不存在 (file not found)".into(),
            }]));
        }
        let ids: Vec<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        let rules = rules::load(path, &ids, &mut problems).unwrap_or_default();
        diag::sort_in_file_order(&mut problems);
        if problems.is_empty() {
            Ok(rules)
        } else {
            Err(ConfigErrors(problems))
        }
    }

    /// The SQLite database file.
    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("yuqing.db")
    }

    /// The tantivy index folder.
    pub fn index_path(&self) -> PathBuf {
        self.data_dir.join("search")
    }

    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }
}
