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
    /// Service configuration file.
    #[arg(long, global = true, env = "YUQING_CONFIG", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Log format on stderr.
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
    /// Validate the configuration, sources, rules and user dictionary; list every problem.
    Check,
    /// Run one crawl pass now, index what is new.
    Crawl {
        /// Only these sources (repeatable).
        #[arg(long = "source", value_name = "ID")]
        sources: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Full-text search with Ctrl-F semantics (space = AND, OR, -exclude, "phrase", title:, source:).
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
    /// One article: metadata and extracted text.
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Source health: last fetch, last success, errors, articles.
    Sources {
        #[arg(long)]
        json: bool,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// The always-on service: scheduled crawls, alerts, pushes, daily digest, web UI and API.
    Serve {
        /// Listen address (overrides [server] listen).
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Ask the running `serve` to reload sources, rules and the user dictionary (SIGHUP).
    Reload,
    /// Watch rules: `rules test RULE` shows what a rule would have matched before it goes live.
    Rules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// The daily digest (舆情日报) of a day: alerts of its window and source health.
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
    /// Deliver queued pushes (alerts, digests) that are due, e.g. after a receiver was down.
    Push,
    /// List alerts (article × rule hits); `alerts review` and `alerts backfill` below.
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
        #[arg(long)]
        json: bool,
    },
    /// Saved searches (专题): `saved list`, `saved add NAME QUERY [--source ID]`, `saved show NAME`,
    /// `saved rm NAME`.
    Saved {
        #[command(subcommand)]
        action: SavedAction,
    },
    /// Web users: `user add NAME --role collector|staff|admin` (password from a prompt or stdin).
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
        /// staff (search, read) | collector (+ review alerts) | admin (+ users, reload)
        #[arg(long, value_parser = ["staff", "collector", "admin"])]
        role: String,
    },
    /// List web users.
    List,
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
