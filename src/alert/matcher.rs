//! Watch-rule matching on the normalized raw text — never on jieba tokens, so a segmentation
//! choice can never hide an alert. Every keyword of every rule goes into one Aho-Corasick
//! automaton; one pass over an article finds all occurrences, then each rule is decided from them.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use crate::config::{Level, Rule, Scope};
use crate::text::normalize_mapped;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Region,
    Subject,
    Event,
    /// The n-th word of the rule's `all` list.
    All(usize),
    /// The n-th word of the rule's expression.
    Expr(usize),
    Exclude,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Title,
    Text,
}

/// One matched keyword occurrence: `[start, end)` char offsets into the original title or text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matched {
    pub word: String,
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleHit {
    pub rule: usize,
    pub rule_id: String,
    pub level: Level,
    pub matched: Vec<Matched>,
}

struct Occ {
    pattern: usize,
    field: Field,
    /// Char offsets in the normalized field.
    start: usize,
    end: usize,
}

pub struct Matcher {
    ac: Option<AhoCorasick>,
    /// The normalized keyword of each pattern.
    words: Vec<String>,
    /// For each pattern, which rules use it and how.
    uses: Vec<Vec<(usize, Role)>>,
    rules: Vec<Rule>,
}

impl Matcher {
    /// Compiles every enabled rule's keywords into one automaton.
    pub fn new(rules: &[Rule]) -> Matcher {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut words = Vec::new();
        let mut uses: Vec<Vec<(usize, Role)>> = Vec::new();
        let mut add = |w: &str, rule: usize, role: Role| {
            let n = crate::text::normalize(w);
            if n.is_empty() {
                return;
            }
            let id = *index.entry(n.clone()).or_insert_with(|| {
                words.push(n);
                uses.push(Vec::new());
                words.len() - 1
            });
            uses[id].push((rule, role));
        };
        for (i, r) in rules.iter().enumerate() {
            r.region.iter().for_each(|w| add(w, i, Role::Region));
            r.subject.iter().for_each(|w| add(w, i, Role::Subject));
            r.event.iter().for_each(|w| add(w, i, Role::Event));
            r.all
                .iter()
                .enumerate()
                .for_each(|(k, w)| add(w, i, Role::All(k)));
            r.exclude.iter().for_each(|w| add(w, i, Role::Exclude));
            if let Some(e) = &r.expr {
                e.words
                    .iter()
                    .enumerate()
                    .for_each(|(k, w)| add(w, i, Role::Expr(k)));
            }
        }
        let ac = (!words.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&words)
                .expect("keyword automaton builds (sizes are bounded by the config)")
        });
        Matcher {
            ac,
            words,
            uses,
            rules: rules.to_vec(),
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn keyword_count(&self) -> usize {
        self.words.len()
    }

    /// The rules `title`/`text` (of an article from `source`) satisfy, with matched words.
    pub fn evaluate(&self, source: &str, title: &str, text: &str) -> Vec<RuleHit> {
        if self.ac.is_none() {
            return Vec::new();
        }
        let title = normalize_mapped(title);
        let text = normalize_mapped(text);
        self.evaluate_normalized(source, (&title.0, &title.1), (&text.0, &text.1))
    }

    /// [`Matcher::evaluate`] of a title and text already normalized by
    /// [`normalize_mapped`] (text and char map each), so that ingest normalizes an article once.
    pub fn evaluate_normalized(
        &self,
        source: &str,
        (nt, mt): (&str, &[u32]),
        (nx, mx): (&str, &[u32]),
    ) -> Vec<RuleHit> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        let mut occs = Vec::new();
        for (field, norm) in [(Field::Title, nt), (Field::Text, nx)] {
            let char_at = char_index(norm);
            for m in ac.find_overlapping_iter(norm) {
                occs.push(Occ {
                    pattern: m.pattern().as_usize(),
                    field,
                    start: char_at(m.start()),
                    end: char_at(m.end()),
                });
            }
        }
        let mut by_rule: HashMap<usize, Vec<(&Occ, Role)>> = HashMap::new();
        for o in &occs {
            for &(rule, role) in &self.uses[o.pattern] {
                by_rule.entry(rule).or_default().push((o, role));
            }
        }
        let mut hits = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !r.enabled {
                continue;
            }
            if !r.sources.is_empty() && !r.sources.iter().any(|s| s == source) {
                continue;
            }
            let Some(found) = by_rule.get(&i) else {
                continue;
            };
            let in_scope = |o: &Occ| match r.scope {
                Scope::All => true,
                Scope::Title => o.field == Field::Title,
                Scope::Body => o.field == Field::Text,
            };
            let found: Vec<&(&Occ, Role)> = found.iter().filter(|(o, _)| in_scope(o)).collect();
            let has = |role: Role| found.iter().any(|(_, r2)| *r2 == role);
            if has(Role::Exclude) {
                continue;
            }
            let ok = (r.region.is_empty() || has(Role::Region))
                && (r.subject.is_empty() || has(Role::Subject))
                && (r.event.is_empty() || has(Role::Event))
                && (0..r.all.len()).all(|k| has(Role::All(k)))
                && r.expr
                    .as_ref()
                    .is_none_or(|e| e.expr.eval(&|k| has(Role::Expr(k))));
            if !ok {
                continue;
            }
            if let Some(n) = r.near {
                let near_ok =
                    found
                        .iter()
                        .filter(|(_, role)| *role == Role::Region)
                        .any(|(a, _)| {
                            found
                                .iter()
                                .filter(|(_, role)| *role == Role::Event)
                                .any(|(b, _)| a.field == b.field && gap(a, b) <= n)
                        });
                if !near_ok {
                    continue;
                }
            }
            let expr_positive: Vec<usize> = r.expr.as_ref().map_or_else(Vec::new, |e| {
                let mut v = Vec::new();
                e.expr.positive_words(&mut v);
                v
            });
            let mut matched: Vec<Matched> = found
                .iter()
                .filter(|(_, role)| match role {
                    Role::Exclude => false,
                    Role::Expr(k) => expr_positive.contains(k),
                    _ => true,
                })
                .map(|(o, _)| {
                    let map = if o.field == Field::Title { mt } else { mx };
                    Matched {
                        word: self.words[o.pattern].clone(),
                        field: o.field,
                        start: map[o.start] as usize,
                        end: map[o.end - 1] as usize + 1,
                    }
                })
                .collect();
            matched.sort_by_key(|m| (m.field == Field::Text, m.start, m.end));
            matched.dedup();
            hits.push(RuleHit {
                rule: i,
                rule_id: r.id.clone(),
                level: r.level,
                matched,
            });
        }
        hits
    }
}

