#!/usr/bin/env python3
"""How much a symbol's size within its expression tells apart the pairs that are drawn alike.

The isolated 45x45 crops are scaled to fill their box, so `times` and `x`, `|` and `1`, `C` and `c` look the same
there. The InkML ink (zip 4) keeps each symbol's coordinates in its expression, and index.csv (zip 3) names the
expression, so a symbol's height can be set against the median height of the other symbols of its expression (bars,
dots, commas, primes and '=' left out of the median). This script measures, for each pair, that relative height,
and what it alone would decide: a histogram of log relative height per class over all images (12 bins, the class
counts as the prior), each bin given to the class with more images in it. Counted on the images that built the
histograms, so it is an upper bound on what size alone can buy for the pair.

    scripts/size_prior.py [--data ../shared/data/hms]

Prints a Markdown table. Reads the data; writes nothing.
"""
import argparse
import collections
import csv
import io
import math
import os
import re
import statistics
import sys
import zipfile

PAIRS = [("x", "times"), ("x", "X_cap"), ("1", "ascii_124"), ("0", "o"), ("c", "C_cap"), ("p", "P_cap"), ("2", "z")]
NOT_IN_MEDIAN = {"-", "dot", ",", "ldots", "=", "prime"}
BINS = 12


def heights(data):
    rendered = os.path.join(data, "crohme-rendered-45-dev.zip")
    ink = os.path.join(data, "crohme14-task2-train-inkml-dev.zip")
    for path in (rendered, ink):
        if not os.path.isfile(path):
            sys.exit(f"{path}: not found (give the folder of the hms zips with --data)")
    with zipfile.ZipFile(rendered) as z3, zipfile.ZipFile(ink) as z4:
        rows = list(csv.DictReader(io.TextIOWrapper(z3.open("index.csv"))))
        height = {}
        for r in rows:
            number = re.search(r"iso(\d+)\.png", r["file"]).group(1)
            text = z4.read(f"trainingSymbols/iso{number}.inkml").decode()
            ys = [float(p.split()[1]) for t in re.findall(r"<trace id=[^>]*>(.*?)</trace>", text, re.S)
                  for p in t.split(",") if len(p.split()) >= 2]
            height[r["file"]] = max(ys) - min(ys)
    by_expression = collections.defaultdict(list)
    for r in rows:
        by_expression[r["expression"]].append(r)
    relative = collections.defaultdict(list)
    for members in by_expression.values():
        sized = [height[r["file"]] for r in members if r["class"] not in NOT_IN_MEDIAN]
        median = statistics.median(sized) if sized else 0
        if median <= 0:
            continue
        for r in members:
            relative[r["class"]].append(max(height[r["file"]] / median, 1e-3))
    return relative


def decided_by_size(frequent, rare):
    logs_f, logs_r = [math.log(v) for v in frequent], [math.log(v) for v in rare]
    lo, hi = min(logs_f + logs_r), max(logs_f + logs_r)

    def histogram(values):
        counts = [0] * BINS
        for v in values:
            counts[min(BINS - 1, int((v - lo) / (hi - lo) * BINS))] += 1
        return counts

    hf, hr = histogram(logs_f), histogram(logs_r)
    won = sum(r for f, r in zip(hf, hr) if r > f)
    lost = sum(f for f, r in zip(hf, hr) if r > f)
    return won, lost


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "hms"))
    args = parser.parse_args()
    relative = heights(args.data)
    print("| pair (frequent vs rare) | images | median relative height | rare ones size alone would call right | frequent ones it would then miss |")
    print("|---|---:|---:|---:|---:|")
    for frequent, rare in PAIRS:
        f, r = relative[frequent], relative[rare]
        won, lost = decided_by_size(f, r)
        print(f"| {frequent} vs {rare} | {len(f)} : {len(r)} | {statistics.median(f):.2f} : {statistics.median(r):.2f} "
              f"| {won} of {len(r)} | {lost} of {len(f)} |")


if __name__ == "__main__":
    main()
