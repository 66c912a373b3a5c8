//! The tantivy schema and the names of its tokenizers. Bump [`SCHEMA_VERSION`] whenever the
//! schema or the analysis of a field changes: an index built with another version is refused with
//! a message telling the user to run `yuqing reindex`.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

pub const SCHEMA_VERSION: u32 = 3;
pub const JIEBA: &str = "yuqing_jieba";
pub const GRAM: &str = "yuqing_gram";
pub const CHAR: &str = "yuqing_char";

/// Handles to every field, looked up once.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// Article id (SQLite rowid): the upsert key and how hits map back to rows.
    pub id: Field,
    /// Source id, untokenized, for `source:` and `--source`.
    pub source: Field,
    /// Tone name (`negative` …), untokenized, for `tone:` and `--tone`.
    pub tone: Field,
    /// Unix seconds of publication (fetch time when unknown): filters and `--sort newest`.
    pub published: Field,
    /// Jieba words of the normalized title / body: BM25 ranking only.
    pub title_words: Field,
    pub body_words: Field,
    /// Character bigrams with positions: the exact substring filter.
    pub title_grams: Field,
    pub body_grams: Field,
    /// Character bigrams of the normalized author: `--author` / `author=` (a substring).
    pub author_grams: Field,
    /// Every character of the normalized title and body, with frequencies: a one-character
    /// query is one term.
    pub chars: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(JIEBA)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let grams = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(GRAM)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | FAST),
        source: b.add_text_field("source", STRING | FAST),
        tone: b.add_text_field("tone", STRING),
        published: b.add_i64_field("published", INDEXED | FAST),
        title_words: b.add_text_field("title_words", words.clone()),
        body_words: b.add_text_field("body_words", words),
        title_grams: b.add_text_field("title_grams", grams.clone()),
        body_grams: b.add_text_field("body_grams", grams.clone()),
        author_grams: b.add_text_field("author_grams", grams),
        chars: b.add_text_field(
            "chars",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(CHAR)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
    };
    (b.build(), fields)
}
