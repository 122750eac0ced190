#!/usr/bin/env python3
"""Measures what one additive bias per class, fitted on validation, does to an ensemble on test.

Networks trained on augmented images (redrawn ink, random pens) see the classes drawn alike (x and times, 1 and |,
o and 0) in proportions unlike real expressions', so a shift of their decision boundaries might buy the last images
of a target. Two fits of a bias b per class on the log of the averaged validation probabilities, argmax(log p + b):

  - nll: gradient descent on the cross-entropy of softmax(log p + b) plus l2/2 |b|^2 (convex, does not chase single
    images);
  - greedy: for each class in turn, the step from {-1, -0.5, -0.25, +0.25, +0.5, +1} that most raises validation
    accuracy, two rounds (chases single images).

Both read the probabilities files of `trainer evaluate --probabilities` (as scripts/choose_ensemble.py does) and
print validation and test accuracy before and after. Measured 2026-12-05 (docs/results.md, 101 classes): not robust,
so nothing is shipped from it.

    scripts/class_bias.py --val a-val.csv b-val.csv --test a-test.csv b-test.csv [--fit nll|greedy]
"""
import argparse
import math
import sys

from choose_ensemble import load_all


def mean_logs(members):
    n, k = len(members[0]), len(members[0][0])
    return [[math.log(max(1e-30, sum(m[i][j] for m in members) / len(members))) for j in range(k)] for i in range(n)]


def right(logs, truth, bias):
    k = len(bias)
    return sum(max(range(k), key=lambda j: row[j] + bias[j]) == t for row, t in zip(logs, truth))


def fit_nll(logs, truth, k, l2=0.001, steps=400):
    n = len(truth)
    counts = [0] * k
    for t in truth:
        counts[t] += 1
    bias, rate, previous = [0.0] * k, 2.0, None
    for _ in range(steps):
        expected, loss = [0.0] * k, 0.0
        for row, t in zip(logs, truth):
            shifted = [x + b for x, b in zip(row, bias)]
            top = max(shifted)
            e = [math.exp(x - top) for x in shifted]
            s = sum(e)
            loss += math.log(s) + top - shifted[t]
            for j in range(k):
                expected[j] += e[j] / s
        loss = loss / n + 0.5 * l2 * sum(b * b for b in bias)
        if previous is not None and loss > previous:
            rate /= 2
        previous = loss
        bias = [b - rate * ((expected[j] - counts[j]) / n + l2 * b) for j, b in enumerate(bias)]
    return bias


def fit_greedy(logs, truth, k, rounds=2):
    bias = [0.0] * k
    for _ in range(rounds):
        for c in range(k):
            original = bias[c]
            best = (right(logs, truth, bias), original)
            for step in (-1, -0.5, -0.25, 0.25, 0.5, 1):
                bias[c] = original + step
                score = right(logs, truth, bias)
                if score > best[0]:
                    best = (score, bias[c])
            bias[c] = best[1]
    return bias


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--val", nargs="+", required=True, help="validation probabilities, one file a network")
    parser.add_argument("--test", nargs="+", required=True, help="the same networks' test probabilities, same order")
    parser.add_argument("--fit", choices=["nll", "greedy"], default="nll")
    args = parser.parse_args()
    if len(args.val) != len(args.test):
        sys.exit("give one --test file for each --val file")
    classes, val_truth, val_members = load_all(args.val)
    test_classes, test_truth, test_members = load_all(args.test)
    if test_classes != classes:
        sys.exit("the validation and test files have other classes")
    val_logs, test_logs, k = mean_logs(val_members), mean_logs(test_members), len(classes)
    bias = (fit_nll if args.fit == "nll" else fit_greedy)(val_logs, val_truth, k)
    for name, logs, truth in (("validation", val_logs, val_truth), ("test", test_logs, test_truth)):
        before, after = right(logs, truth, [0.0] * k), right(logs, truth, bias)
        n = len(truth)
        print(f"{name}: {before} -> {after} of {n} right ({before / n:.2%} -> {after / n:.2%})")
    for j in sorted(range(k), key=lambda j: -abs(bias[j]))[:10]:
        if bias[j]:
            print(f"  {classes[j]}: {bias[j]:+.2f}")


if __name__ == "__main__":
    main()
