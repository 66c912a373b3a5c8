//! yuqing (舆情监测): a public-opinion monitoring service for a sub-district office.
//!
//! Scheduled crawlers pull WeChat-article mirrors (RSSHub, WeWe RSS, wechat2rss) and local news
//! sites, extract the main text, segment Chinese, index it in tantivy and keep the truth in
//! SQLite, so that staff can search everything with Ctrl-F semantics.
//!
//! # Layout
//! Data flows one way: sources → fetch → extract → analyze → store/index → present.
//!
//! * [`config`] — the TOML files, checked into typed values; every problem as `path:line:col`.
//! * [`crawl`] — fetching ([`crawl::fetch`]), charsets, feeds, list pages, article extraction,
//!   canonical URLs, and one crawl pass per source.
//! * [`text`] — the one normalizer (NFKC, width, case, Traditional → Simplified) and jieba.
//! * [`search`] — tantivy schema, index, the query syntax, snippets.
//! * [`store`] — SQLite: articles and per-source fetch state (the point of truth).
//! * [`app`] — wires it all together; the operations behind the commands and JSON shapes.
//! * [`alert`] — watch rules (one Aho-Corasick automaton), rule expressions, reprint clusters
//!   (SimHash), alert review, the daily digest (HTML/MD/JSON/XLSX/DOCX) and pushes (outbox).
//! * [`schedule`] — when each source runs next: cron in the configured zone, jitter, backoff.
//! * [`serve`] — the always-on service: jobs, lock, signals, reload, `/healthz`, `/metrics`.
//! * [`web`] — the web UI and JSON API in Simplified Chinese, with login, roles and CSRF.
//! * [`cli`] — the command line (`src/main.rs` only calls [`cli::main`]).

pub mod alert;
pub mod app;
pub mod cli;
pub mod config;
pub mod crawl;
pub mod model;
pub mod schedule;
pub mod search;
pub mod serve;
pub mod store;
pub mod text;
pub mod web;