/// Characters between two occurrences (0 when they touch or overlap).
fn gap(a: &Occ, b: &Occ) -> usize {
    b.start
        .saturating_sub(a.end)
        .max(a.start.saturating_sub(b.end))
}

/// Maps byte offsets of `s` (at char boundaries) to char offsets.
fn char_index(s: &str) -> impl Fn(usize) -> usize + '_ {
    let starts: Vec<usize> = s.char_indices().map(|(b, _)| b).collect();
    move |byte| starts.partition_point(|&b| b < byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, region: &[&str], event: &[&str], exclude: &[&str]) -> Rule {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Rule {
            id: id.into(),
            name: id.into(),
            level: Level::High,
            region: v(region),
            subject: vec![],
            event: v(event),
            all: vec![],
            exclude: v(exclude),
            scope: Scope::All,
            sources: vec![],
            near: None,
            enabled: true,
            expr: None,
        }
    }

    #[test]
    fn region_plus_event_minus_exclusion() {
        let m = Matcher::new(&[rule(
            "fire",
            &["清河街道", "西湖社区"],
            &["火灾", "爆炸"],
            &["演练"],
        )]);
        assert_eq!(
            m.evaluate("s", "城东小区发生火灾", "据清河街道消息，无人员伤亡。")
                .len(),
            1
        );
        assert!(
            m.evaluate("s", "西湖社区组织消防演练", "模拟高层住宅火灾疏散")
                .is_empty()
        );
        assert!(m.evaluate("s", "本市发布寒潮预警", "火灾").is_empty());
    }

    #[test]
    fn normalized_variants_match_and_positions_point_into_the_original() {
        let m = Matcher::new(&[rule("fire", &["清河街道"], &["火灾"], &[])]);
        let text = "據清河街道消息，發生ＸＸ火災。";
        let hits = m.evaluate("s", "", text);
        assert_eq!(hits.len(), 1);
        let chars: Vec<char> = text.chars().collect();
        let shown: Vec<String> = hits[0]
            .matched
            .iter()
            .map(|w| chars[w.start..w.end].iter().collect())
            .collect();
        assert_eq!(shown, vec!["清河街道", "火災"]);
    }

    #[test]
    fn near_requires_region_and_event_close_together() {
        let mut r = rule("fire", &["清河街道"], &["火灾"], &[]);
        r.near = Some(10);
        let m = Matcher::new(&[r]);
        assert_eq!(m.evaluate("s", "", "清河街道昨日发生火灾").len(), 1);
        let far = format!("清河街道{}火灾", "的".repeat(50));
        assert!(m.evaluate("s", "", &far).is_empty());
    }

    #[test]
    fn expressions_combine_with_the_lists() {
        let mut r = rule("x", &[], &[], &[]);
        r.expr = Some(crate::alert::expr::parse("(清河街道|西湖社区)+(火灾|爆炸)-演练").unwrap());
        let m = Matcher::new(&[r]);
        let hits = m.evaluate("s", "西湖社区发生爆炸", "");
        assert_eq!(hits.len(), 1);
        let words: Vec<&str> = hits[0].matched.iter().map(|w| w.word.as_str()).collect();
        assert_eq!(words, vec!["西湖社区", "爆炸"]);
        assert!(m.evaluate("s", "西湖社区爆炸演练", "").is_empty());
        assert!(m.evaluate("s", "西湖社区", "").is_empty());
    }

    #[test]
    fn all_words_and_scope_and_sources() {
        let mut r = rule("heat", &[], &[], &[]);
        r.all = vec!["供暖".into(), "投诉".into()];
        let mut t = rule("title", &["街道"], &["火灾"], &[]);
        t.scope = Scope::Title;
        t.sources = vec!["a".into()];
        let m = Matcher::new(&[r, t]);
        assert_eq!(
            m.evaluate("s", "供暖协调会", "接到投诉十二件")[0].rule_id,
            "heat"
        );
        assert!(m.evaluate("s", "供暖协调会", "无").is_empty());
        assert!(
            m.evaluate("a", "通知", "街道火灾").is_empty(),
            "title scope"
        );
        assert_eq!(m.evaluate("a", "街道火灾", "").len(), 1);
        assert!(m.evaluate("b", "街道火灾", "").is_empty(), "other source");
    }
}
