#!/usr/bin/env bash
# Makes dist/solver-gpu-linux-x64.tar.gz: a self-contained linux-x64 publish of the trainer, the solver and the
# benchmark (one shared .NET runtime, no .NET needed on the target), with the configs, the shipped weights and the
# PyTorch peer scripts. Run it where the .NET SDK is; copy the archive to a CUDA machine and run scripts/bench-gpu.sh
# there (it is inside the archive). Nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/solver-gpu
rm -rf "$out" && mkdir -p "$out"
for project in src/Trainer src/Inference bench/Solver.Bench; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained true -p:InvariantGlobalization=true -o "$out/bin" >/dev/null
done
mkdir -p "$out/scripts"
cp -r configs models "$out/"
cp scripts/torch_bench.py scripts/torch_reference.py scripts/bench-gpu.sh "$out/scripts/"
tar -C dist -czf dist/solver-gpu-linux-x64.tar.gz solver-gpu
size=$(stat -c %s dist/solver-gpu-linux-x64.tar.gz)
echo "dist/solver-gpu-linux-x64.tar.gz: $((size / 1048576)) MiB"
if [ "$size" -ge $((60 * 1048576)) ]; then echo "the bundle is over 60 MiB" >&2; exit 1; fi
