//! Analysis of an article's text after extraction and before storage: what it says about its
//! subject. Pure functions over plain text; the lexicons are compiled in.
//!
//! * [`tone`] — 情感倾向: negative / neutral / positive, a score in [-1, 1] and the words that
//!   decided it.

pub mod tone;
