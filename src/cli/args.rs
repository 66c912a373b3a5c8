//! The commands and their arguments (clap).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::DEFAULT_CONFIG;

#[derive(Parser, Debug)]
#[command(
    name = "yuqing",
    version,
    about = "舆情监测：采集、检索、预警 (public-opinion monitoring)"
)]
pub struct Cli {
    /// 配置文件 (service configuration file).
    #[arg(long, global = true, env = "YUQING_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// 日志格式 (log format on stderr).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 检查配置、信息源、规则和词典，列出全部问题 (validate the configuration, list every problem).
    Check,
    /// 立即采集一轮并建立索引 (run one crawl pass now, index what is new).
    Crawl {
        /// Only these sources (repeatable).
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// 全文检索：空格=同时包含，OR，-排除，"短语"，title:，source: (full-text search, Ctrl-F semantics).
    Search {
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        query: Vec<String>,
        #[command(flatten)]
        filter: crate::search::SearchFilter,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 1)]
        page: usize,
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        #[arg(long)]
        json: bool,
    },
    /// 查看一篇文章：元数据与正文 (one article: metadata and text).
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// 信息源状态：最近采集、成功、错误、文章数 (source health).
    Sources {
        #[arg(long)]
        json: bool,
    },
    /// 由数据库重建检索索引，并重算情感倾向 (rebuild the search index, recompute tones).
    Reindex,
    /// 情感倾向：各倾向文章数；`--backfill` 为全部已存文章重算并重建索引 (tone counts; backfill).
    Tone {
        #[arg(long)]
        backfill: bool,
    },
    /// 常驻服务：定时采集、预警、推送、日报、网页与 API (the always-on service).
    Serve {
        /// Listen address (overrides [server] listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// 让运行中的服务重新加载信息源、规则和词典 (reload the running serve, SIGHUP).
    Reload,
    /// 预警规则：`rules list`，`rules test 规则` 试运行 (watch rules: list, test before going live).
    Rules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// 舆情日报：统计时段内的预警与信息源状态 (the daily digest of a day).
    Digest {
        /// The digest's day (YYYY-MM-DD); default: the one whose window contains now.
        #[arg(long, value_name = "D", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// html | md | json | xlsx | docx
        #[arg(long, default_value = "html")]
        format: String,
        /// Write to this file (required for xlsx and docx on a terminal).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also send it to the configured channels (email with the XLSX attached, bots a summary).
        #[arg(long)]
        send: bool,
    },
    /// 发送到期的待推送消息 (deliver queued pushes that are due).
    Push,
    /// 预警列表；`alerts review` 标记，`alerts backfill` 补跑规则 (list, review, backfill alerts).
    #[command(args_conflicts_with_subcommands = true)]
    Alerts {
        #[command(subcommand)]
        action: Option<AlertsAction>,
        /// Alerts raised on this calendar day (YYYY-MM-DD, 00:00–24:00).
        #[arg(long, value_name = "D", value_parser = parse_date, conflicts_with = "window")]
        date: Option<NaiveDate>,
        /// Alerts of the digest window of this day (the cut-off of the day before to its
        /// cut-off): what `digest --date D` counts, dismissed ones included.
        #[arg(long, value_name = "D", value_parser = parse_date)]
        window: Option<NaiveDate>,
        /// new | confirmed | reported | dismissed
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        rule: Option<String>,
        /// high | medium | low
        #[arg(long)]
        level: Option<String>,
        /// Handed to this partner unit (units.toml id).
        #[arg(long)]
        unit: Option<String>,
        /// assigned (已交办) | done (已办结) | overdue (已超期)
        #[arg(long)]
        handling: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// 事件：同一事件的多篇报道，按热度排列；`events show ID` 看成员 (events, hottest first).
    #[command(args_conflicts_with_subcommands = true)]
    Events {
        #[command(subcommand)]
        action: Option<EventsAction>,
        /// Events with an article on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "D", value_parser = parse_date)]
        since: Option<NaiveDate>,
        /// Events with an article on or before this day.
        #[arg(long, value_name = "D", value_parser = parse_date)]
        until: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// 走势与突发：按规则、地域词、事件的每日数量，及高出近 28 天基线的突发 (daily series, spikes).
    Trends {
        /// Days shown, today included.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// 报告：`report incident --alert ID | --event ID` 舆情专报 (reports).
    Report {
        #[command(subcommand)]
        kind: ReportKind,
    },
    /// 专题（保存的检索）：list、add 名称 检索式、show、rm (saved searches).
    Saved {
        #[command(subcommand)]
        action: SavedAction,
    },
    /// 网页用户：`user add 名字 --role admin|collector|staff`，第一个须为管理员 (web users).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a web user; the password is read from a prompt (not echoed) or from stdin.
    Add {
        name: String,
        /// unit (a partner unit: only what is handed to it) | staff (search, read) | collector
        /// (+ review alerts) | admin (+ users, reload)
        #[arg(long, value_parser = ["unit", "staff", "collector", "admin"])]
        role: String,
        /// For --role unit: the partner unit's id in units.toml.
        #[arg(long)]
        unit: Option<String>,
    },
    /// List web users.
    List,
}

#[derive(Subcommand, Debug)]
pub enum ReportKind {
    /// 舆情专报 of one alert or one event, in 公文 layout.
    Incident {
        #[arg(long, conflicts_with = "event", required_unless_present = "event")]
        alert: Option<i64>,
        #[arg(long)]
        event: Option<i64>,
        /// docx | md | html
        #[arg(long, default_value = "docx")]
        format: String,
        /// Write here (default: index/reports/专报-…).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 周报：日期所在周（周一至周日）的研判报告 (the weekly report of the week containing D).
    Weekly {
        /// Any day of the week (default: yesterday).
        #[arg(long, value_name = "D", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// docx | xlsx | md | html
        #[arg(long, default_value = "docx")]
        format: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// 月报：日期所在月的研判报告 (the monthly report of the month containing D).
    Monthly {
        /// Any day of the month (default: yesterday).
        #[arg(long, value_name = "D", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// docx | xlsx | md | html
        #[arg(long, default_value = "docx")]
        format: String,
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum EventsAction {
    /// One event with its member articles (首发 first).
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum SavedAction {
    /// Every saved search with its total and what is new since the CLI last showed it.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Save a search under NAME (shared with every web user). QUERY may be empty ("") when a
    /// filter is given: the filter's articles, newest first.
    Add {
        name: String,
        #[arg(allow_hyphen_values = true)]
        query: String,
        #[command(flatten)]
        filter: crate::search::SearchFilter,
        /// Push new matches like a rule at this level: high | medium | low.
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The newest matches of a saved search (by name or id); marks them seen.
    Show {
        name: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long, default_value_t = 1)]
        page: usize,
        #[arg(long)]
        json: bool,
    },
    /// Remove a saved search (by name or id).
    Rm {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// Count and sample the stored articles of the last N days that RULE would match.
    Test {
        /// Rule id (from rules.toml, or from --file).
        rule: String,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// A rules file not yet saved in place.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        samples: usize,
        #[arg(long)]
        json: bool,
    },
    /// List the rules in force.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AlertsAction {
    /// Record a review decision: confirmed (已核实), reported (已上报), dismissed (忽略).
    Review {
        id: i64,
        #[arg(long)]
        status: String,
        #[arg(long)]
        note: Option<String>,
        /// Who decided (defaults to $USER).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// 交办：把预警交给联席单位办理，附期限与要求，并推送到该单位的渠道 (hand to a partner unit).
    Assign {
        id: i64,
        #[arg(long)]
        unit: String,
        /// Deadline from now, e.g. 48h, 3d (default: the unit's default_due).
        #[arg(long)]
        due: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// Who assigned (defaults to $USER).
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// 反馈：记录单位的办理情况；`--done` 表示已办结 (record a unit's feedback; --done closes it).
    Feedback {
        id: i64,
        #[arg(long)]
        note: String,
        #[arg(long)]
        done: bool,
        #[arg(long)]
        by: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Apply the current rules to stored articles of the last N days (no duplicate alerts).
    Backfill {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortArg {
    Relevance,
    Newest,
}

pub(super) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("expected YYYY-MM-DD, got {s:?}"))
}
