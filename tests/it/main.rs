//! All integration tests in one binary (one link step): each module is one area.
mod alerts;
mod cluster;
mod common;
mod config;
mod crawl;
mod events_eval;
mod extract_fixtures;
mod extract_shapes;
mod feed_fixtures;
mod fetch;
mod hostile;
mod layering;
mod notify;
mod search;
mod serve;
mod tone_eval;
mod web;
