//! Full-text search: schema, index, query syntax and snippets. Everything outside this module
//! talks to search through [`SearchIndex`] and [`query::parse`], so the engine can be swapped
//! (DESIGN.md §7) without touching the crawler.
pub mod filter;
pub mod index;
mod phrase;
pub mod query;
pub mod schema;
pub mod snippet;

pub use filter::{SearchFilter, parse_author, parse_day};
pub use index::{IndexDoc, IndexError, SearchHits, SearchIndex, SearchRequest, Sort};
