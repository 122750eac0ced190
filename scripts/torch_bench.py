#!/usr/bin/env python3
"""PyTorch's side of the training-throughput benchmark (bench/Solver.Bench, docs/performance.md).

Builds the model of a Solver config exactly as scripts/torch_reference.py does, then times full training steps
(forward, cross-entropy, backward, SGD with the config's settings) on synthetic inputs shaped like our symbols
(45x45, about 10% ink), with the given thread count. Warm-up steps are excluded. Prints one JSON line.

    /usr/bin/python3 scripts/torch_bench.py --config configs/model4.json --threads 2 --steps 30
"""
import argparse
import json
import resource
import time

import torch
from torch import nn

from torch_reference import build, init_, optimizer


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--classes", type=int, default=None, help="default: the config's class count")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    args = ap.parse_args()

    cfg = json.load(open(args.config))
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    classes = args.classes or len(cfg["data"]["classes"])
    dev = torch.device(args.device)
    net = build(cfg["model"], classes)
    init_(net, cfg["model"].get("init", "glorot_uniform"))
    net = net.to(dev)
    o = cfg.get("optimizer", {})
    opt = optimizer(net, o)
    batch = cfg["batch_size"]
    shape = [batch] + list(cfg["model"].get("input", [1, 45, 45]))
    x = ((torch.rand(shape) < 0.1).float() * torch.rand(shape)).to(dev)
    y = torch.randint(0, classes, (batch,)).to(dev)

    def step():
        out = net(x)
        loss = nn.functional.cross_entropy(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()  # loss.item() waits for the device each step, as the C# trainer's scalar read does
    seconds = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "device": args.device, "threads": torch.get_num_threads(), "batch": batch,
                      "images_per_second": batch * args.steps / seconds,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


if __name__ == "__main__":
    main()
