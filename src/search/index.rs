//! The tantivy index: open (or create) it, upsert articles, commit, and run parsed queries.
//!
//! The index is derived data: SQLite is the truth and `yuqing reindex` rebuilds this from it.
//! Fields are index-only (nothing but the id is stored): snippets are cut from the SQLite text.

use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

use super::filter::SearchFilter;
use super::phrase::WordPhrase;
use super::query::Node;
use super::schema::{self, CHAR, Fields, GRAM, JIEBA, SCHEMA_VERSION};
use crate::text::normalize;
use crate::text::segment::{CharTokenizer, GramTokenizer, Segmenter, query_grams};

/// Writer heap shared by its threads; tantivy needs at least 15 MB per thread.
const WRITER_HEAP: usize = 128 * 1024 * 1024;
const VERSION_FILE: &str = "yuqing-schema-version";

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(
        "search index at {dir} was built with schema {found}, this binary expects {expected}: run 'yuqing reindex'"
    )]
    SchemaMismatch {
        dir: PathBuf,
        found: String,
        expected: u32,
    },
    #[error("检索索引 {dir} (search index): {error}")]
    Tantivy {
        dir: PathBuf,
        error: tantivy::TantivyError,
    },
    #[error("检索索引 {dir} (search index): {error}")]
    Io { dir: PathBuf, error: std::io::Error },
    #[error(
        "search index at {0} is locked by another yuqing process (is 'yuqing serve' running?): stop it or wait"
    )]
    Locked(PathBuf),
}

/// What to index for one article. Texts must already be normalized.
pub struct IndexDoc<'a> {
    pub id: u64,
    pub source: &'a str,
    /// Normalized author ("" when unknown).
    pub author: &'a str,
    pub published: i64,
    pub title: &'a str,
    pub text: &'a str,
    pub tone: crate::model::Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// A parsed query plus filters.
pub struct SearchRequest<'a> {
    pub query: &'a Node,
    pub filter: &'a SearchFilter,
    /// The zone of the filter's days.
    pub tz: chrono_tz::Tz,
    pub sort: Sort,
    pub limit: usize,
    pub offset: usize,
}

pub struct SearchHits {
    /// Exact number of matching articles.
    pub total: usize,
    pub hits: Vec<(u64, f32)>,
}

pub struct SearchIndex {
    dir: PathBuf,
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    /// Indexing threads of the writer, fixed when it is first opened (0: one per core).
    writer_threads: std::sync::atomic::AtomicUsize,
    fields: Fields,
    /// Words for ranking queries; replaced when the user dictionary is reloaded.
    segmenter: std::sync::RwLock<Segmenter>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent. Refuses an index of another schema.
    pub fn open(dir: &Path, segmenter: Segmenter) -> Result<Self, IndexError> {
        let io = |error| IndexError::Io {
            dir: dir.to_path_buf(),
            error,
        };
        let tv = |error| IndexError::Tantivy {
            dir: dir.to_path_buf(),
            error,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let version_path = dir.join(VERSION_FILE);
        let (schema, fields) = schema::build();
        let has_index = dir.join("meta.json").exists();
        let index = if has_index {
            let found = std::fs::read_to_string(&version_path).unwrap_or_else(|_| "unknown".into());
            if found.trim() != SCHEMA_VERSION.to_string() {
                return Err(IndexError::SchemaMismatch {
                    dir: dir.to_path_buf(),
                    found: found.trim().to_string(),
                    expected: SCHEMA_VERSION,
                });
            }
            Index::open_in_dir(dir).map_err(tv)?
        } else {
            let index = Index::create_in_dir(dir, schema).map_err(tv)?;
            std::fs::write(&version_path, SCHEMA_VERSION.to_string()).map_err(io)?;
            index
        };
        // Tokenizers are not stored in the index: register them after every open.
        index.tokenizers().register(JIEBA, segmenter.tokenizer());
        index.tokenizers().register(GRAM, GramTokenizer);
        index.tokenizers().register(CHAR, CharTokenizer);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tv)?;
        Ok(SearchIndex {
            dir: dir.to_path_buf(),
            index,
            reader,
            writer: Mutex::new(None),
            writer_threads: std::sync::atomic::AtomicUsize::new(0),
            fields,
            segmenter: std::sync::RwLock::new(segmenter),
        })
    }

