//! All integration tests in one binary (one link step): each module is one area.
mod common;
mod crawl;
mod search;
