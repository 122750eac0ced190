#!/usr/bin/env python3
"""Train the same model as a Solver config, with the same settings and on the same split, in PyTorch.

The peer for docs/results.md: PyTorch (Debian's python3-torch, CPU) is never part of the product.

    dotnet run --project src/Trainer -c Release -- export-split --config configs/model4.json --out runs/split20
    /usr/bin/python3 scripts/torch_reference.py --config configs/model4.json --split runs/split20 --threads 2

The config's layers, init (glorot_uniform, he_normal, he_uniform, small_normal; biases zero), loss, SGD
settings, batch size, epochs and seed are used as they are. Inputs are the exported 45x45 uint8 images
scaled to [0, 1], ink bright, exactly as the C# trainer feeds them. Prints one JSON line per epoch and a
final JSON line with the test accuracy and seconds per epoch.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch import nn


def load(split_dir, name):
    x = np.fromfile(os.path.join(split_dir, f"{name}_images.u8"), dtype=np.uint8)
    y = np.fromfile(os.path.join(split_dir, f"{name}_labels.i32"), dtype="<i4")
    x = torch.from_numpy(x.reshape(-1, 1, 45, 45).astype(np.float32) / 255.0)
    return x, torch.from_numpy(y.astype(np.int64))


def build(model_cfg, classes):
    layers, shape = [], list(model_cfg.get("input", [1, 45, 45]))
    specs = model_cfg["layers"]
    for i, l in enumerate(specs):
        t = l["type"]
        if t == "conv2d":
            k, s, p = l["kernel"], l.get("stride", 1), l.get("padding", 0)
            m = nn.Conv2d(shape[0], l["out_channels"], k, s, p, bias=l.get("bias", True))
            shape = [l["out_channels"], (shape[1] + 2 * p - k) // s + 1, (shape[2] + 2 * p - k) // s + 1]
        elif t == "maxpool2d":
            k, s = l["kernel"], l.get("stride", l["kernel"])
            m = nn.MaxPool2d(k, s)
            shape = [shape[0], (shape[1] - k) // s + 1, (shape[2] - k) // s + 1]
        elif t == "relu":
            m = nn.ReLU()
        elif t == "dropout":
            m = nn.Dropout(l["p"])
        elif t == "flatten":
            m = nn.Flatten()
            shape = [int(np.prod(shape))]
        elif t == "linear":
            last = all(x["type"] != "linear" for x in specs[i + 1:])
            out = l.get("out_features", classes if last else None)
            m = nn.Linear(shape[0], out, bias=l.get("bias", True))
            shape = [out]
        else:
            raise SystemExit(f"unknown layer {t}")
        layers.append(m)
    return nn.Sequential(*layers)


def init_(net, kind):
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if kind in ("glorot", "glorot_uniform", "xavier", "xavier_uniform"):
                nn.init.xavier_uniform_(m.weight)
            elif kind in ("he", "he_normal", "kaiming", "kaiming_normal"):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif kind in ("he_uniform", "kaiming_uniform"):
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            else:
                nn.init.normal_(m.weight, 0.0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def optimizer(net, o):
    """torch.optim.SGD, Adam or AdamW with the config's settings."""
    kind = o.get("type", "sgd")
    if kind in ("adam", "adamw"):
        cls = torch.optim.AdamW if kind == "adamw" else torch.optim.Adam
        return cls(net.parameters(), lr=o.get("lr", 0.01), betas=tuple(o.get("betas", [0.9, 0.999])),
                   eps=o.get("eps", 1e-8), weight_decay=o.get("weight_decay", 0.0))
    return torch.optim.SGD(net.parameters(), lr=o.get("lr", 0.01), momentum=o.get("momentum", 0.0),
                           weight_decay=o.get("weight_decay", 0.0), nesterov=o.get("nesterov", False))


def evaluate(net, x, y, batch=1024):
    net.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(y), batch):
            out = net(x[i:i + batch])
            loss += nn.functional.cross_entropy(out, y[i:i + batch], reduction="sum").item()
            correct += (out.argmax(1) == y[i:i + batch]).sum().item()
    net.train()
    return loss / max(1, len(y)), correct / max(1, len(y))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--split", required=True, help="folder written by 'trainer export-split'")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=None)
    args = ap.parse_args()

    cfg = json.load(open(args.config))
    torch.set_num_threads(args.threads)
    torch.manual_seed(cfg.get("seed", 1))
    classes = json.load(open(os.path.join(args.split, "classes.json")))
    xtr, ytr = load(args.split, "train")
    xva, yva = load(args.split, "val")
    xte, yte = load(args.split, "test")
    net = build(cfg["model"], len(classes))
    init_(net, cfg["model"].get("init", "glorot_uniform"))
    o = cfg.get("optimizer", {})
    opt = optimizer(net, o)
    batch, epochs = cfg["batch_size"], args.epochs or cfg["epochs"]
    gen = torch.Generator().manual_seed(cfg.get("seed", 1))
    times = []
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(ytr), generator=gen)
        tl, tc = 0.0, 0
        for i in range(0, len(ytr), batch):
            idx = order[i:i + batch]
            out = net(xtr[idx])
            loss = nn.functional.cross_entropy(out, ytr[idx], label_smoothing=cfg.get("label_smoothing", 0.0))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tl += loss.item() * len(idx)
            tc += (out.argmax(1) == ytr[idx]).sum().item()
        sec = time.perf_counter() - start
        times.append(sec)
        vl, va = evaluate(net, xva, yva)
        print(json.dumps({"epoch": epoch + 1, "train_loss": tl / len(ytr), "train_accuracy": tc / len(ytr),
                          "val_loss": vl, "val_accuracy": va, "seconds": sec, "images_per_second": len(ytr) / sec}), flush=True)
        if not math.isfinite(tl):
            raise SystemExit("loss diverged")
    _, test_acc = evaluate(net, xte, yte)
    print(json.dumps({"config": args.config, "torch": torch.__version__, "threads": args.threads, "epochs": epochs,
                      "train": len(ytr), "val": len(yva), "test": len(yte), "test_accuracy": test_acc,
                      "median_seconds_per_epoch": float(np.median(times)) if times else None}), flush=True)


if __name__ == "__main__":
    main()
