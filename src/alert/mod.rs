//! Watch rules and what follows from them: matching ([`matcher`]), alerts and their review
//! (stored by [`crate::store`]), and the daily digest.
pub mod cluster;
pub mod digest;
pub mod matcher;
pub mod notify;
pub mod view;

/// Rule expressions are part of the rules file's language: parsed (and checked) by `config`.
pub use crate::config::expr;
