//! `yuqing serve`: the always-on service — scheduled crawls, rule matching, pushes, the daily
//! digest, and the web server — in one process that shuts down cleanly.
pub mod shared;

pub use shared::{ReloadError, Shared};