    /// Deletes the index in `dir` and creates an empty one (for `reindex`).
    pub fn recreate(dir: &Path, segmenter: Segmenter) -> Result<Self, IndexError> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|error| IndexError::Io {
                dir: dir.to_path_buf(),
                error,
            })?;
        }
        Self::open(dir, segmenter)
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> tantivy::Result<T>,
    ) -> Result<T, IndexError> {
        let mut guard = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            let threads = match self
                .writer_threads
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
                n => n,
            };
            let w = self.index.writer_with_num_threads(threads, WRITER_HEAP);
            let w = w.map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => IndexError::Locked(self.dir.clone()),
                error => IndexError::Tantivy {
                    dir: self.dir.clone(),
                    error,
                },
            })?;
            *guard = Some(w);
        }
        let w = guard.as_mut().expect("writer was just set");
        f(w).map_err(|error| IndexError::Tantivy {
            dir: self.dir.clone(),
            error,
        })
    }

    /// Indexes on `n` threads from the next time the writer is opened (before the first write,
    /// or after [`SearchIndex::open`]). Bulk work (`reindex`, a one-shot `crawl`) indexes on one
    /// thread per core; `serve` indexes on one: its indexer runs while the crawler extracts
    /// pages and the web answers, and with one thread a 100k-article ingest took 58 s instead
    /// of 74 s and a quarter less CPU (each commit also makes one segment instead of two).
    pub fn set_writer_threads(&self, n: usize) {
        self.writer_threads
            .store(n, std::sync::atomic::Ordering::Relaxed);
    }

    /// The thread count [`set_writer_threads`](Self::set_writer_threads) last set (0: one per core).
    pub fn writer_threads(&self) -> usize {
        self.writer_threads
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Closes the writer, so the next write opens one with the current thread count. Call it
    /// after a [`commit`](Self::commit): changes not committed are dropped with the writer.
    pub fn close_writer(&self) {
        let w = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(w) = w {
            // Waits for its threads (and merges) to end.
            let _ = w.wait_merging_threads();
        }
    }

    /// Uses `segmenter` (a reloaded user dictionary) for documents indexed and queries parsed
    /// from now on.
    pub fn set_segmenter(&self, segmenter: Segmenter) {
        self.index
            .tokenizers()
            .register(JIEBA, segmenter.tokenizer());
        *self.segmenter.write().unwrap_or_else(|p| p.into_inner()) = segmenter;
    }

    /// Adds or replaces one article (delete by id, then add). Visible after [`commit`](Self::commit).
    pub fn upsert(&self, doc: &IndexDoc) -> Result<(), IndexError> {
        let f = self.fields;
        let mut d = TantivyDocument::default();
        d.add_u64(f.id, doc.id);
        d.add_text(f.source, doc.source);
        d.add_text(f.tone, doc.tone.as_str());
        d.add_i64(f.published, doc.published);
        d.add_text(f.title_words, doc.title);
        d.add_text(f.body_words, doc.text);
        d.add_text(f.title_grams, doc.title);
        d.add_text(f.body_grams, doc.text);
        d.add_text(f.chars, doc.title);
        d.add_text(f.chars, doc.text);
        if !doc.author.is_empty() {
            d.add_text(f.author_grams, doc.author);
        }
        self.with_writer(|w| {
            w.delete_term(Term::from_field_u64(f.id, doc.id));
            w.add_document(d)?;
            Ok(())
        })
    }

    pub fn delete(&self, id: u64) -> Result<(), IndexError> {
        let f = self.fields;
        self.with_writer(|w| {
            w.delete_term(Term::from_field_u64(f.id, id));
            Ok(())
        })
    }

    /// Commits pending changes and makes them visible to searches.
    pub fn commit(&self) -> Result<(), IndexError> {
        self.with_writer(|w| w.commit().map(|_| ()))?;
        self.reader.reload().map_err(|error| IndexError::Tantivy {
            dir: self.dir.clone(),
            error,
        })
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn search(&self, req: &SearchRequest) -> Result<SearchHits, IndexError> {
        let query = self.build(req);
        let searcher = self.reader.searcher();
        let tv = |error| IndexError::Tantivy {
            dir: self.dir.clone(),
            error,
        };
        let limit = req.limit.max(1);
        let top = TopDocs::with_limit(limit).and_offset(req.offset);
        let (total, addrs): (usize, Vec<(f32, DocAddress)>) = match req.sort {
            // One term alone (a single character, a `source:` or `tone:` term): its count is
            // the posting list's length, and the top hits by score skip the blocks that cannot
            // make the page (block-max WAND), so 的 over a million articles does not score
            // them all.
            Sort::Relevance if query.is::<TermQuery>() || query.is::<TermUnion>() => {
                let total = query.count(&searcher).map_err(tv)?;
                let hits = searcher.search(&query, &top.order_by_score()).map_err(tv)?;
                (total, hits)
            }
            // Otherwise one pass over the postings for both the exact count and the top hits.
            Sort::Relevance => searcher
                .search(&query, &(Count, top.order_by_score()))
                .map_err(tv)?,
            Sort::Newest => {
                let by_date = top.order_by_fast_field::<i64>("published", Order::Desc);
                let (total, hits) = searcher.search(&query, &(Count, by_date)).map_err(tv)?;
                (total, hits.into_iter().map(|(_, a)| (0.0, a)).collect())
            }
        };
        let hits = addrs
            .into_iter()
            .filter_map(|(score, addr)| self.id_of(&searcher, addr).map(|id| (id, score)))
            .collect();
        Ok(SearchHits { total, hits })
    }

    fn id_of(&self, searcher: &Searcher, addr: DocAddress) -> Option<u64> {
        let seg = searcher.segment_reader(addr.segment_ord);
        let col = seg.fast_fields().u64("id").ok()?;
        col.first(addr.doc_id)
    }

    fn build(&self, req: &SearchRequest) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        self.push_node(req.query, Occur::Must, &mut clauses);
        self.push_filter(req.filter, req.tz, &mut clauses);
        if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        // A lone required clause is the query itself (a bare term keeps its fast paths).
        if clauses.len() == 1 {
            return clauses.pop().expect("one clause").1;
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// One clause per filter that is set.
    fn push_filter(
        &self,
        filter: &SearchFilter,
        tz: chrono_tz::Tz,
        clauses: &mut Vec<(Occur, Box<dyn Query>)>,
    ) {
        let f = self.fields;
        if !filter.sources.is_empty() {
            let any: Vec<(Occur, Box<dyn Query>)> = filter
                .sources
                .iter()
                .map(|s| {
                    (
                        Occur::Should,
                        Box::new(term_query(Term::from_field_text(f.source, s))) as Box<dyn Query>,
                    )
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(tone) = filter.tone {
            clauses.push((
                Occur::Must,
                Box::new(term_query(Term::from_field_text(f.tone, tone.as_str()))),
            ));
        }
        if let Some(author) = &filter.author {
            clauses.push((Occur::Must, gram_query(f.author_grams, &normalize(author))));
        }
        if let Some(after) = filter.after_id {
            let lo = Term::from_field_u64(f.id, after.max(0) as u64);
            clauses.push((
                Occur::Must,
                Box::new(RangeQuery::new(Bound::Excluded(lo), Bound::Unbounded)),
            ));
        }
        // Reversed ranges are refused before a search gets here; none would match anyway.
        let (since, until) = filter.bounds(tz).unwrap_or((Some(i64::MAX), None));
        if since.is_some() || until.is_some() {
            let lo = since.map_or(Bound::Unbounded, |t| {
                Bound::Included(Term::from_field_i64(f.published, t))
            });
            let hi = until.map_or(Bound::Unbounded, |t| {
                Bound::Excluded(Term::from_field_i64(f.published, t))
            });
            clauses.push((Occur::Must, Box::new(RangeQuery::new(lo, hi))));
        }
    }

    /// Adds `node` to `out` with `occur`, flattening nested ANDs and NOTs.
    fn push_node(&self, node: &Node, occur: Occur, out: &mut Vec<(Occur, Box<dyn Query>)>) {
        match (node, occur) {
            (Node::And(parts), Occur::Must) => parts
                .iter()
                .for_each(|p| self.push_node(p, Occur::Must, out)),
            (Node::Not(inner), Occur::Must) => out.push((Occur::MustNot, self.node_query(inner))),
            _ => out.push((occur, self.node_query(node))),
        }
    }

    fn node_query(&self, node: &Node) -> Box<dyn Query> {
        match node {
            Node::Word { text, title_only } => self.word_query(text, *title_only),
            Node::Source(id) => Box::new(term_query(Term::from_field_text(self.fields.source, id))),
            Node::Tone(t) => Box::new(term_query(Term::from_field_text(
                self.fields.tone,
                t.as_str(),
            ))),
            Node::And(_) | Node::Not(_) => {
                let mut clauses = Vec::new();
                self.push_node(node, Occur::Must, &mut clauses);
                if !clauses.iter().any(|(o, _)| *o == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            Node::Or(parts) => Box::new(BooleanQuery::new(
                parts
                    .iter()
                    .map(|p| (Occur::Should, self.node_query(p)))
                    .collect(),
            )),
        }
    }

    /// One word: the gram phrase is the exact filter (title OR body); jieba words only rank.
    /// A single character anywhere is one term of the character field.
    fn word_query(&self, word: &str, title_only: bool) -> Box<dyn Query> {
        let f = self.fields;
        if !title_only && word.chars().count() == 1 {
            return Box::new(term_query(Term::from_field_text(f.chars, word)));
        }
        let segmenter = self
            .segmenter
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let words = segmenter.words(word);
        // A two-char word that jieba keeps whole: its word terms match only where its gram
        // term does (the same chars, adjacent), so "gram required, word ranks" is the union
        // of the four terms with the same scores, which block-max WAND can rank.
        let grams = query_grams(word);
        if grams.len() == 1 && words.len() == 1 && words[0] == word {
            let boosted = |field, text: &str, boost: f32| {
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(term_query(Term::from_field_text(field, text))),
                        boost,
                    )) as Box<dyn Query>,
                )
            };
            let mut terms = vec![
                boosted(f.title_grams, &grams[0], 2.0 * EXACT_BOOST),
                boosted(f.title_words, word, TITLE_WORD_BOOST),
            ];
            if !title_only {
                terms.push(boosted(f.body_grams, &grams[0], EXACT_BOOST));
                terms.push(boosted(f.body_words, word, 1.0));
            }
            return Box::new(TermUnion(BooleanQuery::new(terms)));
        }
        // A longer word that jieba keeps whole: documents that hold the word skip the phrase's
        // position check.
        let whole = words.len() == 1 && words[0] == word && grams.len() > 1;
        let phrase = |grams_field, words_field| -> Box<dyn Query> {
            if whole {
                Box::new(WordPhrase {
                    grams: grams
                        .iter()
                        .map(|g| Term::from_field_text(grams_field, g))
                        .collect(),
                    word: Term::from_field_text(words_field, word),
                })
            } else {
                gram_query(grams_field, word)
            }
        };
        let mut exact: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            Box::new(BoostQuery::new(phrase(f.title_grams, f.title_words), 2.0)),
        )];
        if !title_only {
            exact.push((Occur::Should, phrase(f.body_grams, f.body_words)));
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(BoostQuery::new(
                Box::new(BooleanQuery::new(exact)),
                EXACT_BOOST,
            )),
        )];
        for w in words {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(term_query(Term::from_field_text(f.title_words, w))),
                    TITLE_WORD_BOOST,
                )),
            ));
            if !title_only {
                clauses.push((
                    Occur::Should,
                    Box::new(term_query(Term::from_field_text(f.body_words, w))),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// Weight of the exact (gram) match of a word in its score; a title's counts double.
const EXACT_BOOST: f32 = 0.5;
/// Weight of a jieba word of the query found among the title's words.
const TITLE_WORD_BOOST: f32 = 3.0;

/// A union of term queries (each possibly boosted), marked so that [`SearchIndex::search`]
/// counts it apart and ranks it by block-max WAND instead of scoring every match.
#[derive(Debug, Clone)]
struct TermUnion(BooleanQuery);

impl Query for TermUnion {
    fn weight(
        &self,
        enable_scoring: tantivy::query::EnableScoring<'_>,
    ) -> tantivy::Result<Box<dyn tantivy::query::Weight>> {
        self.0.weight(enable_scoring)
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor)
    }
}

fn term_query(t: Term) -> TermQuery {
    TermQuery::new(t, IndexRecordOption::WithFreqs)
}

/// Exact substring query on a gram field: a phrase of overlapping bigrams for 2+ chars, any term
/// starting with the character for a single char.
fn gram_query(field: tantivy::schema::Field, word: &str) -> Box<dyn Query> {
    let grams = query_grams(word);
    if word.chars().count() == 1 {
        let pattern = format!("{}.*", regex_syntax_escape(word));
        match RegexQuery::from_pattern(&pattern, field) {
            Ok(q) => return Box::new(q),
            Err(_) => return Box::new(term_query(Term::from_field_text(field, word))),
        }
    }
    if grams.len() == 1 {
        return Box::new(TermQuery::new(
            Term::from_field_text(field, &grams[0]),
            IndexRecordOption::WithFreqs,
        ));
    }
    Box::new(PhraseQuery::new(
        grams
            .iter()
            .map(|g| Term::from_field_text(field, g))
            .collect(),
    ))
}

fn regex_syntax_escape(s: &str) -> String {
    regex::escape(s)
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
