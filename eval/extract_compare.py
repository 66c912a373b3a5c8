#!/usr/bin/env python3
"""Compares yuqing's extractor with trafilatura on tests/fixtures/extract/{tune,heldout}.

Both get the same page bytes. yuqing runs through the `extract_json` example binary
(`cargo build --example extract_json` first, or pass --bin PATH); trafilatura through its
Python API with default settings. The score is the character-multiset F1 of
tests/it/extract_fixtures.rs (non-whitespace characters, order ignored).

Not run by CI:  pip install -r eval/requirements.txt && python3 eval/extract_compare.py
"""

import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FIXTURES = os.path.join(REPO, "tests", "fixtures", "extract")


def f1(got, truth):
    a = collections.Counter(c for c in got if not c.isspace())
    b = collections.Counter(c for c in truth if not c.isspace())
    na, nb = sum(a.values()), sum(b.values())
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    common = sum(min(n, b[c]) for c, n in a.items())
    if common == 0:
        return 0.0
    p, r = common / na, common / nb
    return 2 * p * r / (p + r)


HALVES = ("tune", "heldout")


def pages():
    for half in HALVES:
        d = os.path.join(FIXTURES, half)
        for name in sorted(os.listdir(d)):
            if name.endswith(".html"):
                stem = name[:-5]
                with open(os.path.join(d, stem + ".txt"), encoding="utf-8") as f:
                    truth = f.read()
                yield half, stem.split("-")[0], stem, os.path.join(d, name), truth


def run_yuqing(binary, paths, mode):
    out = subprocess.run([binary, "--mode", mode, *paths], check=True, capture_output=True, text=True).stdout
    return {row["path"]: row for row in map(json.loads, out.splitlines())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(REPO, "target", "debug", "examples", "extract_json"))
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--half", choices=["tune", "heldout"], help="only this half")
    args = ap.parse_args()
    global HALVES
    if args.half:
        HALVES = (args.half,)
    import trafilatura

    items = list(pages())
    paths = [p for *_, p, _ in items]
    modes = ["combined", "ours", "smoothie"]
    yq = {m: run_yuqing(args.bin, paths, m) for m in modes}
    systems = ["yuqing"] + [f"yuqing:{m}" for m in modes[1:]] + ["trafilatura"]
    scores = collections.defaultdict(lambda: collections.defaultdict(list))
    empties = collections.Counter()
    for half, shape, stem, path, truth in items:
        with open(path, "rb") as f:
            raw = f.read()
        traf = trafilatura.extract(raw, output_format="txt") or ""
        got = {"yuqing": yq["combined"][path]["text"], "trafilatura": traf}
        for m in modes[1:]:
            got[f"yuqing:{m}"] = yq[m][path]["text"]
        for s in systems:
            x = f1(got[s], truth)
            scores[s][(half, shape)].append(x)
            scores[s][(half, "ALL")].append(x)
            if not got[s].strip():
                empties[(s, half)] += 1
        if args.verbose:
            print(f"{half:8} {stem:24} yuqing {f1(got['yuqing'], truth):.3f} "
                  f"(conf {yq['combined'][path]['confidence']:.2f}, {yq['combined'][path]['page_type']}) "
                  f"trafilatura {f1(traf, truth):.3f}")

    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
    shapes = sorted({shape for _, shape, *_ in items})
    for half in HALVES:
        print(f"\n## {half}\n")
        print("| shape | pages | " + " | ".join(systems) + " |")
        print("|---|---:|" + "---:|" * len(systems))
        for shape in shapes + ["ALL"]:
            n = len(scores["yuqing"][(half, shape)])
            if n == 0:
                continue
            cells = " | ".join(f"{mean(scores[s][(half, shape)]):.3f}" for s in systems)
            label = "**all**" if shape == "ALL" else shape
            print(f"| {label} | {n} | {cells} |")
        print("\nempty bodies: " + ", ".join(f"{s} {empties[(s, half)]}" for s in systems))


if __name__ == "__main__":
    sys.exit(main())
