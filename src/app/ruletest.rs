//! `yuqing rules test` and the web rule tester: what a rule would match among stored articles.

use std::collections::BTreeSet;

use serde::Serialize;

use super::App;
use crate::search::snippet;

/// What a rule would have matched among stored articles (`yuqing rules test`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleTest {
    pub rule: String,
    pub rule_name: String,
    pub days: u32,
    pub articles_scanned: usize,
    pub matched: usize,
    pub samples: Vec<RuleSample>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleSample {
    pub article_id: i64,
    pub title: String,
    pub source: String,
    pub published: Option<String>,
    pub matched: Vec<String>,
    pub snippet: String,
    pub highlights: Vec<[usize; 2]>,
}

impl App {
    /// Runs `rule` over the articles fetched in the last `days` days, without creating alerts.
    pub fn test_rule(
        &self,
        rule: &crate::config::Rule,
        days: u32,
        max_samples: usize,
    ) -> anyhow::Result<RuleTest> {
        let matcher = crate::alert::matcher::Matcher::new(std::slice::from_ref(rule));
        let since = self.now_ts() - i64::from(days) * 86_400;
        let ids = self.store.article_ids_since(since)?;
        let mut matched = 0;
        let mut samples = Vec::new();
        for chunk in ids.chunks(500) {
            for a in self.store.articles(chunk)? {
                let hits = matcher.evaluate(&a.source_id, &a.title, &a.text);
                let Some(hit) = hits.first() else { continue };
                matched += 1;
                if samples.len() < max_samples {
                    let words: Vec<String> = hit
                        .matched
                        .iter()
                        .map(|m| m.word.clone())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    let snip = snippet::make(&a.text, &words, crate::app::SNIPPET_CHARS);
                    samples.push(RuleSample {
                        article_id: a.id,
                        title: a.title.clone(),
                        source: self.source_name(&a.source_id),
                        published: a.published.map(|t| self.rfc3339(t)),
                        matched: words,
                        snippet: snip.text,
                        highlights: snip.highlights,
                    });
                }
            }
        }
        Ok(RuleTest {
            rule: rule.id.clone(),
            rule_name: rule.name.clone(),
            days,
            articles_scanned: ids.len(),
            matched,
            samples,
        })
    }
}
