//! All integration tests in one binary (one link step): each module is one area.
mod common;
mod config;
mod crawl;
mod search;
