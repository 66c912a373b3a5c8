//! Analysis of an article's text after extraction and before storage: what it says about its
//! subject. Pure functions over plain text; the lexicons are compiled in.
//!
//! * [`tone`] — 情感倾向: negative / neutral / positive, a score in [-1, 1] and the words that
//!   decided it.
//! * [`event`] — 事件: keywords of an article and the index that finds its incident.

pub mod event;
pub mod tone;

use serde::{Deserialize, Serialize};

use crate::model::Tone;
use crate::store::ArticleTone;
use tone::{ToneResult, ToneWord};

impl ToneResult {
    /// As the store keeps it: the words as JSON.
    pub fn stored(&self) -> ArticleTone {
        ArticleTone {
            tone: self.tone,
            score: self.score,
            words: serde_json::to_string(&self.words).expect("tone words serialize"),
        }
    }
}

/// The tone fields of an article, search hit or alert in JSON (DESIGN §8): `tone`,
/// `tone_score`, `tone_words`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToneView {
    pub tone: Tone,
    pub tone_score: f64,
    pub tone_words: Vec<ToneWord>,
}

impl ToneView {
    /// From the stored tone; computed from `title` and `text` when the row has none yet.
    pub fn of(stored: Option<&ArticleTone>, title: &str, text: &str) -> ToneView {
        match stored {
            Some(t) => ToneView {
                tone: t.tone,
                tone_score: t.score,
                tone_words: serde_json::from_str(&t.words).unwrap_or_default(),
            },
            None => {
                let r = tone::analyze(title, text);
                ToneView {
                    tone: r.tone,
                    tone_score: r.score,
                    tone_words: r.words,
                }
            }
        }
    }
}
