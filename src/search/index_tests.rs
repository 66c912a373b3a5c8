//! Tests of the search index: the fast paths (a lone term, a union of terms) against the
//! general queries they stand for.

use super::*;
use crate::search::query;

/// A lone character is searched as one bare term (its count from the postings, its top
/// hits by block-max WAND): the count stays exact after re-indexing an article (a deleted
/// copy in the segment) and with more matches than the page; filters still apply.
#[test]
fn a_single_character_counts_exactly_and_ranks_with_filters() {
    let dir = tempfile::tempdir().unwrap();
    let idx = SearchIndex::open(dir.path(), Segmenter::new()).unwrap();
    let doc = |id: u64, source: &'static str, text: &'static str| IndexDoc {
        id,
        source,
        author: "",
        published: 1_700_000_000 + id as i64,
        title: "标题",
        text,
        tone: crate::model::Tone::Neutral,
    };
    for id in 0..40 {
        let text = if id % 2 == 0 {
            "仓库起火"
        } else {
            "邻里节"
        };
        idx.upsert(&doc(id, if id < 20 { "a" } else { "b" }, text))
            .unwrap();
    }
    idx.commit().unwrap();
    // Re-indexed: the old copy is deleted, not counted.
    idx.upsert(&doc(0, "a", "仓库起火，火势不大")).unwrap();
    idx.commit().unwrap();
    let node = query::parse("火").unwrap();
    let run = |filter: &SearchFilter, limit: usize| {
        idx.search(&SearchRequest {
            query: &node,
            filter,
            tz: chrono_tz::Asia::Shanghai,
            sort: Sort::Relevance,
            limit,
            offset: 0,
        })
        .unwrap()
    };
    let all = run(&SearchFilter::default(), 5);
    assert_eq!(all.total, 20);
    assert_eq!(all.hits.len(), 5);
    assert_eq!(all.hits[0].0, 0, "two 火 rank first: {:?}", all.hits);
    let only_b = SearchFilter {
        sources: vec!["b".into()],
        ..Default::default()
    };
    let b = run(&only_b, 50);
    assert_eq!((b.total, b.hits.len()), (10, 10));
    assert!(b.hits.iter().all(|(id, _)| *id >= 20));
}

/// An index of `texts` (title, body), article ids 0, 1, … in order.
fn index_of(seg: Segmenter, texts: &[(&str, &str)]) -> (tempfile::TempDir, SearchIndex) {
    let dir = tempfile::tempdir().unwrap();
    let idx = SearchIndex::open(dir.path(), seg).unwrap();
    for (i, (title, text)) in texts.iter().enumerate() {
        idx.upsert(&IndexDoc {
            id: i as u64,
            source: "s",
            author: "",
            published: 1_700_000_000 + i as i64,
            title,
            text,
            tone: crate::model::Tone::Neutral,
        })
        .unwrap();
    }
    idx.commit().unwrap();
    (dir, idx)
}

/// The general form of a word query written out: `exact(field)` (the gram match of a grams
/// field) is required, title ×2; the jieba `word` in title and body ranks.
fn general_form(
    idx: &SearchIndex,
    word: &str,
    exact: impl Fn(tantivy::schema::Field) -> Box<dyn Query>,
) -> BooleanQuery {
    let f = idx.fields;
    let t = |field, text: &str| -> Box<dyn Query> {
        Box::new(term_query(Term::from_field_text(field, text)))
    };
    let grams = BooleanQuery::new(vec![
        (
            Occur::Should,
            Box::new(BoostQuery::new(exact(f.title_grams), 2.0)) as Box<dyn Query>,
        ),
        (Occur::Should, exact(f.body_grams)),
    ]);
    BooleanQuery::new(vec![
        (
            Occur::Must,
            Box::new(BoostQuery::new(Box::new(grams), EXACT_BOOST)) as Box<dyn Query>,
        ),
        (
            Occur::Should,
            Box::new(BoostQuery::new(t(f.title_words, word), TITLE_WORD_BOOST)),
        ),
        (Occur::Should, t(f.body_words, word)),
    ])
}

