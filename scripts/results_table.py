#!/usr/bin/env python3
"""Builds the reference-model table of docs/results.md from runs/<model>/ (metrics.csv, report.csv,
config.json) and runs/torch-<model>.jsonl (scripts/torch_reference.py output). Standard library only.

    /usr/bin/python3 scripts/results_table.py > /tmp/table.md
"""
import csv, json, os, statistics, sys

REFERENCE = {"model1": None, "model1_2": 84.0, "model2": 73.0, "model3": 81.0, "model4": 83.5}
NAMES = {"model1": "1.1", "model1_2": "1.2", "model2": "2.2", "model3": "3", "model4": "4"}

print("| model | reference | ours (test) | PyTorch (test) | ours - PyTorch | epochs run / planned | ours s/epoch (median) | PyTorch s/epoch (median) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for m in ["model1", "model1_2", "model2", "model3", "model4"]:
    run = os.path.join("runs", m)
    ours = epochs = secs = None
    planned = json.load(open(f"configs/{m}.json"))["epochs"]
    if os.path.exists(os.path.join(run, "report.csv")):
        for row in csv.reader(open(os.path.join(run, "report.csv"))):
            if row and row[0] == "accuracy":
                ours = 100 * float(row[3])
    if os.path.exists(os.path.join(run, "metrics.csv")):
        rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
        epochs = len(rows)
        if rows:
            secs = statistics.median(float(r["seconds"]) for r in rows)
    torch = tsecs = None
    tpath = f"runs/torch-{m}.jsonl"
    if os.path.exists(tpath):
        last = json.loads(open(tpath).read().strip().splitlines()[-1])
        torch = 100 * last["test_accuracy"]
        tsecs = last["median_seconds_per_epoch"]
    ref = REFERENCE[m]
    fmt = lambda v, d=2: "-" if v is None else f"{v:.{d}f}"
    diff = None if ours is None or torch is None else ours - torch
    print(f"| {NAMES[m]} | {fmt(ref, 1) if ref else 'not given'} | {fmt(ours)}% | {fmt(torch)}% | {fmt(diff)} | {epochs or 0} / {planned} | {fmt(secs, 1)} | {fmt(tsecs, 1)} |")
