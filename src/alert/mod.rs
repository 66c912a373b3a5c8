//! Watch rules and what follows from them: matching ([`matcher`]), alerts and their review
//! (stored by [`crate::store`]), and the daily digest.
pub mod cluster;
pub mod digest;
pub mod expr;
pub mod matcher;
pub mod notify;
pub mod service;
