#!/usr/bin/env python3
"""Chooses an ensemble of scored networks by validation accuracy, then reports it on test.

Each network is scored once per split with `trainer evaluate --probabilities FILE` (add --average-variants to read
each image in the seven poses, as the solver does). Averaging the networks' probabilities here gives exactly what
`trainer evaluate --weights a,b,...` gives, without reading the images again for every subset.

The rule: the subset with the best validation accuracy; a tie keeps fewer networks (then the one listed first).

    scripts/choose_ensemble.py --names vgg s2 s3 --val vgg-val.csv s2-val.csv s3-val.csv [--test vgg-test.csv ...]
"""
import argparse
import csv
import itertools
import sys


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][0] != "truth":
        sys.exit(f"{path}: not a probabilities file from `trainer evaluate --probabilities` (no 'truth' column)")
    classes = rows[0][1:]
    truth = [classes.index(r[0]) for r in rows[1:]]
    probabilities = [[float(x) for x in r[1:]] for r in rows[1:]]
    return classes, truth, probabilities


def load_all(paths):
    loaded = [load(p) for p in paths]
    classes, truth, _ = loaded[0]
    for path, (c, t, _) in zip(paths, loaded):
        if c != classes or t != truth:
            sys.exit(f"{path}: other classes or other images than {paths[0]}: score every network on the same split")
    return classes, truth, [p for _, _, p in loaded]


def predictions(members):
    n, k = len(members[0]), len(members[0][0])
    result = []
    for i in range(n):
        mean = [sum(m[i][j] for m in members) for j in range(k)]
        result.append(max(range(k), key=lambda j: mean[j]))
    return result


def scores(truth, predicted, classes):
    right = sum(t == p for t, p in zip(truth, predicted))
    f1s = []
    for c in range(len(classes)):
        tp = sum(t == c and p == c for t, p in zip(truth, predicted))
        fp = sum(t != c and p == c for t, p in zip(truth, predicted))
        fn = sum(t == c and p != c for t, p in zip(truth, predicted))
        if tp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn)
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return right, len(truth) - right, sum(f1s) / len(f1s)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--names", nargs="+", required=True)
    parser.add_argument("--val", nargs="+", required=True)
    parser.add_argument("--test", nargs="+")
    args = parser.parse_args()
    if len(args.val) != len(args.names) or (args.test and len(args.test) != len(args.names)):
        sys.exit("give one --val file (and one --test file) for each name")
    classes, val_truth, val = load_all(args.val)
    test = load_all(args.test) if args.test else None

    rows = []
    for size in range(1, len(args.names) + 1):
        for subset in itertools.combinations(range(len(args.names)), size):
            right, _, _ = scores(val_truth, predictions([val[i] for i in subset]), classes)
            rows.append((right, subset))
    # Best validation accuracy; a tie keeps fewer networks, then the subset listed first.
    rows.sort(key=lambda r: (-r[0], len(r[1]), r[1]))
    chosen = rows[0][1]
    print(f"| networks | validation ({len(val_truth)} images) |" + (" test |" if test else ""))
    print("|---|---:|" + ("---:|" if test else ""))
    for right, subset in rows:
        line = f"| {' + '.join(args.names[i] for i in subset)}{' (chosen)' if subset == chosen else ''} | {100 * right / len(val_truth):.2f}% |"
        if test:
            t_right, t_errors, t_f1 = scores(test[1], predictions([test[2][i] for i in subset]), classes)
            line += f" {100 * t_right / len(test[1]):.2f}% ({t_errors} errors, macro F1 {t_f1:.3f}) |"
        print(line)


if __name__ == "__main__":
    main()