/// `got` has the count, the hits and (to 1e-4) the scores of `query`'s top 10.
fn assert_same_as(idx: &SearchIndex, got: &SearchHits, query: &dyn Query) {
    let searcher = idx.reader.searcher();
    let (total, top) = searcher
        .search(query, &(Count, TopDocs::with_limit(10).order_by_score()))
        .unwrap();
    let want: Vec<(u64, f32)> = top
        .into_iter()
        .filter_map(|(score, a)| idx.id_of(&searcher, a).map(|id| (id, score)))
        .collect();
    assert_eq!(got.total, total);
    assert_eq!(got.hits.len(), want.len());
    for ((a, sa), (b, sb)) in got.hits.iter().zip(&want) {
        assert_eq!(a, b, "{:?} vs {want:?}", got.hits);
        assert!((sa - sb).abs() < 1e-4, "{:?} vs {want:?}", got.hits);
    }
}

/// The first page of 10 by relevance.
fn top10<'a>(node: &'a query::Node, filter: &'a SearchFilter) -> SearchRequest<'a> {
    SearchRequest {
        query: node,
        filter,
        tz: chrono_tz::Asia::Shanghai,
        sort: Sort::Relevance,
        limit: 10,
        offset: 0,
    }
}

/// A two-char word jieba keeps whole is one union of terms (counted apart, ranked by
/// block-max WAND): the same hits, count and scores as "gram required, words rank", and
/// a cross-boundary match (仓库 in 粮仓库存) still counts without the word's boost.
#[test]
fn a_whole_two_char_word_ranks_like_gram_required_words_ranking() {
    let (_dir, idx) = index_of(
        Segmenter::new(),
        &[
            ("仓库起火", "青石街道一仓库起火，仓库内堆放杂物。"),
            ("邻里节", "社区举办邻里节。"),
            ("粮仓库存充足", "今年粮仓库存充足。"),
            ("通知", "物流仓库搬迁。"),
            ("仓库", "仓库"),
        ],
    );
    let node = query::parse("仓库").unwrap();
    let filter = SearchFilter::default();
    let req = top10(&node, &filter);
    let got = idx.search(&req).unwrap();
    assert!(idx.build(&req).is::<TermUnion>());
    let general = general_form(&idx, "仓库", |field| {
        Box::new(term_query(Term::from_field_text(field, "仓库")))
    });
    assert_same_as(&idx, &got, &general);
    assert_eq!(got.total, 4, "粮仓库存 counts: exact substring search");
}

/// A longer word jieba keeps whole runs as a [`WordPhrase`]: the documents that hold the word
/// skip the position check, the others read positions. The same hits and count as the general
/// form with `PhraseQuery`, and the same scores where the word's count is the phrase's.
#[test]
fn a_whole_longer_word_matches_like_the_bigram_phrase() {
    let seg = Segmenter::new();
    assert_eq!(seg.words("派出所"), vec!["派出所".to_string()]);
    assert!(!seg.words("派出所长带队走访").contains(&"派出所"));
    let (_dir, idx) = index_of(
        seg,
        &[
            // The word itself, twice in the body.
            ("派出所通报", "派出所民警到场，派出所随后通报。"),
            // jieba cuts it another way (派出所长): found through positions.
            ("派出所长走访", "派出所长带队走访。"),
            // Both grams, never adjacent: no match.
            ("通知", "警方派出人员，走出所门。"),
            ("邻里节", "社区举办邻里节。"),
            ("消息", "据派出所消息，桥梁合龙。"),
        ],
    );
    // Re-indexed: the deleted copy does not count.
    idx.upsert(&IndexDoc {
        id: 4,
        source: "s",
        author: "",
        published: 1_700_000_004,
        title: "消息",
        text: "据派出所消息，桥梁合龙，派出所民警在现场。",
        tone: crate::model::Tone::Neutral,
    })
    .unwrap();
    idx.commit().unwrap();
    let node = query::parse("派出所").unwrap();
    let filter = SearchFilter::default();
    let req = top10(&node, &filter);
    let got = idx.search(&req).unwrap();
    let general = general_form(&idx, "派出所", |field| {
        Box::new(PhraseQuery::new(vec![
            Term::from_field_text(field, "派出"),
            Term::from_field_text(field, "出所"),
        ]))
    });
    assert_same_as(&idx, &got, &general);
    let mut ids: Vec<u64> = got.hits.iter().map(|h| h.0).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![0, 1, 4], "{:?}", got.hits);
    // In titles only the position path finds 派出所长 (the first title holds the word).
    let title_only = query::parse("title:派出所").unwrap();
    let t_req = SearchRequest {
        query: &title_only,
        ..req
    };
    assert_eq!(idx.search(&t_req).unwrap().total, 2);
}
