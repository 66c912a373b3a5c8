"""Trains the tone model (src/analyze/tone/model.tsv) and reports its quality.

    cargo test --test it tone_training_features -- --ignored   # writes target/tone-features.tsv
    pip install -r eval/tone/requirements.txt
    python3 eval/tone/train.py [--write]

Training: our own items (eval/tone/train/*.tsv) and the tune halves of the real sets
(pages.tsv, labels.tsv, pd1998.tsv: the last needs the corpus in bench-data/, see pd1998.py). The regularisation is chosen by 5-fold cross-validation on the
training rows only (the mean over the three real sets of the negative-class F1 of their rows
among them; the real rows may weigh more than our own items); the held-out halves are scored
once, at the end.
"""
import sys
from collections import Counter

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

CLASSES = ["negative", "neutral", "positive"]
# Char pairs seen in fewer training items than this are not features (they tell little and
# would triple the model's size).
MIN_ITEMS = 3


# The writing sessions of eval/tone/train/ (README there).
WRITERS = {
    "A": ("train-a", "train-b"),
    "B": ("train-c", "train-d"),
    "C": ("train-e", "train-f"),
    "D": ("train-g", "train-h"),
}


# The real sets. The CV choice scores each alike (the mean of their negative F1): People's
# Daily has ten times the rows of the others but is one register of several.
REAL_SOURCES = ("pages", "headlines", "pd1998")


def is_real(r):
    """A row of real news (a tune half), not one of our own written items."""
    return not r[0].startswith("train-")


def lexicon_label(d):
    if d.get("lex_is_neg"):
        return "negative"
    if d.get("lex_is_pos"):
        return "positive"
    return "neutral"


def load(path="target/tone-features.tsv"):
    rows = []
    for line in open(path, encoding="utf-8"):
        s, split, label, feats = line.rstrip("\n").split("\t")[:4]
        d = {}
        for kv in feats.split(" "):
            if kv:
                k, v = kv.rsplit("=", 1)
                d[k] = float(v)
        rows.append((s, split, label, d))
    return rows


def frequent_pairs(rows):
    """The char pairs that at least MIN_ITEMS of these rows have."""
    seen = Counter(k for r in rows for k in r[3] if ":" in k)
    return {k for k, n in seen.items() if n >= MIN_ITEMS}


def feats(r, allowed):
    """A row's features, its char pairs limited to `allowed`."""
    return {k: v for k, v in r[3].items() if ":" not in k or k in allowed}


def report(name, y, p):
    pr, rc, f1, n = precision_recall_fscore_support(y, p, labels=CLASSES, zero_division=0)
    print(f"== {name}: {len(y)} items")
    for k, c in enumerate(CLASSES):
        print(f"  {c:9} n={n[k]:4}  P {pr[k]:.3f}  R {rc[k]:.3f}  F1 {f1[k]:.3f}")
    print("  confusion (rows truth neg/neu/pos):", confusion_matrix(y, p, labels=CLASSES).tolist())
    return f1[0]


def main():
    rows = load()
    train = [r for r in rows if r[1] in ("train", "tune")]
    held = {s: [r for r in rows if r[0] == s and r[1] == "heldout"] for s in ("pages", "headlines", "pd1998")}
    allowed = frequent_pairs(train)
    vec = DictVectorizer()
    X = vec.fit_transform([feats(r, allowed) for r in train])
    y = np.array([r[2] for r in train])
    print("training rows:", len(train), Counter(y), "features:", X.shape[1])
    # Real news (the tune halves) is what the model is for: the real rows may weigh more than
    # our own items, and the choice is scored on them, each real set alike.
    real = np.array([is_real(r) for r in train])
    source = np.array([r[0] if is_real(r) else "own" for r in train])
    strata = np.array([f"{s}-{lab}" for s, lab in zip(source, y)])
    best = None
    for C in (1.0, 3.0, 10.0):
        for wr in (1.0, 3.0):
            pred = np.empty(len(train), dtype=object)
            for a, b in StratifiedKFold(5, shuffle=True, random_state=7).split(X, strata):
                m = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
                m.fit(X[a], y[a], sample_weight=np.where(real[a], wr, 1.0))
                pred[b] = m.predict(X[b])
            per = {
                s: f1_score(y[source == s], pred[source == s], labels=["negative"], average=None)[0]
                for s in REAL_SOURCES
            }
            f = sum(per.values()) / len(per)
            shown = ", ".join(f"{s} {v:.3f}" for s, v in per.items())
            print(f"  CV C={C:<4} real rows x{wr:g}: negative F1 {f:.3f} (mean of {shown})")
            if best is None or f > best[0]:
                best = (f, C, wr)
    _, C, wr = best
    cw = "balanced"
    print(f"chosen: C={C} class_weight={cw} real rows x{wr:g}")
    # Writer by writer: trained on the other writers' items (and the tune halves), tested on
    # this writer's, against the lexicon alone on the same items.
    for writer, files in WRITERS.items():
        test = [r for r in rows if r[0] in files]
        if not test:
            continue
        rest = [r for r in train if r[0] not in files]
        only = frequent_pairs(rest)
        v = DictVectorizer()
        mw = LogisticRegression(C=C, class_weight=cw, max_iter=5000)
        rw = [wr if is_real(r) else 1.0 for r in rest]
        mw.fit(v.fit_transform([feats(r, only) for r in rest]), [r[2] for r in rest], sample_weight=rw)
        truth = [r[2] for r in test]
        report(f"writer {writer} ({', '.join(files)}), model trained without it", truth, mw.predict(v.transform([feats(r, only) for r in test])))
        report(f"writer {writer}, lexicon alone", truth, [lexicon_label(r[3]) for r in test])
    m = LogisticRegression(C=C, class_weight=cw, max_iter=5000).fit(X, y, sample_weight=np.where(real, wr, 1.0))
    assert list(m.classes_) == CLASSES
    for s, part in held.items():
        truth = [r[2] for r in part]
        report(f"{s} held-out, model", truth, m.predict(vec.transform([feats(r, allowed) for r in part])))
        report(f"{s} held-out, lexicon alone", truth, [lexicon_label(r[3]) for r in part])
    if "--write" in sys.argv:
        names = vec.get_feature_names_out()
        lines = [
            "# Tone model: multinomial logistic regression, weights per class (negative, neutral, positive).",
            f"# Trained by eval/tone/train.py (C={C}, class_weight={cw}, real rows x{wr:g}) on {len(train)} labelled items:",
            "# our own (eval/tone/train/, CC0) and the tune halves of eval/tone/pages.tsv, labels.tsv and pd1998.tsv.",
            "# Licence: CC0 1.0 (derived from our own labels). Features: see src/analyze/tone.rs.",
            "bias\t" + "\t".join(f"{b:.5f}" for b in m.intercept_),
        ]
        kept = 0
        for j, name in enumerate(names):
            w = m.coef_[:, j]
            lines.append(name + "\t" + "\t".join(f"{x:.5f}" for x in w))
            kept += 1
        open("src/analyze/tone/model.tsv", "w", encoding="utf-8").write("\n".join(lines) + "\n")
        print(f"wrote src/analyze/tone/model.tsv: {kept} of {len(names)} features")


if __name__ == "__main__":
    main()
