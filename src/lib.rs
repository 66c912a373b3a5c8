//! yuqing (舆情监测): a public-opinion monitoring service for a sub-district office.
//!
//! Scheduled crawlers pull WeChat-article mirrors (RSSHub, WeWe RSS, wechat2rss) and local news
//! sites, extract the main text, segment Chinese, index it in tantivy and keep the truth in
//! SQLite, so that staff can search everything with Ctrl-F semantics.
//!
//! # Layout
//! See `ARCHITECTURE.md` for the flow, the layers (checked by `tests/it/layering.rs`) and where
//! to add a source kind, a channel, a digest format or a search filter. From the bottom up:
//!
//! * [`model`] — plain data between stages and the domain enums, each with one Chinese label.
//! * [`store`] — SQLite, the point of truth: rows and SQL only.
//! * [`text`] — the one normalizer (NFKC, width, case, Traditional → Simplified), jieba, the HTML
//!   nesting bound, charset labels, the one link rule.
//! * [`analyze`] — what an article says: its tone (负面 / 中性 / 正面) from our own lexicon.
//! * [`config`] — the TOML files, checked into typed values; every problem as `path:line:col`.
//! * [`schedule`] — when each source runs next: cron in the configured zone, jitter, backoff.
//! * [`search`] — tantivy schema, index, the query syntax, one `SearchFilter`, snippets.
//! * [`crawl`] — fetching, charsets, feeds, list pages, article extraction, dates, one source's crawl.
//! * [`alert`] — watch rules (one Aho-Corasick automaton), reprint clusters (SimHash, LSH bands),
//!   the alert record, the daily digest renderers and push delivery (outbox, one file per channel).
//! * [`app`] — `App`: the one ingest pipeline, search, alert review, digest assembly, users, clock.
//! * [`web`] — the web UI and JSON API in Simplified Chinese, with login, roles and CSRF.
//! * [`serve`] — the always-on service: jobs, lock, signals, reload, `/healthz`, `/metrics`.
//! * [`cli`] — the command line (`src/main.rs` only calls [`cli::main`]).

pub mod alert;
pub mod analyze;
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
