//! Watch rules and what follows from them, as pure functions over plain data where possible:
//! matching ([`matcher`]), reprint clusters ([`cluster`]), the alert record ([`view`]), the
//! daily digest renderers ([`digest`]) and push delivery through the outbox ([`notify`]).
//! The operations over stored alerts (review, listing, digest assembly) are in `crate::app`.
pub mod cluster;
pub mod digest;
pub mod matcher;
pub mod notify;
pub mod report;
pub mod view;

/// Rule expressions are part of the rules file's language: parsed (and checked) by `config`.
pub use crate::config::expr;
